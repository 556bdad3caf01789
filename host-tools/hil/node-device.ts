// HIL adapter for NodeDevice: the real core.wasm on Node's engine, its network through a
// LinkRelay (so the link can be pulled) and its store kept across power cycles.
import { NodeDevice, ConnackError } from '../sim/host/device.ts';
import { Cfg, Stat } from '../sim/host/abi.ts';
import { MemoryStore } from '../sim/host/store.ts';
import type { CoreEvent } from '../sim/host/abi.ts';
import { ConnectRefused, DeviceBase, type ClientSettings, type HilDevice } from './device.ts';
import { LinkRelay } from './link-relay.ts';
import { readFileSync } from 'node:fs';
import { W5500NetworkBackend } from '../sim/host/w5500-backend.ts';
import type { DhcpRig } from '../sim/w5500/dhcp-rig.ts';

/** The device's view of the LAN when the broker is given by name: broker and DNS server (the gateway). */
const LAN_BROKER = '192.168.1.10:1883';
const LAN_DNS = '192.168.1.1:53';

export class NodeDeviceAdapter extends DeviceBase implements HilDevice {
  readonly description = 'NodeDevice (core.wasm on Node)';
  readonly canPowerCycle = true;
  readonly canControlLink = true;
  readonly reachesRunnerLoopback = true;
  private dev: NodeDevice | undefined;
  private relay: LinkRelay | undefined;
  private settings: ClientSettings | undefined;
  private store = new MemoryStore();

  constructor(private readonly wasmPath?: string) {
    super();
  }

  /** A module with the LAN services (firmware/core/net/lan-core.ts exports wq_lan) leases its address by DHCP. */
  get leasesAddress(): boolean { return this.resolvesNames; }

  /** A module with the LAN services (firmware/core/net/lan-core.ts exports wq_lan) resolves host names. */
  get resolvesNames(): boolean {
    if (!this.wasmPath) return false;
    try {
      return WebAssembly.Module.exports(
        new WebAssembly.Module(readFileSync(this.wasmPath))).some((e) => e.name === 'wq_lan');
    } catch {
      return false;
    }
  }

  async connect(s: ClientSettings): Promise<{ sessionPresent: boolean }> {
    await this.shutdown();
    this.store = new MemoryStore();
    this.settings = s;
    const url = new URL(s.broker);
    this.relay = new LinkRelay(url.hostname, Number(url.port || 1883));
    await this.relay.start();
    return this.boot();
  }

  private async boot(): Promise<{ sessionPresent: boolean }> {
    const s = this.settings!;
    let sessionPresent = false;
    const onEvent = (e: CoreEvent): void => {
      if (e.kind === 'connected') { sessionPresent = e.sessionPresent; this.markConnected(true); }
      else if (e.kind === 'disconnected') this.markConnected(false);
      else if (e.kind === 'error') this.emit('device-error', { code: e.code, message: e.message });
      else if (e.kind === 'dhcp') this.emit('dhcp', e);
      else if (e.kind === 'trace') {
        const pub = e.name === 'PUBLISH';
        this.emit('packet', {
          from: e.direction === 'sent' ? 'device' : 'broker', packet: e.name, packetId: e.packetId || undefined,
          qos: pub ? (e.flags >> 1) & 3 : undefined, dup: pub ? (e.flags & 8) !== 0 : undefined,
        });
      }
    };
    try {
      // By name: the device resolves s.brokerName through its gateway (the runner's DNS server),
      // and the address it gets is routed to the relay.
      const byName = s.brokerName !== undefined && s.dnsServer !== undefined;
      const relay = new URL(this.relay!.url);
      const lan = byName ? {
        network: new W5500NetworkBackend(
          { routes: { [LAN_BROKER]: `127.0.0.1:${relay.port}`, [LAN_DNS]: s.dnsServer! } }),
        deviceBroker: `${s.brokerName}:1883`,
      } : s.dhcp ? this.dhcpLan(s.dhcp, relay.port) : {};
      const dev = await NodeDevice.start({
        ...lan,
        broker: this.relay!.url, clientId: s.clientId, cleanSession: s.cleanSession, keepalive: s.keepalive,
        will: s.will, store: this.store, trace: true, wasm: this.wasmPath, backoffMinMs: 100, backoffMaxMs: 500,
        waitConnected: false,
      });
      this.dev = dev;
      dev.on('event', onEvent);
      dev.on('error', () => { /* reported through 'event' */ });
      dev.on('message', (m: { topic: string; payload: Buffer; qos: number; retain: boolean; dup: boolean }) =>
        this.emit('message', { topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, dup: m.dup }));
      await dev.waitConnected();
    } catch (err) {
      this.dev?.kill();
      this.dev = undefined;
      if (err instanceof ConnackError) throw new ConnectRefused(err.returnCode, err.message);
      throw err;
    }
    return { sessionPresent };
  }

  /**
   * The device on a DHCP LAN: address 0.0.0.0 (lease one), the broker on the LAN's router address, routed to the relay.
   */
  private dhcpLan(rig: DhcpRig, relayPort: string) {
    const network = new W5500NetworkBackend({ routes: { [`${rig.routerIp}:1883`]: `127.0.0.1:${relayPort}` } });
    rig.route(network.model.addressMap);
    return {
      network, deviceBroker: `${rig.routerIp}:1883`, deviceConfig: [[Cfg.DEVICE_IP, 0]] as Array<[number, number]> };
  }

  async outgoingHeld(): Promise<number> {
    const dev = this.need();
    return dev.stat(Stat.INFLIGHT_OUT) + dev.stat(Stat.QUEUED_OUT);
  }

  private need(): NodeDevice {
    if (!this.dev || !this.dev.alive) throw new Error('device is not running (power it on or connect first)');
    return this.dev;
  }

  async publish(topic: string, payload: string, qos: 0 | 1 | 2, retain = false): Promise<void> {
    await this.need().publish(topic, payload, { qos, retain });
  }

  async subscribe(filter: string, qos: 0 | 1 | 2): Promise<number> {
    const granted = await this.need().subscribe(filter, { qos });
    return granted[0] ?? 0x80;
  }

  async unsubscribe(filter: string): Promise<void> {
    await this.need().unsubscribe(filter);
  }

  async disconnect(): Promise<void> {
    if (this.dev?.alive) await this.dev.close();
    this.markConnected(false);
  }

  async powerOff(): Promise<void> {
    this.dev?.kill();
    this.dev = undefined;
    this.markConnected(false);
  }

  async powerOn(): Promise<void> {
    if (!this.settings) throw new Error('powerOn before connect');
    await this.boot();
  }

  async linkDown(): Promise<void> {
    this.relay?.down();
  }

  async linkUp(): Promise<void> {
    this.relay?.up();
  }

  private async shutdown(): Promise<void> {
    if (this.dev?.alive) this.dev.kill();
    this.dev = undefined;
    await this.relay?.stop();
    this.relay = undefined;
    this.connected = false;
  }

  async close(): Promise<void> {
    await this.shutdown();
  }
}
