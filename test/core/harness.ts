// Runs the real build/core/core.wasm with a scripted host: a virtual clock, a NOR store mock
// and a scripted network whose bytes the test reads and writes (parsed with mqtt-packet). The
// core's transport is its W5500 driver, so the chip is the register model (host-tools/sim/w5500)
// on the virtual clock, with the network behind its sockets scripted here instead of real sockets.
// A unit-test harness for the core layer; the real-broker tests live with the host layer.
import { readFileSync } from 'node:fs';
import mqttPacket from 'mqtt-packet';
import { NorStore } from './nor-store.ts';
import { keepImports, type RetainedRam } from '../../host-tools/sim/host/keep.ts';
import { Cfg, decodeEvent, type CoreEvent } from '../../host-tools/sim/host/abi.ts';
import { ipv4ToU32 } from '../../host-tools/sim/host/network.ts';
import { AddressMap, type HostEndpoint } from '../../host-tools/sim/w5500/address-map.ts';
import { w5500Imports } from '../../host-tools/sim/w5500/imports.ts';
import type { ChipNetwork, Listener, TcpEvents, TcpLink, UdpLink } from '../../host-tools/sim/w5500/network.ts';
import { SN } from '../../host-tools/sim/w5500/registers.ts';
import { W5500 } from '../../host-tools/sim/w5500/w5500.ts';

/** Every device address "resolves" to itself, so the script sees the IP and port the core dialled. */
class IdentityMap extends AddressMap {
  override resolve(ip: Uint8Array | string, port: number): HostEndpoint {
    return { host: typeof ip === 'string' ? ip : Array.from(ip.subarray(0, 4)).join('.'), port };
  }
}

export const CORE_WASM = 'build/core/core.wasm';
/** The core with the device console (firmware/app/console), as the firmware images embed it. */
export const DEVICE_WASM = 'build/core/device.wasm';
/** The chip's unique id every harness device reports (board `uid`): its default client id is
 * `wasmqtt-` + these bytes in hex. */
export const HARNESS_UID = Uint8Array.from([0x36, 0xff, 0x32, 0x00, 0x0b, 0x47, 0x35, 0x32, 0x31, 0x68, 0x17, 0x43]);

export interface CoreExports {
  memory: WebAssembly.Memory;
  start(): void;
  step(): number;
  wq_buf(): number;
  wq_buf_size(): number;
  wq_config(key: number, len: number): number;
  wq_config_save(): number;
  wq_config_load(): number;
  wq_connect(): number;
  wq_disconnect(): number;
  wq_publish(tlen: number, plen: number, flags: number): number;
  wq_subscribe(count: number): number;
  wq_unsubscribe(count: number): number;
  wq_stat(key: number): number;
  __new?(size: number, id: number): number;
}

const modules = new Map<string, WebAssembly.Module>();
function moduleFor(path: string): WebAssembly.Module {
  let m = modules.get(path);
  if (!m) { m = new WebAssembly.Module(readFileSync(path)); modules.set(path, m); }
  return m;
}

export class CoreHarness {
  now = 0;
  entropy = 0x1234;
  events: CoreEvent[] = [];
  /** Bytes device.wasm's console reads next (uart_read), and what it wrote (uart_write). */
  uartIn: number[] = [];
  uartOut = '';
  /** Called inside the core's event import (re-entrancy tests). */
  onEvent: ((e: CoreEvent) => void) | undefined;
  /** TCP connections the chip opened (the address the core dialled; Sn_MR.ND as the chip applied it). */
  connects: Array<{ ip: number; port: number; noDelayedAck?: boolean }> = [];
  /** Connections the device closed (FIN or RST from the chip), at most one per connection. */
  closes = 0;
  /** Bytes the core sent since the last takeSent(). */
  private sent: number[] = [];
  /** Bytes fed before the connection was up, delivered once it is. */
  private inbox: number[] = [];
  private peerClosedNow = false;
  /** When set, connection attempts fail (the peer answers with RST). */
  refuseConnect = false;
  private txLimit = Infinity;
  private txBudget = Infinity;
  /** Bytes the chip takes per step() (or API call) at most, to test partial sends: Sn_TX_FSR reads no more. */
  get sendLimit(): number { return this.txLimit; }
  set sendLimit(v: number) { this.txLimit = v; this.txBudget = v; }
  /** The W5500 register model behind the core's transport (its sockets talk to the script). */
  readonly chip: W5500;
  readonly x: CoreExports;
  private netStateNow = 0;
  private establishNext = false;
  private pendingConnect: TcpEvents | null = null;
  private link: { ev: TcpEvents; closed: boolean } | null = null;

  /** The scripted peer: 0 closed, 1 connecting (waits for netState = 2), 2 established. */
  get netState(): number { return this.netStateNow; }
  set netState(v: number) {
    this.netStateNow = v;
    if (v !== 2) return;
    const ev = this.pendingConnect;
    if (ev) { this.pendingConnect = null; this.establish(ev); } else this.establishNext = true;
  }

  /** Setting it makes the broker side close (FIN); the core reads what is left, then sees the close. */
  get peerClosed(): boolean { return this.peerClosedNow; }
  set peerClosed(v: boolean) {
    this.peerClosedNow = v;
    if (v && this.link && !this.link.closed) this.link.ev.end();
  }

  private establish(ev: TcpEvents): void {
    this.netStateNow = 2;
    this.link = { ev, closed: false };
    ev.connect();
    if (this.inbox.length > 0) { ev.data(Uint8Array.from(this.inbox)); this.inbox = []; }
  }

  private scriptedNetwork(): ChipNetwork {
    const unsupported = (what: string) => new Error(
      `the core harness scripts TCP client connections only (the core opened ${what})`);
    return {
      tcpConnect: (to: HostEndpoint, ev: TcpEvents): TcpLink => {
        const dialled: { ip: number; port: number; noDelayedAck?: boolean } = { ip: ipv4ToU32(to.host), port: to.port };
        this.connects.push(dialled);
        this.peerClosedNow = false;
        this.inbox = [];
        this.link = null;
        const me = { ev, closed: false };
        const closeOnce = () => { if (this.link?.ev === ev && !me.closed) { me.closed = true; this.link.closed = true;
          this.closes++; this.netStateNow = 0; } };
        if (this.refuseConnect) { this.netStateNow = 0; ev.close(true); }
        else if (this.establishNext) { this.establishNext = false; this.establish(ev); }
        else { this.netStateNow = 1; this.pendingConnect = ev; }
        return {
          write: (data, acked) => { if (this.link?.ev === ev) { for (const b of data) this.sent.push(b); acked(); } },
          end: closeOnce,
          reset: closeOnce,
          pause: () => {},
          resume: () => {},
          setNoDelayedAck: (on) => { dialled.noDelayedAck = on; },
          remote: { address: to.host, port: to.port },
        };
      },
      tcpListen: (): Listener => { throw unsupported('a TCP listener'); },
      udpOpen: (): UdpLink => { throw unsupported('a UDP socket'); },
    };
  }

  constructor(readonly store: NorStore = new NorStore(), wasmPath = CORE_WASM, readonly keep?: RetainedRam) {
    const mem = () => new Uint8Array(this.x.memory.buffer);
    const check = (p: number, len: number) => {
      if (p < 0 || len < 0 || p + len > this.x.memory.buffer.byteLength) throw new Error(
        `core passed out-of-range memory ${p}+${len}`);
    };
    this.chip = new W5500(
      { clock: () => this.now, addressMap: new IdentityMap(), network: () => this.scriptedNetwork() });
    const w5500 = w5500Imports(this.chip, () => this.x.memory);
    const imports = {
      board: {
        millis: () => this.now >>> 0,
        entropy: () => this.entropy,
        uid: (p: number) => { check(p, 12); mem().set(HARNESS_UID, p); },
        event: (kind: number, p: number, len: number) => {
          check(p, len);
          const e = decodeEvent(kind, mem().slice(p, p + len));
          this.events.push(e);
          this.onEvent?.(e);
        },
        store_size: () => this.store.size,
        store_page_size: () => this.store.pageSize,
        store_read: (off: number, p: number, len: number) =>
          { check(p, len); return this.store.read(off, mem().subarray(p, p + len)); },
        store_write: (off: number, p: number, len: number) =>
          { check(p, len); return this.store.write(off, mem().slice(p, p + len)); },
        store_erase: (off: number) => this.store.erase(off),
        ...keepImports(keep, (_w, p, len) => { check(p, len); return mem().subarray(p, p + len); }),
        uart_write: (p: number, len: number) =>
          { check(p, len); this.uartOut += Buffer.from(mem().subarray(p, p + len)).toString('latin1'); },
        uart_read: (p: number, max: number) => {
          check(p, max);
          const n = Math.min(max, this.uartIn.length);
          mem().set(this.uartIn.splice(0, n), p);
          return n;
        },
        ...w5500,
        w5500_read: (addr: number, block: number, dst: number, len: number) => {
          w5500.w5500_read(addr, block, dst, len);
          // Partial sends: Sn_TX_FSR reports no more than what is left of this step's budget.
          if ((block & 3) === 1 && addr === SN.TX_FSR && len >= 2 && Number.isFinite(this.txBudget)) {
            const m = mem();
            const free = Math.min((m[dst]! << 8) | m[dst + 1]!, Math.max(0, this.txBudget));
            m[dst] = free >> 8; m[dst + 1] = free & 0xff;
          }
        },
        w5500_write: (addr: number, block: number, src: number, len: number) => {
          if ((block & 3) === 2) this.txBudget -= len; // bytes into a socket's TX buffer
          w5500.w5500_write(addr, block, src, len);
        },
      },
    };
    const inst = new WebAssembly.Instance(moduleFor(wasmPath), imports as unknown as WebAssembly.Imports);
    this.x = inst.exports as unknown as CoreExports;
  }

  stage(bytes: Uint8Array): void { new Uint8Array(this.x.memory.buffer).set(bytes, this.x.wq_buf()); }

  config(key: number, value: number | string | Uint8Array): number {
    let bytes: Uint8Array;
    if (typeof value === 'number') { bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setUint32(0, value >>> 0, true); }
    else bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
    this.stage(bytes);
    return this.x.wq_config(key, bytes.length);
  }

  publish(topic: string | Uint8Array, payload: string | Uint8Array, qos: number, retain = false): number {
    const t = typeof topic === 'string' ? new TextEncoder().encode(topic) : topic;
    const p = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    const b = new Uint8Array(t.length + p.length);
    b.set(t); b.set(p, t.length);
    this.stage(b);
    return this.x.wq_publish(t.length, p.length, qos | (retain ? 4 : 0));
  }

  /** A burst of `n` QoS 1 publishes of `pad` payload bytes on topic `f` (each publish keeps room
   * in the store for its own acks' records), then a PUBACK for every accepted one: fills the
   * session log with dead records, the state the compaction tests start from. */
  burstThenAck(n: number, pad: number): void {
    const sent: number[] = [];
    for (let i = 0; i < n; i++) { const id = this.publish('f', 'x'.repeat(pad), 1); if (id > 0) sent.push(id); }
    this.run();
    for (const id of sent) this.feedPacket({ cmd: 'puback', messageId: id });
    this.run();
  }

  subscribe(subs: Array<{ filter: string; qos: number }>): number {
    const parts: number[] = [];
    for (const s of subs) {
      const f = new TextEncoder().encode(s.filter);
      parts.push(f.length >> 8, f.length & 0xff, ...f, s.qos);
    }
    this.stage(Uint8Array.from(parts));
    return this.x.wq_subscribe(subs.length);
  }

  unsubscribe(filters: string[]): number {
    const parts: number[] = [];
    for (const s of filters) { const f = new TextEncoder().encode(s);
      parts.push(f.length >> 8, f.length & 0xff, ...f); }
    this.stage(Uint8Array.from(parts));
    return this.x.wq_unsubscribe(filters.length);
  }

  step(): number { this.txBudget = this.txLimit; return this.x.step(); }

  /** Steps until the core asks for a pause > 0 (bounded). */
  run(max = 50): number {
    let w = 0;
    for (let i = 0; i < max; i++) { w = this.step(); if (w > 0) return w; }
    return w;
  }

  /** Advances virtual time in `stepMs` increments, stepping the core each time. */
  advance(ms: number, stepMs = 100): void {
    const end = this.now + ms;
    while (this.now < end) { this.now = Math.min(end, this.now + stepMs); this.run(); }
  }

  takeSent(): Buffer { const b = Buffer.from(this.sent); this.sent = []; return b; }

  /** Parses everything sent since the last call into packets. */
  sentPackets(): mqttPacket.Packet[] {
    const out: mqttPacket.Packet[] = [];
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p) => out.push(p));
    parser.on('error', (e) => { throw e; });
    parser.parse(this.takeSent());
    return out;
  }

  /** Bytes from the broker: to the chip now when connected, else once the next connection is up. */
  feed(bytes: Uint8Array | number[]): void {
    if (this.link && !this.link.closed && this.netStateNow === 2) this.link.ev.data(Uint8Array.from(bytes));
    else for (const b of bytes) this.inbox.push(b);
  }
  feedPacket(p: mqttPacket.Packet): void { this.feed(mqttPacket.generate(p, { protocolVersion: 4 })); }

  /** Starts the core, connects, answers CONNECT with CONNACK; returns the CONNECT packet. */
  connect(sessionPresent = false): mqttPacket.IConnectPacket {
    this.x.wq_connect();
    this.netState = 2;
    this.run();
    const pk = this.sentPackets();
    const c = pk.find((p) => p.cmd === 'connect') as mqttPacket.IConnectPacket | undefined;
    if (!c) throw new Error(`no CONNECT sent (got ${pk.map((p) => p.cmd).join(',')})`);
    this.feedPacket({ cmd: 'connack', returnCode: 0, sessionPresent });
    this.run();
    return c;
  }

  static started(store?: NorStore, wasm?: string, setup?: (h: CoreHarness) => void, keep?: RetainedRam): CoreHarness {
    const h = new CoreHarness(store, wasm, keep);
    h.x.start();
    h.config(Cfg.TRACE, 0);
    setup?.(h);
    return h;
  }

  ofKind<K extends CoreEvent['kind']>(kind: K): Array<Extract<CoreEvent, { kind: K }>> {
    return this.events.filter((e) => e.kind === kind) as Array<Extract<CoreEvent, { kind: K }>>;
  }
}
