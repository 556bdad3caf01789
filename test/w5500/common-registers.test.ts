// Common register block: reset values, read-only and reserved behaviour, software reset,
// interrupt register semantics, PHY status, RTR/RCR timeout arithmetic. Values from the W5500
// datasheet v1.0.9 section 4.1.
import { describe, expect, it } from 'vitest';
import { COMMON, DATASHEET_TIMING, W5500, BLOCK_COMMON as C } from '../../host-tools/sim/w5500/index.ts';
import { VirtualClock, r8, r16, w8 } from './helpers.ts';

const chip = () => new W5500({ clock: new VirtualClock().now });

describe('W5500 common registers', () => {
  it('reads datasheet reset values', () => {
    const m = chip();
    expect(r8(m, C, COMMON.MR)).toBe(0x00);
    expect(Array.from(m.read(COMMON.GAR, C, 18))).toEqual(new Array(18).fill(0)); // GAR SUBR SHAR SIPR
    expect(r16(m, C, COMMON.INTLEVEL)).toBe(0x0000);
    expect(r8(m, C, COMMON.IR)).toBe(0);
    expect(r8(m, C, COMMON.IMR)).toBe(0);
    expect(r8(m, C, COMMON.SIR)).toBe(0);
    expect(r8(m, C, COMMON.SIMR)).toBe(0);
    expect(r16(m, C, COMMON.RTR)).toBe(0x07d0);
    expect(r8(m, C, COMMON.RCR)).toBe(0x08);
    expect(r8(m, C, COMMON.PTIMER)).toBe(0x28);
    expect(r8(m, C, COMMON.PMAGIC)).toBe(0x00);
    expect(r16(m, C, COMMON.UPORTR)).toBe(0);
    expect(r8(m, C, COMMON.VERSIONR)).toBe(0x04);
  });

  it('reads VERSIONR with the datasheet example frame 00 39 00 → 0x04, byte by byte', () => {
    const m = chip();
    m.select();
    m.transfer(0x00); m.transfer(0x39); m.transfer(0x00);
    expect(m.transfer(0x00)).toBe(0x04);
    m.deselect();
  });

  it('keeps network identity written by the host', () => {
    const m = chip();
    m.write(COMMON.GAR, C, Uint8Array.of(192, 168, 1, 1, 255, 255, 255, 0, 0x02, 0, 0, 0, 0, 1, 192, 168, 1, 50));
    expect(Array.from(m.read(COMMON.SIPR, C, 4))).toEqual([192, 168, 1, 50]);
    expect(Array.from(m.read(COMMON.SHAR, C, 6))).toEqual([2, 0, 0, 0, 0, 1]);
  });

  it('ignores writes to read-only registers and reads reserved space as 0', () => {
    const m = chip();
    w8(m, C, COMMON.VERSIONR, 0x55);
    expect(r8(m, C, COMMON.VERSIONR)).toBe(0x04);
    m.write(COMMON.UIPR, C, Uint8Array.of(1, 2, 3, 4, 5, 6));
    expect(Array.from(m.read(COMMON.UIPR, C, 6))).toEqual([0, 0, 0, 0, 0, 0]);
    w8(m, C, COMMON.SIR, 0xff);
    expect(r8(m, C, COMMON.SIR)).toBe(0);
    w8(m, C, 0x30, 0x12);
    expect(r8(m, C, 0x30)).toBe(0);
    expect(r8(m, C, 0x3a)).toBe(0);
    expect(r8(m, 4, 0x0000)).toBe(0); // block 00100 is reserved
  });

  it('software reset (MR.RST) restores every register and self-clears', () => {
    const m = chip();
    m.write(COMMON.SIPR, C, Uint8Array.of(10, 0, 0, 2));
    w8(m, C, COMMON.RCR, 3);
    w8(m, C, COMMON.MR, 0x80);
    expect(r8(m, C, COMMON.MR)).toBe(0);
    expect(Array.from(m.read(COMMON.SIPR, C, 4))).toEqual([0, 0, 0, 0]);
    expect(r8(m, C, COMMON.RCR)).toBe(8);
  });

  it('keeps MR mode bits (PB, FARP) without resetting', () => {
    const m = chip();
    w8(m, C, COMMON.MR, 0x12);
    expect(r8(m, C, COMMON.MR)).toBe(0x12);
  });

  it('PHYCFGR reports link, 100 Mbit/s, full duplex; LNK follows the cable and the PHY reset bit', () => {
    const m = chip();
    expect(r8(m, C, COMMON.PHYCFGR)).toBe(0xbf);
    m.faults.linkDown();
    expect(r8(m, C, COMMON.PHYCFGR)).toBe(0xb8);
    m.faults.linkUp();
    w8(m, C, COMMON.PHYCFGR, 0x38); // RST=0: PHY held in reset
    expect(r8(m, C, COMMON.PHYCFGR) & 1).toBe(0);
    w8(m, C, COMMON.PHYCFGR, 0xb8);
    expect(r8(m, C, COMMON.PHYCFGR)).toBe(0xbf);
    w8(m, C, COMMON.PHYCFGR, 0xff); // status bits are read-only
    expect(r8(m, C, COMMON.PHYCFGR) & 0x07).toBe(0x07);
    w8(m, C, COMMON.PHYCFGR, 0x70); // OPMD=1, OPMDC=110 (power down), applied by a PHY reset as the datasheet says
    w8(m, C, COMMON.PHYCFGR, 0xf0);
    expect(r8(m, C, COMMON.PHYCFGR) & 1).toBe(0);
  });

  it('PHYCFGR reads back a forced mode after the PHY reset: 10/half → 0xC1, 10/full 0xCD, 100/half 0xD3, 100/full ' +
      '0xDF', () => {
    const m = chip();
    const force = (opmdc: number) => {
      w8(m, C, COMMON.PHYCFGR, 0x40 | (opmdc << 3)); // RST=0 with the new mode (ioLibrary wizphy_setphyconf + reset)
      w8(m, C, COMMON.PHYCFGR, 0xc0 | (opmdc << 3));
      return r8(m, C, COMMON.PHYCFGR);
    };
    expect([0, 1, 2, 3, 4, 7].map(force)).toEqual([0xc1, 0xcd, 0xd3, 0xdf, 0xe3, 0xff]);
    m.faults.linkDown();
    expect(r8(m, C, COMMON.PHYCFGR)).toBe(0xf8); // speed/duplex are only reported with a link
  });

  it('datasheet timing: a short RSTn pulse is ignored, the SPI is dead until the PLL locks, the link needs ' +
      'auto-negotiation', () => {
    const clock = new VirtualClock();
    const m = new W5500({ clock: clock.now, timing: DATASHEET_TIMING });
    w8(m, C, COMMON.RCR, 3);
    m.setResetPin(0); clock.advance(0.2); m.setResetPin(1); // 200 µs < T_RC (500 µs): a glitch
    expect(r8(m, C, COMMON.RCR)).toBe(3);
    m.setResetPin(0); clock.advance(0.5); m.setResetPin(1);
    expect(r8(m, C, COMMON.VERSIONR)).toBe(0); // PLL not locked: nothing answers
    w8(m, C, COMMON.RCR, 5); // lost
    clock.advance(1);
    expect(r8(m, C, COMMON.VERSIONR)).toBe(4);
    expect(r8(m, C, COMMON.RCR)).toBe(8); // reset value: the reset happened, the early write was lost
    expect(r8(m, C, COMMON.PHYCFGR) & 1).toBe(0); // auto-negotiation in progress
    expect(m.nextDeadline()).toBeCloseTo(1500.7); // reset released at t = 0.7
    clock.advance(1498);
    expect(r8(m, C, COMMON.PHYCFGR) & 1).toBe(0);
    clock.advance(1);
    expect(r8(m, C, COMMON.PHYCFGR)).toBe(0xbf);
    m.faults.linkDown();
    clock.advance(10);
    m.faults.linkUp(); // cable back: negotiation again
    expect(r8(m, C, COMMON.PHYCFGR) & 1).toBe(0);
    clock.advance(1500);
    expect(r8(m, C, COMMON.PHYCFGR) & 1).toBe(1);
  });

  it('computes ARPTO and TCPTO from RTR/RCR as the datasheet example (1.8 s, 31.8 s)', () => {
    const m = chip();
    expect(m.common.arpTimeoutMs()).toBe(1800);
    expect(m.common.tcpTimeoutMs()).toBe(31800);
    m.write(COMMON.RTR, C, Uint8Array.of(0x03, 0xe8, 2)); // RTR=1000 (100 ms), RCR=2
    expect(m.common.arpTimeoutMs()).toBe(300);
    expect(m.common.tcpTimeoutMs()).toBe(700); // 100 + 200 + 400
  });
});
