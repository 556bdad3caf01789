// Socket register blocks without traffic: reset values, read-only and reserved bytes, buffer
// sizes and buffer memory wrap, Sn_CR self-clearing, Sn_IR / Sn_IMR / SIR / SIMR and the INT pin.
import { describe, expect, it } from 'vitest';
import {
  CMD, COMMON, SN, SR, SNIR_TIMEOUT, W5500, socketRegBlock as S, socketRxBlock, socketTxBlock,
} from '../../host-tools/sim/w5500/index.ts';
import { VirtualClock, command, r8, r16, w8, w16 } from './helpers.ts';

describe('W5500 socket registers', () => {
  it('reads datasheet reset values in all 8 socket blocks', () => {
    const m = new W5500({ clock: new VirtualClock().now });
    for (let n = 0; n < 8; n++) {
      const b = S(n);
      expect(r8(m, b, SN.MR)).toBe(0);
      expect(r8(m, b, SN.CR)).toBe(0);
      expect(r8(m, b, SN.IR)).toBe(0);
      expect(r8(m, b, SN.SR)).toBe(SR.CLOSED);
      expect(r16(m, b, SN.PORT)).toBe(0);
      expect(Array.from(m.read(SN.DHAR, b, 6))).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
      expect(Array.from(m.read(SN.DIPR, b, 6))).toEqual([0, 0, 0, 0, 0, 0]);
      expect(r16(m, b, SN.MSSR)).toBe(0);
      expect(r8(m, b, SN.TOS)).toBe(0);
      expect(r8(m, b, SN.TTL)).toBe(0x80);
      expect(r8(m, b, SN.RXBUF_SIZE)).toBe(2);
      expect(r8(m, b, SN.TXBUF_SIZE)).toBe(2);
      expect(r16(m, b, SN.TX_FSR)).toBe(0x0800);
      expect(Array.from(m.read(SN.TX_RD, b, 10))).toEqual(new Array(10).fill(0));
      expect(r8(m, b, SN.IMR)).toBe(0xff);
      expect(r16(m, b, SN.FRAG)).toBe(0x4000);
      expect(r8(m, b, SN.KPALVTR)).toBe(0);
    }
  });

  it('ignores writes to Sn_SR, Sn_TX_FSR, Sn_TX_RD, Sn_RX_RSR, Sn_RX_WR and reserved bytes', () => {
    const m = new W5500({ clock: new VirtualClock().now });
    const b = S(3);
    w8(m, b, SN.SR, 0x17);
    w16(m, b, SN.TX_FSR, 0x1234);
    w16(m, b, SN.TX_RD, 0x1234);
    w16(m, b, SN.RX_RSR, 0x1234);
    w16(m, b, SN.RX_WR, 0x1234);
    w8(m, b, 0x14, 0x55);
    w8(m, b, 0x18, 0x55);
    w8(m, b, 0x30, 0x55);
    expect(r8(m, b, SN.SR)).toBe(0);
    expect(r16(m, b, SN.TX_FSR)).toBe(0x0800);
    expect(r16(m, b, SN.TX_RD)).toBe(0);
    expect(r16(m, b, SN.RX_RSR)).toBe(0);
    expect(r16(m, b, SN.RX_WR)).toBe(0);
    expect(r8(m, b, 0x14)).toBe(0);
    expect(r8(m, b, 0x18)).toBe(0);
    expect(r8(m, b, 0x30)).toBe(0);
  });

  it('accepts only 0/1/2/4/8/16 KB buffer sizes and sizes TX_FSR from them', () => {
    const m = new W5500({ clock: new VirtualClock().now });
    w8(m, S(0), SN.TXBUF_SIZE, 16);
    w8(m, S(1), SN.TXBUF_SIZE, 3);
    expect(r8(m, S(0), SN.TXBUF_SIZE)).toBe(16);
    expect(r8(m, S(1), SN.TXBUF_SIZE)).toBe(2);
    expect(r16(m, S(0), SN.TX_FSR)).toBe(16 * 1024);
  });

  it('wraps buffer offsets modulo the socket buffer size and keeps sockets apart', () => {
    const m = new W5500({ clock: new VirtualClock().now });
    m.write(0xfffe, socketTxBlock(0), Uint8Array.of(1, 2, 3, 4)); // 2 KB: 0xFFFE → 0x7FE, then 0x000
    expect(Array.from(m.read(0x07fe, socketTxBlock(0), 2))).toEqual([1, 2]);
    expect(Array.from(m.read(0x0000, socketTxBlock(0), 2))).toEqual([3, 4]);
    expect(Array.from(m.read(0x0800, socketTxBlock(0), 2))).toEqual([3, 4]);
    expect(Array.from(m.read(0x0000, socketTxBlock(1), 2))).toEqual([0, 0]);
    m.write(0x0010, socketRxBlock(2), Uint8Array.of(9));
    expect(r8(m, socketRxBlock(2), 0x0810)).toBe(9);
    expect(r8(m, socketTxBlock(2), 0x0010)).toBe(0);
    w8(m, S(5), SN.RXBUF_SIZE, 0);
    m.write(0, socketRxBlock(5), Uint8Array.of(7));
    expect(r8(m, socketRxBlock(5), 0)).toBe(0); // 0 KB: no memory behind the block
  });

  it('Sn_CR reads back 0 once the command is taken; OPEN follows Sn_MR', () => {
    const m = new W5500({ clock: new VirtualClock().now, commandBusyFrames: 2 });
    const b = S(0);
    w8(m, b, SN.MR, 0x01);
    w8(m, b, SN.CR, CMD.OPEN);
    expect(r8(m, b, SN.CR)).toBe(CMD.OPEN); // still being taken
    expect(r8(m, b, SN.CR)).toBe(CMD.OPEN);
    expect(r8(m, b, SN.CR)).toBe(0);
    // Sn_SR lags the command (statusLatencyFrames = 2): a driver must wait for it to leave CLOSED
    expect(r8(m, b, SN.SR)).toBe(SR.CLOSED);
    expect(r8(m, b, SN.SR)).toBe(SR.CLOSED);
    expect(r8(m, b, SN.SR)).toBe(SR.INIT);
    command(m, 0, CMD.CLOSE);
    expect(r8(m, b, SN.SR)).toBe(SR.CLOSED);
    w8(m, b, SN.MR, 0x04);
    command(m, 0, CMD.OPEN);
    expect(r8(m, b, SN.SR)).toBe(SR.MACRAW);
    w8(m, S(1), SN.MR, 0x04);
    command(m, 1, CMD.OPEN); // MACRAW is socket 0 only
    expect(r8(m, S(1), SN.SR)).toBe(SR.CLOSED);
  });

  it('ignores a command written before the previous one was taken', () => {
    const m = new W5500({ clock: new VirtualClock().now, commandBusyFrames: 1 });
    const b = S(0);
    w8(m, b, SN.MR, 0x01);
    w8(m, b, SN.CR, CMD.OPEN);
    w8(m, b, SN.CR, CMD.CLOSE); // too early: lost, as on the chip
    while (r8(m, b, SN.CR) !== 0);
    for (let i = 0; i < 10 && r8(m, b, SN.SR) === SR.CLOSED; i++);
    expect(r8(m, b, SN.SR)).toBe(SR.INIT);
  });

  it('raises Sn_IR only for bits enabled in Sn_IMR; SIR and INTn follow; write 1 clears', async () => {
    const clock = new VirtualClock();
    const m = new W5500({ clock: clock.now });
    const b = S(2);
    w8(m, b, SN.MR, 0x01);
    m.write(SN.DIPR, b, Uint8Array.of(10, 9, 9, 9, 0x07, 0x5b)); // unmapped: no ARP reply
    command(m, 2, CMD.OPEN);
    command(m, 2, CMD.CONNECT);
    expect(r8(m, b, SN.SR)).toBe(SR.SYNSENT);
    clock.advance(1799);
    m.poll();
    expect(r8(m, b, SN.SR)).toBe(SR.SYNSENT);
    clock.advance(1); // ARPTO = 200 ms × 9
    expect(r8(m, b, SN.SR)).toBe(SR.CLOSED);
    expect(r8(m, b, SN.IR)).toBe(SNIR_TIMEOUT);
    expect(r8(m, 0, COMMON.SIR)).toBe(1 << 2);
    expect(m.intAsserted).toBe(false); // SIMR = 0
    w8(m, 0, COMMON.SIMR, 1 << 2);
    expect(m.intAsserted).toBe(true);
    w8(m, b, SN.IR, SNIR_TIMEOUT);
    expect(r8(m, b, SN.IR)).toBe(0);
    expect(r8(m, 0, COMMON.SIR)).toBe(0);
    expect(m.intAsserted).toBe(false);
    // Masked: the same failure with Sn_IMR = 0 leaves Sn_IR clear.
    w8(m, b, SN.IMR, 0);
    command(m, 2, CMD.OPEN);
    command(m, 2, CMD.CONNECT);
    clock.advance(1800);
    expect(r8(m, b, SN.SR)).toBe(SR.CLOSED);
    expect(r8(m, b, SN.IR)).toBe(0);
  });

  it('Sn_SR shows a command\'s state only after the configured latency; 0 frames = at once', () => {
    const lagged = new W5500({ clock: new VirtualClock().now, timing: { statusLatencyFrames: 3 } });
    w8(lagged, S(0), SN.MR, 0x01);
    w8(lagged, S(0), SN.CR, CMD.OPEN);
    expect(r8(lagged, S(0), SN.CR)).toBe(0);
    const seen = Array.from({ length: 5 }, () => r8(lagged, S(0), SN.SR));
    expect(seen).toEqual([SR.CLOSED, SR.CLOSED, SR.CLOSED, SR.INIT, SR.INIT]);
    const instant = new W5500({ clock: new VirtualClock().now, timing: { statusLatencyFrames: 0 } });
    w8(instant, S(0), SN.MR, 0x01);
    w8(instant, S(0), SN.CR, CMD.OPEN);
    expect(r8(instant, S(0), SN.SR)).toBe(SR.INIT);
  });

  it('hardware reset returns socket registers to reset values', () => {
    const m = new W5500({ clock: new VirtualClock().now });
    w8(m, S(4), SN.TTL, 5);
    w8(m, S(4), SN.MR, 0x02);
    command(m, 4, CMD.OPEN);
    m.hardwareReset();
    expect(r8(m, S(4), SN.TTL)).toBe(0x80);
    expect(r8(m, S(4), SN.SR)).toBe(SR.CLOSED);
  });
});
