import { describe, expect, it } from 'vitest';
import { ManualTime } from '../../host-tools/sim/board/peripheral.ts';
import { SR_ORE, SR_RXNE, SR_TC, SR_TXE, Usart } from '../../host-tools/sim/board/usart.ts';

const SR = 0, DR = 4, BRR = 8, CR1 = 0xc;
const TCIE = 1 << 6, TXEIE = 1 << 7;
function setup() {
  const time = new ManualTime();
  const u = new Usart(time);
  const sent: number[] = [];
  u.onTransmit = (b) => sent.push(b);
  u.write(BRR, 4, 625); // 115200 at 72 MHz: 6250 cycles per character
  u.write(CR1, 4, (1 << 13) | (1 << 3) | (1 << 2) | (1 << 5));
  return { time, u, sent };
}

describe('USART1 model', () => {
  it('transmits at the line rate: shift register plus one holding byte', () => {
    const { time, u, sent } = setup();
    u.write(DR, 4, 0x41);
    expect(u.read(SR, 4) & SR_TXE).toBe(SR_TXE);
    u.write(DR, 4, 0x42);
    expect(u.read(SR, 4) & (SR_TXE | SR_TC)).toBe(0);
    time.now = 6250; u.tick(time.now);
    expect(sent).toEqual([0x41]);
    expect(u.read(SR, 4) & SR_TXE).toBe(SR_TXE);
    time.now = 12500; u.tick(time.now);
    expect(sent).toEqual([0x41, 0x42]);
    expect(u.read(SR, 4) & SR_TC).toBe(SR_TC);
  });

  it('receives one byte per character time, raises the RX interrupt line, and overruns like the chip', () => {
    const { time, u } = setup();
    u.receive('ab');
    expect(u.nextEvent()).toBe(6250);
    time.now = 6250; u.tick(time.now);
    expect(u.interruptLine).toBe(true);
    expect(u.read(SR, 4) & SR_RXNE).toBe(SR_RXNE);
    expect(u.read(DR, 4)).toBe(0x61);
    expect(u.interruptLine).toBe(false);
    time.now = 12500; u.tick(time.now);
    time.now = 20000; u.receive('c'); time.now = 40000; u.tick(time.now); // 'b' not read: 'c' is lost
    expect(u.read(SR, 4) & SR_ORE).toBe(SR_ORE);
    expect(u.read(DR, 4)).toBe(0x62);
    expect(u.overruns).toBe(1);
  });

  it('drops bytes while the transmitter is disabled', () => {
    const time = new ManualTime();
    const u = new Usart(time);
    const sent: number[] = [];
    u.onTransmit = (b) => sent.push(b);
    u.write(DR, 4, 0x41);
    time.now = 1e6; u.tick(time.now);
    expect(sent).toEqual([]);
  });

  it('raises the TXE interrupt line while TXEIE is set and the holding register is empty (what the TX ring ISR ' +
      'relies on)', () => {
    const { time, u, sent } = setup();
    let raised = 0;
    u.onLineRaised = () => raised++;
    expect(u.interruptLine).toBe(false); // TXE is 1 but TXEIE is off
    u.write(CR1, 4, u.read(CR1, 4) | TXEIE);
    expect(u.interruptLine).toBe(true); // idle transmitter: interrupts at once
    expect(raised).toBe(1); // the board is told to end the CPU slice
    u.write(DR, 4, 0x41); // into the shift register: holding still empty, line stays high
    expect(u.interruptLine).toBe(true);
    u.write(DR, 4, 0x42); // into the holding register: TXE falls, so does the line
    expect(u.interruptLine).toBe(false);
    expect(u.nextEvent()).toBe(6250);
    time.now = 6250; u.tick(time.now); // 'A' out, 'B' moves to the shift register: TXE again
    expect(sent).toEqual([0x41]);
    expect(u.interruptLine).toBe(true);
    expect(raised).toBe(1); // raised by time, not by a write: the board sees it between slices
    u.write(CR1, 4, u.read(CR1, 4) & ~TXEIE); // the ISR found its ring empty
    expect(u.interruptLine).toBe(false);
    time.now = 12500; u.tick(time.now);
    expect(sent).toEqual([0x41, 0x42]);
    expect(u.interruptLine).toBe(false);
  });

  it('raises the TC interrupt line with TCIE once the last byte has left the shift register', () => {
    const { time, u } = setup();
    u.write(CR1, 4, u.read(CR1, 4) | TCIE);
    expect(u.interruptLine).toBe(true); // TC is 1 out of reset
    u.write(DR, 4, 0x41); // writing DR clears TC
    expect(u.read(SR, 4) & SR_TC).toBe(0);
    expect(u.interruptLine).toBe(false);
    time.now = 6249; u.tick(time.now);
    expect(u.interruptLine).toBe(false);
    time.now = 6250; u.tick(time.now);
    expect(u.read(SR, 4) & SR_TC).toBe(SR_TC);
    expect(u.interruptLine).toBe(true);
    u.write(SR, 4, ~SR_TC); // rc_w0: software clears TC
    expect(u.interruptLine).toBe(false);
  });

  it('keeps the USART interrupt line low while the USART is disabled (UE=0)', () => {
    const { u } = setup();
    u.write(CR1, 4, TXEIE | TCIE);
    expect(u.interruptLine).toBe(false);
  });

  it('takes only a run of SR reads with TXE=0 for a busy poll (the board skips ahead), not one read from an ' +
      'ISR', () => {
    const { time, u } = setup();
    let polls = 0;
    u.onBusyPoll = () => polls++;
    u.write(DR, 4, 0x41);
    u.write(DR, 4, 0x42); // TXE=0 now
    time.now = 100; u.read(SR, 4); // an RX handler's read: not a poll
    expect(polls).toBe(0);
    time.now = 110; u.read(DR, 4); // ...followed by its DR read
    time.now = 120; u.read(SR, 4);
    expect(polls).toBe(0);
    time.now = 2000; u.read(SR, 4); // much later: still not a loop
    expect(polls).toBe(0);
    time.now = 2006; u.read(SR, 4); // a polling loop: read again a few cycles later
    time.now = 2012; u.read(SR, 4);
    expect(polls).toBe(2);
  });
});

