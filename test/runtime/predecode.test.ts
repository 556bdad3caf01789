// The build-time pre-decoder: validation errors, the blob layout the C loader reads, and the CLI.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BLOB_HEADER as HEADER, fnv1a, immediateBytes, OP, predecode, SECTION_NAME, usedOpcodes,
} from '../../host-tools/wasm/predecode.ts';
import { parseModule, WasmError } from '../../host-tools/wasm/module.ts';
import { runCallsOnCortexM } from '../helpers/cortex-m.ts';
import { wat2wasm } from '../helpers/wat.ts';

const REPO = resolve(import.meta.dirname, '../..');
const wat = (src: string): Uint8Array => Buffer.from(wat2wasm(src, { noCheck: true }));

function blobOf(wasm: Uint8Array) {
  const name = Buffer.from(SECTION_NAME);
  const at = Buffer.from(wasm).indexOf(name);
  const pad = wasm[at + name.length]!;
  const off = at + name.length + 1 + pad;
  return { off, dv: new DataView(wasm.buffer, wasm.byteOffset + off) };
}

/** The instructions of pre-decoded `wasm` (parsed as `m`) that start with opcode `op`: their offsets. */
function sitesOf(wasm: Uint8Array, m: ReturnType<typeof predecode>['module'], op: number): number[] {
  return m.bodies.flatMap((b) => b.instrs).filter((at) => wasm[at] === op);
}

/** Calls f(a, b) of `src` in Node's engine, a fresh instance per call, and of the pre-decoded `wasm`
 * on the C runtime (spec_driver, which loads the module again before each call): both engines'
 * results as `ok <u32>` or the out-of-bounds trap's line. */
function runBoth(src: Uint8Array, wasm: Uint8Array, args: Array<[number, number]>): { want: string[]; got: string[] } {
  const want: string[] = [];
  for (const [a, b] of args) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(src)), {});
    try {
      want.push(`ok ${(instance.exports.f as (a: number, b: number) => number)(a, b) >>> 0}`);
    } catch (e) {
      expect(String(e)).toMatch(/out of bounds/);
      want.push('trap [trap] out of bounds memory access');
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
  writeFileSync(join(dir, 'm.wasm'), wasm);
  const lines = args.flatMap(
    ([a, b]) => [`load ${join(dir, 'm.wasm')}`, `invoke f 2 ${(a >>> 0).toString(16)} ${(b >>> 0).toString(16)}`]);
  const run = spawnSync(join(REPO, 'build/runtime/spec_driver'), { input: lines.join('\n') + '\n', encoding: 'utf8' });
  const got = run.stdout.trim().split('\n').filter((l) => l !== 'ok')
    .map((l) => l.replace(/^ok ([0-9a-f]+)$/, (_, v: string) => `ok ${Number(BigInt('0x' + v) & 0xffffffffn)}`));
  return { want, got };
}

/** The CRC-step modules' check: `f` over every pair of edge values on the host driver and `calls(n)`
 * on Cortex-M, both against Node's engine; returns Node's `f` results. */
function expectEdgesAsNode(src: Uint8Array, wasm: Uint8Array): string[] {
  const edges = [0, 1, -1, 0x80000000, 0x7fffffff, 0x12345678, 0xdeadbeef, 0xffff0000, 0x0000ffff];
  const args: Array<[number, number]> = edges.flatMap((a) => edges.map((b): [number, number] => [a, b]));
  const { want, got } = runBoth(src, wasm, args);
  expect(got).toEqual(want);
  const calls = new WebAssembly.Instance(
    new WebAssembly.Module(new Uint8Array(src)), {}).exports.calls as (n: number) => number;
  for (const n of [1, 7, 40]) expect(runCallsOnCortexM(wasm, n), `calls(${n})`).toBe(calls(n));
  return want;
}

describe('predecode', () => {
  it('marks an imported function\'s record (format 26: frame 255, code 0xffff) so a call tests for an import only on ' +
      'the wide path', () => {
    const src = wat(`(module (import "env" "f" (func $f (param i32) (result i32)))
      (func (export "g") (param i32) (result i32) (call $f (local.get 0))))`);
    const { dv } = blobOf(predecode(src).wasm);
    const ntypes = dv.getUint16(16, true);
    expect(dv.getUint32(20, true)).toBe(2); // nfuncs, the import included
    expect(dv.getUint32(24, true)).toBe(1);
    const rec = (i: number) => HEADER + ntypes * 8 + i * 8;
    expect(dv.getUint16(rec(0), true)).toBe(0xffff);
    expect(dv.getUint8(rec(0) + 7)).toBe(0xff);
    // format 32: the import's type index in stpFwd, its counts in bytes 4 and 5
    expect([dv.getUint16(rec(0) + 2, true), dv.getUint8(rec(0) + 4), dv.getUint8(rec(0) + 5)]).toEqual([0, 1, 1]);
    expect(dv.getUint8(rec(1) + 7)).toBeLessThan(0xff); // the defined function keeps a short record
  });

  it('gives each record its type\'s parameter and result counts, and the header the function section\'s types ' +
      '(format 32)', () => {
    // three types, the defined functions' in another order than the types': the counts are the
    // function's own type's, and funcTypes points at the function section's one-byte indices
    const src = wat(`(module
      (type $a (func (param i32 i32 i32) (result i32)))
      (type $b (func))
      (type $c (func (param i64) (result i64 i32)))
      (func (type $c) (local.get 0) (i32.const 1))
      (func (type $a) (local.get 2))
      (func (type $b)))`);
    const { wasm } = predecode(src);
    const { dv } = blobOf(wasm);
    const ntypes = dv.getUint16(16, true);
    expect(ntypes).toBe(3);
    const rec = (i: number) => HEADER + ntypes * 8 + i * 8;
    expect([0, 1, 2].map((i) => [dv.getUint8(rec(i) + 4), dv.getUint8(rec(i) + 5)])).toEqual([[1, 2], [3, 1], [0, 0]]);
    const ft = dv.getUint32(32, true);
    expect(ft >>> 31).toBe(1); // every index one byte
    expect([...wasm.subarray(ft & 0x7fffffff, (ft & 0x7fffffff) + 3)]).toEqual([2, 0, 1]);
    expect(wasm[(ft & 0x7fffffff) - 1]).toBe(3); // just past the section's count
  });
  it('finds a type index of two LEB bytes in the function section (128+ types): call_indirect checks it, the API ' +
      'reads it', () => {
    // types 0-127 take one i64 each (distinct from what is called), 128 is (i32 i32) -> i32, 129
    // (i32) -> i32 and 130 the same signature as 128 (canon 128); the defined functions' indices
    // in the function section are two bytes, so the header's one-byte flag is clear and the
    // runtime walks the section
    const filler = Array.from(
      { length: 128 }, (_, i) => `(type $t${i} (func (param ${'i64 '.repeat(1 + (i % 4))})))`).join('\n');
    const src = wat(`(module ${filler}
      (type $bin (func (param i32 i32) (result i32)))
      (type $un (func (param i32) (result i32)))
      (type $bin2 (func (param i32 i32) (result i32)))
      (table 2 funcref) (elem (i32.const 0) $sub $neg)
      (func $sub (type $bin) (i32.sub (local.get 0) (local.get 1)))
      (func $neg (type $un) (i32.sub (i32.const 0) (local.get 0)))
      (func (export "same") (type $bin2) (call_indirect (type $bin2) (local.get 0) (local.get 1) (i32.const 0)))
      (func (export "other") (type $bin2) (call_indirect (type $bin2) (local.get 0) (local.get 1) (i32.const 1)))
      (func (export "neg") (type $un) (call_indirect (type $un) (local.get 0) (i32.const 1))))`);
    const { wasm } = predecode(src);
    const { dv } = blobOf(wasm);
    expect(dv.getUint16(16, true)).toBe(131);
    const ft = dv.getUint32(32, true);
    expect(ft >>> 31).toBe(0); // two-byte indices: no flag
    expect([...wasm.subarray(ft, ft + 2)]).toEqual([0x80, 0x01]); // $sub: type 128
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'types.wasm'), wasm);
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'), {
      input: [`load ${join(dir, 'types.wasm')}`, 'invoke same 2 9 4', 'invoke other 2 9 4', 'invoke neg 1 5']
        .join('\n') + '\n', encoding: 'utf8',
    });
    const out = run.stdout.trim().split('\n').map(
      (l) => l.replace(/ ([0-9a-f]+)$/, (_, v: string) => ` ${Number(BigInt('0x' + v) & 0xffffffffn) | 0}`));
    expect(out).toEqual(['ok', 'ok 5', 'trap [trap] indirect call type mismatch', 'ok -5']);
  });

  it('appends an aligned blob with version, module hash and branch side table', () => {
    const src = wat(`(module (func (export "f") (param i32) (result i32)
      (block (result i32) (br_if 0 (i32.const 7) (local.get 0)) (drop) (i32.const 9))))`);
    const { wasm, sideEntries } = predecode(src);
    const { off, dv } = blobOf(wasm);
    expect(off % 4).toBe(0);
    expect(dv.getUint32(0, true)).toBe(0x44505157);
    expect(dv.getUint32(4, true)).toBe(39);
    // the hash covers the rewritten module, which differs from the input only in the
    // function's final `end` (now `return`, 0x0f: format 31): no multi-byte constant, no fused sequence here
    expect(dv.getUint32(8, true)).toBe(fnv1a(wasm.subarray(0, src.length)));
    const changed = [...src].flatMap((b, i) => (wasm[i] !== b ? [i] : []));
    expect(changed.length).toBe(1);
    expect(wasm[changed[0]!]).toBe(0x0f);
    expect(dv.getUint32(20, true)).toBe(1); // one function
    expect(sideEntries).toBe(1); // the br_if
    const ntypes = dv.getUint16(16, true);
    expect(dv.getUint16(18, true)).toBe(0); // no wide function record
    // type: canon u16, nparams u8, nresults u8, params and results offsets u16
    expect([dv.getUint16(HEADER, true), dv.getUint8(HEADER + 2), dv.getUint8(HEADER + 3)]).toEqual([0, 1, 1]);
    expect(wasm[dv.getUint16(HEADER + 4, true)]).toBe(0x7f); // the i32 parameter
    // function record (8 bytes): codeBack u16, stpFwd u16, nParams u8, nResults u8, nLocals u8,
    // frame u8; the code and the first side entry relative to the record itself (format 28); the
    // frame: 2 operand slots and the 2 slots of a 16-byte call frame (format 36)
    const func = HEADER + ntypes * 8;
    const side = func + 8;
    const codeStart = off + func - dv.getUint16(func, true);
    expect([dv.getUint16(func + 2, true), dv.getUint8(func + 4), dv.getUint8(func + 5), dv.getUint8(func + 6),
      dv.getUint8(func + 7)]).toEqual([side - func, 1, 1, 0, 4]);
    expect(wasm[codeStart]).toBe(0x02); // the block: code points at the first instruction
    // one 16-bit short entry (br_if to the block end keeps one value and drops nothing, so
    // nothing moves): bit 0 clear, dStp bits 1-6, dPc bits 7-15
    const e = dv.getInt16(side, true);
    expect(e & 1).toBe(0);
    // targets are relative to the branch: pc to just past its opcode, entry to its own index;
    // it jumps to the byte after `end`
    const brIf = wasm.indexOf(0x0d, codeStart);
    expect(wasm[brIf + 1 + (e >> 7) - 1]).toBe(0x0b);
    expect((e << 25) >> 26).toBe(1); // the next entry (none left in this function)
    expect(wasm.length - off).toBe(HEADER + ntypes * 8 + 8 + 2); // header, type, function, side entry
  });

  it('encodes a loop branch as a backward distance to the loop body', () => {
    const src = wat(`(module (func (export "f") (param i32)
      (loop (br_if 0 (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))))`);
    const { wasm } = predecode(src);
    const { off, dv } = blobOf(wasm);
    const side = HEADER + dv.getUint16(16, true) * 8 + 8;
    const func = HEADER + dv.getUint16(16, true) * 8;
    const codeStart = off + func - dv.getUint16(func, true); // the record's codeBack (format 28)
    const loop = wasm.indexOf(0x03, codeStart), brIf = wasm.indexOf(0x0d, loop);
    const e = dv.getInt16(side, true);
    const dPc = e >> 7;
    expect(dPc).toBeLessThan(0);
    expect(brIf + 1 + dPc).toBe(loop + 2); // after `loop` and its block type
    expect((e << 25) >> 26).toBe(0); // back to the same entry
  });

  it('puts what the 16-bit entry cannot hold in a long entry, and the runtime follows it', () => {
    // 9,000 nops: farther than the short form's 255 bytes; the taken br_if keeps its value
    // (keep/drop read through the long path too)
    const src = wat(`(module (func (export "f") (param i32) (result i32)
      (block (result i32) (i32.const 7) (br_if 0 (local.get 0)) (drop) ${'nop '.repeat(9000)} (i32.const 9))))`);
    const { wasm, sideEntries, longEntries } = predecode(src);
    expect(sideEntries).toBe(1);
    expect(longEntries).toBe(1);
    const { dv } = blobOf(wasm);
    const side = HEADER + dv.getUint16(16, true) * 8 + 8;
    expect(dv.getUint16(side, true)).toBe(1); // long entry 0
    expect(dv.getInt16(side + 2, true)).toBeGreaterThan(9000); // its dPc
    expect(dv.getUint8(side + 6)).toBe(1); // keep
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'far.wasm'), wasm);
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'), {
      input: [`load ${join(dir, 'far.wasm')}`, 'invoke f 1 1', 'invoke f 1 0'].join('\n') + '\n', encoding: 'utf8',
    });
    const out = run.stdout.trim().split('\n').map(
      (l) => l.replace(/ ([0-9a-f]+)$/, (_, v: string) => ` ${Number(BigInt('0x' + v) & 0xffffffffn)}`));
    expect(out).toEqual(['ok', 'ok 7', 'ok 9']);
  });

  it('gives a function with 255+ slots a wide record, and the runtime follows it', () => {
    // 300 locals: the 8-byte record's frame byte says "wide" and its code field indexes the
    // 12-byte record; the second function stays short
    const src = wat(`(module
      (func (export "f") (param i32) (result i32) (local ${'i32 '.repeat(300)})
        (local.set 300 (i32.add (local.get 0) (i32.const 5))) (call 1 (local.get 300)))
      (func (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3))))`);
    const { wasm } = predecode(src);
    const { dv } = blobOf(wasm);
    const ntypes = dv.getUint16(16, true);
    expect(dv.getUint16(18, true)).toBe(1); // one wide record
    const func = HEADER + ntypes * 8, wide = func + 2 * 8;
    expect([dv.getUint16(func, true), dv.getUint8(func + 7)]).toEqual([0, 0xff]); // wide record 0
    expect(dv.getUint8(func + 8 + 7)).toBeLessThan(0xff); // the second function: short
    const codeStart = dv.getUint32(wide, true);
    expect(wasm[codeStart]).toBe(0xe0); // local.get 0; i32.const 5; i32.add, fused (LGET_I32C_ADD)
    expect([dv.getUint16(wide + 8, true), dv.getUint16(wide + 10, true)]).toEqual([300, 302]);
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'wide.wasm'), wasm);
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'), {
      input: [`load ${join(dir, 'wide.wasm')}`, 'invoke f 1 2'].join('\n') + '\n', encoding: 'utf8',
    });
    expect(run.stdout.trim().split('\n').map((l) => l.replace(
      / ([0-9a-f]+)$/, (_, v: string) => ` ${Number(BigInt('0x' + v) & 0xffffffffn)}`))).toEqual(['ok', 'ok 21']);
  });

  it('keeps a frame byte below 128 (a call reads it signed): 123 locals, 2 operand slots and the call frame\'s 2 ' +
      'fit, 124 take a wide record (format 36)', () => {
    for (const [k, wide] of [[123, false], [124, true]] as const) {
      const src = wat(`(module (func (export "f") (param i32) (result i32) (local ${'i32 '.repeat(k)})
        (local.set ${k} (i32.add (local.get 0) (i32.const 5))) (local.get ${k})))`);
      const { wasm } = predecode(src);
      const { dv } = blobOf(wasm);
      const func = HEADER + dv.getUint16(16, true) * 8;
      expect(dv.getUint16(18, true), `${k} locals`).toBe(wide ? 1 : 0);
      // short: the byte counts the locals, 2 operand slots (the add's) and 2 frame slots;
      // wide: 0xff, and the 12-byte record the locals and operand slots only
      if (wide) expect([dv.getUint8(func + 7), dv.getUint16(func + 8 + 10, true)]).toEqual([0xff, k + 2]);
      else expect(dv.getUint8(func + 7)).toBe(k + 4);
      const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
      writeFileSync(join(dir, 'f.wasm'), wasm);
      const run = spawnSync(join(REPO, 'build/runtime/spec_driver'),
        { input: `load ${join(dir, 'f.wasm')}\ninvoke f 1 2\n`, encoding: 'utf8' });
      expect(run.stdout.trim().split('\n').map((l) => l.replace(
        / ([0-9a-f]+)$/, (_, v: string) => ` ${Number(BigInt('0x' + v) & 0xffffffffn)}`))).toEqual(['ok', 'ok 7']);
    }
  });

  it('gives multi-byte local/global indices, block types, br_if labels and memory offsets opcodes of their own, and ' +
      'they run as in Node', () => {
    // 130 globals and locals (indices >= 128), 65 types (a block type index >= 64), 130 nested
    // blocks (a br_if label >= 128): the plain opcodes are left with one-byte immediates only
    const types = Array.from({ length: 64 }, (_, i) => `(type (func (param ${'i64 '.repeat(i + 1)})))`).join(' ');
    const globals = Array.from({ length: 130 }, (_, i) => `(global (mut i32) (i32.const ${i}))`).join(' ');
    const src = wat(`(module ${types} (type $bt (func (param i32) (result i32))) ${globals} (memory 1)
      (func (export "f") (param i32) (result i32) (local ${'i32 '.repeat(130)})
        (i32.store offset=200 (i32.const 4) (i32.mul (local.get 0) (i32.const 7)))
        (i32.store8 offset=129 (i32.const 0) (i32.const 0x1ff))
        (i64.store16 offset=1000 (i32.const 2) (i64.const -3))
        (global.set 127 (i32.add (i32.load offset=200 (i32.const 4)) (i32.load8_u offset=129 (i32.const 0))))
        (global.set 127 (i32.add (global.get 127) (i32.wrap_i64 (i64.load16_s offset=1000 (i32.const 2)))))
        (global.set 127 (i32.add (global.get 127) (i32.load16_s offset=300 (i32.const 20))))
        (i32.store16 offset=20000 (i32.const 6) (local.get 0))
        (global.set 127 (i32.add (global.get 127) (i32.load offset=20000 (i32.const 5))))
        (local.set 129 (i32.add (local.get 0) (global.get 129)))
        (global.set 128 (local.tee 128 (i32.mul (local.get 129) (i32.const 3))))
        (local.get 0) (block (type $bt) (param i32) (result i32) (i32.add (global.get 128)))
        (loop (type $bt) (param i32) (result i32) (i32.sub (i32.const 1)))
        (if (type $bt) (param i32) (result i32) (local.get 0) (then (i32.add (i32.const 100))) (else (i32.add
          (i32.const 200))))
        (local.set 1)
        ${'(block '.repeat(130)} (br_if 129 (i32.gt_s (local.get 0) (i32.const 5))) (local.set 1 (i32.add (local.get 1)
          (i32.const 1000))) ${')'.repeat(130)}
        (i32.add (local.get 1) (global.get 127))))`);
    const { wasm } = predecode(src);
    for (const op of [OP.LOCAL_LEB, 0x08]) expect(
      usedOpcodes(wasm).ops.has(op), `opcode ${op.toString(16)}`).toBe(true);
    // format 37: global.get and global.set with a two-byte index take LOCAL_LEB's codes 0xd0 | g >> 8 << 1 | set
    // (GGET_LEB's and GSET_LEB's opcodes went to LGET64 and GLOBAL64)
    expect(wasm.some((b, i) => b === OP.LOCAL_LEB && src[i] === 0x23 && wasm[i + 1] === 0xd0 && wasm[i + 2] === 129))
      .toBe(true);
    expect(wasm.some((b, i) => b === OP.LOCAL_LEB && src[i] === 0x24 && wasm[i + 1] === 0xd1 && wasm[i + 2] === 128))
      .toBe(true);
    // format 32: local.get, local.set and local.tee with a two-byte index share LOCAL_LEB, their kind in the top bits
    expect(wasm.filter((b, i) => b === OP.LOCAL_LEB && src[i] === 0x21).length).toBeGreaterThan(0);
    expect(wasm.filter((b, i) => b === OP.LOCAL_LEB && src[i] === 0x22).length).toBeGreaterThan(0);
    // format 34: `if` and `br_if` with a two-byte immediate take LOCAL_LEB's codes 0xe0 | kind << 4 | v >> 8
    // (COND_LEB's opcode went to a fused form)
    expect(wasm.some((b, i) => b === OP.LOCAL_LEB && src[i] === 0x04 && wasm[i + 1] === 0xe0 && wasm[i + 2] === 64))
      .toBe(true);
    expect(wasm.some((b, i) => b === OP.LOCAL_LEB && src[i] === 0x0d && wasm[i + 1] === 0xf0 && wasm[i + 2] === 129))
      .toBe(true);
    // format 25: a two-byte offset becomes a raw u16 (i32.store, align 2, offset 200); a
    // three-byte one keeps its LEB (i32.load offset=20000: bit 7 set, the LEB 0xa0 0x9c 0x01)
    const has = (seq: number[]) => wasm.some((_, i) => seq.every((v, j) => wasm[i + j] === v));
    expect(has([0x08, (0x36 - 0x28) | (2 << 5), 200, 0])).toBe(true);
    expect(has([0x08, 0x80 | (2 << 5), 0xa0, 0x9c, 0x01])).toBe(true);
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm)); // and undone exactly
    const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(src)), {});
    const f = instance.exports.f as (a: number) => number;
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'leb.wasm'), wasm);
    const args = [0, 3, 9, -4];
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'), {
      input: [`load ${join(dir, 'leb.wasm')}`, ...args.map((a) => `invoke f 1 ${(a >>> 0).toString(16)}`)].join('\n') +
        '\n', encoding: 'utf8',
    });
    const out = run.stdout.trim().split('\n').map(
      (l) => l.replace(/ ([0-9a-f]+)$/, (_, v: string) => ` ${Number(BigInt('0x' + v) & 0xffffffffn) | 0}`));
    expect(out).toEqual(['ok', ...args.map((a) => `ok ${f(a)}`)]);
  });

  it('runs local.get, local.set and local.tee with a three-byte index (16,384+ locals: LOCAL_LEB\'s long form) as ' +
      'Node\'s engine does', () => {
    const src = wat(`(module (func (export "f") (param i32) (result i32) (local ${'i32 '.repeat(17000)})
        (local.set 16999 (i32.add (local.get 0) (i32.const 5)))
        (local.set 200 (i32.mul (local.tee 16500 (i32.add (local.get 16999) (local.get 0))) (i32.const 3)))
        (i32.add (local.get 200) (i32.sub (local.get 16500) (local.get 16384)))))`);
    const { wasm } = predecode(src);
    expect(wasm.filter((b, i) => b === OP.LOCAL_LEB && src[i + 2]! & 0x80).length).toBe(5); // the 3-byte indices
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm)); // and undone exactly
    const f = new WebAssembly.Instance(
      new WebAssembly.Module(new Uint8Array(src)), {}).exports.f as (a: number) => number;
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'leb3.wasm'), wasm);
    const args = [0, 7, -9];
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'), {
      input: [`load ${join(dir, 'leb3.wasm')}`, ...args.map((a) => `invoke f 1 ${(a >>> 0).toString(16)}`)].join('\n') +
        '\n', encoding: 'utf8',
    });
    const out = run.stdout.trim().split('\n').map(
      (l) => l.replace(/ ([0-9a-f]+)$/, (_, v: string) => ` ${Number(BigInt('0x' + v) & 0xffffffffn) | 0}`));
    expect(out).toEqual(['ok', ...args.map((a) => `ok ${f(a)}`)]);
  });

  it('runs a br_if with a padded three-byte label (LOCAL_LEB\'s long br_if form, COND_LEB\'s until format 33) as ' +
      'Node\'s engine does', () => {
    const src = wat(`(module (func (export "f") (param i32) (result i32)
        (block (br_if 0 (local.get 0)) (nop) (nop) (local.set 0 (i32.const 7))) (local.get 0)))`);
    const at = src.findIndex((b, i) => b === 0x0d && src[i + 1] === 0 && src[i + 2] === 0x01 && src[i + 3] === 0x01);
    expect(at).toBeGreaterThan(0);
    src.set([0x80, 0x80, 0x00], at + 1); // br_if 0 as a 3-byte LEB in place of the two nops: same length
    const { wasm } = predecode(src);
    // format 34: LOCAL_LEB's br_if code
    expect(wasm.some((b, i) => b === OP.LOCAL_LEB && src[i] === 0x0d && wasm[i + 1] === 0xf8)).toBe(true);
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm)); // and undone exactly
    const f = new WebAssembly.Instance(
      new WebAssembly.Module(new Uint8Array(src)), {}).exports.f as (a: number) => number;
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'brif3.wasm'), wasm);
    const args = [0, 5];
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'), {
      input: [`load ${join(dir, 'brif3.wasm')}`, ...args.map((a) => `invoke f 1 ${(a >>> 0).toString(16)}`)]
        .join('\n') + '\n', encoding: 'utf8',
    });
    expect(run.stdout.trim().split('\n')).toEqual(['ok', ...args.map((a) => `ok ${f(a).toString(16)}`)]);
  });

  it('refuses a two-byte br_if label of 2048 or more (the form keeps 11 bits there), saying why', () => {
    const deep = (n: number) => wat(
      `(module (func (param i32) ${'(block '.repeat(n + 1)} (br_if ${n} (local.get 0)) ${')'.repeat(n + 1)}))`);
    expect(() => predecode(deep(2048))).toThrow(
      /a branch label or block type 2048 in two bytes at byte \d+; the pre-decoded form allows 2047 there/);
    const { wasm } = predecode(deep(2047));
    expect(wasm.some(
      (b, i) => b === OP.LOCAL_LEB && wasm[i + 1] === (0xf0 | 2047 >> 8) && wasm[i + 2] === (2047 & 255))).toBe(true);
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm));
  });

  it('refuses a branch farther than the branch-relative form can encode, saying why', () => {
    const src = wat(`(module (func (param i32) (block (br_if 0 (local.get 0)) ${'nop '.repeat(33000)})))`);
    expect(() => predecode(src)).toThrow(/branches 33\d\d\d bytes .*32767 each way/);
  });

  // constants of every rewritten width, each fused sequence, and the shift counts kept as they are
  const rewriteSrc = `(module (global $bound (mut i32) (i32.const 1000)) (func (export "f") (param i32 i64) (result i32)
    (local i32 i32)
      (if (i32.lt_u (local.get 0) (global.get $bound)) (then (local.set 2 (i32.add (local.get 2) (i32.const 13)))))
      (block (br_if 0 (i32.lt_u (local.get 2) (global.get $bound))) (local.set 2 (i32.add (local.get 2) (i32.const 5))))
      (local.set 2 (i32.add (local.get 2) (i32.lt_u (i32.xor (local.get 0) (i32.const 7)) (global.get $bound))))
      (global.set $bound (i32.add (local.get 2) (i32.const 3)))
      (local.set 2 (i32.add (local.get 0) (i32.const 1000000)))
      (local.set 2 (i32.xor (local.get 2) (i32.const 0x7fffffff)))
      (local.set 2 (i32.add (local.get 2) (i32.const 300000)))
      (local.set 2 (i32.sub (local.get 2) (i32.const -1000)))
      (local.set 2 (i32.add (local.get 2) (i32.const 1000)))
      (local.set 2 (i32.add (local.get 2) (i32.const 9)))
      (local.set 2 (i32.mul (i32.const 5) (local.tee 2 (i32.add (local.get 2) (i32.const -7)))))
      (local.set 2 (i32.add (local.tee 2 (i32.xor (i32.const 3) (local.get 0))) (i32.const 61)))
      (local.set 2 (i32.add (i32.const 1) (i32.add (local.get 2) (i32.eq (local.get 0) (i32.const -1)))))
      (if (i32.eq (local.get 0) (i32.const 4)) (then (local.set 2 (i32.add (local.get 2) (i32.const 17)))))
      (local.set 2 (i32.add (i32.const 1) (i32.add (i32.lt_u (local.get 2) (local.get 0)) (i32.gt_s (local.get 0)
        (local.get 2)))))
      (block (br_if 0 (i32.lt_u (local.get 0) (local.get 2))) (local.set 2 (i32.add (local.get 2) (i32.const 33))))
      (block (br_if 0 (i32.gt_s (local.get 0) (local.get 2))) (local.set 2 (i32.add (local.get 2) (i32.const 35))))
      (local.set 2 (i32.add (i32.const 1) (i32.shr_s (i32.shl (local.get 0) (i32.const 24)) (i32.const 20))))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.add (local.tee 1 (i64.extend_i32_u (local.get 2)))
        (i64.const -9)))))
      (local.set 2 (i32.add (i32.and (local.tee 2 (i32.xor (i32.const 1) (i32.rotl (local.get 2) (i32.const 13))))
        (i32.const 4095)) (i32.shr_u (local.get 0) (i32.const 27))))
      (local.set 2 (i32.add (local.get 2) (i32.lt_u (local.tee 2 (i32.add (local.get 2) (local.get 0)))
        (i32.const 3000))))
      (local.set 2 (i32.add (local.get 2) (i32.mul (local.tee 2 (i32.xor (local.get 2) (local.get 0))) (i32.const 7))))
      (local.set 2 (i32.add (local.get 2) (i32.mul (local.tee 2 (i32.xor (local.get 2) (local.get 0)))
        (i32.const 3001))))
      (if (i32.ne (local.get 2) (i32.const 2000)) (then (local.set 2 (i32.add (local.get 2) (i32.const 99)))))
      (local.set 2 (i32.sub (local.get 2) (i32.const 3)))
      (local.set 2 (i32.add (i32.const 1) (i32.sub (local.get 2) (i32.const -63))))
      (local.set 2 (i32.add (i32.const 1) (i32.sub (local.get 2) (i32.const -64))))
      (local.set 2 (i32.add (i32.const 1) (local.tee 2 (i32.sub (local.get 2) (i32.const 5)))))
      (local.set 2 (i32.sub (local.tee 2 (i32.mul (local.get 2) (local.get 0))) (i32.const 9)))
      (if (i32.lt_u (local.get 0) (i32.const 1000)) (then (local.set 2 (i32.add (local.get 2) (i32.const 98)))))
      (local.set 2 (i32.add (i32.mul (local.get 2) (i32.const 3)) (i32.const -2000)))
      (local.set 2 (i32.add (i32.mul (local.get 2) (local.get 0)) (i32.shl (local.get 0) (local.get 2))))
      (local.set 2 (i32.add (local.tee 2 (i32.add (i32.shl (local.get 0) (local.get 2)) (i32.rotl (local.get 2)
        (local.get 0)))) (i32.const 7)))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.add (local.get 1) (i64.const -5)))))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.mul (local.get 1) (i64.const 1000)))))
      (local.set 2 (i32.add (i32.wrap_i64 (i64.shr_u (local.get 1) (i64.const 33))) (local.get 2)))
      (local.set 2 (i32.add (i32.wrap_i64 (i64.shl (local.get 1) (i64.const 7))) (local.get 2)))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.shr_u (i64.shl (local.get 1) (i64.const 63))
        (i64.const 40)))))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.shl (local.get 1) (i64.const -1)))))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.shr_u (i64.or (i64.shl (local.get 1) (i64.const 0))
        (i64.shr_u (local.get 1) (i64.const 0))) (i64.const 32)))))
      (local.set 2 (i32.xor (local.get 2) (i32.wrap_i64 (i64.shr_u (i64.or (i64.extend_i32_u (local.get 0)) (i64.shr_s
        (local.get 1) (i64.const 0))) (i64.const 31)))))
      (local.set 2 (i32.xor (local.get 2) (i32.wrap_i64 (i64.shr_u (i64.or (i64.extend_i32_u (local.get 0)) (i64.shr_s
        (local.get 1) (i64.const 32))) (i64.const 1)))))
      (local.set 2 (i32.xor (local.get 2) (i32.wrap_i64 (i64.shr_u (i64.or (i64.extend_i32_u (local.get 2)) (i64.shl
        (local.get 1) (i64.const 32))) (i64.const 29)))))
      (local.set 2 (i32.xor (local.get 2) (i32.wrap_i64 (i64.shr_u (i64.or (i64.extend_i32_u (local.get 2)) (i64.shr_u
        (local.get 1) (i64.const 32))) (i64.const 0)))))
      (local.set 2 (i32.xor (local.get 2) (i32.wrap_i64 (i64.shr_u (i64.or (i64.shl (local.get 1) (i64.const 31))
        (i64.shr_s (local.get 1) (i64.const 33))) (i64.const 17)))))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.shr_u (i64.const 0x123456789abcdef) (i64.const 4)))))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.const 200000000))))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.const 0x7fffffff))))
      (local.set 2 (i32.add (local.get 2) (i32.shl (local.get 0) (i32.const 3))))
      (local.set 2 (i32.add (local.get 2) (i32.shr_s (local.get 0) (i32.const 33))))
      (local.set 2 (i32.add (local.get 2) (i32.rotl (local.get 2) (i32.const 7))))
      (local.set 2 (i32.add (local.get 2) (i32.sub (local.get 2) (i32.const -3))))
      (local.set 2 (i32.add (local.get 2) (i32.mul (local.get 2) (i32.const 9))))
      (local.set 2 (i32.add (local.get 2) (i32.and (local.get 2) (i32.const 60))))
      (local.set 2 (i32.xor (local.get 2) (i32.and (i32.add (local.get 0) (i32.const 12345)) (i32.const 0xffff))))
      (local.set 2 (i32.add (local.get 2) (i32.and (local.get 0) (i32.const -65536))))
      (local.set 2 (i32.add (i32.xor (local.get 2) (i32.const 5)) (local.get 0)))
      (local.set 2 (local.tee 2 (i32.add (local.get 2) (i32.const 1))))
      (block (br_if 0 (local.tee 2 (i32.sub (local.get 2) (i32.const 1)))))
      (if (i32.lt_s (local.get 0) (i32.const 5)) (then (local.set 2 (i32.add (local.get 2) (i32.const 11)))))
      (if (i32.ne (local.get 0) (i32.const -1)) (then (local.set 2 (i32.add (local.get 2) (local.get 0)))))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.sub (i64.mul (local.get 1) (local.get 1)) (i64.const 1)))))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.shr_u (i64.sub (i64.mul (local.get 1) (local.get 1))
        (i64.const -64)) (i64.const 3)))))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.shr_u (i64.add (i64.mul (local.get 1) (local.get 1))
        (i64.const -64)) (i64.const 5)))))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.add (i64.mul (local.get 1) (local.get 1))
        (i64.const 63)))))
      (block (br_if 0 (i64.ne (local.get 1) (i64.extend_i32_u (local.get 0)))) (local.set 2 (i32.add (local.get 2)
        (i32.const 5))))
      (block (br_if 0 (i32.lt_u (local.tee 2 (i32.add (local.get 2) (i32.const 7))) (i32.const 2000))) (local.set 2
        (i32.add (local.get 2) (i32.const 3))))
      (local.set 2 (i32.xor (local.tee 0 (i32.add (local.get 0) (local.get 2))) (i32.const 5)))
      (local.set 2 (i32.add (local.get 2) (i32.mul (local.get 0) (i32.const 3))))
      (local.set 2 (i32.xor (i32.add (local.get 2) (i32.const 1)) (i32.shr_u (local.get 0) (i32.const 13))))
      (local.set 2 (i32.xor (i32.add (local.get 2) (i32.const 1)) (i32.shl (local.get 0) (i32.const 12))))
      (local.set 2 (i32.xor (i32.sub (local.get 2) (i32.const 3)) (i32.shl (local.get 0) (i32.const 31))))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.rotl (i64.and (i64.xor (local.get 1) (i64.const -3))
        (i64.const 0xffffffff)) (i64.const 17)))))
      (local.set 2 (i32.xor (local.get 2) (i32.wrap_i64 (i64.shr_u (i64.and (i64.xor (local.get 1) (i64.const -1))
        (i64.const 0x8000fff0)) (i64.const 3)))))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.shr_u (i64.and (i64.xor (local.get 1) (i64.const -1))
        (i64.const 0x300000000)) (i64.const 30)))))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.shr_u (i64.and (i64.xor (local.get 1) (i64.const -1))
        (i64.const -0x10000000)) (i64.const 40)))))
      (local.set 2 (i32.xor (i32.sub (local.get 2) (i32.const -64)) (i32.shr_s (local.get 0) (i32.const 5))))
      (local.set 2 (i32.add (i32.sub (local.get 2) (i32.const 63)) (i32.add (local.get 0) (i32.const -64))))
      (local.set 2 (i32.xor (i32.add (i32.shr_s (local.get 2) (i32.const 31)) (i32.const -1)) (local.get 2)))
      (local.set 2 (i32.xor (i32.shr_u (local.tee 2 (i32.mul (local.get 2) (local.get 0))) (i32.const 4))
        (local.get 2)))
      (local.set 2 (i32.xor (i32.shr_u (local.tee 2 (i32.mul (local.get 2) (local.get 0))) (i32.const 31))
        (local.get 0)))
      (local.set 2 (i32.xor (i32.shr_u (local.tee 2 (i32.mul (local.get 2) (local.get 0))) (i32.const 36))
        (local.get 2)))
      (local.set 2 (i32.xor (local.get 0) (i32.shl (local.tee 2 (i32.mul (local.get 2) (local.get 0))) (i32.const 5))))
      (local.set 2 (i32.xor (local.get 0) (i32.shl (local.tee 2 (i32.mul (local.get 2) (local.get 0))) (i32.const 31))))
      (local.set 2 (i32.add (local.get 0) (i32.and (local.get 2) (i32.const 0x87654321))))
      (local.set 2 (i32.add (local.get 0) (i32.and (local.get 2) (i32.const 0x7fffffff))))
      (local.set 2 (i32.add (i32.const 1) (i32.shl (local.get 0) (i32.const 13))))
      (local.set 2 (i32.and (local.get 2) (i32.const 255)))
      (local.set 3 (i32.add (local.get 2) (i32.const 300)))
      (loop (local.set 0 (i32.xor (local.get 0) (local.get 2))) (br_if 0 (i32.gt_u (local.get 3) (local.tee 2 (i32.add
        (local.get 2) (i32.const 7))))))
      (loop (br_if 0 (i32.gt_u (local.get 2) (local.tee 2 (i32.add (local.get 2) (i32.const 1))))))
      (local.set 1 (i64.add (i64.and (local.get 1) (i64.const 15)) (i64.const 1)))
      (loop (local.set 2 (i32.add (local.get 2) (i32.const 3))) (br_if 0 (i64.ne (local.tee 1 (i64.sub (local.get 1)
        (i64.const 1))) (i64.const 0))))
      (local.set 1 (i64.mul (i64.and (i64.extend_i32_u (local.get 2)) (i64.const 15)) (i64.const 3)))
      (loop (local.set 2 (i32.xor (local.get 2) (i32.wrap_i64 (local.get 1)))) (br_if 0 (i64.ne (local.tee 1 (i64.add
        (local.get 1) (i64.const 3))) (i64.const 60))))
      (local.set 1 (i64.sub (i64.const -1) (i64.shl (i64.and (i64.extend_i32_u (local.get 0)) (i64.const 3))
        (i64.const 6))))
      (loop (local.set 2 (i32.add (local.get 2) (i32.const 1))) (br_if 0 (i64.ne (local.tee 1 (i64.sub (local.get 1)
        (i64.const -64))) (i64.const 63))))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (local.get 1))))
      (local.set 2 (i32.add (i32.mul (local.get 2) (local.get 0)) (local.get 3)))
      (local.set 2 (i32.add (local.get 3) (i32.mul (local.get 2) (i32.const 3000))))
      (local.set 2 (i32.add (i32.mul (local.get 2) (i32.const 3000)) (local.get 2)))
      (i32.add (local.get 2) (i32.gt_u (local.get 0) (i32.const 2)))))`;

  // format 31: `local.set a; br l` (a loop's back-edge, a block's exit keeping or dropping values,
  // a branch to the function's own label; fused as 0xf1 from format 31 to 32) and every way a function
  // ends (its final `end` is now `return`, 0x0f: falling off the end, return, br to the body's
  // label, br_table, unreachable, an empty body, a void body)
  const lsetBrSrc = `(module (global $g (mut i32) (i32.const 0))
    (func (export "loop") (param i32 i32) (result i32) (local i32 i32)
      (block $out (loop $l
        (br_if $out (i32.ge_u (local.get 2) (local.get 0)))
        (local.set 3 (i32.xor (i32.mul (local.get 3) (i32.const 31)) (local.get 2)))
        (local.set 2 (i32.sub (local.get 2) (i32.const -1)))
        (br $l)))
      (i32.xor (local.get 3) (local.get 1)))
    (func (export "exit") (param i32 i32) (result i32) (local i32)
      (block $b (local.set 2 (i32.mul (local.get 0) (local.get 1))) (br $b) (local.set 2 (i32.const 5)))
      (local.set 2 (i32.xor (local.get 2)
        (block $k (result i32) (i32.const 9) (local.set 2 (i32.shl (local.get 2) (i32.const 1))) (br $k))))
      (local.set 2 (i32.sub (local.get 2)
        (block $d (result i32) (i32.const 1) (i32.const 70) (local.set 2 (i32.xor (local.get 2) (local.get 1)))
          (br $d))))
      (block $v (i32.const 3) (i32.const 4) (local.set 2 (i32.mul (local.get 2) (i32.const 3))) (br $v))
      (if (local.get 0) (then (local.set 2 (i32.xor (local.get 2) (i32.const 11))) (br 0)))
      (local.get 2))
    (func (export "tobody") (param i32 i32) (result i32) (local i32)
      (local.set 2 (i32.xor (local.get 0) (local.get 1)))
      (i32.mul (local.get 2) (i32.const 7))
      (local.set 2 (i32.const 8)) (br 0))
    (func (export "ret") (param i32 i32) (result i32) (if (local.get 0) (then (return (local.get 1)))) (return
      (i32.const 4)))
    (func (export "brtable") (param i32 i32) (result i32)
      (block $a (block $b (br_table $a $b $a (local.get 0))) (return (i32.const 20))) (i32.const 30) (br_table 0 0
        (local.get 1)))
    (func (export "trap") (param i32 i32) (result i32) (if (local.get 0) (then (return (local.get 1)))) unreachable)
    (func (export "empty") (param i32 i32) (result i32) (call $void (local.get 0)) (call $nothing) (global.get $g))
    (func $void (param i32) (global.set $g (i32.add (local.get 0) (i32.const 1))))
    (func $nothing))`;

  it('runs `local.set; br` and every way a function ends as Node\'s engine does (format 31)', () => {
    const src = wat(lsetBrSrc);
    const { wasm, module: m } = predecode(src);
    expect(m.bodies.every((b) => wasm[b.end] === 0x0f && src[b.end] === 0x0b)).toBe(true);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(src)), {});
    const calls: Array<[string, number, number]> = [];
    for (const name of ['loop', 'exit', 'tobody', 'ret', 'brtable', 'trap', 'empty'])
      for (const [a, b] of [
        [0, 0], [1, 0], [2, 1], [7, 5], [300, 0x12345], [3, -1]] as Array<[number, number]>) calls.push([name, a, b]);
    const want = calls.map(([name, a, b]) => {
      try { return `ok ${(instance.exports[name] as (a: number, b: number) => number)(a, b) >>> 0}`; }
      catch (e) { return (e as Error).message.includes('unreachable') ? 'trap unreachable' :
        `trap ${(e as Error).message}`; }
    });
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'lsetbr.wasm'), wasm);
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'), {
      input: [`load ${join(dir, 'lsetbr.wasm')}`, ...calls.map(([name, a, b]) =>
        `invoke ${name} 2 ${(a >>> 0).toString(16)} ${(b >>> 0).toString(16)}`)].join('\n') + '\n', encoding: 'utf8',
    });
    const out = run.stdout.trim().split('\n').map((l) => l.replace(/^ok ([0-9a-f]+)$/, (_, v: string) =>
      `ok ${Number(BigInt('0x' + v) & 0xffffffffn)}`).replace(/^trap .*unreachable.*$/i, 'trap unreachable'));
    expect(out).toEqual(['ok', ...want]);
    // undone and pre-decoded again: the same bytes (a 0x0f only at a body's last byte is its `end`)
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm));
  });

  // session 12 (format 33): a counted loop's back edge in one dispatch, `i += c` or `i -= c` then
  // `br_if` on i (LOOP_STEP_BR_IF) or on `i != n` (LOOP_STEP_NE16_BR_IF, n a two-byte LEB), `j += s`
  // then `j < n` (LOOP_LSTEP_LT16_BR_IF: s a local, n a two-byte LEB; `j += j` reads s before the tee,
  // a negative s wraps past n unsigned); a tee into another local than the one read, a forward exit
  // taken and not; and the forms left apart (`<` after a constant step, a one-byte bound) beside them
  const loopSrc = `(module
    (func (export "up_ne16") (param i32 i32) (result i32) (local i32 i32)
      (local.set 2 (i32.and (local.get 0) (i32.const 255)))
      (loop (local.set 3 (i32.add (local.get 3) (local.get 2)))
        (br_if 0 (i32.ne (local.tee 2 (i32.add (local.get 2) (i32.const 1))) (i32.const 300)))) (local.get 3))
    (func (export "down_nz") (param i32 i32) (result i32) (local i32 i32)
      (local.set 2 (i32.add (i32.and (local.get 0) (i32.const 63)) (i32.const 1)))
      (loop (local.set 3 (i32.add (i32.mul (local.get 3) (i32.const 3)) (local.get 2)))
        (br_if 0 (local.tee 2 (i32.sub (local.get 2) (i32.const 1))))) (local.get 3))
    (func (export "stride_lt16") (param i32 i32) (result i32) (local i32 i32 i32)
      (local.set 2 (i32.and (local.get 0) (i32.const 15))) (local.set 4 (local.get 1))
      (loop (local.set 3 (i32.xor (i32.rotl (local.get 3) (i32.const 5)) (local.get 2)))
        (br_if 0 (i32.lt_u (local.tee 2 (i32.add (local.get 2) (local.get 4))) (i32.const 2000)))) (i32.add
          (local.get 3) (local.get 2)))
    (func (export "up_lt8") (param i32 i32) (result i32) (local i32 i32)
      (local.set 2 (i32.and (local.get 0) (i32.const 31)))
      (loop (local.set 3 (i32.add (local.get 3) (i32.const 7)))
        (br_if 0 (i32.lt_u (local.tee 2 (i32.add (local.get 2) (i32.const 3))) (i32.const 50)))) (i32.add (local.get 3)
          (local.get 2)))
    (func (export "up_ne8") (param i32 i32) (result i32) (local i32 i32)
      (local.set 2 (i32.shl (i32.and (local.get 0) (i32.const 7)) (i32.const 1)))
      (loop (local.set 3 (i32.add (local.get 3) (local.get 2)))
        (br_if 0 (i32.ne (local.tee 2 (i32.add (local.get 2) (i32.const 2))) (i32.const 40)))) (local.get 3))
    (func (export "down_ne16") (param i32 i32) (result i32) (local i32 i32)
      (local.set 2 (i32.add (i32.and (local.get 0) (i32.const 31)) (i32.const 1000)))
      (loop (local.set 3 (i32.sub (local.get 3) (local.get 2)))
        (br_if 0 (i32.ne (local.tee 2 (i32.sub (local.get 2) (i32.const 1))) (i32.const 900)))) (local.get 3))
    (func (export "double_lt16") (param i32 i32) (result i32) (local i32 i32)
      (local.set 2 (i32.add (i32.and (local.get 0) (i32.const 3)) (i32.const 1)))
      (loop (local.set 3 (i32.add (local.get 3) (i32.const 1)))
        (br_if 0 (i32.lt_u (local.tee 2 (i32.add (local.get 2) (local.get 2))) (i32.const 5000)))) (i32.add (i32.shl
          (local.get 3) (i32.const 16)) (local.get 2)))
    (func (export "other_tee") (param i32 i32) (result i32) (local i32 i32 i32)
      (local.set 4 (i32.and (local.get 0) (i32.const 63)))
      (loop (local.set 2 (local.get 4)) (local.set 3 (i32.add (local.get 3) (local.get 2)))
        (br_if 0 (i32.ne (local.tee 4 (i32.add (local.get 2) (i32.const 1))) (i32.const 100)))) (i32.add (local.get 3)
          (local.get 4)))
    (func (export "local_nz") (param i32 i32) (result i32) (local i32 i32 i32)
      (local.set 2 (i32.add (i32.and (local.get 0) (i32.const 31)) (i32.const 1))) (local.set 4 (i32.const -1))
      (block (loop (local.set 3 (i32.add (local.get 3) (i32.const 1)))
        (br_if 1 (i32.eqz (local.get 1)))
        (br_if 0 (local.tee 2 (i32.add (local.get 2) (local.get 4)))))) (i32.add (i32.shl (local.get 3) (i32.const 8))
          (local.get 2)))
    (func (export "fwd_exit") (param i32 i32) (result i32) (local i32 i32)
      (local.set 2 (i32.add (i32.and (local.get 0) (i32.const 1)) (i32.const 198)))
      (block (loop (local.set 3 (i32.add (local.get 3) (i32.const 1)))
        (br_if 1 (i32.ne (local.tee 2 (i32.add (local.get 2) (i32.const 1))) (i32.const 200)))
        (br 0))) (i32.add (i32.shl (local.get 3) (i32.const 8)) (local.get 2)))
    (func (export "wrap_lt8") (param i32 i32) (result i32) (local i32 i32)
      (local.set 2 (i32.sub (i32.const -8) (i32.and (local.get 0) (i32.const 3))))
      (if (i32.and (local.get 1) (i32.const 1)) (then (local.set 2 (i32.and (local.get 0) (i32.const 15)))))
      (loop (local.set 3 (i32.add (local.get 3) (i32.const 1)))
        (br_if 0 (i32.lt_u (local.tee 2 (i32.sub (local.get 2) (i32.const -2))) (i32.const 40)))) (i32.add (i32.shl
          (local.get 3) (i32.const 8)) (local.get 2))))`;

  // (format 34: `up_lt8` and `wrap_lt8` take LOOP_STEP_LT8_BR_IF, a one-byte bound; `wrap_lt8` steps by `i32.sub` of -2
  // and starts past the bound as an unsigned number when its second argument is even: a signed compare would loop on)
  it('runs a counted loop\'s back edge fused (format 33: LOOP_STEP_BR_IF, LOOP_STEP_NE16_BR_IF, ' +
      'LOOP_LSTEP_LT16_BR_IF; format 34: LOOP_STEP_LT8_BR_IF) as Node\'s engine does', () => {
    const src = wat(loopSrc);
    const { wasm, module: m } = predecode(src);
    const fused = (op: number) => m.bodies.map((b) => b.instrs.filter((at) => wasm[at] === op).length);
    expect(fused(OP.LOOP_STEP_BR_IF)).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(fused(OP.LOOP_STEP_NE16_BR_IF)).toEqual([1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0]);
    expect(fused(OP.LOOP_LSTEP_LT16_BR_IF)).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(fused(OP.LOOP_STEP_LT8_BR_IF)).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    // i - -2 as i + 2
    expect(wasm.some((b, i) => b === OP.LOOP_STEP_LT8_BR_IF && wasm[i + 4] === 0x6b && wasm[i + 3] === 2)).toBe(true);
    // i - 1 as i + -1
    expect(
      wasm.some((b, i) => b === OP.LOOP_STEP_NE16_BR_IF && wasm[i + 4] === 0x6b && wasm[i + 3] === 0x7f)).toBe(true);
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm)); // undone byte for byte
    const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(src)), {});
    const calls: Array<[string, number, number]> = [];
    for (const name of ['up_ne16', 'down_nz', 'stride_lt16', 'up_lt8', 'up_ne8', 'down_ne16', 'double_lt16',
      'other_tee', 'local_nz', 'fwd_exit', 'wrap_lt8'])
      for (const [a, b] of [[0, 1], [1, 3], [7, 0x7ff], [255, -1], [0x12345, 2], [-1, 1000]] as Array<[number,
        number]>) calls.push([name, a, b]);
    const want = calls.map(
      ([name, a, b]) => `ok ${(instance.exports[name] as (a: number, b: number) => number)(a, b) >>> 0}`);
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'loop.wasm'), wasm);
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'), {
      input: [`load ${join(dir, 'loop.wasm')}`, ...calls.map(([name, a, b]) =>
        `invoke ${name} 2 ${(a >>> 0).toString(16)} ${(b >>> 0).toString(16)}`)].join('\n') + '\n', encoding: 'utf8',
    });
    const out = run.stdout.trim().split('\n').map(
      (l) => l.replace(/^ok ([0-9a-f]+)$/, (_, v: string) => `ok ${Number(BigInt('0x' + v) & 0xffffffffn)}`));
    expect(out).toEqual(['ok', ...want]);
  });

  // session 12 (format 33): `T[x & m]` of words in one dispatch (C16_AND_C8_SHL_C16_ADD_LOAD: a CRC's
  // table lookup, also with a load offset, a shift of 3, a negative table address, and an index that
  // leaves memory, which traps); `i32.const c; i32.rotl` alone is two dispatches again and the
  // local.get forms keep the rotate count in a plain i32.const
  const tableData = Array.from(
    { length: 1024 }, (_, i) => '\\' + ((i * 167 + 13) & 255).toString(16).padStart(2, '0')).join('');
  const tableSrc = `(module (memory 1) (data (i32.const 1024) "${tableData}")
    (func (export "crc") (param i32 i32) (result i32) (local i32 i32)
      (local.set 2 (i32.const -1))
      (local.set 3 (i32.add (i32.and (local.get 1) (i32.const 15)) (i32.const 1)))
      (loop
        (local.set 2 (i32.xor (i32.load (i32.add (i32.shl (i32.and (i32.xor (local.get 2) (local.get 0))
          (i32.const 255)) (i32.const 2)) (i32.const 1024)))
          (i32.shr_u (local.get 2) (i32.const 8))))
        (local.set 0 (i32.rotl (local.get 0) (i32.const 7)))
        (br_if 0 (local.tee 3 (i32.sub (local.get 3) (i32.const 1)))))
      (local.get 2))
    (func (export "far") (param i32 i32) (result i32)
      (i32.load offset=3 (i32.add (i32.shl (i32.and (local.get 0) (i32.const 8191)) (i32.const 3)) (i32.const 1024))))
    (func (export "neg") (param i32 i32) (result i32)
      (i32.load (i32.add (i32.shl (i32.and (local.get 0) (i32.const 255)) (i32.const 3)) (i32.const -2000))))
    (func (export "rot") (param i32 i32) (result i32)
      (i32.xor (i32.rotl (i32.add (local.get 0) (local.get 1)) (i32.const 13)) (i32.xor (i32.rotl (local.get 1)
        (i32.const 0)) (i32.rotl (local.get 0) (i32.const 27))))))`;

  it('runs a table lookup fused (format 33: C16_AND_C8_SHL_C16_ADD_LOAD) and the rotates as Node\'s engine does, ' +
      'traps included', () => {
    const src = wat(tableSrc);
    const { wasm, module: m } = predecode(src);
    expect(m.bodies.map((b) => b.instrs.filter((at) => wasm[at] === OP.C16_AND_C8_SHL_C16_ADD_LOAD).length))
      .toEqual([1, 1, 1, 0]);
    // the rotates: after a local.get (crc's by 7, right by 25), with its xor (by 27, right by 5), alone (plain)
    expect(usedOpcodes(wasm).ops.has(OP.LGET_C8_ROTL_XOR) && usedOpcodes(wasm).ops.has(OP.LGET_C8_ROTL) &&
      usedOpcodes(wasm).ops.has(0x77)).toBe(true);
    expect(wasm.some((b, i) => b === OP.LGET_C8_ROTL && wasm[i + 2] === 0x41 && wasm[i + 3] === 25 &&
      wasm[i + 4] === 0x77)).toBe(true);
    expect(wasm.some((b, i) => b === OP.LGET_C8_ROTL_XOR && wasm[i + 2] === 0x41 && wasm[i + 3] === 5 &&
      wasm[i + 4] === 0x77 && wasm[i + 5] === 0x73)).toBe(true);
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm)); // undone byte for byte
    const calls: Array<[string, number, number]> = [];
    for (const name of ['crc', 'far', 'neg', 'rot'])
      for (const [a, b] of [[0, 0], [1, 3], [255, 7], [0x1234, -1], [0x1fff, 2], [250, 9], [-1, 0x7fffffff],
        [7000, 5]] as Array<[number, number]>) calls.push([name, a, b]);
    const want = calls.map(([name, a, b]) => {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(src)), {});
      try { return `ok ${(instance.exports[name] as (a: number, b: number) => number)(a, b) >>> 0}`; }
      catch (e) { expect(String(e)).toMatch(/out of bounds/); return 'trap [trap] out of bounds memory access'; }
    });
    expect(want.filter((w) => w.startsWith('trap')).length).toBeGreaterThan(2); // both paths
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'table.wasm'), wasm);
    const lines = calls.flatMap(([name, a, b]) => [
      `load ${join(dir, 'table.wasm')}`, `invoke ${name} 2 ${(a >>> 0).toString(16)} ${(b >>> 0).toString(16)}`]);
    const run = spawnSync(
      join(REPO, 'build/runtime/spec_driver'), { input: lines.join('\n') + '\n', encoding: 'utf8' });
    const out = run.stdout.trim().split('\n').filter((l) => l !== 'ok')
      .map((l) => l.replace(/^ok ([0-9a-f]+)$/, (_, v: string) => `ok ${Number(BigInt('0x' + v) & 0xffffffffn)}`));
    expect(out).toEqual(want);
  });

  it('refuses a body whose last byte is not its final `end`\'s marker (0x0f), hash and checksum intact', () => {
    const src = wat('(module (func (export "f") (result i32) (i32.const 1)))');
    const { wasm, module: m } = predecode(src);
    const bad = wasm.slice();
    bad[m.bodies[0]!.end] = 0x0b;   // the plain `end` the interpreter would run past
    const { off } = blobOf(bad);
    // the module hash matches again
    new DataView(bad.buffer, off).setUint32(8, fnv1a(bad.subarray(0, src.length)), true);
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'good.wasm'), wasm);
    writeFileSync(join(dir, 'bad.wasm'), bad);
    const run = (f: string) => spawnSync(join(REPO, 'build/runtime/spec_driver'),
      { input: `load ${join(dir, f)}\ninvoke f 0\n`, encoding: 'utf8' }).stdout.trim().split('\n');
    expect(run('good.wasm')).toEqual(['ok', 'ok 1']);
    expect(run('bad.wasm')[0]).toMatch(/^error .*corrupt/);
  });

  it('refuses a short record whose frame byte is 128 or more (read signed by a call) or leaves no room for its ' +
      'locals and the call frame, checksum intact', () => {
    const src = wat('(module (func (export "f") (result i32) (local i32 i32) (i32.const 1)))');
    const { wasm } = predecode(src);
    const { off, dv } = blobOf(wasm);
    const func = HEADER + dv.getUint16(16, true) * 8;
    expect(dv.getUint8(func + 7)).toBe(5); // 2 locals, 1 operand slot, 2 frame slots
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    const run = (frame: number) => {
      const bad = wasm.slice();
      const bv = new DataView(bad.buffer, off);
      bv.setUint8(func + 7, frame);
      bv.setUint32(12, fnv1a(bad.subarray(off + 16)), true);   // the blob's checksum matches again
      writeFileSync(join(dir, 'm.wasm'), bad);
      return spawnSync(join(REPO, 'build/runtime/spec_driver'),
        { input: `load ${join(dir, 'm.wasm')}\ninvoke f 0\n`, encoding: 'utf8' }).stdout.trim().split('\n');
    };
    expect(run(5)).toEqual(['ok', 'ok 1']);
    expect(run(127)).toEqual(['ok', 'ok 1']);
    for (const frame of [128, 200, 0xfe, 3]) expect(run(frame)[0], `frame byte ${frame}`).toMatch(/^error .*corrupt/);
  });

  // format 33 on Cortex-M: the 64-bit shifts by a constant split on bit 5 and use the core's
  // register shift (a count of 32 gives 0) for the cross-half part, which the host build does in C;
  // every count at the edges (0, 1, 31, 32, 33, 63) through each fused shift, the i64 back edge and
  // the multiply-accumulate, run under unicorn with the bench's interpreter object
  it('runs the 64-bit shift forms, the i64 back edge and the multiply-accumulate on Cortex-M as Node\'s engine ' +
      'does', () => {
    const counts = [0, 1, 31, 32, 33, 63];
    const body = counts.map((c) => `
          (local.set $acc (i32.add (local.get $acc) (i32.wrap_i64 (i64.shr_u (i64.or (i64.shl (local.get $x)
            (i64.const ${c})) (i64.shr_u (local.get $y) (i64.const ${(64 - c) & 63}))) (i64.const ${c})))))
          (local.set $acc (i32.xor (local.get $acc) (i32.wrap_i64 (i64.shr_u (i64.or (i64.extend_i32_u (local.get $acc))
            (i64.shr_u (local.get $x) (i64.const ${c}))) (i64.const ${c})))))
          (local.set $acc (i32.add (local.get $acc) (i32.wrap_i64 (i64.shr_u (i64.or (i64.extend_i32_u (local.get $acc))
            (i64.shr_s (local.get $x) (i64.const ${c}))) (i64.const 3)))))
          (local.set $acc (i32.xor (local.get $acc) (i32.wrap_i64 (i64.shr_u (i64.or (i64.extend_i32_u (local.get $acc))
            (i64.shl (local.get $x) (i64.const ${c}))) (i64.const 31)))))`).join('');
    const src = `(module (func (export "calls") (param $n i32) (result i32) (local $x i64) (local $k i64)
      (local $acc i32) (local $y i64)
        (local.set $x (i64.or (i64.shl (i64.extend_i32_u (local.get $n)) (i64.const 40))
          (i64.const 0x80000000fedcba98)))
        (local.set $k (i64.add (i64.extend_i32_u (i32.and (local.get $n) (i32.const 7))) (i64.const 1)))
        (loop $l
          (local.set $y (i64.xor (local.get $x) (i64.const 0xfedcba9876543210))) ${body}
          (local.set $acc (i32.add (i32.mul (i32.wrap_i64 (local.get $x)) (local.get $n)) (local.get $acc)))
          (local.set $acc (i32.add (local.get $acc) (i32.mul (i32.wrap_i64 (local.get $y)) (local.get $n))))
          (local.set $x (i64.add (i64.mul (local.get $x) (i64.const 6364136223846793005))
            (i64.const 1442695040888963407)))
          (br_if $l (i64.ne (local.tee $k (i64.sub (local.get $k) (i64.const 1))) (i64.const 0))))
        (i32.add (local.get $acc) (i32.wrap_i64 (local.get $k)))))`;
    const plain = wat(src);
    const { wasm } = predecode(plain);
    for (const op of [OP.LGET_SHL_LGET_SHR_U_OR, OP.LGET_I64C8_SHR_S_OR, OP.LGET_I64C8_SHL_OR, OP.I64C8_SHR_U,
        OP.I64C8_ADD_LTEE_I64C8_NE_BR_IF, OP.MUL_LGET_ADD, OP.MUL_ADD_LSET]) {
      expect(usedOpcodes(wasm).ops.has(op), `opcode ${op.toString(16)}`).toBe(true);
    }
    const n = 13;
    const want = (new WebAssembly.Instance(
      new WebAssembly.Module(new Uint8Array(plain)), {}).exports.calls as (n: number) => number)(n);
    expect(runCallsOnCortexM(wasm, n)).toBe(want);
  });

  // Format 34: `local.get b; i64.lt_u / i64.le_u; i64.extend_i32_u` in one dispatch (LGET_I64_LTU_EXTU): the carry or
  // borrow of multiword arithmetic as a value; and `i64.lt_u; select` (I64_LT_U_SELECT): a pick and a conditional
  // subtract `x - (x < y ? 0 : y)` on every pair. Both compares at the edges (equal, the halves differing one way and
  // the other, the sign bit, all ones, an argument), after a local.get and after a local.tee (neither pair takes the
  // compare's local.get), and a compare with a constant left apart; on the host and on Cortex-M (the handler is asm
  // there: one subtract whose carry-in the compare's opcode gives)
  const carryPairs: Array<[string, string]> = [
    ['0', '0'], ['0', '1'], ['1', '0'], ['5', '5'], ['0x100000000', '0xffffffff'],
    ['0xffffffff', '0x100000000'], ['0x100000001', '0x100000000'], ['0x100000000', '0x100000001'], ['-1', '-1'],
      ['-1', '0'],
    ['0', '-1'], ['0x8000000000000000', '0x7fffffffffffffff'], ['0x7fffffffffffffff', '0x8000000000000000'],
      ['0x1234567800000000', '0x1234567800000000']];
  const carrySrc = `(module (func (export "calls") (param $n i32) (result i32) (local $x i64) (local $y i64)
    (local $s i64) (local $acc i64) (local $t i64)
      ${[...carryPairs, ['$n', '7'], ['7', '$n']].map(([x, y]) => {
        const v = (c: string) => c === '$n' ? '(i64.extend_i32_u (local.get $n))' : `(i64.const ${c})`;
        return `(local.set $x ${v(x)}) (local.set $y ${v(y)})
      (local.set $acc (i64.add (i64.shl (local.get $acc) (i64.const 1)) (i64.extend_i32_u (i64.lt_u (local.get $x)
        (local.get $y)))))
      (local.set $acc (i64.add (i64.shl (local.get $acc) (i64.const 1)) (i64.extend_i32_u (i64.le_u (local.get $x)
        (local.get $y)))))
      (local.set $t (i64.add (local.get $t) (select (i64.const 1000) (i64.const 7) (i64.lt_u (local.get $x)
        (local.get $y)))))
      (local.set $t (i64.xor (i64.rotl (local.get $t) (i64.const 5)) (i64.sub (local.get $x) (select (i64.const 0)
        (local.get $y) (i64.lt_u (local.get $x) (local.get $y))))))`;
      }).join('\n      ')}
      (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (i64.lt_u (local.tee $s (i64.add (local.get $x)
        (i64.const -8))) (local.get $x)))))
      (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (i64.le_u (local.get $y) (i64.const 6)))))
      (local.set $acc (i64.xor (local.get $acc) (i64.mul (i64.add (local.get $s) (local.get $t)) (i64.const 3))))
      (i32.xor (i32.wrap_i64 (local.get $acc)) (i32.wrap_i64 (i64.shr_u (local.get $acc) (i64.const 32))))))`;

  it('runs `local.get; i64.lt_u / i64.le_u; i64.extend_i32_u` (LGET_I64_LTU_EXTU) and `i64.lt_u; select` ' +
      '(I64_LT_U_SELECT) in one dispatch each as Node\'s engine does, on Cortex-M too', () => {
    const src = wat(carrySrc);
    const { wasm, module: m } = predecode(src);
    const fused = sitesOf(wasm, m, OP.LGET_I64_LTU_EXTU);
    // every pair's two compares and the tee's; not the constant's
    expect(fused.length).toBe(2 * (carryPairs.length + 2) + 1);
    for (const at of fused) expect(
      [src[at], src[at + 2] === 0x54 || src[at + 2] === 0x58, src[at + 3]]).toEqual([0x20, true, 0xad]);
    expect(fused.filter((at) => src[at + 2] === 0x58).length).toBe(carryPairs.length + 2);
    const selects = sitesOf(wasm, m, OP.I64_LT_U_SELECT);
    expect(selects.length).toBe(2 * (carryPairs.length + 2));
    for (const at of selects) expect([src[at], src[at + 1]]).toEqual([0x54, 0x1b]);
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm));
    const f = new WebAssembly.Instance(
      new WebAssembly.Module(new Uint8Array(src)), {}).exports.calls as (n: number) => number;
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'carry.wasm'), wasm);
    const args = [0, 6, 7, 8, 13, 0xffffffff];
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'), {
      input: [`load ${join(dir, 'carry.wasm')}`, ...args.map((a) => `invoke calls 1 ${(a >>> 0).toString(16)}`)]
        .join('\n') + '\n', encoding: 'utf8',
    });
    expect(run.stdout.trim().split('\n')).toEqual(['ok', ...args.map((a) => `ok ${(f(a) >>> 0).toString(16)}`)]);
    for (const n of [6, 7, 8]) expect(runCallsOnCortexM(wasm, n)).toBe(f(n));
  });

  // Format 35: an i64.const with a 5- to 10-byte LEB is one raw form (I64_CONST_RAW: the low word, a byte x, the high
  // word's bits): clang merges two adjacent int constant stores into one i64.store of such a constant (Embench ud spent
  // 5.3% of its instructions decoding them). Every length at its edges (the high word's sign and width, the low word's
  // top bit), as a value and as a store read back as two ints, against Node's engine, on the host and on Cortex-M
  // (unaligned loads and the shift by 27 - 8 * pad are the handler's)
  const i64Consts = ['0x10000000', '-0x10000001', '0x3ffffffff', '-0x400000000', '0x0000000e00000006', '0x800000000',
    '0x1ffffffffff', '-0x20000000000',
    '0x0000000780000001', '0x20000000000', '0xffffffffffff', '-0x1000000000000', '0x1000000000000', '0x7fffffffffffff',
      '-0x80000000000000',
    '0x0012345687654321', '-0x0000000300000005', '0x80000000000000', '0x3fffffffffffffff', '-0x4000000000000000',
      '0x7fffffffffffffff',
    '-0x8000000000000000', '0x7fffffff80000000', '-0x7ffffffffffffffe'];
  const i64ConstSrc = `(module (memory 1) (func (export "calls") (param $n i32) (result i32) (local $x i64)
    (local $acc i32)
      (local.set $x (i64.extend_i32_u (local.get $n)))
      ${i64Consts.map((c, i) => `(local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31))
        (i32.wrap_i64 (i64.shr_u (i64.xor (local.get $x) (i64.const ${c})) (i64.const ${i & 1 ? 32 : 0})))))
      (i64.store offset=${8 * i} (i32.const 0) (i64.const ${c}))`).join('\n      ')}
      ${i64Consts.map((_, i) => `(local.set $acc (i32.xor (i32.mul (local.get $acc) (i32.const 17))
        (i32.add (i32.load offset=${8 * i} (i32.const 0)) (i32.load offset=${8 * i + 4} (i32.const 0)))))`).join(' ')}
      (local.get $acc)))`;
  it('runs every i64.const of a 5- to 10-byte LEB as one raw form (I64_CONST_RAW) as Node\'s engine does, on ' +
      'Cortex-M too, and undoes it byte for byte', () => {
    const src = wat(i64ConstSrc);
    const { wasm, module: m } = predecode(src);
    const raw = sitesOf(wasm, m, OP.I64_CONST_RAW);
    expect(raw.length).toBe(2 * i64Consts.length);
    const lengths = new Set(raw.map((at) => { expect(src[at]).toBe(0x42); return immediateBytes(wasm, at); }));
    expect([...lengths].sort((a, b) => a - b)).toEqual([5, 6, 7, 8, 9, 10]);
    // the original LEB's length
    for (const at of raw) { let q = at + 1; while (src[q]! & 0x80) q++; expect(immediateBytes(wasm, at)).toBe(q - at); }
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm));
    const f = new WebAssembly.Instance(
      new WebAssembly.Module(new Uint8Array(src)), {}).exports.calls as (n: number) => number;
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'i64c.wasm'), wasm);
    const args = [0, 1, 0x80000000, 0xffffffff];
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'), {
      input: [`load ${join(dir, 'i64c.wasm')}`, ...args.map((a) => `invoke calls 1 ${(a >>> 0).toString(16)}`)]
        .join('\n') + '\n', encoding: 'utf8',
    });
    expect(run.stdout.trim().split('\n')).toEqual(['ok', ...args.map((a) => `ok ${(f(a) >>> 0).toString(16)}`)]);
    for (const n of [0, 5]) expect(runCallsOnCortexM(wasm, n)).toBe(f(n));
  });

  it('is idempotent: pre-decoding a pre-decoded module gives the same bytes (the rewriting is undone first)', () => {
    for (const src of [wat('(module (func (export "f")))'), wat(rewriteSrc), wat(memSrc), wat(storeConstSrc),
        wat(lsetBrSrc), wat(blockRunSrc), wat(loopSrc), wat(tableSrc), wat(carrySrc), wat(i64ConstSrc)]) {
      const once = predecode(src).wasm;
      expect(Buffer.from(predecode(once).wasm)).toEqual(Buffer.from(once));
    }
  });

  // `i32.const c; i32.store8` (WQ_OP_I32C_STORE8) with constants whose byte is also an opcode:
  // 0x07 and 0x0c (br, with an immediate). Until session 9 the walk over rewritten code took c
  // for an instruction of its own: undoing turned 0x07 (then WQ_OP_I64_NE_BR_IF) into 0x52, so a
  // second pre-decode stored 82, and 0x0c swallowed the store's opcode from usedOpcodes (a
  // per-image interpreter could have left i32.store8 out)
  const storeConstSrc = `(module (memory 1) (func (export "f") (param i32) (result i32)
      (i32.store8 (local.get 0) (i32.const 7)) (i32.store8 offset=1 (local.get 0) (i32.const 12))
      (i32.add (i32.load8_u (local.get 0)) (i32.load8_u offset=1 (local.get 0)))))`;

  it('walks every rewritten instruction at its original length (usedOpcodes and the undo depend on it)', () => {
    for (const src of [wat(rewriteSrc), wat(memSrc), wat(storeConstSrc), wat(lsetBrSrc), wat(blockRunSrc), wat(loopSrc),
        wat(tableSrc), wat(carrySrc), wat(i64ConstSrc)]) {
      const { wasm, module: m } = predecode(src);
      for (const body of m.bodies) {
        for (let k = 0; k < body.instrs.length; k++) {
          const at = body.instrs[k]!;
          // BLOCK_RUN covers its first two instructions (the second's opcode byte is the run's end)
          if (wasm[at] === OP.BLOCK_RUN) k++;
          const next = body.instrs[k + 1] ?? body.end + 1;
          expect(at + 1 + immediateBytes(wasm, at), `opcode 0x${wasm[at]!.toString(16)} at ${at}`).toBe(next);
        }
      }
    }
    const { wasm } = predecode(wat(storeConstSrc));
    expect(wasm.filter((b) => b === OP.I32C_STORE8).length).toBe(2);
    expect(usedOpcodes(wasm).ops.has(0x3a)).toBe(true);
    expect(usedOpcodes(wasm).ops.has(OP.LOAD16_S_MUL)).toBe(false);
    const twice = predecode(wasm).wasm;
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'twice.wasm'), twice);
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'),
      { input: `load ${join(dir, 'twice.wasm')}\ninvoke f 1 64\n`, encoding: 'utf8' });
    expect(run.stdout.trim().split('\n')).toEqual(['ok', 'ok 13']);   // 7 + 12 = 0x13 (the driver prints hex)
  });

  it('rewritten constants and fused sequences compute what Node\'s engine computes', () => {
    const src = wat(rewriteSrc);
    const { wasm } = predecode(src);
    expect([...src].filter((b, i) => wasm[i] !== b).length).toBeGreaterThan(20); // it did rewrite
    for (const op of [
      OP.MUL_LGET_ADD, OP.MUL_ADD_LSET, OP.I64C8_ADD_LTEE_I64C8_NE_BR_IF, OP.GGET_LT_U, OP.LTEE_C8_SHR_U_LGET_XOR,
      OP.I32C32_AND, OP.I32C24_AND, OP.LGET_LGET_ADD_LTEE, OP.LGET_C8_SHR_U_XOR, OP.LGET_C8_SHL_XOR, OP.SHL_SHR_S,
      OP.I32C8_SHR_S, OP.I32C_ADD]) expect(usedOpcodes(wasm).ops.has(op), `opcode ${op.toString(16)}`).toBe(true);
    // format 34: the 3-byte masks (0xffff, -65536) fuse with their i32.and; 300000 and 12345 stay apart (an add)
    expect(wasm.filter((b, i) => b === OP.I32C24_AND && src[i] === 0x41).length).toBe(2);
    // format 28: the two 32-bit masks fuse with their i64.and; a 5-byte constant outside 0..2^32-1 keeps its LEB
    expect(wasm.filter((b, i) => b === OP.I64C_U32_AND && src[i] === 0x42).length).toBe(2);
    // format 33: the three 64-bit back edges (i64.sub 1 to 0, i64.add 3 to 60, i64.sub -64, whose byte holds 64)
    expect(wasm.filter((b, i) => b === OP.I64C8_ADD_LTEE_I64C8_NE_BR_IF && src[i] === 0x42).length).toBe(3);
    expect(wasm.some((b, i) => b === OP.I64C8_ADD_LTEE_I64C8_NE_BR_IF && wasm[i + 1] === 64 && wasm[i + 2] === 0x7d))
      .toBe(true);
    // format 32: local.get / local.tee; i32.const c; i32.sub ... is the i32.add form with the const's byte -c (c = -64
    // stays apart)
    for (const op of [OP.LGET_I32C_ADD, OP.LGET_I32C_ADD_LSET, OP.LGET_I32C_ADD_LTEE, OP.LTEE_I32C_ADD]) expect(
      wasm.some((b, i) => b === op && wasm[i + 4] === 0x6b), `opcode ${op.toString(16)} with i32.sub`).toBe(true);
    expect(wasm.some((b, i) => b === OP.LGET_I32C_ADD && wasm[i + 3] === 63 && wasm[i + 4] === 0x6b)).toBe(true);
    // format 29: i32.const c; i32.sub is I32C_ADD with the raw byte -c (64 for c = -64)
    expect(wasm.some((b, i) => b === OP.I32C_ADD && wasm[i + 1] === 64 && wasm[i + 2] === 0x6b)).toBe(true);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(src)), {});
    const f = instance.exports.f as (a: number, b: bigint) => number;
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'rw.wasm'), wasm);
    const args: Array<[number, bigint]> = [
      [0, 0n], [1, 7n], [-1, -1n], [4, 123456789012n], [0x7fffffff, -(2n ** 63n)], [-2147483648, 99n]];
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'), {
      input: [
        `load ${join(dir, 'rw.wasm')}`,
        ...args.map(([a, b]) => `invoke f 2 ${(a >>> 0).toString(16)} ${BigInt.asUintN(64, b).toString(16)}`)]
        .join('\n') + '\n', encoding: 'utf8',
    });
    const out = run.stdout.trim().split('\n').map(
      (l) => l.replace(/ ([0-9a-f]+)$/, (_, v: string) => ` ${Number(BigInt('0x' + v) & 0xffffffffn)}`));
    expect(out).toEqual(['ok', ...args.map(([a, b]) => `ok ${f(a, b) >>> 0}`)]);
  });

  // Format 33: runs of no-ops executed in sequence (WQ_OP_BLOCK_RUN): a C switch's block nest
  // before its br_table, a loop whose head starts a run (its branches land where the run's second
  // opcode was: past every no-op instead), inner `end`s in a run, a block with a result, a nest
  // longer than the 63 bytes one run covers, and an `if` whose not-taken branch lands on a run.
  const nest = (n: number, inner: string) => `${'(block '.repeat(n)}${inner}${')'.repeat(n)}`;
  const blockRunSrc = `(module
    (func $switch (param $x i32) (result i32) (local $acc i32)
      (block $d (block $c3 (block $c2 (block $c1 (block $c0
        (br_table $c0 $c1 $c2 $c3 $d (local.get $x)))
        (local.set $acc (i32.const 10)) (br $d))
        (local.set $acc (i32.const 20)) (br $d))
        (local.set $acc (i32.const 30)) (br $d))
        (local.set $acc (i32.const 40)))
      (local.get $acc))
    (func $loops (param $n i32) (result i32) (local $i i32) (local $s i32)
      (loop $l (block $b1 (block $b2 (block $b3
        (local.set $s (i32.add (local.get $s) (local.get $i)))
        (br_if $b3 (i32.and (local.get $i) (i32.const 1)))
        (local.set $s (i32.add (local.get $s) (i32.const 100)))))
        (block (block (local.set $s (i32.xor (local.get $s) (i32.const 5))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
      (local.get $s))
    (func $deep (param $x i32) (result i32)
      (i32.add (block (result i32) (block (result i32) (i32.mul (local.get $x) (i32.const 3))))
        (block (result i32) ${nest(40, '(br_if 20 (i32.eqz (local.get $x)))')} (i32.const 7))))
    (func $iff (param $x i32) (result i32) (local $r i32)
      (if (local.get $x) (then (local.set $r (i32.const 1))))
      (block (loop (block (local.set $r (i32.add (local.get $r) (i32.const 2))))))
      (local.get $r))
    (func (export "f") (param i32) (result i32)
      (i32.add (i32.add (call $switch (local.get 0)) (call $loops (i32.and (local.get 0) (i32.const 15))))
        (i32.add (call $deep (local.get 0)) (call $iff (local.get 0))))))`;

  it('runs of no-ops take one dispatch (BLOCK_RUN), compute what Node\'s engine computes and undo byte for ' +
      'byte', () => {
    const src = wat(blockRunSrc);
    const { wasm, module: m } = predecode(src);
    const runs = [...wasm.keys()].filter((i) => wasm[i] === OP.BLOCK_RUN && src[i] !== OP.BLOCK_RUN);
    expect(runs.length).toBeGreaterThanOrEqual(5);
    // the switch's nest is one run; a loop heads one (bit 6); the 40-block nest needs more than one
    expect(runs.some((i) => src[i] === 0x03 && (wasm[i + 2]! & 0x40) !== 0)).toBe(true);
    expect(runs.every((i) => (wasm[i + 2]! & 63) <= 63 && (wasm[i + 2]! & 63) >= 4)).toBe(true);
    for (const body of m.bodies) body.instrs.forEach((at, k) => {
      if (wasm[at] !== OP.BLOCK_RUN) return;
      const end = at + (wasm[at + 2]! & 63);
      expect(body.instrs.includes(end), `run at ${at} ends on an instruction`).toBe(true);
      // no branch lands inside a run: every instruction it covers past its head is a no-op
      for (const q of body.instrs.slice(k + 1)) if (q < end) expect([0x02, 0x03, 0x0b]).toContain(src[q]);
    });
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm));
    const f = new WebAssembly.Instance(
      new WebAssembly.Module(new Uint8Array(src)), {}).exports.f as (x: number) => number;
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'runs.wasm'), wasm);
    const args = [0, 1, 2, 3, 4, 5, 9, 15, 16, 31, 255, -1, 0x7fffffff];
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'), {
      input: [`load ${join(dir, 'runs.wasm')}`, ...args.map((a) => `invoke f 1 ${(a >>> 0).toString(16)}`)].join('\n') +
        '\n', encoding: 'utf8',
    });
    expect(run.stdout.trim().split('\n')).toEqual(['ok', ...args.map((a) => `ok ${(f(a) >>> 0).toString(16)}`)]);
  });

  // Format 33: `local.get a; local.get b; i32.lt_u` in one dispatch (WQ_OP_LGET_LGET_LT_U), on to
  // a following `if` (taken and not) or `br_if` (a loop's `i < n` test), or as a value; after a
  // `local.set` and after a `local.get` (neither pair takes its first local.get); the unsigned
  // compare across the sign bit; a local index of two bytes left apart
  const ltuSrc = `(module
    (func (export "f") (param i32 i32) (result i32) (local i32 i32) (local${' i64'.repeat(126)}) (local i32)
      (if (i32.lt_u (local.get 0) (local.get 1)) (then (local.set 3 (i32.const 100))) (else (local.set 3
        (i32.const 200))))
      (loop $l (local.set 3 (i32.add (local.get 3) (i32.const 3)))
        (local.set 2 (i32.add (local.get 2) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get 2) (i32.and (local.get 1) (i32.const 31)))))
      (local.set 2 (i32.xor (local.get 0) (i32.const 5)))
      (local.set 3 (i32.add (local.get 3) (i32.mul (i32.lt_u (local.get 2) (local.get 0)) (i32.const 1000))))
      (local.set 3 (i32.add (local.get 3) (i32.add (local.get 1) (i32.lt_u (local.get 1) (local.get 0)))))
      (local.set 130 (local.get 1))
      (local.set 3 (i32.add (local.get 3) (i32.lt_u (local.get 0) (local.get 130))))
      (block $b (br_if $b (i32.lt_u (local.get 1) (local.get 0))) (local.set 3 (i32.add (local.get 3) (i32.const 7))))
      (local.get 3)))`;

  it('runs `local.get; local.get; i32.lt_u` in one dispatch (LGET_LGET_LT_U) as Node\'s engine does and undoes it ' +
      'byte for byte', () => {
    const src = wat(ltuSrc);
    const { wasm, module: m } = predecode(src);
    const fused = sitesOf(wasm, m, OP.LGET_LGET_LT_U);
    // the if, the xor's compare after a local.set, the one after a local.get, the block's br_if
    // (the loop's bound is `i32.and`, the local 130 takes two bytes)
    expect(fused.length).toBe(4);
    for (const at of fused) expect([src[at], src[at + 2], src[at + 4]]).toEqual([0x20, 0x20, 0x49]);
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm));
    const f = new WebAssembly.Instance(
      new WebAssembly.Module(new Uint8Array(src)), {}).exports.f as (a: number, b: number) => number;
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'ltu.wasm'), wasm);
    const args: Array<[number, number]> = [
      [0, 0], [1, 2], [2, 1], [5, 0], [0, 5], [-1, 1], [1, -1], [0x7fffffff, -0x80000000], [7, 7], [4, 40]];
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'), {
      input: [`load ${join(dir, 'ltu.wasm')}`, ...args.map(([a, b]) =>
        `invoke f 2 ${(a >>> 0).toString(16)} ${(b >>> 0).toString(16)}`)].join('\n') + '\n', encoding: 'utf8',
    });
    expect(run.stdout.trim().split('\n')).toEqual(
      ['ok', ...args.map(([a, b]) => `ok ${(f(a, b) >>> 0).toString(16)}`)]);
  });

  it('tiles a run with the fewest dispatches (session 13): `local.set; local.get; i32.const; i32.add; local.set` is ' +
      'two, not three, and runs as in Node', () => {
    // a pointer-bumping loop (Embench's ud) after an i32.sub: greedy left to right took LSET_LGET, then I32C_ADD and a
    // lone local.set; the tiling leaves the first local.set alone and fuses the increment whole
    const src = wat(`(module (memory 1) (data
      (i32.const 0) "\\0b\\30\\55\\7a\\9f\\c4\\e9\\0e\\33\\58\\7d\\a2\\c7\\ec\\11\\36")
      (func (export "f") (param i32 i32) (result i32) (local i32 i32)
        (loop
          (local.set 2 (i32.sub (local.get 2) (i32.load (local.get 0))))
          (local.set 0 (i32.add (local.get 0) (i32.const 4)))
          (local.set 3 (i32.add (local.get 3) (local.get 2)))
          (br_if 0 (local.tee 1 (i32.sub (local.get 1) (i32.const 1)))))
        (i32.xor (local.get 2) (local.get 3))))`);
    const { wasm, module: m } = predecode(src);
    const ins = m.bodies[0]!.instrs;
    const sumSet = ins.filter((x) => src[x] === 0x21)[0]!;
    // the local.set of the sum stays plain; the increment after it is one LGET_I32C_ADD_LSET
    expect(wasm[sumSet]).toBe(0x21);
    expect(wasm[ins[ins.indexOf(sumSet) + 1]!]).toBe(OP.LGET_I32C_ADD_LSET);
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm));
    const f = new WebAssembly.Instance(
      new WebAssembly.Module(new Uint8Array(src)), {}).exports.f as (a: number, b: number) => number;
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'tile.wasm'), wasm);
    const args: Array<[number, number]> = [[0, 1], [0, 4], [4, 3], [65528, 2], [65532, 2]];
    const expected = args.map(
      ([a, b]) => { try { return `ok ${(f(a, b) >>> 0).toString(16)}`; } catch { return 'trap'; } });
    expect(expected).toContain('trap');   // the last reads past the memory's end
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'), {
      input: [`load ${join(dir, 'tile.wasm')}`, ...args.map(([a, b]) =>
        `invoke f 2 ${(a >>> 0).toString(16)} ${(b >>> 0).toString(16)}`)].join('\n') + '\n', encoding: 'utf8',
    });
    expect(run.stdout.trim().split('\n').map((l) => (l.startsWith('trap') ? 'trap' : l))).toEqual(['ok', ...expected]);
  });

  it('breaks a tie of dispatches by the handlers\' instructions (session 14): `local.set; local.get; i32.const; ' +
      'i32.add; local.set; local.get` keeps the increment whole', () => {
    // Embench ud's `for (j = i + 1; j != n; j++)` as clang rotates it: `local.set a; local.get j; i32.const 1; i32.add;
    // local.set j1; local.get j; i32.const 5; i32.ne; br_if`. LSET_LGET, I32C_ADD, LSET_LGET and I32C8_NE are four
    // dispatches, and so are local.set, LGET_I32C_ADD_LSET, local.get and I32C8_NE, 5 instructions fewer (HANDLER_COST)
    const src = wat(`(module
      (func (export "f") (param i32 i32) (result i32) (local i32 i32 i32)
        (loop
          local.get 0 local.set 3
          local.get 4 local.get 3 i32.mul local.get 1 i32.add local.set 4
          local.get 3 i32.const 1 i32.add local.set 0
          local.get 3 i32.const 5 i32.ne br_if 0)
        (i32.add (local.get 4) (local.get 0))))`);
    const { wasm, module: m } = predecode(src);
    const ins = m.bodies[0]!.instrs;
    const sets = ins.filter((x) => src[x] === 0x21);
    expect(wasm[sets[1]!]).toBe(0x21);   // local.set 4 stays plain
    expect(wasm[ins[ins.indexOf(sets[1]!) + 1]!]).toBe(OP.LGET_I32C_ADD_LSET);
    expect(wasm[ins[ins.indexOf(sets[2]!) + 1]!]).toBe(0x20);   // and the local.get after it too
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm));
    const { want, got } = runBoth(
      src, wasm, [[0, 1], [3, 7], [5, -2], [-3, 11]].map(([a, b]) => [a!, b!] as [number, number]));
    expect(got).toEqual(want);
  });

  // Format 34: `local.get a; i32.load off` in one dispatch (WQ_OP_LGET_LOAD: `p->field`), and with `local.tee b; br_if
  // l` after it (`p = p->next; while (p)`, a list walk: bit 6 of the load's align byte) the store, the test and the
  // branch too. A list built in memory, walked from its head (next at offset 0, the value at 4) and from a pointer
  // given as an argument (0: not walked; one past the memory's end: the walk's own load traps); a plain field load that
  // traps
  const walkSrc = `(module (memory 1)
    (func (export "f") (param i32 i32) (result i32) (local i32 i32 i32)
      (block $done (loop $build
        (br_if $done (i32.ge_u (local.get 3) (i32.and (local.get 1) (i32.const 15))))
        (local.set 4 (i32.add (i32.const 1000) (i32.shl (local.get 3) (i32.const 3))))
        (i32.store (local.get 4) (local.get 2))
        (i32.store offset=4 (local.get 4) (i32.add (i32.mul (local.get 3) (i32.const 7)) (i32.const 1)))
        (local.set 2 (local.get 4))
        (local.set 3 (i32.add (local.get 3) (i32.const 1)))
        (br $build)))
      (local.set 3 (i32.const 0))
      (if (local.get 2) (then (loop $walk
        (local.set 3 (i32.add (local.get 3) (i32.load offset=4 (local.get 2))))
        (br_if $walk (local.tee 2 (i32.load (local.get 2)))))))
      (local.set 4 (i32.const 0))
      (if (local.get 0) (then (loop $from
        (local.set 4 (i32.add (local.get 4) (i32.const 1)))
        (br_if $from (local.tee 0 (i32.load offset=4 (local.get 0)))))))
      (i32.add (i32.add (local.get 3) (i32.mul (local.get 4) (i32.const 1000))) (i32.load offset=2 (local.get 1)))))`;

  it('runs `local.get; i32.load` and a list walk in one dispatch each (LGET_LOAD) as Node\'s engine does, traps ' +
      'included, and undoes them byte for byte', () => {
    const src = wat(walkSrc);
    const { wasm, module: m } = predecode(src);
    const fused = sitesOf(wasm, m, OP.LGET_LOAD);
    for (const at of fused) expect([src[at], src[at + 2]]).toEqual([0x20, 0x28]);
    // the two walks carry the mark (and are followed by local.tee; br_if), the value's and the last load do not
    const walks = fused.filter((at) => wasm[at + 3]! & 0x40);
    expect(walks.length).toBe(2);
    for (const at of walks) expect([src[at + 3]! & 0x40, src[at + 5], src[at + 7]]).toEqual([0, 0x22, 0x0d]);
    expect(fused.length - walks.length).toBe(2);
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm));
    const args: Array<[number, number]> = [
      [0, 3], [1000, 5], [1016, 6], [1020, 1000], [0, 0], [65533, 4], [0, 0xfffffff3], [1000, 1004], [0, 65534]];
    const { want, got } = runBoth(src, wasm, args);
    // the walk's load, the field's at and past the end
    expect(want.filter((w) => w.startsWith('trap')).length).toBe(3);
    expect(got).toEqual(want);
  });

  // the fused forms that touch memory or chain onto another fused form, each once; arguments
  // that put an access out of bounds trap in both engines
  const memSrc = `(module (memory 1) (data (i32.const 1000) "\\01\\80\\ff\\7f\\00\\90\\34\\12")
    (func (export "f") (param i32 i32) (result i32) (local i32 i64 i64)
      (local.set 2 (i32.mul (local.get 1) (i32.load16_s offset=1 (local.get 0))))
      (local.set 3 (i64.or (i64.extend_i32_u (local.get 0)) (i64.shl (i64.extend_i32_u (local.get 1)) (i64.const 32))))
      (local.set 2 (i32.wrap_i64 (i64.or (i64.shl (local.get 3) (i64.const 1)) (i64.shr_u (local.get 3)
        (i64.const 63)))))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.shr_u (i64.or (i64.extend_i32_u (local.get 2)) (i64.shl
        (local.get 3) (i64.const 5))) (i64.const 3)))))
      (local.set 4 (i64.sub (i64.const 0) (local.get 3)))
      (local.set 2 (i32.add (local.get 2) (i32.wrap_i64 (i64.shr_u (i64.or (i64.extend_i32_s (local.get 2)) (i64.shr_s
        (local.get 4) (i64.const 40))) (i64.const 7)))))
      (local.set 2 (i32.add (local.get 2) (local.tee 2 (i32.load8_u offset=5 (local.get 0)))))
      (local.set 2 (i32.add (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const -999))) (local.get 2)))
      (block (br_if 0 (i32.load8_u offset=100 (i32.add (local.get 0) (i32.const -100)))) (local.set 2 (i32.add
        (local.get 2) (i32.const 77))))
      (i32.store8 offset=3 (i32.add (local.get 0) (i32.const -900)) (i32.const -5))
      (local.set 2 (i32.xor (i32.load8_u (i32.sub (local.get 0) (i32.const 897))) (local.get 2)))
      (local.set 2 (i32.or (i32.and (local.get 2) (i32.const 7)) (i32.const 1000)))
      (local.set 2 (i32.xor (i32.load8_u (local.get 2)) (local.get 0)))
      (local.set 2 (i32.add (local.get 2) (i32.load offset=2 (i32.const 1000))))
      (local.set 2 (i32.add (local.get 2) (i32.load offset=1 (i32.add (i32.and (local.get 1) (i32.const 3))
        (i32.const 1000)))))
      (local.set 2 (i32.xor (i32.load16_s offset=3 (i32.add (local.get 0) (i32.const 997))) (local.get 2)))
      (local.set 2 (i32.add (local.get 2) (i32.load16_s (i32.add (local.get 0) (i32.const -1000)))))
      (local.set 2 (i32.xor (i32.add (local.get 2) (i32.const 1)) (i32.rotl (local.get 1) (i32.const 7))))
      (local.set 2 (i32.xor (i32.add (local.get 2) (i32.const 1)) (i32.rotl (local.get 2) (i32.const 31))))
      (i32.store8 offset=2 (local.get 0) (i32.const -3))
      (i32.store8 (local.get 1) (i32.const 60))
      (i32.store8 offset=1 (local.get 1) (i32.const -64))
      (local.set 2 (i32.xor (i32.load8_u offset=1 (i32.add (local.get 0) (local.get 0))) (local.get 2)))
      (local.set 2 (i32.add (local.get 2) (i32.mul (local.get 1) (i32.load16_s offset=3 (local.get 0)))))
      (i32.store offset=1 (local.get 1) (local.tee 2 (i32.xor (local.get 2) (i32.const 0x5a5a))))
      (i32.add (local.get 2) (i32.add (i32.load8_u offset=2 (local.get 0)) (i32.load16_u (local.get 1))))))`;

  it('fused loads, stores and rotate-xor compute what Node\'s engine computes, traps included', async () => {
    const src = wat(memSrc);
    const { wasm } = predecode(src);
    for (const op of [
        0xfd, 0xfe, 0xff, OP.LGET_SHL_LGET_SHR_U_OR, OP.LGET_I64C8_SHL_OR, OP.I32C16_LOAD, OP.LGET_I32C16_ADD_LOAD8_U,
        OP.LGET_I64C8_SHR_S_OR, OP.LGET_I32C16_ADD_I32C_STORE8, OP.LGET_LOAD8_U, OP.LOAD16_S_MUL, OP.LTEE_STORE]) {
      expect(usedOpcodes(wasm).ops.has(op), `opcode ${op.toString(16)}`).toBe(true);
    }
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm)); // and undone exactly
    const args: Array<[number, number]> = [
      [1000, 0], [1000, 2000], [1002, 7], [1004, 65534], [1001, -1], [65535, 3], [0xfffffff0, 5], [999, 100]];
    const { want, got } = runBoth(src, wasm, args);
    expect(got).toEqual(want);
    // both paths: results and traps (format 34: LTEE_STORE's word at 65,535)
    expect(want.filter((w) => w.startsWith("ok")).length).toBe(3);
  });

  // Format 35: `I32_CONST_16 c; i32.load8_u` in one dispatch (I32C16_LOAD8_U: a C global byte, 10.7% of Embench
  // statemate's dispatches), with a following `local.tee` taken too. Bytes with bit 7 set (a sign-extending handler
  // fails), offsets, a negative address, one whose add wraps past 2^32 and one that ends at 2^32 - 1 (all three trap),
  // and a two-byte offset (MEM_LEB: not fused). And `local.get a; local.get b; i32.add; i32.load8_u`
  // (LGET_LGET_ADD_LOAD8_U: p[i] of bytes, 8.4% of Embench xgboost's), which shares the handler's tail: base and index
  // from the arguments, so the sum wraps (as i32.add does), the offset's add passes 2^32, the address ends past the
  // memory or reads the last byte
  const globalByteSrc = `(module (memory 1) (data (i32.const 1000) "\\01\\80\\ff\\7f\\00\\90\\34\\12")
    (func (export "f") (param i32 i32) (result i32) (local i32 i32)
      (i32.store8 offset=3 (i32.const 1000) (local.get 1))
      (local.set 2 (i32.load8_u offset=1 (i32.const 1000)))
      (local.set 2 (i32.add (local.get 2) (i32.mul (local.tee 3 (i32.load8_u offset=3 (i32.const 1000)))
        (i32.const 3))))
      (local.set 2 (i32.xor (local.get 2) (i32.shl (i32.load8_u (i32.const 1002)) (i32.const 8))))
      (local.set 2 (i32.xor (local.get 2) (i32.shl (i32.load8_u offset=127 (i32.const 8000)) (i32.const 16))))
      (if (i32.eq (local.get 0) (i32.const 1)) (then (local.set 2 (i32.add (local.get 2) (i32.load8_u
        (i32.const -200))))))
      (if (i32.eq (local.get 0) (i32.const 2)) (then (local.set 2 (i32.add (local.get 2) (i32.load8_u offset=100
        (i32.const -100))))))
      (if (i32.eq (local.get 0) (i32.const 3)) (then (local.set 2 (i32.add (local.get 2) (i32.load8_u offset=99
        (i32.const -100))))))
      (if (i32.eq (local.get 0) (i32.const 4)) (then (local.set 2 (i32.add (local.get 2) (i32.load8_u offset=300
        (i32.const 1000))))))
      (if (i32.ge_u (local.get 0) (i32.const 16)) (then
        (local.set 2 (i32.add (local.get 2) (i32.load8_u offset=2 (i32.add (local.get 0) (local.get 1)))))
        (local.set 2 (i32.add (local.get 2) (i32.mul (local.tee 3 (i32.load8_u (i32.add (local.get 1) (local.get 0))))
          (i32.const 5))))))
      (i32.add (i32.add (local.get 2) (i32.shl (local.get 3) (i32.const 24))) (i32.load8_u offset=5
        (i32.const 1000)))))`;

  it('runs `I32_CONST_16; i32.load8_u` (a C global byte) and `local.get; local.get; i32.add; i32.load8_u` (p[i]) in ' +
      'one dispatch each (I32C16_LOAD8_U, LGET_LGET_ADD_LOAD8_U, format 35) as Node\'s engine does, traps included, ' +
      'and undoes them byte for byte', () => {
    const src = wat(globalByteSrc);
    const { wasm, module: m } = predecode(src);
    const fused = sitesOf(wasm, m, OP.I32C16_LOAD8_U);
    for (const at of fused) expect([src[at], src[at + 3]]).toEqual([0x41, 0x2d]);
    expect(fused.length).toBe(8);   // all but the two-byte offset's
    expect(fused.filter((at) => wasm[at + 6] === 0x22).length).toBe(1);   // the one a local.tee follows
    const indexed = sitesOf(wasm, m, OP.LGET_LGET_ADD_LOAD8_U);
    for (const at of indexed) expect(
      [src[at], src[at + 2], src[at + 4], src[at + 5]]).toEqual([0x20, 0x20, 0x6a, 0x2d]);
    expect(indexed.map((at) => wasm[at + 8] === 0x22)).toEqual([false, true]);
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm));
    const args: Array<[number, number]> = [[0, 0], [0, 0x1ff], [1, 5], [2, 6], [3, 0x80], [4, 0xfe], [5, 0x7f],
      [1000, 0x1ff], [1001, 0x80], [16, 65517], [16, 65518], [0xfffffff0, 1000], [0xfffffff0, 16], [1000, 0xfffffff0],
        [0xfffffff0, 15]];
    const { want, got } = runBoth(src, wasm, args);
    // -200; -100 + 100 (wraps to 0); -100 + 99 (2^32 - 1); p + i + 2 = 65,536; p + i = 2^32 - 1, + 2 past 2^32 (p + i
    // itself wraps as i32.add does: no trap)
    expect(want.filter((w) => w.startsWith('trap')).length).toBe(5);
    expect(got).toEqual(want);
  });

  it('moves the low word of i32 globals and both words of i64 ones, as Node\'s engine does', () => {
    const src = wat(`(module (global $a (mut i32) (i32.const -7)) (global $b (mut i64) (i64.const 0x123456789))
      (global $c (mut i32) (i32.const 5)) (global $d (mut i64) (i64.const -1))
      (func (export "f") (param i32 i64) (result i64)
        (global.set $a (i32.add (global.get $a) (local.get 0)))
        (global.set $b (i64.add (global.get $b) (local.get 1)))
        (global.set $c (i32.wrap_i64 (global.get $b)))
        (global.set $d (i64.extend_i32_s (global.get $a)))
        (i64.add (i64.add (global.get $b) (global.get $d)) (i64.extend_i32_u (i32.xor (global.get $a)
          (global.get $c))))))`);
    const { wasm } = predecode(src);
    expect(usedOpcodes(wasm).ops.has(0x23) && usedOpcodes(wasm).ops.has(OP.GLOBAL64) &&
      usedOpcodes(wasm).ops.has(OP.LGET64)).toBe(true);
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm)); // and undone exactly
    const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(src)), {});
    const f = instance.exports.f as (a: number, b: bigint) => bigint;
    const args: Array<[number, bigint]> = [[0, 0n], [3, -5n], [-1, 2n ** 40n], [0x7fffffff, -(2n ** 63n)]];
    const want = args.map(([a, b]) => `ok ${BigInt.asUintN(64, f(a, b)).toString(16)}`);
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'g.wasm'), wasm);
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'), {
      input: [
        `load ${join(dir, 'g.wasm')}`,
        ...args.map(([a, b]) => `invoke f 2 ${(a >>> 0).toString(16)} ${BigInt.asUintN(64, b).toString(16)}`)]
        .join('\n') + '\n', encoding: 'utf8',
    });
    expect(run.stdout.trim().split('\n')).toEqual(['ok', ...want]);
  });

  it('refuses to undo a module pre-decoded by an older format, whose opcodes meant other things', () => {
    const { wasm } = predecode(wat(memSrc));
    const { dv } = blobOf(wasm);
    dv.setUint32(4, 15, true);
    expect(() => predecode(wasm)).toThrow(
      /pre-decoded by an older version of this tool \(format 15\); pre-decode the original module/);
    dv.setUint32(4, 32, true);   // format 32: 0xf6 was `local.tee; i32.const; i32.shl; i32.xor`, now BLOCK_RUN
    expect(() => predecode(wasm)).toThrow(/older version of this tool \(format 32\)/);
    // format 33: 0xda was `I32_CONST_16; i32.add; i32.load` (now LGET_LOAD), 0x1e `i32.const; i32.lt_u` (now
    // LGET_I64_LTU_EXTU)
    dv.setUint32(4, 33, true);
    expect(() => predecode(wasm)).toThrow(/older version of this tool \(format 33\)/);
    // format 34: 0xed was `i32.const c; i32.lt_u` (now I32C16_LOAD8_U), 0xf2 `local.tee a; local.get b` (now
    // LGET_LGET_ADD_LOAD8_U)
    dv.setUint32(4, 34, true);
    expect(() => predecode(wasm)).toThrow(/older version of this tool \(format 34\)/);
    dv.setUint32(4, 36, true);   // format 36: 0xf8 and 0xf9 were GGET_LEB and GSET_LEB (now LGET64 and GLOBAL64)
    expect(() => predecode(wasm)).toThrow(/older version of this tool \(format 36\)/);
  });

  it('rejects invalid and malformed modules with the reason', () => {
    expect(() => predecode(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]))).toThrow(/unknown binary version/);
    const bad = wat('(module (func (result i32) (i64.const 1)))');
    try {
      predecode(bad);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WasmError);
      expect((e as WasmError).kind).toBe('invalid');
      expect((e as Error).message).toMatch(/type mismatch/);
    }
  });

  // Session 15: LTEE_C8_SHR_U_LGET_XOR (`x = v ^ v >> k` on a value kept in a local) takes up to three scatter terms
  // after it, `local.tee c; i32.const k; i32.shl; i32.xor` then `local.get c; ...` on the same c: the store's
  // table-less CRC-16 byte step (`crc ^ x << 12 ^ x << 5 ^ x` in the top half). Three, two, one and no terms; a fourth
  // term and one on another local left to LGET_C8_SHL_XOR; shift counts 0 and 31 (32 is not a term); and `local.set c;
  // local.get d; i32.const k; i32.shl` before the terms (the step's second half), d another local and d = c; on the
  // host and on Cortex-M
  const scatterSrc = `(module
    (func $step (param i32 i32) (result i32) (local i32 i32 i32 i32 i32 i32 i32 i32)
      local.get 0 local.set 2
      local.get 0 i32.const 8 i32.shl
      local.get 1 local.get 2 i32.const 24 i32.shr_u i32.xor
      local.tee 2 i32.const 4 i32.shr_u local.get 2 i32.xor
      local.tee 2 i32.const 28 i32.shl i32.xor
      local.get 2 i32.const 21 i32.shl i32.xor
      local.get 2 i32.const 16 i32.shl i32.xor
      local.get 2 i32.const 9 i32.shl i32.xor
      local.set 3
      local.get 3 local.get 0
      local.tee 4 i32.const 7 i32.shr_u local.get 1 i32.xor
      local.tee 5 i32.const 3 i32.shl i32.xor
      local.get 5 i32.const 31 i32.shl i32.xor
      local.get 4 i32.const 1 i32.shl i32.xor
      local.set 3
      local.get 3 local.get 1
      local.tee 4 i32.const 0 i32.shr_u local.get 0 i32.xor
      local.tee 6 i32.const 0 i32.shl i32.xor
      local.set 3
      local.get 3 local.get 0
      local.tee 4 i32.const 31 i32.shr_u local.get 4 i32.xor
      local.tee 7 i32.const 32 i32.shl i32.xor
      local.set 3
      local.get 1
      local.tee 4 i32.const 4 i32.shr_u local.get 4 i32.xor
      local.set 8 local.get 3 i32.const 8 i32.shl
      local.get 8 i32.const 28 i32.shl i32.xor
      local.get 8 i32.const 21 i32.shl i32.xor
      local.get 8 i32.const 16 i32.shl i32.xor
      local.set 3
      local.get 0
      local.tee 4 i32.const 5 i32.shr_u local.get 3 i32.xor
      local.set 9 local.get 9 i32.const 1 i32.shl
      local.get 9 i32.const 2 i32.shl i32.xor
      local.set 3
      local.get 3 local.get 2 i32.const 3 i32.mul i32.add local.get 4 i32.const 5 i32.mul i32.add
      local.get 5 i32.const 7 i32.mul i32.add local.get 6 i32.const 11 i32.mul i32.add local.get 7 i32.const 13 i32.mul
        i32.add
      local.get 8 i32.const 17 i32.mul i32.add local.get 9 i32.const 19 i32.mul i32.add)
    (func (export "f") (param i32 i32) (result i32) (call $step (local.get 0) (local.get 1)))
    (func (export "calls") (param $n i32) (result i32) (local $acc i32)
      (loop (local.set $acc (call $step (i32.xor (local.get $acc) (i32.mul (local.get $n) (i32.const 0x9e3779b9)))
        (local.get $n)))
        (br_if 0 (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
      (local.get $acc)))`;
  it('runs `local.tee; i32.const; i32.shr_u; local.get; i32.xor` with up to three shift-xor terms after it (and a ' +
      'shifted local before them) in one dispatch (LTEE_C8_SHR_U_LGET_XOR, session 15) as Node\'s engine does, on ' +
      'Cortex-M too, and undoes it byte for byte', () => {
    const src = wat(scatterSrc);
    const { wasm, module: m } = predecode(src);
    const fused = sitesOf(wasm, m, OP.LTEE_C8_SHR_U_LGET_XOR);
    // [its k, the terms] (4 + terms: `local.set c; local.get d; i32.const; i32.shl` first, the CRC step's second half)
    expect(fused.map((at) => [src[at + 3], wasm[at + 3]! >> 5])).toEqual(
      [[4, 3], [7, 2], [0, 1], [31, 0], [4, 4 + 3], [5, 4 + 1]]);
    // the fourth term, the other local's
    expect(sitesOf(wasm, m, OP.LGET_C8_SHL_XOR).map((at) => src[at + 3])).toEqual([9, 1]);
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm));
    expectEdgesAsNode(src, wasm);
  });

  // Session 16: the same step with the first xor's operands the other way round, `local.tee a; local.get a; i32.const
  // k; i32.shr_u; i32.xor` (wasm-opt's order in the store's CRC-16 since session 15's core work, two bytes a round):
  // both scatter kinds, no terms, shift counts 0 and 31, and `local.tee a; local.get b` with b another local (`v ^ b >>
  // k`, not `v >> k ^ b`: left alone); three terms then `local.tee t; i32.const k; i32.shr_u; i32.xor` (the CRC's
  // second byte's start) in the same dispatch, in both orders, t another local and t = c
  const swappedSrc = `(module
    (func $step (param i32 i32) (result i32) (local i32 i32 i32 i32 i32 i32 i32)
      local.get 1 i32.const 8 i32.shr_u
      local.get 0 i32.const 8 i32.shl
      local.get 1 local.get 0 i32.const 24 i32.shr_u i32.xor
      local.tee 2 local.get 2 i32.const 4 i32.shr_u i32.xor
      local.tee 2 i32.const 28 i32.shl i32.xor
      local.get 2 i32.const 21 i32.shl i32.xor
      local.get 2 i32.const 16 i32.shl i32.xor
      local.tee 3 i32.const 24 i32.shr_u i32.xor
      local.tee 4 local.get 4 i32.const 4 i32.shr_u i32.xor
      local.set 4 local.get 3 i32.const 8 i32.shl
      local.get 4 i32.const 28 i32.shl i32.xor
      local.get 4 i32.const 21 i32.shl i32.xor
      local.get 4 i32.const 16 i32.shl i32.xor
      local.set 0
      local.get 0 local.get 1 i32.sub
      local.tee 5 local.get 5 i32.const 31 i32.shr_u i32.xor
      local.set 6
      local.get 1
      local.tee 7 local.get 7 i32.const 0 i32.shr_u i32.xor
      local.get 0 i32.xor
      local.tee 5 local.get 1 i32.const 3 i32.shr_u i32.xor
      local.set 7
      local.get 1 local.get 0 local.get 0 local.get 1 i32.mul
      local.tee 5 i32.const 7 i32.shr_u local.get 5 i32.xor
      local.tee 6 i32.const 3 i32.shl i32.xor
      local.get 6 i32.const 9 i32.shl i32.xor
      local.get 6 i32.const 30 i32.shl i32.xor
      local.tee 6 i32.const 13 i32.shr_u i32.xor
      local.set 8
      local.get 0 local.get 2 i32.const 3 i32.mul i32.add local.get 3 i32.const 5 i32.mul i32.add
      local.get 4 i32.const 7 i32.mul i32.add local.get 5 i32.const 11 i32.mul i32.add local.get 6 i32.const 13 i32.mul
        i32.add
      local.get 7 i32.const 17 i32.mul i32.add local.get 8 i32.const 19 i32.mul i32.add)
    (func (export "f") (param i32 i32) (result i32) (call $step (local.get 0) (local.get 1)))
    (func (export "calls") (param $n i32) (result i32) (local $acc i32)
      (loop (local.set $acc (call $step (i32.xor (local.get $acc) (i32.mul (local.get $n) (i32.const 0x9e3779b9)))
        (local.get $n)))
        (br_if 0 (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
      (local.get $acc)))`;
  it('runs `local.tee a; local.get a; i32.const; i32.shr_u; i32.xor` (the xor\'s operands the other way round) with ' +
      'its scatter terms in one dispatch (LTEE_C8_SHR_U_LGET_XOR, session 16) as Node\'s engine does, on Cortex-M ' +
      'too, and undoes it byte for byte', () => {
    const src = wat(swappedSrc);
    const { wasm, module: m } = predecode(src);
    const fused = sitesOf(wasm, m, OP.LTEE_C8_SHR_U_LGET_XOR);
    // [its k, the terms (4 + terms: the second kind), the shift's byte: 0x01 marks the other order]
    expect(fused.map((at) => [wasm[at + 3]! & 31, wasm[at + 3]! >> 5, wasm[at + 4]])).toEqual(
      [[4, 3, 0x01], [4, 4 + 3, 0x01], [31, 0, 0x01], [0, 0, 0x01], [7, 3, 0x76]]);
    // the first term's shl byte 0x01: the tail `local.tee t; i32.const k; i32.shr_u; i32.xor` is the form's too
    expect(fused.map((at) => wasm[at + 12])).toEqual([0x01, 0x41, wasm[fused[2]! + 12], wasm[fused[3]! + 12], 0x01]);
    // written as the other order's bytes: the handler reads a at +1, k at +3 and b at +6
    for (const at of fused) expect([wasm[at + 2], wasm[at + 5], wasm[at + 6], wasm[at + 7]]).toEqual(
      [0x41, 0x20, wasm[at + 1], 0x73]);
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm));
    expect(new Set(expectEdgesAsNode(src, wasm)).size).toBeGreaterThan(40);
  });

  it('threads a branch that lands on `i32.const K; end; if` or `...; br_if` on to where K sends it (session 15: `a ' +
      '&& b`), forward only, and runs as Node\'s engine does', () => {
    const src = wat(`(module (func (export "f") (param i32 i32) (result i32) (local i32 i32)
      ;; a && b, AssemblyScript's shape: when a is false the if's jump lands on the else arm's i32.const 0
      (if (if (result i32) (i32.gt_s (local.get 0) (i32.const 3)) (then (i32.lt_s (local.get 1) (i32.const 10))) (else
        (i32.const 0)))
        (then (local.set 2 (i32.const 1))))
      ;; a || b: the const is 1 (the then arm), the if's own jump lands on the else arm's compare: nothing to thread
      (if (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1)) (else (i32.eq (local.get 1) (i32.const 5))))
        (then (local.set 2 (i32.add (local.get 2) (i32.const 2)))) (else (local.set 2 (i32.add (local.get 2)
          (i32.const 100)))))
      ;; K = 0 and K = 1 into a br_if out of a block that keeps one value and drops one (a long entry)
      (local.set 2 (i32.add (local.get 2) (block (result i32) (i32.const 7) (i32.const 1000)
        (br_if 0 (if (result i32) (i32.and (local.get 0) (i32.const 1)) (then (i32.and (local.get 1) (i32.const 1)))
          (else (i32.const 0))))
        (br_if 0 (if (result i32) (i32.and (local.get 0) (i32.const 2)) (then (i32.and (local.get 1) (i32.const 2)))
          (else (i32.const 1))))
        (drop) (drop) (i32.const 2000))))
      ;; (a && b) && c: two hops, over two ends
      (if (if (result i32) (if (result i32) (local.get 0) (then (local.get 1)) (else (i32.const 0))) (then (i32.ne
        (local.get 0) (local.get 1))) (else (i32.const 0)))
        (then (local.set 2 (i32.add (local.get 2) (i32.const 10000)))))
      ;; K = 1 into a br_if back to its loop: not threaded (a fuel build counts only backward branches taken
      ;; through do_branch)
      (loop (local.set 3 (i32.add (local.get 3) (i32.const 1)))
        (br_if 0 (if (result i32) (i32.ge_u (local.get 3) (i32.and (local.get 1) (i32.const 7))) (then (i32.const 0))
          (else (i32.const 1)))))
      (i32.add (local.get 2) (i32.mul (local.get 3) (i32.const 100000)))))`);
    const { wasm } = predecode(src);
    // every side entry's target in the pre-decoded blob (short and long entries), by the parsed module's origins
    const { dv } = blobOf(wasm);
    const ntypes = dv.getUint16(16, true), rec = HEADER + ntypes * 8, first = rec + dv.getUint16(rec + 2, true);
    const nside = dv.getUint32(28, true), longAt = first + nside * 2;
    const side = parseModule(src).bodies[0]!.side;
    expect(side.length).toBe(nside);
    const targets = side.map((e, k) => {
      const x = dv.getUint16(first + k * 2, true);
      return e.originPc + (x & 1 ? dv.getInt16(longAt + (x >> 1) * 6, true) : (x << 16) >> 23);
    });
    // a target on `i32.const; end...; if / br_if`: only K = 1 into the br_if that drops a value (an if's jump
    // moves none) and the loop's (its jump would go backward); the four others are threaded
    const constThenCond = (t: number) => {
      if (src[t] !== 0x41) return false;
      let q = t + 2;
      while (src[q] === 0x0b) q++;
      return src[q] === 0x04 || src[q] === 0x0d;
    };
    const unthreaded = targets.filter(constThenCond);
    expect(unthreaded.map((t) => src[t + 1])).toEqual([1, 1]);
    expect(side.filter((e) => constThenCond(e.targetPc)).length).toBe(6);
    const args: Array<[number, number]> = [];
    for (const a of [0, 1, 2, 3, 4, 5, 7, -1, 0x7fffffff, -0x80000000]) for (const b of [
      0, 1, 2, 3, 5, 7, 9, 10, 11, -1]) args.push([a, b]);
    const { want, got } = runBoth(src, wasm, args);
    expect(got).toEqual(want);
    expect(new Set(want).size).toBeGreaterThan(8); // the arguments take many paths
    // the code is untouched: pre-decoding again gives the same bytes
    expect(Buffer.from(predecode(wasm).wasm)).toEqual(Buffer.from(wasm));
  });

  it('CLI writes the output and explains a bad input without a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wqpd-'));
    writeFileSync(join(dir, 'in.wasm'), wat('(module (func (export "f")))'));
    const ok = spawnSync('node', ['--import', 'tsx', 'host-tools/wasm/predecode.ts', join(dir, 'in.wasm'),
      join(dir, 'out.wasm')], { cwd: REPO, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(readFileSync(join(dir, 'out.wasm')).includes(Buffer.from(SECTION_NAME))).toBe(true);
    writeFileSync(join(dir, 'bad.wasm'), Buffer.from('not wasm at all'));
    const bad = spawnSync('node', ['--import', 'tsx', 'host-tools/wasm/predecode.ts', join(dir, 'bad.wasm'),
      join(dir, 'o.wasm')], { cwd: REPO, encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/is not a valid module \(malformed\): magic header not detected/);
    expect(bad.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
