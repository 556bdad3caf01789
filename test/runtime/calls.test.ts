// The interpreter's call path (firmware/runtime/src/interp.c, opcode 0x10 and call_wasm): the
// function index's LEB read inline for one and two bytes and out of line for longer and padded
// forms, and calls through wide function records, run on the C runtime against Node's engine; and
// the Cortex-M call and return (their inline asm: frame push and pop, zeroed locals) on the bench
// build's interpreter under unicorn.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { predecode } from '../../host-tools/wasm/predecode.ts';
import { runCallsOnCortexM } from '../helpers/cortex-m.ts';
import { wat2wasm } from '../helpers/wat.ts';

const REPO = resolve(import.meta.dirname, '../..');

describe('call', () => {
  it('reads a function index of one to five LEB bytes, padded ones included, through wide records, as Node ' +
      'does', () => {
    // 16,400 functions: from index 16,384 up a call's index takes three LEB bytes. Function k
    // (k >= 1) returns 3k + 1.
    const n = 16400;
    const bodies = Array.from(
      { length: n - 1 }, (_, i) => `(func (result i32) (i32.const ${3 * (i + 1) + 1}))`).join('\n');
    // `call 6; nop` and `call 7; nop; nop` become, in the same bytes, call 6 with a padded two-byte
    // LEB (0x86 0x00) and call 7 with a padded three-byte one (0x87 0x80 0x00); `call 9` and
    // four nops a padded five-byte one (0x89 0x80 0x80 0x80 0x00)
    const src = `(module (func (export "f") (result i32)
      (call 5) (call 127) (i32.add) (call 128) (i32.add) (call 200) (i32.add) (call 16383) (i32.add)
      (call 16384) (i32.add) (call 16399) (i32.add)
      (call 6) (nop) (i32.add) (call 7) (nop) (nop) (i32.add) (call 9) (nop) (nop) (nop) (nop) (i32.add))
      ${bodies})`;
    const plain = wat2wasm(src);
    const patch = (from: number[], to: number[]) => {
      const at = plain.findIndex((_, i) => from.every((v, j) => plain[i + j] === v));
      expect(at, `bytes ${from.join(' ')}`).toBeGreaterThan(0);
      plain.set(to, at);
    };
    patch([0x10, 6, 0x01], [0x10, 0x86, 0x00]);
    patch([0x10, 7, 0x01, 0x01], [0x10, 0x87, 0x80, 0x00]);
    patch([0x10, 9, 0x01, 0x01, 0x01, 0x01], [0x10, 0x89, 0x80, 0x80, 0x80, 0x00]);
    const want = (new WebAssembly.Instance(new WebAssembly.Module(plain), {}).exports.f as () => number)();
    expect(want).toBe([5, 127, 128, 200, 16383, 16384, 16399, 6, 7, 9].reduce((a, k) => a + 3 * k + 1, 0));
    const pd = predecode(plain).wasm;
    // every function's code is 64 KiB or more before its record: all wide records (format 28),
    // the path a module over 64 KiB takes
    const blob = Buffer.from(pd).lastIndexOf(Buffer.from('WQPD'));
    expect(new DataView(pd.buffer, pd.byteOffset + blob).getUint16(18, true)).toBe(n);
    const dir = mkdtempSync(join(tmpdir(), 'wqcall-'));
    writeFileSync(join(dir, 'pd.wasm'), pd);
    const run = spawnSync(join(REPO, 'build/runtime/spec_driver'),
      { input: `load ${join(dir, 'pd.wasm')}\ninvoke f 0\n`, encoding: 'utf8' });
    expect(run.stdout.trim().split('\n')).toEqual(['ok', `ok ${want.toString(16)}`]);
  });

  it('zeroes 0 to 12 locals over slots a previous call left dirty, and returns 0, 1 and 2 results, on Cortex-M (the ' +
      'call path in asm)', () => {
    // $dirty leaves 14 nonzero locals in the slots each $lK's locals then take (one operand slot
    // higher: the caller has `acc` on its stack); $lK returns the OR of its K locals, 0 when the
    // call zeroed them. A stale slot shows in the checksum, which Node's engine computes too.
    const K = 12;
    const ls = Array.from({ length: K + 1 }, (_, k) => `(func $l${k}
      (result i64) ${k ? `(local ${'i64 '.repeat(k)})` : ''}
      (i64.const 0) ${Array.from({ length: k }, (_, j) => `(local.get ${j}) (i64.or)`).join(' ')})`).join('\n');
    const uses = Array.from({ length: K + 1 }, (_, k) => `(drop (call $dirty (i64.extend_i32_u (i32.add (local.get $n)
      (i32.const 0x55)))))
        (local.set $acc (i64.add (local.get $acc) (i64.add (call $l${k}) (i64.const ${k + 1}))))`).join('\n');
    const src = `(module (global $g (mut i32) (i32.const 0))
      (func $dirty (param i64) (result i64) (local ${'i64 '.repeat(14)})
        ${Array.from({ length: 14 }, (_, j) => `(local.set ${j + 1} (i64.add (local.get 0) (i64.const ${j})))`)
    .join(' ')}
        (i64.add (local.get 1) (local.get 14)))
      ${ls}
      (func $none (param i32) (global.set $g (i32.add (global.get $g) (local.get 0))))
      (func $two (param i32) (result i32 i32) (local.get 0) (i32.const 7))
      (func (export "calls") (param $n i32) (result i32) (local $acc i64)
        (loop $l
          ${uses}
          (call $none (local.get $n))
          (call $two (local.get $n)) (i32.mul) (i64.extend_i32_u) (local.get $acc) (i64.add) (local.set $acc)
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br_if $l (local.get $n)))
        (i32.wrap_i64 (i64.add (local.get $acc) (i64.extend_i32_u (global.get $g))))))`;
    const plain = wat2wasm(src);
    const n = 3;
    const want = (
      new WebAssembly.Instance(new WebAssembly.Module(plain), {}).exports.calls as (n: number) => number)(n);
    // each $lK adds K + 1 (its locals zero), $two n * 7, $none n to the global
    expect(want).toBe(n * (((K + 1) * (K + 2)) / 2) + 7 * (n * (n + 1)) / 2 + (n * (n + 1)) / 2);
    expect(runCallsOnCortexM(predecode(plain).wasm, n)).toBe(want);
  });

  it('reads one- and two-byte function indices in the Cortex-M call asm and three-byte ones out of line, as Node ' +
      'does', () => {
    // 16,400 functions, function k returning 3k + 1: indices 127 and 128 on both sides of the
    // second LEB byte, 16,383 the largest two-byte one, 16,384 the first of three bytes
    const n = 16400;
    const bodies = Array.from(
      { length: n - 1 }, (_, i) => `(func (result i32) (i32.const ${3 * (i + 1) + 1}))`).join('\n');
    const src = `(module (func (export "calls") (param i32) (result i32)
      (call 1) (call 127) (i32.add) (call 128) (i32.add) (call 200) (i32.add) (call 16383) (i32.add) (call 16384)
        (i32.add)
      (local.get 0) (i32.add))
      ${bodies})`;
    const plain = wat2wasm(src);
    const want = (
      new WebAssembly.Instance(new WebAssembly.Module(plain), {}).exports.calls as (n: number) => number)(5);
    expect(want).toBe([1, 127, 128, 200, 16383, 16384].reduce((a, k) => a + 3 * k + 1, 5));
    expect(runCallsOnCortexM(predecode(plain).wasm, 5)).toBe(want);
  });

  it('traps a call without room at the depth the frame records allow, to the slot, with wasm3\'s stack overflow, on ' +
      'Cortex-M (the asm\'s one compare and the wide path)', () => {
    // call_main.c's runtime: 1,024 B of value stack and 64 frames of 16 B share one 2,048 B area,
    // slots growing up from its start, frames down from its end. "calls" (its argument and L
    // locals in slots 0..L) calls $rec with the argument in slot L + 1; $rec counts its entries and
    // calls itself with its argument on top of its own K locals, so call j (j >= 1) finds sp at
    // 16 + 8L + (j - 1) * 8 * (1 + K) and the frame pointer at 2048 - 16 * j. $rec's frame: K
    // locals, 2 operand slots and the 16 B frame; K = 130 takes a wide record (the frame byte would
    // be 134). "calls"(n) recurses to depth n, which must return, then sets the count to 1,000 and
    // recurses to n + 1, which must trap (code 1) at its last call. L is chosen so that the last
    // call that fits has no slot to spare, or the first that does not misses by one slot: a check
    // off by one slot either way fails.
    const room = (k: number, l: number, j: number) => 2048 - 16 * j - (
      16 + 8 * l + (j - 1) * 8 * (1 + k)) - (8 * (k + 2) + 16);
    for (const k of [0, 3, 12, 130]) {
      const runs: Array<[number, number]> = [];   // [L, deepest]
      for (const edge of [0, -8]) {
        for (let l = 0; l <= k + 2; l++) {
          let d = 0;
          while (room(k, l, d + 1) >= 0) d++;
          if (d > 0 && (edge === 0 ? room(k, l, d) === 0 : room(k, l, d + 1) === -8)) { runs.push([l, d]); break; }
        }
      }
      // the wide one: only the no-spare edge fits the area
      expect(runs.length, `K = ${k}: layouts found`).toBe(k === 130 ? 1 : 2);
      for (const [l, deepest] of runs) {
        const src = `(module (global $d (mut i32) (i32.const 0))
          (func $rec (param i32) (result i32) ${k ? `(local ${'i64 '.repeat(k)})` : ''}
            (global.set $d (i32.add (global.get $d) (i32.const 1)))
            (if (result i32) (local.get 0) (then (call $rec (i32.sub (local.get 0) (i32.const 1)))) (else
              (i32.const 0))))
          (func (export "calls") (param i32) (result i32) ${l ? `(local ${'i64 '.repeat(l)})` : ''}
            (drop (call $rec (i32.sub (local.get 0) (i32.const 1))))
            (global.set $d (i32.const 1000))
            (call $rec (local.get 0)))
          (func (export "depth") (result i32) (global.get $d)))`;
        const pd = predecode(wat2wasm(src)).wasm;
        const blob = Buffer.from(pd).lastIndexOf(Buffer.from('WQPD'));
        expect(new DataView(pd.buffer, pd.byteOffset + blob).getUint16(18, true), `K = ${k}: wide records`).toBe(
          (k >= 124 ? 1 : 0) + (l >= 124 ? 1 : 0));
        expect(runCallsOnCortexM(pd, deepest), `K = ${k}, L = ${l}: depth ${deepest} returns, ${deepest + 1} traps`)
          .toBe(-((1 << 24) | (1000 + deepest)));
      }
    }
  }, 120_000);

  it('calls host functions (imports) with 0 to 3 arguments and 0 or 1 results, directly and through call_indirect, ' +
      'their userdata and memory, on Cortex-M, as Node does', () => {
    // call_main.c links env.* (the same functions in JavaScript below): the import path in wq_invoke
    // (call_host, inlined since session 17, with the context's constant fields set once a run)
    const src = `(module
      (import "env" "mix" (func $mix (param i32 i32 i32) (result i32)))
      (import "env" "tick" (func $tick))
      (import "env" "count" (func $count (result i32)))
      (import "env" "wide" (func $wide (param i64 i32) (result i64)))
      (import "env" "poke" (func $poke (param i32 i32)))
      (type $t3 (func (param i32 i32 i32) (result i32)))
      (type $t0 (func (result i32)))
      (memory (export "memory") 1)
      (table 2 funcref) (elem (i32.const 0) $mix $count)
      (func (export "calls") (param $n i32) (result i32)
        (local $i i32) (local $s i32) (local $w i64)
        (loop $l
          ;; the product stays below the call's arguments on the operand stack
          (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 7)) (call $mix (local.get $i) (local.get $n)
            (local.get $s))))
          ;; s lies below the call of an import without results: its stack top must not move
          (local.set $s (i32.add (local.get $s) (block (result i32) (call $tick) (i32.const 3))))
          (call $poke (i32.and (local.get $i) (i32.const 63)) (local.get $s))
          (local.set $w (call $wide (i64.extend_i32_u (local.get $s)) (local.get $i)))
          (local.set $s (i32.xor (local.get $s) (i32.wrap_i64 (i64.shr_u (local.get $w) (i64.const 3)))))
          (local.set $s (i32.add (local.get $s) (call_indirect (type $t3) (local.get $s) (i32.const 5) (local.get $i)
            (i32.const 0))))
          (local.set $s (i32.add (local.get $s) (call_indirect (type $t0) (i32.const 1))))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
        (i32.add (i32.add (local.get $s) (call $count)) (i32.load (i32.const 8)))))`;
    const plain = wat2wasm(src);
    const pd = predecode(plain).wasm;
    for (const n of [1, 5, 40]) {
      let ticks = 0;
      let mem: WebAssembly.Memory | undefined;
      const env = {
        mix: (a: number, b: number, c: number) => (Math.imul(a, 3) + ((b ^ c) >>> 0) + 1000) | 0,
        tick: () => { ticks++; },
        count: () => ticks,
        wide: (a: bigint, b: number) => BigInt.asIntN(64, a ^ (BigInt(b >>> 0) << 7n)),
        poke: (p: number, v: number) => { new Uint8Array(mem!.buffer)[p] = v & 255; },
      };
      const inst = new WebAssembly.Instance(new WebAssembly.Module(plain), { env });
      mem = inst.exports.memory as WebAssembly.Memory;
      expect(runCallsOnCortexM(pd, n), `calls(${n})`).toBe((inst.exports.calls as (n: number) => number)(n) | 0);
    }
  });

  it('traps an indirect call of the wrong type and an undefined element on Cortex-M, and makes the right one', () => {
    const src = `(module (type $i (func (param i32) (result i32))) (type $l (func (result i64)))
      (table 2 funcref) (elem (i32.const 0) $f $g)
      (func $f (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func $g (result i64) (i64.const 5))
      (func (export "calls") (param i32) (result i32) (call_indirect (type $i) (i32.const 41) (local.get 0))))`;
    const pd = predecode(wat2wasm(src)).wasm;
    expect(runCallsOnCortexM(pd, 0)).toBe(42);
    expect(runCallsOnCortexM(pd, 1)).toBe(-(2 << 24)); // [trap] indirect call type mismatch
    expect(runCallsOnCortexM(pd, 2)).toBe(-(3 << 24)); // another trap: [trap] undefined element
  });
});
