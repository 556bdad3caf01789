import { describe, expect, it } from 'vitest';
import { Exc, ExceptionState } from '../../host-tools/sim/board/exceptions.ts';
import { Scb } from '../../host-tools/sim/board/scb.ts';

describe('SCB model', () => {
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
