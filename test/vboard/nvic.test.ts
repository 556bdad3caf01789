import { describe, expect, it } from 'vitest';
import { Exc, ExceptionState } from '../../host-tools/sim/board/exceptions.ts';
import { Nvic } from '../../host-tools/sim/board/nvic.ts';

describe('NVIC model', () => {
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
});
