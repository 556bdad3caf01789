// The firmware images `make build` wrote (real device.wasm, real arm-none-eabi-gcc): vector
// table, reset handler, section placement, the reserved store pages, the stack guard, and no
// heap, stdio or float code pulled in.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ElfError, parseElf, readElf, readLoaded, SHF_ALLOC, SHT_NOBITS, type Elf,
} from '../../host-tools/elf/elf32.ts';
import { ElfImage } from '../../host-tools/sim/board/elf.ts';
import { readFlashImage } from '../../host-tools/flash/elf.ts';
import { UserError } from '../../host-tools/config/load.ts';
import { loadBoard, listBoards } from '../../host-tools/fwbuild/boards.ts';
import { REPO_ROOT, requireArtifact } from './helpers.ts';

const FORBIDDEN = /^(malloc|_malloc_r|free|_free_r|calloc|realloc|_sbrk|_sbrk_r|printf|_printf_r|vfprintf|_vfprintf_r|_printf_float|_dtoa_r|puts|__aeabi_(f|d)(add|sub|mul|div)|__aeabi_(i|ui|l|ul)2(f|d))$/;

function sym(elf: Elf, name: string): number {
  const s = elf.symbols.find((x) => x.name === name);
  if (!s) throw new Error(`symbol ${name} missing`);
  return s.value;
}

function section(elf: Elf, name: string) {
  const s = elf.sections.find((x) => x.name === name);
  if (!s) throw new Error(`section ${name} missing`);
  return s;
}

// Every board with the interpreter, and bluepill with device.wasm compiled to C (engine aot).
const IMAGES = [...listBoards().map((b) => [b, b] as const), ['bluepill', 'bluepill-aot'] as const];

describe('firmware ELF images', () => {
  for (const [name, dir] of IMAGES) {
    it(`${dir}: vector table, placement, store page, stack guard, no heap/stdio/float`, () => {
      const board = loadBoard(name);
      const elf = readElf(requireArtifact(join(REPO_ROOT, 'build', dir, 'firmware.elf')));
      const flashEnd = board.memory.flashOrigin + board.memory.flashBytes;
      const storeStart = flashEnd - board.storePages * board.memory.flashPageBytes;
      const ramTop = board.memory.ramOrigin + board.memory.ramBytes;

      // Vector table at the start of flash, the 16 system exceptions (the reset handler writes
      // the interrupt entries into the RAM table; test/firmware/hal-vboard.test.ts reads it):
      // initial SP = top of the stack, handlers are Thumb addresses; the handlers that must run
      // while the flash erases (SysTick, USART1) are in RAM.
      expect(section(elf, '.isr_vector').addr).toBe(board.memory.flashOrigin);
      expect(section(elf, '.isr_vector').size).toBe(16 * 4);
      const vt = readLoaded(elf, board.memory.flashOrigin, 16 * 4);
      const vec = (i: number) => vt.readUInt32LE(i * 4);
      expect(vec(0)).toBe(sym(elf, '_estack'));
      expect(vec(1)).toBe(sym(elf, 'Reset_Handler') | 1);
      expect(elf.entry).toBe(vec(1));
      expect(vec(3)).toBe(sym(elf, 'HardFault_Handler') | 1);
      expect(vec(15)).toBe(sym(elf, 'SysTick_Handler') | 1);
      const text = section(elf, '.text');
      for (const i of [1, 3]) {
        expect(vec(i) & ~1).toBeGreaterThanOrEqual(text.addr);
        expect(vec(i) & ~1).toBeLessThan(text.addr + text.size);
      }
      const data = section(elf, '.data');
      for (const a of [vec(15), sym(elf, 'USART1_IRQHandler')]) {
        expect(a & ~1).toBeGreaterThanOrEqual(data.addr);
        expect(a & ~1).toBeLessThan(data.addr + data.size);
      }
      // The RAM copy of the table (VTOR) in the top 512 bytes of RAM, aligned to its size.
      const ramVectors = section(elf, '.ram_vectors');
      expect(ramVectors.addr).toBe(ramTop - 512);
      expect(ramVectors.size).toBe(76 * 4);

      // Everything loaded into flash stays below the store; RAM sections stay in RAM.
      for (const s of elf.sections.filter(
          (x) => (x.flags & SHF_ALLOC) && x.type !== SHT_NOBITS && x.addr < 0x20000000)) {
        expect(s.addr + s.size, s.name).toBeLessThanOrEqual(storeStart);
      }
      const bss = section(elf, '.bss');
      const load = elf.segments.find((p) => p.vaddr === data.addr && p.filesz > 0);
      if (data.size > 0) expect(load!.paddr + load!.filesz).toBeLessThanOrEqual(storeStart);

      // The store: the last storePages pages of flash, page aligned, exported to the HAL.
      const store = section(elf, '.store');
      expect(store.addr).toBe(storeStart);
      expect(store.size).toBe(board.storePages * board.memory.flashPageBytes);
      expect(store.type).toBe(SHT_NOBITS);
      expect(sym(elf, '__store_start')).toBe(storeStart);
      expect(sym(elf, '__store_end')).toBe(flashEnd);

      // Guard band at the bottom of RAM, the stack right above it, statics above the stack: an
      // overflow runs off the start of SRAM and faults instead of overwriting statics.
      const stack = section(elf, '.stack');
      const guard = section(elf, '.stack_guard');
      expect(guard.addr).toBe(board.memory.ramOrigin);
      expect(guard.size).toBe(board.stackGuardBytes);
      expect(stack.addr).toBe(guard.addr + guard.size);
      expect(stack.size).toBe(board.stackBytes);
      expect(data.addr).toBeGreaterThanOrEqual(stack.addr + stack.size);
      expect(bss.addr + bss.size).toBeLessThanOrEqual(ramVectors.addr);

      const bad = elf.symbols.filter((s) => FORBIDDEN.test(s.name)).map((s) => s.name);
      expect(bad, 'heap, stdio or float code linked in').toEqual([]);

      // The .bin is exactly the flash image (vector table first, ends with .data's load image).
      const bin = readFileSync(join(REPO_ROOT, 'build', dir, 'firmware.bin'));
      expect(bin.readUInt32LE(0)).toBe(sym(elf, '_estack'));
      expect(board.memory.flashOrigin + bin.length).toBeLessThanOrEqual(storeStart);
    });
  }
});

// The one reader under the size report, the virtual board and `wasmqtt flash`: a cut or foreign
// file is an ElfError of a kind each caller words for its user, never a RangeError from a read
// past the end.
describe('the ELF reader on bad files', () => {
  const image = (): Buffer => readFileSync(requireArtifact(join(REPO_ROOT, 'build', 'bluepill', 'firmware.elf')));
  const kindOf = (b: Buffer): string => {
    try { parseElf(b, 'x.elf'); } catch (err) { return err instanceof ElfError ? err.kind : `other: ${String(err)}`; }
    return 'parsed';
  };

  it('parses the real image and refuses it cut short, byte-swapped or for another machine', () => {
    const good = image();
    expect(kindOf(good)).toBe('parsed');
    for (const cut of [40, 60, 1000, good.length >> 1, good.length - 1]) expect(
      kindOf(good.subarray(0, cut)), `cut at ${cut}`).toMatch(/^(not-elf|malformed)$/);
    const be = Buffer.from(good); be[5] = 2;
    expect(kindOf(be)).toBe('not-le32');
    const x86 = Buffer.from(good); x86.writeUInt16LE(3, 0x12);
    expect(kindOf(x86)).toBe('not-arm');
    expect(kindOf(Buffer.from('not an elf at all, just text'.repeat(4)))).toBe('not-elf');
  });

  it('the board and the flash tool word the same failure for their users', () => {
    const cut = image().subarray(0, 1000);
    expect(() => new ElfImage(new Uint8Array(cut), 'cut.elf')).toThrow(
      /^cut\.elf is not a usable firmware image: cut\.elf is truncated/);
    const dir = mkdtempSync(join(tmpdir(), 'wq-elf-'));
    const file = join(dir, 'cut.elf');
    writeFileSync(file, cut);
    expect(() => readFlashImage(file)).toThrow(UserError);
    expect(() => readFlashImage(file)).toThrow(/is truncated .*; rebuild it with `wasmqtt build`/);
    rmSync(dir, { recursive: true });
  });
});
