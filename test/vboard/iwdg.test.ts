import { describe, expect, it } from 'vitest';
import { Iwdg } from '../../host-tools/sim/board/iwdg.ts';
import { ManualTime } from '../../host-tools/sim/board/peripheral.ts';

describe('IWDG model', () => {
  it('expires after (4 << PR) * (RLR + 1) LSI ticks unless reloaded', () => {
    const time = new ManualTime();
    time.clockHz = 72_000_000;
    const w = new Iwdg(time);
    let expired = 0;
    w.onExpire = () => expired++;
    w.write(0x4, 4, 4); // locked: ignored
    w.write(0x0, 4, 0xcccc);
    w.write(0x0, 4, 0x5555);
    w.write(0x4, 4, 4);
    w.write(0x8, 4, 1250);
    w.write(0x0, 4, 0xaaaa);
    expect(w.periodNs()).toBeCloseTo(((64 * 1251) / 40_000) * 1e9, 0); // ~2 s, as the HAL sets it
    time.now = 72_000_000; w.tick(time.now);
    w.write(0x0, 4, 0xaaaa); // fed at 1 s
    time.now = 72_000_000 * 2.9; w.tick(time.now);
    expect(expired).toBe(0);
    time.now = 72_000_000 * 3.1; w.tick(time.now);
    expect(expired).toBe(1);
  });
});
