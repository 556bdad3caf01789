// Board files validate, agree with their linker scripts, and bad input gives clear messages.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  listBoards, loadBoard, loadBoardFile, boardConfigHeader, BoardError, BOARDS_DIR,
} from '../../host-tools/fwbuild/boards.ts';
import { REPO_ROOT } from './helpers.ts';

/** Evaluates the few `NAME = value;` and MEMORY lines our chip scripts use. */
function linkerFacts(file: string) {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const sym = (n: string) => Number(new RegExp(`^${n} = (\\d+);`, 'm').exec(text)?.[1]);
  const len = (region: string) => {
    const m = new RegExp(`^\\s*${region} \\(\\w+\\)\\s*: ORIGIN = ([^,]+), LENGTH = (.+)$`, 'm').exec(text);
    if (!m) throw new Error(`${file}: no ${region} region`);
    const ev = (e: string) => Function(`return (${e.replace(/(\d+)K/g, '($1*1024)')})`)() as number;
    return { origin: ev(m[1]!), length: ev(m[2]!) };
  };
  return {
    pageSize: sym('__store_page_size'), storePages: sym('__store_pages'), stack: sym('__stack_size'),
    guard: sym('__stack_guard_size'), flash: len('FLASH'), store: len('STORE'), ram: len('RAM'),
  };
}

describe('board files', () => {
  it('lists the four supported boards', () => {
    expect(listBoards()).toEqual(['bluepill', 'bluepill128', 'stm32f103rc', 'stm32f103ze']);
  });

  for (const name of ['bluepill', 'bluepill128', 'stm32f103rc', 'stm32f103ze']) {
    it(`${name}: validates and matches its linker script`, () => {
      const b = loadBoard(name);
      const ld = linkerFacts(b.linkerScript);
      expect(ld.pageSize).toBe(b.memory.flashPageBytes);
      expect(ld.storePages).toBe(b.storePages);
      expect(ld.stack).toBe(b.stackBytes);
      expect(ld.guard).toBe(b.stackGuardBytes);
      expect(ld.flash.origin).toBe(b.memory.flashOrigin);
      expect(ld.flash.length + ld.store.length).toBe(b.memory.flashBytes);
      expect(ld.store.origin).toBe(b.memory.flashOrigin + b.memory.flashBytes - b.storePages * b.memory.flashPageBytes);
      expect(ld.store.origin % b.memory.flashPageBytes).toBe(0);
      expect(ld.ram).toEqual({ origin: b.memory.ramOrigin, length: b.memory.ramBytes });
    });
  }

  it('the sizes the issue names: bluepill 64/20 KB, a 128 KB variant, rc 256/48 KB, ze 512/64 KB', () => {
    const kb = (n: string) =>
      { const b = loadBoard(n); return [b.memory.flashBytes / 1024, b.memory.ramBytes / 1024]; };
    expect(kb('bluepill')).toEqual([64, 20]);
    expect(kb('bluepill128')).toEqual([128, 20]);
    expect(kb('stm32f103rc')).toEqual([256, 48]);
    expect(kb('stm32f103ze')).toEqual([512, 64]);
    expect(loadBoard('bluepill').budget).toEqual({ flashBytes: 48 * 1024, ramBytes: 16 * 1024 });
  });

  it('board_config.h carries the W5500 wiring from the board file', () => {
    const h = boardConfigHeader(loadBoard('bluepill'));
    expect(h).toContain('#define BOARD_W5500_CS_PORT 0u');   // PA4
    expect(h).toContain('#define BOARD_W5500_CS_PIN 4u');
    expect(h).toContain('#define BOARD_W5500_RST_PORT 1u');  // PB0
    expect(h).toContain('#define BOARD_W5500_INT_PIN 1u');   // PB1
    expect(h).toContain('#define BOARD_LED_PORT 2');         // PC13
  });

  it('an unknown board names the known ones', () => {
    expect(() => loadBoard('nucleo')).toThrow(
      /unknown board 'nucleo'. Known boards: bluepill, bluepill128, stm32f103rc, stm32f103ze/);
  });

  it('a malformed board file is rejected with the field and the reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-boards-'));
    mkdirSync(dir, { recursive: true });
    const good = JSON.parse(readFileSync(join(BOARDS_DIR, 'bluepill.json'), 'utf8'));
    const bad = {
      ...good, name: 'broken', pins: { ...good.pins, w5500Cs: 'PZ99' }, budget: { flashBytes: 70000, ramBytes: 1 } };
    writeFileSync(join(dir, 'broken.json'), JSON.stringify(bad));
    let msg = '';
    try { loadBoard('broken', dir); } catch (e) { msg = (e as Error).message; expect(e).toBeInstanceOf(BoardError); }
    expect(msg).toMatch(/pins\.w5500Cs: a pin like PA4/);
    expect(msg).toContain(
      `budget.flashBytes: exceeds the flash left after the ${good.storePages * good.memory.flashPageBytes}-byte store`);
    writeFileSync(join(dir, 'notjson.json'), '{ nope');
    expect(() => loadBoardFile(join(dir, 'notjson.json'))).toThrow(/is not readable JSON/);
  });
});
