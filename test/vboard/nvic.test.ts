import { describe, expect, it } from 'vitest';
import { Exc, ExceptionState } from '../../host-tools/sim/board/exceptions.ts';
import { Nvic } from '../../host-tools/sim/board/nvic.ts';
import { Scb } from '../../host-tools/sim/board/scb.ts';

describe('NVIC and SCB models', () => {
  it('pends and enables IRQs through ISER/ISPR and picks the highest priority', () => {
    const exc = new ExceptionState();
    const nvic = new Nvic(exc);
    nvic.write(0x004, 4, 1 << 5); // ISER1: IRQ 37
    nvic.write(0x104, 4, 1 << 5); // ISPR1
    expect(nvic.read(0x104, 4)).toBe(1 << 5);
    nvic.write(0x300 + 37, 1, 0x4f); // only the upper 4 bits are implemented
    expect(nvic.read(0x300 + 36, 4) >>> 8 & 0xff).toBe(0x40);
    exc.setPending(Exc.SysTick);
    exc.priority[Exc.SysTick] = 0x80;
    expect(exc.highestPending()).toBe(Exc.IRQ0 + 37);
    expect(exc.toTake(1, 0, 0)).toBe(0); // PRIMASK
    expect(exc.toTake(0, 0, 0x40)).toBe(0); // BASEPRI 0x40 masks priority 0x40
    expect(exc.toTake(0, 0, 0)).toBe(Exc.IRQ0 + 37);
    exc.stack.push(Exc.IRQ0 + 37); exc.pending[Exc.IRQ0 + 37] = 0;
    expect(exc.toTake(0, 0, 0)).toBe(0); // SysTick (0x80) cannot preempt 0x40
    nvic.write(0x084, 4, 1 << 5); // ICER1
    expect(nvic.read(0x004, 4)).toBe(0);
  });

  it('groups priorities with PRIGROUP and handles ICSR, VTOR and SYSRESETREQ', () => {
    const exc = new ExceptionState();
    const scb = new Scb(exc);
    let resets = 0;
    scb.onSystemReset = () => resets++;
    expect(scb.read(0x00, 4)).toBe(0x411fc231);
    scb.write(0x0c, 4, 0x05fa0000 | (5 << 8));
    expect(exc.prigroup).toBe(5);
    exc.priority[Exc.IRQ0] = 0x40; exc.priority[Exc.IRQ0 + 1] = 0x50;
    expect(exc.groupPriority(Exc.IRQ0)).toBe(exc.groupPriority(Exc.IRQ0 + 1)); // same group: no preemption
    scb.write(0x04, 4, 1 << 28);
    expect(exc.pending[Exc.PendSV]).toBe(1);
    expect(scb.read(0x04, 4) & (1 << 28)).toBe(1 << 28);
    scb.write(0x08, 4, 0x08004000);
    expect(scb.vtor).toBe(0x08004000);
    scb.write(0x0c, 4, 0x12340004); // wrong VECTKEY: ignored
    expect(resets).toBe(0);
    scb.write(0x0c, 4, 0x05fa0004);
    expect(resets).toBe(1);
    scb.write(0x20, 4, 0xf0000000); // SHPR3: SysTick priority
    expect(exc.priority[Exc.SysTick]).toBe(0xf0);
  });
});
