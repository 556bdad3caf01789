import { describe, expect, it } from 'vitest';
import { ManualTime } from '../../host-tools/sim/board/peripheral.ts';
import { SR_ORE, SR_RXNE, SR_TC, SR_TXE, Usart } from '../../host-tools/sim/board/usart.ts';

const SR = 0, DR = 4, BRR = 8, CR1 = 0xc;
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
});
