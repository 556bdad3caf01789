// The size report: flash, static RAM, stack and the linear-memory cap of one firmware image,
// against the board's budget, with the largest contributors (per object file from the map,
// per symbol from the symbol table) when something is over.
import { readFileSync } from 'node:fs';
import { readElf, SHF_ALLOC, SHT_NOBITS, STT_FUNC, type Elf } from '../elf/elf32.ts';
import { arenaBytes, wasm3HeapBytes, type Board } from './boards.ts';

export interface Contributor { name: string; bytes: number }

export interface SizeReport {
  board: string;
  runtime: string;
  flash: { used: number; budget: number; region: number };
  ram: {
    static: number; stack: number; guard: number; total: number; budget: number; region: number;
    wasmArena: number; linearMemoryCap: number;
  };
  moduleBytes: number;
  overBudget: string[];
  largest: {
    flashObjects: Contributor[]; ramObjects: Contributor[]; flashSymbols: Contributor[]; ramSymbols: Contributor[] };
}

const FLASH_SECTIONS = /^\.(isr_vector|text|rodata|ARM\.exidx|data)$/;
const RAM_SECTIONS = /^\.(data|bss|noinit|ram_vectors)$/;

function sectionSize(elf: Elf, name: string): number {
  return elf.sections.find((s) => s.name === name)?.size ?? 0;
}

/** A map file's input file as a short name: objects named by host-tools/fwbuild (a__b__c.o) become
 * a/b/c.o; library members keep their archive (libc_nano.a(memcpy.o)); the link-time optimiser's
 * partitions (/tmp/ccX.ltrans0.ltrans.o) are one contributor, the objects it merged. */
export function contributorName(file: string): string {
  const lib = /(lib[^/]+\.a\(.*\))$/.exec(file);
  if (lib) return lib[1]!;
  if (/\.ltrans\d*\.ltrans\.o$/.test(file)) return '(link-time optimised: HAL, binding, runtime loader)';
  return file.split('/').pop()!.replace(/__/g, '/');
}

/** Sums input-section sizes per object file from a GNU ld map file, split into flash and RAM
 * by the output section they landed in. */
export function mapContributors(mapText: string): { flash: Contributor[]; ram: Contributor[] } {
  const flash = new Map<string, number>();
  const ram = new Map<string, number>();
  const lines = mapText.split('\n');
  const start = lines.findIndex((l) => l.startsWith('Linker script and memory map'));
  let out = '';
  let pendingName = '';
  for (let i = Math.max(start, 0); i < lines.length; i++) {
    const l = lines[i]!;
    const outSec = /^(\.[\w.]+)\s/.exec(l) ?? /^(\.[\w.]+)$/.exec(l);
    if (outSec) { out = outSec[1]!; continue; }
    const named = /^ (\.\S+|COMMON)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)/.exec(l);
    const cont = /^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+\.(?:o|a\(.*\)|obj))\s*$/.exec(l);
    let size: number;
    let file: string;
    if (named) { size = parseInt(named[3]!, 16); file = named[4]!; pendingName = ''; }
    else if (cont && pendingName) { size = parseInt(cont[2]!, 16); file = cont[3]!; pendingName = ''; }
    else { const only = /^ (\.\S+|COMMON)\s*$/.exec(l); pendingName = only ? only[1]! : ''; continue; }
    if (size === 0) continue;
    const key = contributorName(file);
    if (FLASH_SECTIONS.test(out)) flash.set(key, (flash.get(key) ?? 0) + size);
    if (RAM_SECTIONS.test(out)) ram.set(key, (ram.get(key) ?? 0) + size);
  }
  const top = (m: Map<string, number>) => [...m].map(
    ([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
  return { flash: top(flash), ram: top(ram) };
}

/** The embedded module's array (gen/core_wasm.c) is compiled with the rest under link-time
 * optimisation (the loader then folds its length: smaller code), so it lands inside the
 * optimiser's partition; listed on its own again, the report still names the module and the code. */
function splitModuleOut(flash: Contributor[], moduleBytes: number): void {
  const lto = flash.find((c) => c.name.startsWith('(link-time optimised'));
  if (!lto || moduleBytes === 0 || lto.bytes < moduleBytes) return;
  lto.bytes -= moduleBytes;
  flash.push({ name: 'gen/core_wasm.o', bytes: moduleBytes });
  flash.sort((a, b) => b.bytes - a.bytes);
}

export function sizeReport(
    elfFile: string, mapFile: string | undefined, board: Board, runtime: string, moduleBytes: number): SizeReport {
  const elf = readElf(elfFile);
  const flashUsed = elf.sections
    .filter((s) => (s.flags & SHF_ALLOC) && s.type !== SHT_NOBITS && s.addr < 0x20000000 && FLASH_SECTIONS.test(s.name))
    .reduce((a, s) => a + s.size, 0) + sectionSize(elf, '.data');
  // .noinit (kept across resets) and the RAM vector table are static RAM too.
  const ramStatic = sectionSize(elf, '.data') + sectionSize(elf, '.bss') + sectionSize(elf, '.noinit') +
    sectionSize(elf, '.ram_vectors');
  const stack = sectionSize(elf, '.stack');
  const guard = sectionSize(elf, '.stack_guard');
  const storeBytes = board.storePages * board.memory.flashPageBytes;
  const report: SizeReport = {
    board: board.name,
    runtime,
    flash: { used: flashUsed, budget: board.budget.flashBytes, region: board.memory.flashBytes - storeBytes },
    ram: {
      static: ramStatic, stack, guard, total: ramStatic + stack + guard, budget: board.budget.ramBytes,
      region: board.memory.ramBytes,
      // 'wasmqtt-rt' or 'wasmqtt-rt regform': the same runtime's arena
      wasmArena: runtime.startsWith('wasmqtt-rt') ? arenaBytes(board) : runtime === 'wasm3' ? wasm3HeapBytes(board) :
        board.wasm.linearMemoryCapBytes,
      linearMemoryCap: board.wasm.linearMemoryCapBytes,
    },
    moduleBytes,
    overBudget: [],
    largest: { flashObjects: [], ramObjects: [], flashSymbols: [], ramSymbols: [] },
  };
  if (report.flash.used > report.flash.budget) report.overBudget.push('flash');
  if (report.ram.total > report.ram.budget) report.overBudget.push('ram');
  if (mapFile) {
    const c = mapContributors(readFileSync(mapFile, 'utf8'));
    splitModuleOut(c.flash, moduleBytes);
    report.largest.flashObjects = c.flash.slice(0, 8);
    report.largest.ramObjects = c.ram.slice(0, 8);
  }
  const syms = elf.symbols.filter((s) => s.size > 0 && s.name);
  report.largest.flashSymbols = syms.filter((s) => s.value < 0x20000000 && s.value >= 0x08000000)
    .sort((a, b) => b.size - a.size).slice(0, 8).map(
      (s) => ({ name: s.name + (s.type === STT_FUNC ? '()' : ''), bytes: s.size }));
  report.largest.ramSymbols = syms.filter((s) => s.value >= 0x20000000)
    .sort((a, b) => b.size - a.size).slice(0, 8).map((s) => ({ name: s.name, bytes: s.size }));
  return report;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const pct = (a: number, b: number) => `${Math.round((a / b) * 100)}%`;

export function formatReport(r: SizeReport): string {
  const out: string[] = [];
  const mark = (over: boolean) => (over ? '  OVER BUDGET' : '');
  out.push(`size report: ${r.board} (${r.runtime})`);
  out.push(
    `  flash       ${String(r.flash.used).padStart(7)} B  ${kb(r.flash.used).padStart(9)} of ${kb(r.flash.budget)} ` +
    `budget (${pct(r.flash.used, r.flash.budget)}), region ${kb(r.flash.region)}` +
    `${mark(r.overBudget.includes('flash'))}`);
  out.push(`    of which core.wasm module ${r.moduleBytes} B`);
  out.push(
    `  static RAM  ${String(r.ram.static).padStart(7)} B  ${kb(r.ram.static).padStart(9)} (.data + .bss; ` +
    `${r.runtime === 'wasm3' ? 'wasm3 fixed heap' : r.runtime === 'aot-wasm2c' ? 'linear memory' : 'wasm arena'} ` +
    `${r.ram.wasmArena} B incl. linear-memory cap ${r.ram.linearMemoryCap} B)`);
  out.push(`  stack       ${String(r.ram.stack).padStart(7)} B  + guard ${r.ram.guard} B`);
  out.push(
    `  RAM total   ${String(r.ram.total).padStart(7)} B  ${kb(r.ram.total).padStart(9)} of ${kb(r.ram.budget)} ` +
    `budget (${pct(r.ram.total, r.ram.budget)}), part has ${kb(r.ram.region)}${mark(r.overBudget.includes('ram'))}`);
  if (r.overBudget.length > 0) {
    const list = (title: string, xs: Contributor[]) => {
      out.push(`  largest ${title}:`);
      for (const x of xs.slice(0, 6)) out.push(`    ${String(x.bytes).padStart(7)} B  ${x.name}`);
    };
    if (r.overBudget.includes('flash')) { list('flash contributors (objects)', r.largest.flashObjects);
      list('flash symbols', r.largest.flashSymbols); }
    if (r.overBudget.includes('ram')) { list('RAM contributors (objects)', r.largest.ramObjects);
      list('RAM symbols', r.largest.ramSymbols); }
  }
  return out.join('\n');
}
