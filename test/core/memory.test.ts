// Embedded discipline of core.wasm: only the documented imports, one fixed memory page, no
// allocation after start() (the bump pointer does not move over 100,000 publish cycles) and a
// static high-water mark within the 8 KB budget.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { CoreHarness } from './harness.ts';
import { Stat } from '../../host-tools/sim/host/abi.ts';

const mod = new WebAssembly.Module(readFileSync('build/core/core.wasm'));

describe('core.wasm shape', () => {
  it('imports only from module "board" (no env.abort/seed/trace; the W5500 driver is the transport)', () => {
    const mods = new Set(WebAssembly.Module.imports(mod).map((i) => i.module));
    expect([...mods].sort()).toEqual(['board']);
  });
  it('exports the API of docs/core-api.md', () => {
    const names = WebAssembly.Module.exports(mod).map((e) => e.name);
    for (const n of ['memory', 'start', 'step', 'wq_buf', 'wq_buf_size', 'wq_config', 'wq_config_save', 'wq_config_load',
      'wq_connect', 'wq_disconnect', 'wq_publish', 'wq_subscribe', 'wq_unsubscribe', 'wq_stat']) expect(names).toContain(n);
  });
  it('static data and buffers end below 8 KB', () => {
    const h = CoreHarness.started();
    expect(h.x.wq_stat(Stat.MEM_HIGH_WATER)).toBeLessThanOrEqual(8 * 1024);
    expect(h.x.memory.buffer.byteLength).toBe(65536);
  });
});

describe('no allocation after start()', () => {
  it('the bump pointer and memory size are unchanged over 100,000 publish cycles', () => {
    const h = CoreHarness.started(undefined, 'build/core/core-probe.wasm');
    const probe = () => h.x.__new!(0, 0);
    h.connect();
    const p0 = probe();
    const stride = probe() - p0; // what one probe allocation costs
    const before = probe();
    const size = h.x.memory.buffer.byteLength;
    const tbytes = new TextEncoder().encode('bench/topic');
    const payload = new Uint8Array(64).fill(0x41);
    const staged = new Uint8Array(tbytes.length + payload.length);
    staged.set(tbytes); staged.set(payload, tbytes.length);
    for (let i = 0; i < 100_000; i++) {
      const qos = i % 3;
      h.stage(staged);
      const id = h.x.wq_publish(tbytes.length, payload.length, qos);
      expect(id).toBeGreaterThanOrEqual(0);
      h.x.step();
      h.takeSent();
      if (qos === 1) h.feed([0x40, 2, id >> 8, id & 255]);
      if (qos === 2) { h.feed([0x50, 2, id >> 8, id & 255]); h.x.step(); h.takeSent(); h.feed([0x70, 2, id >> 8, id & 255]); }
      if (i % 1000 === 0) h.feed([0x30, 5, 0, 1, 0x61, 0x68, 0x69]); // an incoming QoS 0 message now and then
      h.x.step();
      h.takeSent();
    }
    expect(probe()).toBe(before + stride);
    expect(h.x.memory.buffer.byteLength).toBe(size);
    expect(h.x.wq_stat(Stat.INFLIGHT_OUT)).toBe(0);
    expect(h.ofKind('error')).toEqual([]);
    expect(h.x.wq_stat(Stat.STORE_COMPACTIONS)).toBeGreaterThan(0);
    expect(h.ofKind('publish_done')).toHaveLength(66_666); // the QoS 1 and QoS 2 ones
  });
});
