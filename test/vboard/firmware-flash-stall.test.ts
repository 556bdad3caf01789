// The real firmware (build/bluepill, build/bluepill128) on a virtual board whose CPU stalls on
// flash while the FLASH programs or erases, at the datasheet's maximum times: console input
// typed during compactions is not lost, the millisecond clock does not fall behind, the watchdog
// is fed around every flash operation; and the HAL's silicon-review fixes that show on the
// board: VTOR in RAM, BusFault reported as such, a stack overflow faults, the flash-size check.
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualBoard, type BoardOptions, type FaultInfo } from '../../host-tools/sim/board/board.ts';
import { W5500 } from '../../host-tools/sim/w5500/index.ts';
import { FIRMWARE_ELF, ROOT, requireBuilt } from './helpers.ts';

const FIRMWARE_128 = `${ROOT}/build/bluepill128/firmware.elf`;

let boards: VirtualBoard[] = [];
afterEach(() => { for (const b of boards) b.close(); boards = []; });

function boot(opts: Partial<BoardOptions> = {}) {
  let board: VirtualBoard | undefined;
  const chip = new W5500({ clock: () => board?.millis() ?? 0 });
  board = new VirtualBoard(
    { board: 'bluepill', elf: requireBuilt(FIRMWARE_ELF), w5500: chip, flashTiming: 'max', ...opts });
  boards.push(board);
  const b = board;
  const io = { out: '', resets: [] as string[], faults: [] as FaultInfo[], warnings: [] as string[] };
  b.on('uart', (c: number) => { io.out += String.fromCharCode(c); });
  b.on('warning', (t: string) => io.warnings.push(t));
  b.on('reset', (c: string) => io.resets.push(c));
  b.on('fault', (f: FaultInfo) => io.faults.push(f));
  const waitFor = (re: RegExp, ms = 2000) => {
    if (!b.runUntil(() => re.test(io.out), ms)) throw new Error(
      `no ${re} within ${ms} ms; console: ${JSON.stringify(io.out.slice(-400))}`);
  };
  waitFor(/evt loaded [^\n]*\r\n/, 3000);
  b.runFor(100);
  return { b, io, waitFor };
}

/** `save` (a store append; every so often a compaction: erase a page group, copy the live
 * records) with the next line right behind it, so its bytes arrive while the flash is busy.
 * Returns the printable bytes typed and the number of rounds that got their `ok set`. */
function typeDuringStoreWork(b: VirtualBoard, io: { out: string }, rounds: number): { typed: string[]; done: number } {
  const typed: string[] = [];
  for (let k = 0; k < rounds; k++) {
    const line = `save\r\nset id vboard-typed-${k}\r\n`;
    typed.push('save', `set id vboard-typed-${k}`);
    const before = io.out.split('ok set\r\n').length;
    b.uartInput(line);
    if (!b.runUntil(() => io.out.split('ok set\r\n').length > before, 2000)) return { typed, done: k };
  }
  return { typed, done: rounds };
}

/** With `echo on`, every printable byte the console read comes back, each line on its own. */
function echoedLines(out: string): string[] {
  return out.split('\r\n').filter((l) => l !== '' && !/^(ok|err|evt) /.test(l));
}

function millisNow(b: VirtualBoard): number {
  const at = b.image.symbols.find((s) => s.name === 'millis_now')!.address;
  return new DataView(b.readMemory(at, 4).buffer).getUint32(0, true);
}

describe('real firmware on a board that stalls on flash (datasheet-max timing)', () => {
  it('console bytes typed while the store erases and programs all arrive; the clock keeps time', () => {
    const { b, io, waitFor } = boot();
    expect(b.scb.vtor).toBeGreaterThanOrEqual(0x20000000); // vector table in RAM
    // Every port is clocked before its pins are written (the LED on PC13, the W5500's RST on PB0).
    expect(io.warnings.filter((w) => w.includes('clock off'))).toEqual([]);
    const CRH = 0x04, ODR = 0x0c;
    expect((b.gpio[2]!.read(CRH, 4) >>> 20) & 0xf).toBe(0x2); // PC13: push-pull output, 2 MHz
    expect((b.gpio[0]!.read(CRH, 4) >>> 8) & 0xf).toBe(0x8); // PA10 (USART1 RX): input with pull...
    expect((b.gpio[0]!.read(ODR, 4) >>> 10) & 1).toBe(1); // ...up
    io.out = '';
    b.uartInput('echo on\r\n');
    waitFor(/ok echo\r\n\r\n/); // the reply, then the echo of the line's own end (echo is on by then)
    io.out = '';
    const erases0 = b.flash.stats.erases;
    const drift0 = b.millis() - millisNow(b);
    const { typed, done } = typeDuringStoreWork(b, io, 40);
    expect(done).toBe(40);
    b.runFor(20); // the echo of the last line end is still going out
    // Compactions happened: whole page groups erased while bytes were arriving.
    expect(b.flash.stats.erases - erases0).toBeGreaterThanOrEqual(12);
    expect(b.usart.overruns).toBe(0);
    expect(echoedLines(io.out)).toEqual(typed);
    // Nothing the firmware runs during an operation touches flash: the CPU never stalled.
    expect(b.stats.flashStalls).toBe(0);
    // SysTick served through every erase: the firmware's millis still match virtual time.
    expect(Math.abs(b.millis() - millisNow(b) - drift0)).toBeLessThan(2);
    expect(io.out).not.toMatch(/uart-overrun/);
  });

  it('console bytes the RX ring cannot hold during a long compaction are counted and reported', () => {
    const { b, io, waitFor } = boot();
    b.uartInput('echo on\r\n');
    waitFor(/ok echo\r\n/);
    io.out = '';
    // `save` and then ~400 bytes at once: when the save compacts (6 erases, 240 ms at the
    // datasheet maximum) the whole burst arrives while the console cannot read; 256 fit the ring.
    let typedPrintable = 0;
    for (let k = 0; k < 40 && !/uart-overrun/.test(io.out); k++) {
      const lines = Array.from({ length: 12 }, (_, i) => `set id vboard-burst-${k}-${i}-xxxxxxxx`);
      typedPrintable += 4 + lines.join('').length;
      b.uartInput(`save\r\n${lines.join('\r\n')}\r\n`);
      b.runFor(400);
    }
    b.runFor(20);
    const report = /evt warn code=uart-overrun lost=(\d+)\r\n/.exec(io.out);
    expect(report).not.toBeNull();
    const lost = Number(report![1]);
    // The report is printed between core steps, so it can land inside an echoed line: cut it out.
    const echo = io.out.replace(/evt warn code=uart-overrun lost=\d+\r\n/g, '');
    const lostPrintable = typedPrintable - echoedLines(echo).join('').length;
    expect(lostPrintable).toBeGreaterThan(0);
    // Every lost byte is counted: the printable ones seen missing from the echo, plus any line ends.
    expect(lost).toBeGreaterThanOrEqual(lostPrintable);
    expect(lost).toBeLessThanOrEqual(lostPrintable + 2 * 12);
    expect(b.usart.overruns).toBe(0); // the handler kept up; the ring was what overflowed
    io.out = '';
    b.runFor(400);
    b.uartInput('\r\necho off\r\n'); // a line end first: the last burst may have lost its own
    waitFor(/ok echo\r\n/); // the console still works
  });

  it('bluepill128: the longest compaction (a 14-page group erased at 40 ms each) never starves the watchdog', () => {
    const { b, io } = boot({ board: 'bluepill128', elf: requireBuilt(FIRMWARE_128) });
    b.iwdg.clearFeedStats();
    let longest = 0;
    for (let k = 0; k < 120 && longest < 14; k++) {
      const before = b.flash.stats.erases;
      const { done } = typeDuringStoreWork(b, io, 1);
      expect(done).toBe(1);
      longest = Math.max(longest, b.flash.stats.erases - before);
    }
    expect(longest).toBeGreaterThanOrEqual(14); // one save compacted a whole group
    expect(io.resets).toEqual([]);
    // Fed before every erase and program: the longest gap is about one 40 ms erase.
    expect(b.iwdg.maxUnfedNs / 1e6).toBeLessThan(100);
  });

  it('a bad access is reported as a BusFault by its own handler, then the board resets', () => {
    const { b, io, waitFor } = boot({ flashTiming: 'typical' });
    // As a debugger would: call memcpy(0x60000000, flash, 4) from thread mode; it stores to
    // 0x60000000, where nothing is mapped. (memcpy is the HAL's own, libc.c, a plain object:
    // link-time optimisation inlines the HAL's store functions into their callers.)
    expect(b.runUntil(() => (b.registers().xpsr & 0x1ff) === 0, 50, 0.01)).toBe(true);
    const fn = b.image.symbol('memcpy')!;
    b.setRegister('r0', 0x60000000);
    b.setRegister('r1', 0x08000000);
    b.setRegister('r2', 4);
    b.setRegister('lr', b.registers().pc | 1);
    b.setRegister('pc', fn);
    io.out = '';
    waitFor(/evt fault kind=\w+[^\n]*\r\n/, 100);
    expect(io.out).toMatch(/evt fault kind=busfault pc=0x[0-9a-f]+ .* bfar=0x60000000/);
    expect(io.faults[0]?.kind).toBe('busfault');
    waitFor(/evt boot board=bluepill reset=software/, 100);
  });

  it('a stack that runs off the bottom of SRAM faults (no frame pushed) and is reported as a stack overflow', () => {
    const { b, io, waitFor } = boot({ flashTiming: 'typical' });
    expect(b.runUntil(() => (b.registers().xpsr & 0x1ff) === 0, 50, 0.01)).toBe(true);
    const guard = b.image.symbol('__stack_guard_start')!;
    expect(guard).toBe(0x20000000); // the stack sits at the bottom of SRAM, below every static
    b.setRegister('sp', guard + 8); // the next call's pushes go below SRAM
    io.out = '';
    waitFor(/evt fault kind=[^\n]*\r\n/, 100);
    const line = /evt fault kind=stack-overflow cfsr=0x([0-9a-f]{8}) /.exec(io.out);
    expect(line).not.toBeNull();
    expect(parseInt(line![1]!, 16) & (1 << 12)).not.toBe(0); // CFSR.STKERR: the frame push failed
    expect(io.faults.length).toBeGreaterThan(0);
    expect(b.fault).toBeUndefined(); // reported and reset, not a lockup
    waitFor(/evt boot board=bluepill reset=software/, 100);
  });

  it('bluepill128 on a chip whose flash-size register says 64 KB says so at boot', () => {
    const small = boot(
      { board: 'bluepill128', elf: requireBuilt(FIRMWARE_128), flashTiming: 'typical', flashSizeKb: 64 });
    expect(small.io.out).toMatch(/evt warn code=flash-size chip_kb=64 need_kb=128\r\n/);
    const right = boot({ board: 'bluepill128', elf: requireBuilt(FIRMWARE_128), flashTiming: 'typical' });
    expect(right.io.out).not.toMatch(/flash-size/);
  });
});
