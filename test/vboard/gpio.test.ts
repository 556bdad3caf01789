import { describe, expect, it } from 'vitest';
import { GpioPort } from '../../host-tools/sim/board/gpio.ts';

describe('GPIO model', () => {
  it('drives outputs through BSRR/BRR and reports each change', () => {
    const a = new GpioPort(0);
    expect(a.base).toBe(0x40010800);
    const changes: string[] = [];
    a.onOutput((pin, level) => changes.push(`${pin}=${level}`));
    a.write(0x00, 4, 0x00030000); // PA4 output push-pull 50 MHz
    a.write(0x10, 4, 1 << 4);
    a.write(0x10, 4, 1 << 20);
    a.write(0x14, 4, 1 << 4); // already low: no change
    expect(changes).toEqual(['4=1', '4=0']);
    a.write(0x10, 4, (1 << 4) | (1 << 20)); // set wins
    expect(a.read(0x08, 4) & (1 << 4)).toBe(1 << 4);
  });

  it('reads inputs from a provider, and pulls from ODR in pull mode', () => {
    const b = new GpioPort(1);
    let line = 0;
    b.connectInput(1, () => line);
    expect(b.read(0x08, 4) & 2).toBe(0);
    line = 1;
    expect(b.read(0x08, 4) & 2).toBe(2);
    b.write(0x00, 4, 0x8); // PB0 input with pull
    b.write(0x0c, 4, 1); // pull-up
    expect(b.read(0x08, 4) & 1).toBe(1);
  });
});

describe('GPIO port clock', () => {
  it('ignores writes and reads 0 while its RCC clock (APB2ENR.IOPxEN) is off', () => {
    let on = false;
    const warnings: string[] = [];
    const c = new GpioPort(2, () => on);
    c.onWarning = (t) => warnings.push(t);
    c.write(0x04, 4, 0x00200000); // PC13 output
    c.write(0x10, 4, 1 << 13);
    on = true;
    expect(c.read(0x04, 4)).toBe(0x44444444);
    expect(c.outputLatch).toBe(0);
    expect(warnings[0]).toMatch(/GPIOC written with its clock off/);
    c.write(0x04, 4, 0x44244444);
    c.write(0x10, 4, 1 << 13);
    expect(c.level(13)).toBe(1);
  });
});
