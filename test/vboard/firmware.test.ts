// The real firmware image (build/bluepill/firmware.elf from `wasmqtt build`) on the virtual
// board with the real W5500 model on SPI1: boot to the console, commands, config surviving a
// power cut in the flash store.
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualBoard } from '../../host-tools/sim/board/board.ts';
import { W5500 } from '../../host-tools/sim/w5500/index.ts';
import { FIRMWARE_ELF, requireBuilt, tempStore } from './helpers.ts';

let boards: VirtualBoard[] = [];
afterEach(() => { for (const b of boards) b.close(); boards = []; });

function boot(storeFile = tempStore()) {
  let board: VirtualBoard | undefined;
  const chip = new W5500({ clock: () => board?.millis() ?? 0 });
  board = new VirtualBoard({ board: 'bluepill', elf: requireBuilt(FIRMWARE_ELF), w5500: chip, storeFile });
  boards.push(board);
  const b = board;
  const io = { out: '', warnings: [] as string[] };
  b.on('uart', (c: number) => { io.out += String.fromCharCode(c); });
  b.on('warning', (t: string) => io.warnings.push(t));
  const waitLine = (re: RegExp, ms = 500) => {
    if (!b.runUntil(() => re.test(io.out), ms)) throw new Error(
      `no ${re} within ${ms} ms; console: ${JSON.stringify(io.out)}`);
    return io.out;
  };
  /** Send a line; returns the first line of output matching `re` (events may interleave). */
  const cmd = (line: string, re: RegExp) =>
    { io.out = ''; b.uartInput(`${line}\r\n`); return re.exec(waitLine(re))![0]; };
  /** Boot until the core is loaded and its start-up events are out. */
  const ready = () => { waitLine(/evt loaded [^\n]*\r\n/); b.runFor(100); };
  return { b, chip, io, waitLine, cmd, ready };
}

describe('real firmware on the virtual board', () => {
  it('boots to the console and answers commands', () => {
    const { b, io, waitLine, cmd, ready } = boot();
    waitLine(/evt boot board=bluepill reset=power [^\n]*\r\n/);
    ready();
    expect(b.hz()).toBe(72_000_000); // the HAL's HSE x9 PLL set-up, as RCC reports it
    expect(cmd('help', /ok help [^\n]*\r\n/)).toMatch(/^ok help commands=.*status/);
    expect(cmd('status', /ok status [^\n]*\r\n/)).toMatch(/state=idle/);
    // Every register the HAL touches is modelled.
    expect(io.warnings.filter((w) => w.includes('unmodelled'))).toEqual([]);
    expect(b.fault).toBeUndefined();
  });

  it('keeps a saved config across a power cut (flash store programmed by the HAL)', () => {
    const store = tempStore();
    const first = boot(store);
    first.ready();
    expect(first.cmd('set id vboard-7', /ok set\r\n|err[^\n]*\r\n/)).toBe('ok set\r\n');
    expect(first.cmd('save', /ok save\r\n|err[^\n]*\r\n/)).toBe('ok save\r\n');
    expect(first.b.flash.stats.programs).toBeGreaterThan(0);
    first.b.powerCycle();
    first.io.out = '';
    first.ready();
    expect(first.io.out).toContain('reset=power');
    expect(first.cmd('show', /ok show [^\n]*\r\n/)).toContain(' id=vboard-7 ');
  });

  it('sends console output through the TX ring and the USART1 TXE interrupt: whole, in order, never polling', () => {
    const { b, io, ready } = boot();
    ready();
    let busyPolls = 0;
    const skipAhead = b.usart.onBusyPoll;
    b.usart.onBusyPoll = () => { busyPolls++; skipAhead(); };
    io.out = '';
    // Six replies at once: far more than the 256-byte TX ring, so the writer has to wait for room.
    const lines = ['show', 'status', 'help', 'show', 'status', 'help'];
    b.uartInput(lines.map((l) => `${l}\r\n`).join(''));
    expect(b.runUntil(() => (io.out.match(/\r\n/g) ?? []).length >= lines.length, 3000)).toBe(true);
    const replies = io.out.split('\r\n').slice(0, lines.length);
    expect(replies.map((r) => r.split(' ').slice(0, 2).join(' '))).toEqual(lines.map((l) => `ok ${l}`));
    expect(replies[3]).toBe(replies[0]);
    expect(replies[5]).toBe(replies[2]);
    expect(io.out.length).toBeGreaterThan(2 * 256);
    // A polled writer reads SR while TXE is 0 for every byte after the first; the ISR never does.
    expect(busyPolls).toBe(0);
    expect(b.fault).toBeUndefined();
  });
});

