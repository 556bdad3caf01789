import { describe, expect, it } from 'vitest';
import { ManualTime } from '../../host-tools/sim/board/peripheral.ts';
import { SysTick } from '../../host-tools/sim/board/systick.ts';

describe('SysTick model', () => {
  it('counts down from RVR on the core clock and interrupts every RVR+1 cycles', () => {
    const time = new ManualTime();
    const st = new SysTick(time);
    let irqs = 0;
    st.onInterrupt = () => irqs++;
    st.write(0x4, 4, 999);
    st.write(0x8, 4, 0);
    st.write(0x0, 4, 7);
    expect(st.nextEvent()).toBe(1000);
    time.now = 1;
    expect(st.read(0x8, 4)).toBe(999);
    time.now = 500;
    expect(st.read(0x8, 4)).toBe(500);
    time.now = 1000; st.tick(time.now);
    expect(irqs).toBe(1);
    expect(st.read(0x0, 4) & (1 << 16)).toBe(1 << 16); // COUNTFLAG, cleared by the read
    expect(st.read(0x0, 4) & (1 << 16)).toBe(0);
    time.now = 5500; st.tick(time.now); // several periods skipped at once: one pending interrupt
    expect(irqs).toBe(2);
    expect(st.nextEvent()).toBe(6000);
  });

  it('divides by 8 with CLKSOURCE=0 and stops when disabled', () => {
    const time = new ManualTime();
    const st = new SysTick(time);
    st.write(0x4, 4, 99);
    st.write(0x0, 4, 3);
    expect(st.nextEvent()).toBe(800);
    time.now = 400;
    st.write(0x0, 4, 0);
    const v = st.read(0x8, 4);
    time.now = 10_000;
    expect(st.read(0x8, 4)).toBe(v);
    expect(st.nextEvent()).toBe(Infinity);
  });
});
