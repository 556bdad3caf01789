// The Node host's frame path into the W5500 model (W5500.frameInto, BufferMemory bulk copies)
// against the byte-clocked path the virtual board uses (select / transfer / deselect, one byte
// at a time through the SPI frame decoder): the same random frames must leave both chips in the
// same state, read the same bytes, count the same bus bytes and write the same frame trace.
import { describe, it, expect } from 'vitest';
import { W5500 } from '../../host-tools/sim/w5500/w5500.ts';
import { BufferMemory } from '../../host-tools/sim/w5500/buffers.ts';
import { FrameTrace } from '../../host-tools/sim/w5500/trace.ts';
import {
  BLOCK_COMMON, SN, controlByte, socketRegBlock, socketRxBlock, socketTxBlock,
} from '../../host-tools/sim/w5500/registers.ts';
import { mulberry32 } from '../../host-tools/sim/host/prng.ts';

function chip(): { m: W5500; trace: FrameTrace } {
  const trace = new FrameTrace();
  // A network that is never reached: no frame below opens a connection.
  const none = (): never => { throw new Error('no network in this test'); };
  const m = new W5500({ clock: () => 0, trace, network: () => ({ tcpConnect: none, tcpListen: none, udpOpen: none }) });
  return { m, trace };
}

/** Byte-equal (vitest's deep equality is slow on KB-sized arrays). */
function same(x: Uint8Array, y: Uint8Array): boolean {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

/** One frame clocked byte by byte, as the virtual board's SPI1 does it. */
function clocked(m: W5500, addr: number, control: number, data: Uint8Array): Uint8Array {
  m.select();
  m.transfer(addr >> 8);
  m.transfer(addr & 0xff);
  m.transfer(control);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = m.transfer(data[i]!);
  m.deselect();
  return out;
}

describe('W5500 frame fast path', () => {
  it('matches the byte-clocked decoder on 3,000 random frames (buffers wrapping, registers, sizes)', () => {
    const u32 = mulberry32(20261123);
    const rand = (): number => u32() / 2 ** 32;
    const a = chip();
    const b = chip();
    const pick = (n: number): number => Math.floor(rand() * n);
    for (let i = 0; i < 3000; i++) {
      const sn = pick(8);
      const kind = pick(10);
      let block: number;
      let addr: number;
      let len: number;
      if (kind < 4) { block = socketTxBlock(sn); addr = pick(0x10000); len = 1 + pick(kind === 0 ? 5000 : 300); }
      else if (kind < 7) { block = socketRxBlock(sn); addr = pick(0x10000); len = 1 + pick(kind === 4 ? 5000 : 300); }
      else if (kind < 9) { block = socketRegBlock(sn); addr = pick(0x30); len = 1 + pick(8); }
      else { block = BLOCK_COMMON; addr = 0x01 + pick(0x20); len = 1 + pick(6); } // past MR: no software reset here
      const write = rand() < 0.5;
      const data = new Uint8Array(len);
      for (let k = 0; k < len; k++) data[k] = pick(256);
      if (block === socketRegBlock(sn) && write) {
        // No socket command (a command would open real connections); buffer sizes are fair game.
        for (let k = 0; k < len; k++) {
          const at = addr + k;
          if (at === SN.CR) data[k] = 0;
          if (at === SN.RXBUF_SIZE || at === SN.TXBUF_SIZE) data[k] = [0, 1, 2, 4, 8, 16][pick(6)]!;
        }
      }
      const control = controlByte(block, write);
      const viaDecoder = clocked(a.m, addr, control, data);
      const fast = write ? data.slice() : new Uint8Array(len);
      b.m.frameInto(addr, control, fast);
      if (!write) expect(same(fast, viaDecoder), `frame ${i}: read of ${len} at ${addr} in block ${block}`).toBe(true);
    }
    expect(b.m.counters).toEqual(a.m.counters);
    expect(b.trace.lines).toEqual(a.trace.lines);
    // The whole buffer memory and every socket's registers end up the same.
    for (let sn = 0; sn < 8; sn++) {
      expect(same(b.m.tx.copyOut(sn, 0, 16 * 1024), a.m.tx.copyOut(sn, 0, 16 * 1024)), `TX memory of socket ${sn}`)
        .toBe(true);
      expect(same(b.m.rx.copyOut(sn, 0, 16 * 1024), a.m.rx.copyOut(sn, 0, 16 * 1024)), `RX memory of socket ${sn}`)
        .toBe(true);
      expect(b.m.read(0, socketRegBlock(sn), 0x30)).toEqual(a.m.read(0, socketRegBlock(sn), 0x30));
    }
  });

  it('rejects a frame whose length does not fit its fixed-length mode, as frame() does', () => {
    const { m } = chip();
    expect(() => m.frameInto(0, controlByte(BLOCK_COMMON, false, 0x02), new Uint8Array(3)))
      .toThrow(/selects fixed length 2 but 3 data bytes were given/);
    expect(() => m.frameInto(0, controlByte(BLOCK_COMMON, false), new Uint8Array(0))).toThrow(/at least one data byte/);
  });
});

describe('BufferMemory bulk copies', () => {
  it('copy runs byte for byte like read/write, across a socket wrap and the end of memory', () => {
    const u32 = mulberry32(7);
    const rand = (): number => u32() / 2 ** 32;
    const mem = new BufferMemory(16 * 1024);
    const ref = new BufferMemory(16 * 1024);
    // Sizes that overflow 16 KB, so the last regions wrap to the start of memory.
    for (const m of [mem, ref]) m.sizesKb.splice(0, 8, 8, 4, 2, 4, 1, 0, 0, 2);
    for (let i = 0; i < 150; i++) {
      const sn = Math.floor(rand() * 8);
      const at = Math.floor(rand() * 0x10000);
      const data = Uint8Array.from({ length: 1 + Math.floor(rand() * 6000) }, () => Math.floor(rand() * 256));
      mem.copyIn(sn, at, data);
      for (let k = 0; k < data.length; k++) ref.write(sn, (at + k) & 0xffff, data[k]!);
      const from = Math.floor(rand() * 0x10000);
      const n = 1 + Math.floor(rand() * 6000);
      const expected = Uint8Array.from({ length: n }, (_, k) => ref.read(sn, (from + k) & 0xffff));
      expect(same(mem.copyOut(sn, from, n), expected), `copy ${i}: ${n} bytes from ${from} of socket ${sn}`).toBe(true);
    }
  });
});
