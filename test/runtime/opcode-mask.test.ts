// The per-image interpreter (interp.c with -DWQRT_OPCODE_MASK and a wq_used_ops.h written by
// predecode.ts's usedOpcodesHeader): the mask names the opcodes a module's rewritten code holds,
// a build for a module runs it as Node does, and a module that reaches an opcode left out traps
// with a message that says what to do (never runs another handler).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OP, predecode, usedOpcodes, usedOpcodesHeader } from '../../host-tools/wasm/predecode.ts';

const REPO = resolve(import.meta.dirname, '../..');
const RT = join(REPO, 'firmware/runtime');
const dir = mkdtempSync(join(tmpdir(), 'wqmask-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const wat = (name: string, src: string): Uint8Array => {
  writeFileSync(join(dir, `${name}.wat`), src);
  execFileSync('wat2wasm', [join(dir, `${name}.wat`), '-o', join(dir, `${name}.wasm`)]);
  return readFileSync(join(dir, `${name}.wasm`));
};

// f: what the gated build is made for (local.get; i32.const 1000; i32.add: one fused handler);
// g: the same module plus an i32.mul of two locals, and an i32.div_u
const F = `(func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1000)))`;
const G =
  `(func (export "g") (param i32) (result i32) (i32.div_u (i32.mul (local.get 0) (local.get 0)) (i32.const 3)))`;

/** plain_driver.c (wasm3 API only) built on the stack form with the interpreter gated by `forModule`'s opcodes */
function gatedDriver(name: string, forModule: Uint8Array): string {
  const inc = join(dir, `${name}-inc`);
  execFileSync('mkdir', ['-p', inc]);
  writeFileSync(join(inc, 'wq_used_ops.h'), usedOpcodesHeader(forModule, `${name}.wasm`));
  const exe = join(dir, name);
  const srcs = ['api.c', 'interp.c', 'loader.c'].map((f) => join(RT, 'src', f));
  execFileSync('gcc', ['-std=c11', '-O1', '-Wall', '-Wextra', '-Wno-unused-parameter', '-Werror', '-DWQRT_REGFORM=0',
    '-DWQRT_OPCODE_MASK',
    `-I${join(RT, 'include')}`, `-I${inc}`, ...srcs, join(RT, 'host/plain_driver.c'), '-o', exe]);
  return exe;
}

const call = (exe: string, module: string, fn: string, arg: number): string => {
  const r = spawnSync(exe, [join(dir, module), '0', fn, String(arg)], { encoding: 'utf8' });
  return r.stdout.trim();
};

let onlyF = '', both = '';
beforeAll(() => {
  const a = predecode(wat('a', `(module ${F})`)).wasm;
  const b = predecode(wat('b', `(module ${F} ${G})`)).wasm;
  writeFileSync(join(dir, 'a.pd.wasm'), a);
  writeFileSync(join(dir, 'b.pd.wasm'), b);
  onlyF = gatedDriver('for-a', a);
  both = gatedDriver('for-b', b);
}, 120_000);

describe('usedOpcodes', () => {
  it('names each instruction of the rewritten code: fused heads, the instructions inside them, the final end', () => {
    const { ops, fc } = usedOpcodes(predecode(wat('m', `(module (memory 1) ${F} ${G}
      (func (export "h") (memory.fill (i32.const 0) (i32.const 0) (i32.const 8))))`)).wasm);
    // (format 34: `local.get; local.get` stays two local.get, LGET_LGET's 0xdc is LTEE_STORE)
    expect([...ops].sort((x, y) => x - y)).toEqual(
      [OP.I32_CONST_16, OP.LGET_I32C16_ADD, 0x20, 0x41, 0x6a, 0x6c, 0x6e, 0x0f, 0xfc].sort((x, y) => x - y));
    expect([...fc]).toEqual([11]);
  });

  it('writes the mask as eight words and the 0xfc sub-opcodes', () => {
    const h = usedOpcodesHeader(predecode(wat('n', `(module ${F})`)).wasm, 'n.wasm');
    // 0x09 (I32_CONST_16), 0x0f (the final `end`, format 31), 0x12 (LGET_I32C16_ADD); 0x6a
    expect(h).toContain('#define WQRT_OPS_W0 0x00048200u');
    expect(h).toContain('#define WQRT_OPS_W3 0x00000400u');
    expect(h).toContain('#define WQRT_OPS_W7 0x00000000u');
    expect(h).toContain('#define WQRT_OPS_FC 0x00000000u');
  });
});

describe('a per-image interpreter (WQRT_OPCODE_MASK)', () => {
  it('runs the module it was built for as Node does', async () => {
    const { instance } = await WebAssembly.instantiate(readFileSync(join(dir, 'b.wasm')), {});
    const g = instance.exports.g as (x: number) => number, f = instance.exports.f as (x: number) => number;
    for (const x of [0, 7, 1234, -5]) {
      expect(call(both, 'b.pd.wasm', 'f', x)).toBe(`ok ${f(x) >>> 0}`);
      expect(call(both, 'b.pd.wasm', 'g', x)).toBe(`ok ${g(x) >>> 0}`);
    }
  });

  it('traps with a clear message on an opcode it left out, and runs what it has', () => {
    expect(call(onlyF, 'b.pd.wasm', 'f', 5)).toBe('ok 1005');
    expect(call(onlyF, 'b.pd.wasm', 'g', 5)).toBe(
      "error opcode left out of this image's interpreter: rebuild the firmware with this module");
    // the same module on the full interpreter
    expect(call(join(REPO, 'build/runtime/plain_driver_stack'), 'b.pd.wasm', 'g', 5)).toBe('ok 8');
  });
});
