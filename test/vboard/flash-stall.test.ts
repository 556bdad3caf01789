// The flash stall on the fixture firmware (test/vboard/fixtures/fixture.c): while the FLASH
// programs or erases, every CPU access to flash waits (RM0008 §3.3.3). Code in flash freezes,
// interrupts wait (a USART byte that arrives meanwhile overruns, SysTick keeps one pending tick),
// code in RAM runs on until it touches flash; typical and datasheet-maximum times selectable.
// Also SRAM across resets: kept by a system reset, noise after a power cut.
import { afterEach, describe, expect, it } from 'vitest';
import { FLASH_TIMES_NS } from '../../host-tools/sim/board/flash.ts';
import { CapturedBoard } from './helpers.ts';

let open: CapturedBoard[] = [];
function board(opts = {}): CapturedBoard { const b = new CapturedBoard(opts); open.push(b); return b; }
afterEach(() => { for (const b of open) b.close(); open = []; });

describe('flash stall', () => {
  for (const timing of ['typical', 'max'] as const) {
    it(`${timing}: an erase from flash code freezes the CPU for the erase time; SysTick keeps one pending tick`, () => {
      const b = board({ flashTiming: timing });
      b.boot();
      const eraseMs = FLASH_TIMES_NS[timing].pageErase / 1e6;
      const wraps0 = b.board.systick.wraps;
      const stall0 = b.board.stats.flashStallCycles;
      const instr0 = b.board.instructions;
      const reply = b.command('E', /ticks=\d+\r\n/, 200);
      // The counter wrapped once per ms of the erase, but the handler ran at most once for all of
      // them (plus one while "erased" went out): the other ticks are lost, as on silicon.
      expect(b.board.systick.wraps - wraps0).toBeGreaterThanOrEqual(eraseMs);
      const ticks = Number(/ticks=(\d+)/.exec(reply)![1]);
      expect(ticks).toBeGreaterThanOrEqual(1);
      expect(ticks).toBeLessThanOrEqual(2);
      // Frozen, not polling: the erase time is stall cycles and (almost) no instructions ran.
      expect((b.board.stats.flashStallCycles - stall0) / 72_000).toBeCloseTo(eraseMs, 0);
      expect(b.board.instructions - instr0).toBeLessThan(5_000);
    });
  }

  it('an interrupt is delayed, not served, during the stall: bytes typed meanwhile overrun', () => {
    const b = board();
    b.boot();
    // 'E' starts the erase; the three 'h' arrive 87 us apart while the CPU is frozen: the first
    // waits in DR, the next two find RXNE still set (ORE) and are lost.
    b.command('Ehhh', /ticks=\d+\r\n/, 200);
    b.board.runFor(5);
    expect(b.out.match(/hello/g)).toHaveLength(1);
    expect(b.board.usart.overruns).toBe(2);
  });

  it('code in RAM runs on during an erase, and stalls at its first flash access', () => {
    const b = board();
    b.boot();
    const stalls0 = b.board.stats.flashStalls;
    // A RAM-only loop after starting the erase finishes long before it: BSY is still set.
    expect(b.command('R', /loop=\d+\r\n/, 200)).toBe('busy-after-ram-loop=1\r\n');
    expect(b.board.stats.flashStalls).toBe(stalls0);
    // A load from flash right after the start waits for the erase to end: BSY is clear after it.
    expect(b.command('T', /read=\d+\r\n/, 200)).toBe('busy-after-flash-read=0\r\n');
    expect(b.board.stats.flashStalls).toBe(stalls0 + 1);
  });

  it('datasheet-maximum timing makes a half-word program 70 us and an erase 40 ms', () => {
    const b = board({ flashTiming: 'max' });
    b.boot();
    const t0 = b.board.millis();
    b.command('e', 'erased\r\n', 200);
    expect(b.board.millis() - t0).toBeGreaterThanOrEqual(40);
    const stall0 = b.board.stats.flashStallCycles;
    b.command('w', /count=\d+\r\n/);
    expect(b.board.stats.flashStallCycles - stall0).toBe(70 * 72);
  });
});

describe('SRAM across resets', () => {
  it('a software or watchdog reset keeps SRAM; a power cut leaves noise', () => {
    const b = board();
    b.boot();
    const kept = () => parseInt(/kept=([0-9a-f]+)/.exec(b.command('k', /kept=[0-9a-f]+\r\n/))![1]!, 16);
    const first = kept();
    expect(kept()).toBe(first + 1);
    b.out = '';
    b.board.uartInput('r'); // SYSRESETREQ
    b.waitFor('cause=software clk=72000000\r\n', 50);
    expect(kept()).toBe(first + 2);
    b.out = '';
    b.board.uartInput('d'); // starve the watchdog
    b.waitFor('cause=watchdog clk=72000000\r\n', 100);
    expect(kept()).toBe(first + 3);
    b.board.pinReset();
    b.out = '';
    b.boot();
    expect(kept()).toBe(first + 4);
    b.board.powerCycle();
    b.out = '';
    b.boot();
    const afterCut = kept();
    expect(afterCut).not.toBe(first + 5);
    expect(afterCut).not.toBe(0); // noise, not zeros: firmware must not rely on either
  });
});
