// Embedded discipline of core.wasm and of device.wasm (the core with the console app): only the
// documented imports, one fixed memory page, no allocation after start() (the bump pointer does
// not move over 100,000 publish cycles, nor over 20,000 console commands) and a static
// high-water mark within the 8 KB budget.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { CoreHarness, CORE_WASM, DEVICE_WASM } from './harness.ts';
import { Stat } from '../../host-tools/sim/host/abi.ts';

const mod = new WebAssembly.Module(readFileSync(CORE_WASM));
const deviceMod = new WebAssembly.Module(readFileSync(DEVICE_WASM));
const importNames = (m: WebAssembly.Module) => WebAssembly.Module.imports(m).map((i) => `${i.module}.${i.name}`);

describe('core.wasm shape', () => {
  it('imports only from module "board" (no env.abort/seed/trace; the W5500 driver is the transport)', () => {
    const mods = new Set(WebAssembly.Module.imports(mod).map((i) => i.module));
    expect([...mods].sort()).toEqual(['board']);
  });
  it('exports the API of docs/core-api.md', () => {
    const names = WebAssembly.Module.exports(mod).map((e) => e.name);
    for (const n of [
      'memory', 'start', 'step', 'wq_buf', 'wq_buf_size', 'wq_config', 'wq_config_save', 'wq_config_load',
      'wq_connect', 'wq_disconnect', 'wq_publish', 'wq_subscribe', 'wq_unsubscribe', 'wq_stat']) expect(names)
        .toContain(n);
  });
  it('static data and buffers end below 8 KB', () => {
    const h = CoreHarness.started();
    expect(h.x.wq_stat(Stat.MEM_HIGH_WATER)).toBeLessThanOrEqual(8 * 1024);
    expect(h.x.memory.buffer.byteLength).toBe(65536);
  });
  it('has no console: no UART imports (the console is an app, compiled into device.wasm only)', () => {
    expect(importNames(mod).filter((n) => n.startsWith('board.uart'))).toEqual([]);
  });
});

describe('device.wasm shape (core + console)', () => {
  it('imports what core.wasm imports plus the UART, and exports the same API', () => {
    expect(importNames(deviceMod).sort()).toEqual([...importNames(mod), 'board.uart_read', 'board.uart_write'].sort());
    expect(WebAssembly.Module.exports(deviceMod).map((e) => e.name).sort()).toEqual(
      WebAssembly.Module.exports(mod).map((e) => e.name).sort());
  });
  it('static data and buffers, the console\'s included, end below 8 KB', () => {
    const h = CoreHarness.started(undefined, DEVICE_WASM);
    const core = CoreHarness.started().x.wq_stat(Stat.MEM_HIGH_WATER);
    expect(h.x.wq_stat(Stat.MEM_HIGH_WATER)).toBeGreaterThan(core); // the console's line buffers
    expect(h.x.wq_stat(Stat.MEM_HIGH_WATER)).toBeLessThanOrEqual(8 * 1024);
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
      if (qos === 2) { h.feed([0x50, 2, id >> 8, id & 255]); h.x.step(); h.takeSent();
        h.feed([0x70, 2, id >> 8, id & 255]); }
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

  it('device.wasm: the bump pointer is unchanged over 20,000 console commands and their events', () => {
    const h = CoreHarness.started(undefined, 'build/core/device-probe.wasm');
    const probe = () => h.x.__new!(0, 0);
    h.connect();
    const p0 = probe();
    const stride = probe() - p0;
    const before = probe();
    const lines = ['pub bench/t 1 0 %41 payload', 'pub bench/t 0 1 x', 'status', 'show', 'bogus %zz', 'set port 1884',
      'echo on', 'echo off'];
    let acked = 0;
    for (let i = 0; i < 20_000; i++) {
      h.uartIn.push(...Buffer.from(`${lines[i % lines.length]}\r\n`));
      h.step();
      for (const p of h.sentPackets()) {
        if (p.cmd === 'publish' && p.qos === 1) { h.feed([0x40, 2, p.messageId! >> 8, p.messageId! & 255]); acked++; }
      }
      h.step();
      if (i % 1000 === 0 && i < 19_000) h.uartOut = '';
    }
    expect(probe()).toBe(before + stride);
    expect(acked).toBe(2500);
    expect(h.ofKind('publish_done')).toHaveLength(2500);
    expect(h.uartOut).toMatch(/evt publish-done pid=\d+ qos=1\r\n/); // the console saw the events
    expect(h.uartOut).toContain('err - unknown-command bogus\r\n');
  });
});
