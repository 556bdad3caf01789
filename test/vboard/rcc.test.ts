import { describe, expect, it } from 'vitest';
import { Rcc, RccRegs, ResetFlag } from '../../host-tools/sim/board/rcc.ts';

describe('RCC model', () => {
  it('starts on HSI and reports 72 MHz after HSE x9 PLL switch, as the HAL sets it up', () => {
    const seen: number[] = [];
    const rcc = new Rcc(8_000_000, (hz) => seen.push(hz));
    expect(rcc.sysclkHz).toBe(8_000_000);
    rcc.write(RccRegs.CR, 4, rcc.read(RccRegs.CR, 4) | (1 << 16));
    expect(rcc.read(RccRegs.CR, 4) & (1 << 17)).not.toBe(0); // HSERDY
    rcc.write(RccRegs.CFGR, 4, (1 << 16) | (7 << 18) | (4 << 8));
    rcc.write(RccRegs.CR, 4, rcc.read(RccRegs.CR, 4) | (1 << 24));
    expect(rcc.read(RccRegs.CR, 4) & (1 << 25)).not.toBe(0); // PLLRDY
    rcc.write(RccRegs.CFGR, 4, rcc.read(RccRegs.CFGR, 4) | 2);
    expect((rcc.read(RccRegs.CFGR, 4) >> 2) & 3).toBe(2); // SWS = PLL
    expect(rcc.sysclkHz).toBe(72_000_000);
    expect(seen.at(-1)).toBe(72_000_000);
  });

  it('never sets HSERDY when the crystal is missing; HSI/2 x16 gives 64 MHz', () => {
    const rcc = new Rcc(0);
    rcc.write(RccRegs.CR, 4, rcc.read(RccRegs.CR, 4) | (1 << 16));
    expect(rcc.read(RccRegs.CR, 4) & (1 << 17)).toBe(0);
    rcc.write(RccRegs.CFGR, 4, (14 << 18) | 2);
    expect(rcc.sysclkHz).toBe(64_000_000);
  });

  it('keeps reset flags until RMVF', () => {
    const rcc = new Rcc(8_000_000);
    rcc.setResetCause(ResetFlag.IWDG | ResetFlag.PIN);
    expect(rcc.read(RccRegs.CSR, 4) >>> 24).toBe((ResetFlag.IWDG | ResetFlag.PIN) >>> 24);
    rcc.write(RccRegs.CSR, 4, rcc.read(RccRegs.CSR, 4) | (1 << 24));
    expect(rcc.read(RccRegs.CSR, 4) >>> 24).toBe(0);
  });
});
