// SPI frame decoding: VDM bursts with address auto-increment, fixed-length modes with SCSn held
// low, the whole-frame API's argument checks, SPI byte counters and the frame trace.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  COMMON, FrameTrace, OM_FDM1, OM_FDM2, OM_FDM4, SN, W5500, controlByte, socketRegBlock, socketTxBlock,
} from '../../host-tools/sim/w5500/index.ts';
import { VirtualClock, r8 } from './helpers.ts';

describe('W5500 SPI frames', () => {
  it('VDM write then read of SIPR auto-increments the offset', () => {
    const m = new W5500({ clock: new VirtualClock().now });
    m.select();
    for (const b of [0x00, 0x0f, controlByte(0, true), 10, 1, 2, 3]) m.transfer(b);
    m.deselect();
    m.select();
    const miso = [0x00, 0x0f, controlByte(0, false), 0, 0, 0, 0].map((b) => m.transfer(b));
    m.deselect();
    expect(miso.slice(3)).toEqual([10, 1, 2, 3]);
  });

  it('fixed-length modes end the frame after 1, 2 and 4 bytes while SCSn stays low', () => {
    const m = new W5500({ clock: new VirtualClock().now });
    m.select();
    // FDM4 write GAR, then FDM2 write RTR, then FDM1 write RCR, all under one chip select.
    for (const b of [0x00, 0x01, controlByte(0, true, OM_FDM4), 192, 168, 1, 1]) m.transfer(b);
    for (const b of [0x00, 0x19, controlByte(0, true, OM_FDM2), 0x03, 0xe8]) m.transfer(b);
    for (const b of [0x00, 0x1b, controlByte(0, true, OM_FDM1), 0x05]) m.transfer(b);
    // FDM1 read VERSIONR
    const v = [0x00, 0x39, controlByte(0, false, OM_FDM1), 0].map((b) => m.transfer(b));
    m.deselect();
    expect(v[3]).toBe(0x04);
    expect(Array.from(m.read(COMMON.GAR, 0, 4))).toEqual([192, 168, 1, 1]);
    expect(m.common.rtr).toBe(1000);
    expect(m.common.rcr).toBe(5);
    expect(m.counters.frames).toBe(5);
  });

  it('a socket register read uses control byte 0x08 for socket 0 (BSB 00001)', () => {
    const m = new W5500({ clock: new VirtualClock().now });
    expect(controlByte(socketRegBlock(0), false)).toBe(0x08);
    expect(m.frame(SN.TTL, 0x08, 1)[0]).toBe(0x80);
  });

  it('rejects whole frames whose length does not fit the operation mode, with a clear message', () => {
    const m = new W5500({ clock: new VirtualClock().now });
    expect(() => m.frame(0, controlByte(0, false, OM_FDM2), 3)).toThrow(/fixed length 2/);
    expect(() => m.frame(0, controlByte(0, true), 2)).toThrow(/needs its data bytes/);
    expect(() => m.frame(0, controlByte(0, false), 0)).toThrow(/at least one data byte/);
  });

  it('counts every SPI byte: 3 header bytes per frame plus data', () => {
    const m = new W5500({ clock: new VirtualClock().now });
    m.read(0, 0, 1);
    m.write(0, socketTxBlock(0), new Uint8Array(100));
    expect(m.counters).toEqual({ frames: 2, bytes: 3 + 1 + 3 + 100, dataBytes: 101 });
  });

  it('MISO reads 0xFF while the chip is not selected', () => {
    const m = new W5500({ clock: new VirtualClock().now });
    expect(m.transfer(0x00)).toBe(0xff);
  });

  it('writes a readable frame trace with register names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'w5500-trace-'));
    const file = join(dir, 'trace.txt');
    const clock = new VirtualClock();
    const m = new W5500({ clock: clock.now, trace: new FrameTrace(file) });
    clock.advance(12);
    m.write(SN.TX_WR, socketRegBlock(0), Uint8Array.of(0x00, 0x53));
    r8(m, 0, COMMON.VERSIONR);
    m.write(SN.RXBUF_SIZE, socketRegBlock(1), Uint8Array.of(3));
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('t=12 W S0.TX_WR 0x0024 [00 53]');
    expect(text).toContain('R COMMON.VERSIONR 0x0039 [04]');
    expect(text).toMatch(/S1: Sn_RXBUF_SIZE=3 is not 0,1,2,4,8 or 16 KB: ignored/);
  });
});
