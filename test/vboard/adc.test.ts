// ADC1 model on its own registers (RM0008 ch. 11): power-up, calibration, sample time, the
// internal channels behind TSVREFE, software start, EOC/DR, and the readings silicon gets wrong
// when the firmware skips a step.
import { describe, expect, it } from 'vitest';
import { Adc, AdcRegs as R, CAL_ERROR_LSB } from '../../host-tools/sim/board/adc.ts';
import { ManualTime } from '../../host-tools/sim/board/peripheral.ts';

const ADON = 1, CAL = 1 << 2, RSTCAL = 1 << 3, SWSTART_CFG = (7 << 17) | (1 << 20), SWSTART = 1 << 22,
  TSVREFE = 1 << 23;
const ADCPRE_DIV6 = 2 << 14;

function adc(opts: { clockOn?: boolean } = {}) {
  const time = new ManualTime();
  time.clockHz = 72_000_000;
  const warnings: string[] = [];
  let on = opts.clockOn ?? true;
  const a = new Adc(time, { enabled: () => on, cfgr: () => ADCPRE_DIV6 });
  a.onWarning = (t) => warnings.push(t);
  const us = (n: number) => { time.now += n * 72; a.tick(time.now); };
  const convert = (channel: number): number => {
    a.write(R.SQR3, 4, channel);
    a.write(R.CR2, 4, a.read(R.CR2, 4) | SWSTART);
    expect(a.read(R.SR, 4) & 2).toBe(0); // not done at once
    us(25); // 239.5 + 12.5 ADC clocks at 12 MHz = 21 us
    expect(a.read(R.SR, 4) & 2).toBe(2);
    const v = a.read(R.DR, 4);
    expect(a.read(R.SR, 4) & 2).toBe(0); // reading DR clears EOC
    return v;
  };
  return { a, time, warnings, us, convert, setClock: (v: boolean) => { on = v; } };
}

function upAndCalibrated(t: ReturnType<typeof adc>): void {
  t.a.write(R.SMPR1, 4, 0x00ffffff);
  t.a.write(R.SMPR2, 4, 0x3fffffff);
  t.a.write(R.CR2, 4, ADON);
  t.us(2);
  t.a.write(R.CR2, 4, ADON | CAL);
  expect(t.a.read(R.CR2, 4) & CAL).toBe(CAL);
  t.us(10); // 83 ADC clocks ~ 6.9 us
  expect(t.a.read(R.CR2, 4) & CAL).toBe(0);
  t.a.write(R.CR2, 4, ADON | SWSTART_CFG | TSVREFE);
}

describe('ADC1 model', () => {
  it('after power-up and calibration converts a pin, the temperature sensor and VREFINT exactly', () => {
    const t = adc();
    upAndCalibrated(t);
    t.a.setInput(3, 1.0);
    expect(t.convert(3)).toBe(Math.round((1.0 / 3.3) * 4095));
    t.a.setTemperature(25);
    expect(t.convert(16)).toBe(Math.round((1.43 / 3.3) * 4095));
    t.a.setTemperature(85);
    expect(t.convert(16)).toBe(Math.round(((1.43 - 60 * 0.0043) / 3.3) * 4095));
    expect(t.convert(17)).toBe(Math.round((1.2 / 3.3) * 4095));
    expect(t.warnings).toEqual([]);
  });

  it('without calibration the reading is off, as on the chip', () => {
    const t = adc();
    t.a.write(R.SMPR2, 4, 0x3fffffff);
    t.a.write(R.CR2, 4, ADON | SWSTART_CFG);
    t.us(2);
    t.a.setInput(0, 1.0);
    expect(t.convert(0)).toBe(Math.round((1.0 / 3.3) * 4095) + CAL_ERROR_LSB);
    expect(t.warnings.join()).toMatch(/without calibration/);
  });

  it('CAL set while the ADC is off never completes; calibration before t_STAB is wrong', () => {
    const off = adc();
    off.a.write(R.CR2, 4, CAL);
    off.us(100);
    expect(off.a.read(R.CR2, 4) & CAL).toBe(CAL);
    const early = adc();
    early.a.write(R.CR2, 4, ADON);
    early.a.write(R.CR2, 4, ADON | CAL); // no wait for t_STAB
    early.us(10);
    early.a.write(R.CR2, 4, ADON | SWSTART_CFG);
    early.a.setInput(0, 1.0);
    expect(early.convert(0)).toBe(Math.round((1.0 / 3.3) * 4095) + CAL_ERROR_LSB);
    expect(early.warnings.join()).toMatch(/before t_STAB/);
  });

  it('channels 16/17 read 0 without TSVREFE; a short sample time reads the sensor low', () => {
    const t = adc();
    upAndCalibrated(t);
    t.a.write(R.CR2, 4, ADON | SWSTART_CFG); // TSVREFE off
    expect(t.convert(17)).toBe(0);
    t.a.write(R.CR2, 4, ADON | SWSTART_CFG | TSVREFE);
    t.a.write(R.SMPR1, 4, 0); // 1.5 cycles
    expect(t.convert(17)).toBeLessThan(100);
    expect(t.warnings.join()).toMatch(/TSVREFE = 0[^]*17\.1 us/);
  });

  it('SWSTART needs EXTTRIG and EXTSEL = 111; RSTCAL clears; with its clock off the ADC ignores writes', () => {
    const t = adc();
    t.a.write(R.CR2, 4, ADON);
    t.us(2);
    t.a.write(R.CR2, 4, ADON | SWSTART); // no EXTTRIG
    t.us(30);
    expect(t.a.read(R.SR, 4) & 2).toBe(0);
    t.a.write(R.CR2, 4, ADON | RSTCAL);
    expect(t.a.read(R.CR2, 4) & RSTCAL).toBe(RSTCAL);
    t.us(2);
    expect(t.a.read(R.CR2, 4) & RSTCAL).toBe(0);
    const cold = adc({ clockOn: false });
    cold.a.write(R.CR2, 4, ADON);
    cold.setClock(true);
    expect(cold.a.read(R.CR2, 4)).toBe(0);
    expect(cold.warnings.join()).toMatch(/clock off/);
  });
});
