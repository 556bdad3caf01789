// Identity from the chip's 96-bit unique id: with no client id or MAC in the config, every board
// is `wasmqtt-<uid hex>` with a locally administered MAC made from the same id, so two boards on
// one broker and one LAN never clash; the config still overrides both. (Before: every board was
// "wasmqtt" with 02:00:00:00:00:01, and the second one to connect took the first one's session.)
import { afterEach, describe, expect, it } from 'vitest';
import { NodeDevice } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { W5500NetworkBackend } from '../../host-tools/sim/host/w5500-backend.ts';
import { BLOCK_COMMON, COMMON } from '../../host-tools/sim/w5500/registers.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { FIXTURE_ELF, ROOT, requireBuilt, tempStore } from '../vboard/helpers.ts';
import { VirtualBoard } from '../../host-tools/sim/board/board.ts';

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

function mac(dev: NodeDevice): string {
  const m = (dev.network as W5500NetworkBackend).model.read(COMMON.SHAR, BLOCK_COMMON, 6);
  return Array.from(m, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The MAC configDefaults() makes: 02, then the id's bytes folded onto 5 (byte i into 1 + i % 5). */
function expectedMac(uid: string): string {
  const b = Buffer.from(uid, 'hex');
  const m = [2, 0, 0, 0, 0, 0];
  b.forEach((v, i) => { m[1 + (i % 5)]! ^= v; });
  return m.map((v) => v.toString(16).padStart(2, '0')).join(':');
}

describe('identity from the chip id', () => {
  it('two devices with default settings get distinct client ids and MACs, and both stay connected', async () => {
    const mq = await startMosquitto();
    cleanup.push(() => mq.stop());
    const clock = new VirtualClock();
    const a = await NodeDevice.start({ broker: `mqtt://127.0.0.1:${mq.port}`, clock, uid: '36ff320b4735323168174311' });
    cleanup.push(() => a.close());
    const b = await NodeDevice.start({ broker: `mqtt://127.0.0.1:${mq.port}`, clock, uid: '36ff320c4735323168174311' });
    cleanup.push(() => b.close());
    // chips of one wafer and lot differ in the die position bytes: their MACs still differ
    expect(mac(a)).toBe(expectedMac(a.uid));
    expect(mac(b)).toBe(expectedMac(b.uid));
    expect(mac(a)).not.toBe(mac(b));
    expect(parseInt(mac(a).slice(0, 2), 16) & 3).toBe(2); // locally administered, unicast
    const drops: string[] = [];
    a.on('disconnected', () => drops.push('a'));
    b.on('disconnected', () => drops.push('b'));
    for (let t = 0; t < 20; t++) { a.advance(100); b.advance(100); await new Promise((r) => setTimeout(r, 5)); }
    expect(a.state()).toBe(4);
    expect(b.state()).toBe(4);
    expect(drops).toEqual([]);
    expect(mq.log()).toContain(` as wasmqtt-${a.uid} `);
    expect(mq.log()).toContain(` as wasmqtt-${b.uid} `);
    expect(mq.log()).not.toMatch(/already connected, closing old connection/);
  });

  it('the config overrides the client id; without a uid option each NodeDevice draws its own', async () => {
    const mq = await startMosquitto();
    cleanup.push(() => mq.stop());
    const dev = await NodeDevice.start(
      { broker: `mqtt://127.0.0.1:${mq.port}`, clientId: 'kitchen', clock: new VirtualClock() });
    cleanup.push(() => dev.close());
    expect(mq.log()).toContain(' as kitchen ');
    const other = await NodeDevice.start(
      { wasm: `${ROOT}/build/core/core.wasm`, waitConnected: false, clock: new VirtualClock() });
    cleanup.push(() => other.close());
    expect(dev.uid).toMatch(/^[0-9a-f]{24}$/);
    expect(other.uid).not.toBe(dev.uid);
    expect(mac(dev)).toBe(expectedMac(dev.uid));
  });

  it('virtual boards: a unique id per board (random, or from its store file) unless one is given, kept across a ' +
      'power cut', () => {
    const uidOf = (b: VirtualBoard) => [0x7e8, 0x7ec, 0x7f0].map((o) => b.uid.read(o, 4));
    const a = new VirtualBoard({ board: 'bluepill', elf: requireBuilt(FIXTURE_ELF) });
    const b = new VirtualBoard({ board: 'bluepill', elf: requireBuilt(FIXTURE_ELF) });
    const c = new VirtualBoard({ board: 'bluepill', elf: requireBuilt(FIXTURE_ELF), uid: [1, 2, 3] });
    try {
      expect(uidOf(a)).not.toEqual(uidOf(b));
      expect(uidOf(c)).toEqual([1, 2, 3]);
      const before = uidOf(a);
      a.powerCycle();
      expect(uidOf(a)).toEqual(before);
      // a board that runs on a store file is the same chip each time (its session resumes)
      const store = tempStore();
      const d1 = new VirtualBoard({ board: 'bluepill', elf: requireBuilt(FIXTURE_ELF), storeFile: store });
      const d2 = new VirtualBoard({ board: 'bluepill', elf: requireBuilt(FIXTURE_ELF), storeFile: store });
      const e = new VirtualBoard({ board: 'bluepill', elf: requireBuilt(FIXTURE_ELF), storeFile: tempStore() });
      expect(uidOf(d1)).toEqual(uidOf(d2));
      expect(uidOf(e)).not.toEqual(uidOf(d1));
      for (const x of [d1, d2, e]) x.close();
    } finally {
      for (const x of [a, b, c]) x.close();
    }
  });
});
