import { describe, expect, it } from 'vitest';
import { Dwt } from '../../host-tools/sim/board/dwt.ts';
import { ManualTime } from '../../host-tools/sim/board/peripheral.ts';

describe('DWT model', () => {
  it('counts core cycles while CYCCNTENA is set, wrapping at 32 bits', () => {
    const time = new ManualTime();
    const d = new Dwt(time);
    time.now = 100;
    expect(d.read(0x4, 4)).toBe(0);
    d.write(0x0, 4, 1);
    time.now = 1100;
    expect(d.read(0x4, 4)).toBe(1000);
    d.write(0x4, 4, 0xfffffff0);
    time.now = 1132;
    expect(d.read(0x4, 4)).toBe(0x10);
    d.write(0x0, 4, 0);
    time.now = 5000;
    expect(d.read(0x4, 4)).toBe(0x10);
  });
});
