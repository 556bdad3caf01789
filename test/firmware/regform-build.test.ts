// `wasmqtt build` on its default engine, the register form (format 40, rf_engine.c; `--engine regform`). The image
// `make build` writes (build/bluepill) embeds device.wasm translated with its own op numbering and no code section,
// and links only the handlers of the ops it uses; the stack form's (build/bluepill-stack, `--engine stack`) embeds
// format 39 and links interp.c instead; a module the translator refuses and a wrong combination of options fail with
// what to change (a board too small: build-cli.test.ts, on the default engine).
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, DEVICE_WASM, REPO_ROOT, requireArtifact, TINY_WASM } from './helpers.ts';
import { readElf, readLoaded } from '../../host-tools/elf/elf32.ts';
import { loadBoard } from '../../host-tools/fwbuild/boards.ts';
import { parseModule } from '../../host-tools/wasm/module.ts';
import { translateForImage, translateModule } from '../../host-tools/wasm/regform/translate.ts';
import type { SizeReport } from '../../host-tools/fwbuild/size.ts';

const IMAGE = join(REPO_ROOT, 'build/bluepill');
const STACK_IMAGE = join(REPO_ROOT, 'build/bluepill-stack');

/** The module a bluepill image embeds (its core_wasm array) and its own section's blob format. */
function embedded(elfFile: string): { secs: ReturnType<typeof sections>; format: number; symbols: string[] } {
  const elf = readElf(requireArtifact(elfFile));
  const sym = elf.symbols.find((s) => s.name === 'core_wasm')!;
  const secs = sections(readLoaded(elf, sym.value, sym.size));
  const own = secs.filter((s) => s.name === 'wasmqtt.predecoded');
  expect(own).toHaveLength(1);
  const blob = own[0]!.payload.subarray(1 + own[0]!.payload[0]!);
  expect(Buffer.from(blob.subarray(0, 4)).toString()).toBe('WQPD');
  return { secs, format: new DataView(blob.buffer, blob.byteOffset).getUint32(4, true),
    symbols: elf.symbols.map((s) => s.name) };
}

/** The section ids of a module, and the custom sections' names. */
function sections(b: Uint8Array): Array<{ id: number; name?: string; payload: Uint8Array }> {
  const out: Array<{ id: number; name?: string; payload: Uint8Array }> = [];
  const leb = (p: { i: number }) => {
    let r = 0, s = 0, x;
    do { x = b[p.i++]!; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80);
    return r;
  };
  const p = { i: 8 };
  while (p.i < b.length) {
    const id = b[p.i++]!;
    const len = leb(p), end = p.i + len;
    if (id === 0) {
      const n = leb(p);
      out.push({ id, name: Buffer.from(b.subarray(p.i, p.i + n)).toString(), payload: b.subarray(p.i + n, end) });
    } else {
      out.push({ id, payload: b.subarray(p.i, end) });
    }
    p.i = end;
  }
  return out;
}

describe('wasmqtt build: the register form, the default engine', () => {
  it('the bluepill image embeds device.wasm in format 40 without its code section, with its own handlers only', () => {
    const { secs, format, symbols } = embedded(join(IMAGE, 'firmware.elf'));
    expect(secs.map((s) => s.id)).not.toContain(10);   // the bodies: the register code replaces them
    expect(format).toBe(40);
    // the engine is rf_engine.c (its label table), not interp.c
    expect(symbols.some((s) => s.startsWith('rf_labels'))).toBe(true);
    // numbered with the ops device.wasm uses, as translateForImage numbers them: fewer than every op
    const wasm = readFileSync(DEVICE_WASM);
    const m = parseModule(wasm);
    const ops = translateForImage(m, wasm).ops;
    const h = readFileSync(join(IMAGE, 'gen/rf_ops.h'), 'utf8');
    expect(Number(/#define NUM_OPS (\d+)/.exec(h)![1])).toBe(ops.length);
    expect(ops.length).toBeLessThan(translateModule(m, wasm).ops.length);
    const list = /#define OP_LIST \\\n([^]*?)\n\n/.exec(h)![1]!;
    expect([...list.matchAll(/X\((\w+)\)/g)].map((x) => x[1])).toEqual(ops);
  });

  it('the stack form\'s image (--engine stack, build/bluepill-stack) embeds format 39 with its code, run by interp.c',
      () => {
    const { secs, format, symbols } = embedded(join(STACK_IMAGE, 'firmware.elf'));
    expect(secs.map((s) => s.id)).toContain(10);   // pre-decoded in place: the code section stays
    expect(format).toBe(39);
    expect(symbols.some((s) => s.startsWith('rf_labels'))).toBe(false);
    const report = JSON.parse(readFileSync(requireArtifact(join(STACK_IMAGE, 'size.json')), 'utf8')) as SizeReport;
    expect(report.runtime).toBe('wasmqtt-rt stack');
    expect(report.overBudget).toEqual([]);
  });

  it('the bluepill image fits the board\'s budgets, smaller than the stack form\'s', () => {
    const rf = JSON.parse(readFileSync(requireArtifact(join(IMAGE, 'size.json')), 'utf8')) as SizeReport;
    const stack = JSON.parse(readFileSync(requireArtifact(join(STACK_IMAGE, 'size.json')), 'utf8')) as SizeReport;
    const board = loadBoard('bluepill');
    expect(rf.runtime).toBe('wasmqtt-rt regform');
    expect(rf.overBudget).toEqual([]);
    expect(rf.flash.used).toBeLessThanOrEqual(board.budget.flashBytes);
    expect(rf.ram.total).toBeLessThanOrEqual(board.budget.ramBytes);
    expect(rf.ram.wasmArena).toBe(stack.ram.wasmArena);
    expect(rf.flash.used).toBeLessThan(stack.flash.used);
  });

  it('a function the register form cannot hold, and --runtime wasm3, fail with what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-rf-refuse-'));
    const src = join(dir, 'wide.wat');
    writeFileSync(src, `(module (memory (export "memory") 1)
      (func $wide (param ${Array(300).fill('i32').join(' ')}) (result i32) (local.get 299))
      (func (export "start"))
      (func (export "step") (result i32) (i32.const 10)))`);
    execFileSync('wat2wasm', [src, '-o', join(dir, 'wide.wasm')]);
    const r = cli(['build', '--board', 'bluepill', '--engine', 'regform', '--wasm', join(dir, 'wide.wasm'), '--out',
      join(dir, 'out')]);
    expect(r.code).toBe(1);
    // many locals translate (a wide frame); parameters are the caller's operand slots, at most 255 of them
    expect(r.stderr).toMatch(
      /translating .*wide\.wasm failed: function 0 needs 300 parameter and \d+ operand-stack and scratch slots; .*split the function or use fewer parameters/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const w = cli(['build', '--board', 'bluepill', '--engine', 'regform', '--runtime', 'wasm3', '--wasm', TINY_WASM,
      '--out', join(dir, 'out3')]);
    expect(w.code).toBe(1);
    expect(w.stderr).toMatch(/--engine regform is the wasmqtt runtime's register-form interpreter; do not combine it with --runtime wasm3/);
  }, 60_000);
});
