// Console transport over NodeDevice's UART: a console module (device.wasm, or the LAN image
// device-lan.wasm: the default of `wasmqtt hil --node`) on Node, its network a W5500 model whose
// routes the runner owns (hil/lan-routes.ts: the broker through a LinkRelay the runner retargets
// and pulls, and with the LAN image the DNS server and DHCP segments of the LAN scenarios), its
// store kept across power cycles. The device believes the broker is 192.168.1.10:1883.
import { readFileSync } from 'node:fs';
import { NodeDevice } from '../sim/host/device.ts';
import { MemoryStore } from '../sim/host/store.ts';
import { W5500NetworkBackend } from '../sim/host/w5500-backend.ts';
import type { ConsoleTransport } from './console-device.ts';
import type { ClientSettings } from './device.ts';
import { LAN_BROKER, LanRoutes, type LanRouting } from './lan-routes.ts';
import { LinkRelay } from './link-relay.ts';

/** True for a module with the LAN services (it exports wq_lan: firmware/core/net/lan-core.ts). */
export function hasLanServices(wasmPath: string | undefined): boolean {
  if (!wasmPath) return false;
  try {
    return WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(wasmPath))).some((e) => e.name === 'wq_lan');
  } catch {
    return false;
  }
}

export class NodeConsoleTransport implements ConsoleTransport {
  readonly description: string;
  readonly reachesRunnerLoopback = true;
  readonly lan: LanRouting | undefined;
  private dev: NodeDevice | undefined;
  private readonly store = new MemoryStore();
  private readonly relay = new LinkRelay('127.0.0.1', 9, false);
  private readonly routes = new LanRoutes(this.relay);
  private receiver: ((chunk: Buffer) => void) | undefined;

  constructor(private readonly wasmPath?: string) {
    const lan = hasLanServices(wasmPath);
    this.lan = lan ? this.routes : undefined;
    this.description =
      `NodeDevice console (${lan ? `${wasmPath}: the console with DHCP and DNS` : wasmPath ?? 'device.wasm'} on ` +
      `Node, driven over its UART)`;
  }

  private async boot(settings?: ClientSettings): Promise<void> {
    if (!this.relay.port) await this.relay.start();
    const network = new W5500NetworkBackend();
    this.routes.attach(network.model.addressMap);
    const dev = await NodeDevice.start({
      network, broker: this.relay.url, deviceBroker: `${LAN_BROKER.ip}:${LAN_BROKER.port}`, store: this.store,
      wasm: this.wasmPath,
      waitConnected: false, backoffMinMs: 100, backoffMaxMs: 500, console: true,
      ...(settings ? {
        clientId: settings.clientId, cleanSession: settings.cleanSession, keepalive: settings.keepalive } : {}),
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
    return LAN_BROKER;
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
