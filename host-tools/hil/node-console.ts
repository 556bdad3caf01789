// Console transport over NodeDevice's UART: device.wasm (the core with the console the chip runs)
// on Node, its network through a LinkRelay the runner can retarget and pull, its store kept
// across power cycles. The device believes the broker is 192.168.1.10:1883; the relay
// forwards that to whichever broker a scenario names.
import { NodeDevice } from '../sim/host/device.ts';
import { MemoryStore } from '../sim/host/store.ts';
import type { ConsoleTransport } from './console-device.ts';
import type { ClientSettings } from './device.ts';
import { LinkRelay } from './link-relay.ts';

const DEVICE_BROKER = { ip: '192.168.1.10', port: 1883 };

export class NodeConsoleTransport implements ConsoleTransport {
  readonly description = 'NodeDevice console (device.wasm on Node, driven over its UART)';
  readonly reachesRunnerLoopback = true;
  private dev: NodeDevice | undefined;
  private readonly store = new MemoryStore();
  private readonly relay = new LinkRelay('127.0.0.1', 9, false);
  private receiver: ((chunk: Buffer) => void) | undefined;

  constructor(private readonly wasmPath?: string) {}

  private async boot(settings?: ClientSettings): Promise<void> {
    if (!this.relay.port) await this.relay.start();
    const dev = await NodeDevice.start({
      broker: this.relay.url, deviceBroker: `${DEVICE_BROKER.ip}:${DEVICE_BROKER.port}`, store: this.store, wasm: this.wasmPath,
      waitConnected: false, backoffMinMs: 100, backoffMaxMs: 500, console: true,
      ...(settings ? { clientId: settings.clientId, cleanSession: settings.cleanSession, keepalive: settings.keepalive } : {}),
    });
    dev.on('uart', (text: string) => this.receiver?.(Buffer.from(text, 'utf8')));
    dev.on('error', () => { /* the console reports errors as evt lines */ });
    this.dev = dev;
  }

  write(text: string): void {
    if (!this.dev?.alive) return; // a powered-off board hears nothing
    this.dev.uartInput(text);
  }

  onData(fn: (chunk: Buffer) => void): void {
    this.receiver = fn;
  }

  async brokerAddress(url: string): Promise<{ ip: string; port: number }> {
    // A new scenario starts from a powered board (a previous one may have cut the power).
    if (!this.dev?.alive) await this.boot();
    const u = new URL(url);
    this.relay.retarget(u.hostname, Number(u.port || 1883));
    this.relay.up();
    return DEVICE_BROKER;
  }

  async powerOff(): Promise<void> {
    this.dev?.kill();
    this.dev = undefined;
    // UART output the core wrote before the cut is still queued (one setImmediate per write):
    // let it through first, as a real UART would have sent it before the power went.
    await new Promise((resolve) => setImmediate(resolve));
  }

  async powerOn(settings: ClientSettings): Promise<void> {
    await this.boot(settings);
  }

  async linkDown(): Promise<void> {
    this.relay.down();
  }

  async linkUp(): Promise<void> {
    this.relay.up();
  }

  async close(): Promise<void> {
    this.dev?.kill();
    await this.relay.stop();
  }
}
