// Runs the real build/core/core.wasm with a scripted host: a virtual clock, a NOR store mock
// and a fake transport whose bytes the test reads and writes (parsed with mqtt-packet).
// A unit-test harness for the core layer; the real-broker tests live with the host layer.
import { readFileSync } from 'node:fs';
import mqttPacket from 'mqtt-packet';
import { NorStore } from './nor-store.ts';
import { Cfg, decodeEvent, type CoreEvent } from '../../host-tools/sim/host/abi.ts';

export const CORE_WASM = 'build/core/core.wasm';

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
  /** Called inside the core's event import (re-entrancy tests). */
  onEvent: ((e: CoreEvent) => void) | undefined;
  /** Transport: 0 closed, 1 connecting, 2 established. */
  netState = 0;
  connects: Array<{ ip: number; port: number }> = [];
  closes = 0;
  /** Bytes the core sent since the last takeSent(). */
  private sent: number[] = [];
  /** Bytes waiting for the core's recv. */
  private inbox: number[] = [];
  peerClosed = false;
  /** When set, connection attempts fail (the transport goes back to closed). */
  refuseConnect = false;
  /** Max bytes send() accepts per call (to test partial sends). */
  sendLimit = Infinity;
  readonly x: CoreExports;

  constructor(readonly store: NorStore = new NorStore(), wasmPath = CORE_WASM) {
    const mem = () => new Uint8Array(this.x.memory.buffer);
    const check = (p: number, len: number) => {
      if (p < 0 || len < 0 || p + len > this.x.memory.buffer.byteLength) throw new Error(`core passed out-of-range memory ${p}+${len}`);
    };
    const imports = {
      board: {
        millis: () => this.now >>> 0,
        entropy: () => this.entropy,
        event: (kind: number, p: number, len: number) => {
          check(p, len);
          const e = decodeEvent(kind, mem().slice(p, p + len));
          this.events.push(e);
          this.onEvent?.(e);
        },
        store_size: () => this.store.size,
        store_page_size: () => this.store.pageSize,
        store_read: (off: number, p: number, len: number) => { check(p, len); return this.store.read(off, mem().subarray(p, p + len)); },
        store_write: (off: number, p: number, len: number) => { check(p, len); return this.store.write(off, mem().slice(p, p + len)); },
        store_erase: (off: number) => this.store.erase(off),
        uart_write: () => {},
        uart_read: () => 0,
        w5500_read: () => {}, w5500_write: () => {}, w5500_reset: () => {}, w5500_irq: () => 0,
      },
      hostnet: {
        connect: (ip: number, port: number) => { this.connects.push({ ip: ip >>> 0, port }); this.netState = this.refuseConnect ? 0 : 1; this.peerClosed = false; this.inbox = []; return 0; },
        state: () => this.netState,
        send: (p: number, len: number) => {
          check(p, len);
          if (this.netState !== 2) return -1;
          const n = Math.min(len, this.sendLimit);
          for (const b of mem().subarray(p, p + n)) this.sent.push(b);
          return n;
        },
        recv: (p: number, max: number) => {
          check(p, max);
          if (this.inbox.length === 0) return this.peerClosed ? -1 : 0;
          const chunk = this.inbox.splice(0, max);
          mem().set(chunk, p);
          return chunk.length;
        },
        close: () => { this.closes++; this.netState = 0; },
      },
    };
    const inst = new WebAssembly.Instance(moduleFor(wasmPath), imports as unknown as WebAssembly.Imports);
    this.x = inst.exports as unknown as CoreExports;
  }

  stage(bytes: Uint8Array): void { new Uint8Array(this.x.memory.buffer).set(bytes, this.x.wq_buf()); }

  config(key: number, value: number | string | Uint8Array): number {
    let bytes: Uint8Array;
    if (typeof value === 'number') { bytes = new Uint8Array(4); new DataView(bytes.buffer).setUint32(0, value >>> 0, true); }
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
    for (const s of filters) { const f = new TextEncoder().encode(s); parts.push(f.length >> 8, f.length & 0xff, ...f); }
    this.stage(Uint8Array.from(parts));
    return this.x.wq_unsubscribe(filters.length);
  }

  step(): number { return this.x.step(); }

  /** Steps until the core asks for a pause > 0 (bounded). */
  run(max = 50): number {
    let w = 0;
    for (let i = 0; i < max; i++) { w = this.x.step(); if (w > 0) return w; }
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

  feed(bytes: Uint8Array | number[]): void { for (const b of bytes) this.inbox.push(b); }
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

  static started(store?: NorStore, wasm?: string, setup?: (h: CoreHarness) => void): CoreHarness {
    const h = new CoreHarness(store, wasm);
    h.x.start();
    h.config(Cfg.TRACE, 0);
    setup?.(h);
    return h;
  }

  ofKind<K extends CoreEvent['kind']>(kind: K): Array<Extract<CoreEvent, { kind: K }>> {
    return this.events.filter((e) => e.kind === kind) as Array<Extract<CoreEvent, { kind: K }>>;
  }
}
