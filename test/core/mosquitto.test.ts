// The real core.wasm against a real Mosquitto, through its W5500 driver on the register model
// with real loopback sockets (the full NodeDevice is the host layer's; this only proves the
// core's bytes satisfy a real broker).
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { NorStore } from './nor-store.ts';
import { Cfg, decodeEvent, type CoreEvent } from '../../host-tools/sim/host/abi.ts';
import type { CoreExports } from './harness.ts';
import { AddressMap } from '../../host-tools/sim/w5500/address-map.ts';
import { w5500Imports } from '../../host-tools/sim/w5500/imports.ts';
import { W5500 } from '../../host-tools/sim/w5500/w5500.ts';

class NetCore {
  x!: CoreExports;
  events: CoreEvent[] = [];
  readonly chip: W5500;
  private wake: (() => void) | undefined;

  constructor(readonly port: number, readonly store = new NorStore()) {
    const mem = () => new Uint8Array(this.x.memory.buffer);
    // Every device address goes to the broker on loopback (port 0 = the port the core dialled).
    this.chip = new W5500({ clock: () => Math.floor(performance.now()),
      addressMap: new AddressMap().add('*:*', { host: '127.0.0.1', port }) });
    this.chip.onNetworkEvent(() => this.poke());
    const inst = new WebAssembly.Instance(new WebAssembly.Module(readFileSync('build/core/core.wasm')), {
      board: {
        millis: () => Math.floor(performance.now()) >>> 0, entropy: () => (Math.random() * 2 ** 32) >>> 0,
        uid: (p: number) => { mem().set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], p); },
        event: (k: number, p: number, l: number) => { this.events.push(decodeEvent(k, mem().slice(p, p + l))); },
        store_size: () => this.store.size, store_page_size: () => this.store.pageSize,
        store_read: (o: number, p: number, l: number) => this.store.read(o, mem().subarray(p, p + l)),
        store_write: (o: number, p: number, l: number) => this.store.write(o, mem().slice(p, p + l)),
        store_erase: (o: number) => this.store.erase(o),
        keep_size: () => 0, keep_read: () => -1, keep_write: () => -1, // (no retained RAM: flash-first)
        uart_write: () => {}, uart_read: () => 0,
        ...w5500Imports(this.chip, () => this.x.memory),
      },
    } as unknown as WebAssembly.Imports);
    this.x = inst.exports as unknown as CoreExports;
    this.x.start();
  }
  private poke(): void { const w = this.wake; this.wake = undefined; w?.(); }
  stage(b: Uint8Array): void { new Uint8Array(this.x.memory.buffer).set(b, this.x.wq_buf()); }
  config(key: number, v: string | number): void {
    const b = typeof v === 'string' ? Buffer.from(v) : Buffer.from(new Uint32Array([v]).buffer);
    this.stage(b);
    expect(this.x.wq_config(key, b.length)).toBe(0);
  }
  publish(topic: string, payload: string, qos: number): number {
    const t = Buffer.from(topic), p = Buffer.from(payload);
    this.stage(Buffer.concat([t, p]));
    return this.x.wq_publish(t.length, p.length, qos);
  }
  subscribe(filter: string, qos: number): number {
    const f = Buffer.from(filter);
    this.stage(Buffer.from([f.length >> 8, f.length & 255, ...f, qos]));
    return this.x.wq_subscribe(1);
  }
  /** Runs the core until `done()` holds (event-driven; fails after `ms`). */
  async until(done: () => boolean, ms = 5000): Promise<void> {
    const end = performance.now() + ms;
    while (!done()) {
      if (performance.now() > end) throw new Error(`timed out; events: ${JSON.stringify(this.events.slice(-5))}`);
      const wait = this.x.step();
      if (done()) break;
      if (wait > 0) await new Promise<void>((r) => { this.wake = r; setTimeout(r, Math.min(wait, 50)); });
      else await new Promise((r) => setImmediate(r));
    }
  }
}

describe('core.wasm against a real Mosquitto', () => {
  it('connects, subscribes and round-trips QoS 0, 1 and 2 exactly once', async () => {
    const broker = await startMosquitto();
    try {
      const c = new NetCore(broker.port);
      c.config(Cfg.CLIENT_ID, 'core-it'); c.config(Cfg.CLEAN_SESSION, 1); c.config(Cfg.BROKER_PORT, broker.port);
      c.x.wq_connect();
      await c.until(() => c.events.some((e) => e.kind === 'connected'));
      const sid = c.subscribe('core/it/#', 2);
      await c.until(() => c.events.some((e) => e.kind === 'suback'));
      expect(c.events.find((e) => e.kind === 'suback')).toEqual({ kind: 'suback', packetId: sid, granted: [2] });
      const ids = [0, 1, 2].map((q) => c.publish(`core/it/q${q}`, `m${q}`, q));
      await c.until(() => c.events.filter((e) => e.kind === 'message').length >= 3 &&
        c.events.filter((e) => e.kind === 'publish_done').length >= 2);
      const msgs = c.events.filter((e): e is Extract<CoreEvent, { kind: 'message' }> => e.kind === 'message');
      expect(msgs.map((m) => [m.topic, Buffer.from(m.payload).toString(), m.qos]).sort()).toEqual([
        ['core/it/q0', 'm0', 0], ['core/it/q1', 'm1', 1], ['core/it/q2', 'm2', 2]]);
      expect(c.events.filter((e) => e.kind === 'publish_done').map((e) => (e as { packetId: number }).packetId).sort())
        .toEqual([ids[1], ids[2]].sort());
      c.x.wq_disconnect();
      expect(c.events.filter((e) => e.kind === 'error')).toEqual([]);
      await c.chip.close();
    } finally {
      await broker.stop();
    }
  });
});
