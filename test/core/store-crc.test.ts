// The store's CRC-16 against an independent bit-by-bit CRC-16/CCITT-FALSE, and the store images
// the core writes (flash and retained RAM log) walked here record by record with that reference:
// every header and flash record CRC must be the one the format defines, every RAM-log record
// ends in 0 instead (docs/mqtt-core.md, "Store format"), and a record spilled from the RAM log
// to the flash gets its CRC there. The core reads its own records back with its own CRC, so a CRC formulation that
// changed the values would still pass every round-trip test; these would fail.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { CoreHarness } from './harness.ts';
import { NorStore } from './nor-store.ts';
import { RetainedRam } from '../../host-tools/sim/host/keep.ts';
import { Cfg, Stat } from '../../host-tools/sim/host/abi.ts';
import { crc16Ref, DEAD, groupRecords, headedGroups, MARKED, recordCrcRef } from './store-format.ts';

/** Walks a store area of two page groups; the CRC checks made, by kind. Throws at the first bad CRC. */
function walk(area: Uint8Array, what: string): { headers: number; records: number; marked: number; dead: number } {
  const dv = new DataView(area.buffer, area.byteOffset, area.byteLength);
  const group = area.length >> 1;
  const n = { headers: 0, records: 0, marked: 0, dead: 0 };
  for (const base of headedGroups(area)) {
    expect(dv.getUint16(base + 8, true), `${what} group at ${base}: header CRC`).toBe(
      crc16Ref(area.subarray(base, base + 8)));
    n.headers++;
    for (const { at, type, len, size } of groupRecords(area, base)) {
      expect(at + size, `${what}: record at ${at} runs past its group`).toBeLessThanOrEqual(base + group);
      if (type === DEAD) expect(what, `a DEAD record at ${at}`).toBe('RAM log');
      const marked = type !== DEAD && (type & MARKED) !== 0 && len >= 2;
      if (what === 'RAM log') {
        // the RAM log's records end in 0, not a CRC (written last, it commits the record); a DEAD
        // record (type 0: retired in place) keeps its length and that 0
        expect(dv.getUint16(at + size - 2, true), `${what}: the last half-word of the type ${type} record at ${at}`)
          .toBe(0);
        if (type === DEAD) n.dead++; else n.records++;
        if (type !== DEAD && (type & MARKED) !== 0) n.marked++;
        continue;
      }
      expect(dv.getUint16(at + size - 2, true), `${what}: CRC of the type ${type} record at ${at} (${len} B)`)
        .toBe(recordCrcRef(area, at));
      n.records++;
      if (marked) n.marked++;
    }
  }
  return n;
}

describe('store CRC-16', () => {
  const mod = new WebAssembly.Module(readFileSync('build/core/session-test.wasm'));
  const none = () => -1;
  const x = new WebAssembly.Instance(mod, {
    board: { store_size: () => 0, store_page_size: () => 0, store_read: none, store_write: none, store_erase: none,
      keep_size: () => 0, keep_read: none, keep_write: none },
  }).exports as unknown as { memory: WebAssembly.Memory; crc(start: number, len: number): number; pkt(): number };
  const put = (b: Uint8Array) => new Uint8Array(x.memory.buffer).set(b, x.pkt());

  it('is CRC-16/CCITT-FALSE (check value 0x29B1) and matches the bitwise reference', () => {
    put(new TextEncoder().encode('123456789'));
    expect(x.crc(-1, 9)).toBe(0x29b1);
    // store.ts's CRC_MAGIC, where a group header's CRC continues from (the walk below checks the headers)
    put(new TextEncoder().encode('WQS1'));
    expect(x.crc(-1, 4)).toBe(0xb4b6);
    let seed = 7;
    const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed >>> 16; };
    for (let len = 1; len <= 300; len++) {
      const b = Uint8Array.from({ length: len }, () => rnd() & 0xff);
      if (len % 7 === 0) b.fill(0xff); // the start value xor 0xFF bytes: the CRC's high byte goes through 0
      put(b);
      const want = crc16Ref(b);
      expect(x.crc(-1, len), `length ${len}`).toBe(want);
      // continued from a previous value (as readRecord does chunk by chunk)
      const cut = len >> 1;
      if (cut > 0) {
        put(b.subarray(cut));
        expect(x.crc(crc16Ref(b.subarray(0, cut)), len - cut), `length ${len} continued at ${cut}`).toBe(want);
      }
    }
  });

  it('odd and even lengths from every start value', () => {
    // every 16-bit start value, as CRC_START (-1) and as a continued CRC (readRecord's chunks, the
    // mark's 0xFFFF), over lengths 1..6 (an odd length's lone byte and the pairs after or before it)
    let seed = 11;
    const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed >>> 16; };
    for (let len = 1; len <= 6; len++) {
      const b = Uint8Array.from({ length: len }, () => rnd() & 0xff);
      put(b);
      for (let start = 0; start <= 0xffff; start++) {
        const got = x.crc(start, len), want = crc16Ref(b, start);
        if (got !== want) expect(got, `length ${len} from 0x${start.toString(16)}`).toBe(want);
      }
      expect(x.crc(-1, len), `length ${len} from CRC_START`).toBe(crc16Ref(b));
    }
    // the header's start: CRC_MAGIC continued over the sequence number (4 bytes)
    const hdr = Uint8Array.from([0x57, 0x51, 0x53, 0x31, 0x78, 0x56, 0x34, 0x12]);
    put(hdr.subarray(4));
    expect(x.crc(0xb4b6, 4)).toBe(crc16Ref(hdr));
    // long odd and even runs from non-trivial start values
    for (const len of [63, 64, 65, 127, 128, 255, 256, 257]) {
      const b = Uint8Array.from({ length: len }, () => rnd() & 0xff);
      put(b);
      for (const start of [0, 1, 0x1021, 0x8000, 0xb4b6, 0xffff]) expect(
        x.crc(start, len), `length ${len} from 0x${start.toString(16)}`).toBe(crc16Ref(b, start));
    }
  });

  it('every header and flash record the core writes carries the reference CRC; every RAM-log record ends in 0', () => {
    const store = new NorStore(2048, 512);
    const keep = new RetainedRam(512);
    const h = CoreHarness.started(store, undefined, (c) => c.config(Cfg.WINDOW, 4), keep);
    h.connect();
    const checked = { headers: 0, records: 0, marked: 0, dead: 0 };
    for (let i = 0; i < 120; i++) {
      // odd and even lengths; durable (flag bit 3) ones go to the flash, queued ones as R_PUBQ (MARKED)
      const t = new TextEncoder().encode(`t/${'x'.repeat(i % 5)}`);
      const p = new Uint8Array(i % 23).fill(i);
      h.stage(Uint8Array.from([...t, ...p]));
      h.x.wq_publish(t.length, p.length, (1 + (i % 2)) | (i % 3 === 0 ? 8 : 0));
      if (i % 4 === 0) h.feedPacket({ cmd: 'publish', topic: 'in', payload: Buffer.from('q2'), qos: 2,
        messageId: 500 + i, retain: false, dup: false });
      h.run();
      for (const pk of h.sentPackets() as Array<{ cmd: string; messageId?: number; qos?: number }>) {
        if (pk.cmd === 'publish') h.feedPacket({ cmd: pk.qos === 1 ? 'puback' : 'pubrec', messageId: pk.messageId! });
        else if (pk.cmd === 'pubrel') h.feedPacket({ cmd: 'pubcomp', messageId: pk.messageId! });
        else if (pk.cmd === 'pubrec' && i % 8 === 0) h.feedPacket({ cmd: 'pubrel', messageId: pk.messageId! });
      }
      h.run();
      for (const [area, what] of [[store.bytes, 'flash'], [keep.bytes, 'RAM log']] as const) {
        const n = walk(area, what);
        checked.headers += n.headers; checked.records += n.records; checked.marked += n.marked; checked.dead += n.dead;
      }
    }
    // the walk saw both tiers' headers, many records and marked ones (not a vacuous pass)
    expect(checked.headers).toBeGreaterThan(100);
    expect(checked.records).toBeGreaterThan(1000);
    expect(checked.marked).toBeGreaterThan(10);
    expect(checked.dead).toBeGreaterThan(10); // acked RAM-log messages, retired in place
    expect(h.x.wq_stat(Stat.STORE_COMPACTIONS)).toBeGreaterThan(0); // flash compactions happened
  });

  it('a record spilled from the RAM log (which carries no CRC) has the reference CRC in the flash, and replays', () => {
    const store = new NorStore(2048, 512);
    const keep = new RetainedRam(512);
    const h = CoreHarness.started(store, undefined, (c) => c.config(Cfg.WINDOW, 4), keep);
    h.connect();
    const sent: number[] = [];
    // an R_PUB (sent at once) and an R_PUBQ (queued behind the window of 1), odd and even lengths,
    // the second longer than the 64-byte chunks records are copied in
    h.config(Cfg.WINDOW, 1);
    for (const [t, p] of [['t/a', 'odd'], ['t/bb', 'e'.repeat(90)]]) sent.push(h.publish(t!, p!, 1));
    h.run();
    const before = walk(store.bytes, 'flash').records;
    h.advance(3000); // unacked past CFG_SPILL_MS: both copied to the flash
    expect(h.sentPackets().filter((p) => p.cmd === 'publish').length).toBeGreaterThan(0);
    const after = walk(store.bytes, 'flash');
    expect(after.records - before).toBe(2);
    expect(after.marked).toBe(1);
    walk(keep.bytes, 'RAM log');
    // after a reset both come back from the flash
    const b = CoreHarness.started(store, undefined, undefined, keep);
    b.connect(true);
    b.run();
    expect(b.sentPackets().filter((p) => p.cmd === 'publish').map((p) => p.messageId).sort()).toEqual(sent.sort());
  });
});
