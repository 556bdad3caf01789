// Format 37 (session 17): the plain local.get copies the low word of the slot (an i32's or f32's
// whole value: one instruction fewer on Cortex-M), a 64-bit local's local.get is WQ_OP_LGET64, a
// 64-bit global's one-byte global.get / global.set WQ_OP_GLOBAL64, and a global index of two LEB
// bytes takes WQ_OP_LOCAL_LEB's global codes. Format 38 (session 17): local.tee and LSET_LGET
// likewise (WQ_OP_LTEE64, WQ_OP_LSET_LGET64 when either local is 64-bit), `select` with a type and
// `ref.null` in WQ_OP_LOCAL_LEB's codes. Format 39 (session 18): local.set likewise (WQ_OP_LSET64), memory.size
// and memory.grow behind the 0xfc prefix ([0xfc, 18] and [0xfc, 19]). On Cortex-M (the bench's interpreter object under
// unicorn) against Node's engine.
import { describe, expect, it } from 'vitest';
import { OP, predecode } from '../../host-tools/wasm/predecode.ts';
import { runCallsOnCortexM } from '../helpers/cortex-m.ts';
import { wat2wasm } from '../helpers/wat.ts';

/** The end of the two 64-bit-locals programs below: $f folds its locals into its result, and "calls" sets
 * $r to $f of two values made from n (what "calls" then returns is each program's own). */
const FOLD_AND_CALL_F = `local.get $y
        local.get $x
        i64.add
        local.get $i
        local.get $j
        i32.xor
        local.get $k
        i32.add
        i64.extend_i32_u
        i64.xor)
      (func (export "calls") (param $n i32) (result i32)
        (local $r i64)
        (local.set $r (call $f (i64.extend_i32_s (i32.mul (local.get $n) (i32.const 0x9e3779b9))) (i32.add
          (local.get $n) (i32.const 3))))`;

describe('locals and globals of 32 and 64 bits (formats 37 and 38)', () => {
  it('moves a 64-bit local\'s and global\'s both words and an i32\'s low word, by one- and two-byte indices, on ' +
      'Cortex-M, as Node does', () => {
    // 140 globals: $g130 (i32) and $w131 (i64) have two-byte indices; $w (i64) the one-byte 100.
    // Every 64-bit value has a high word unlike its low word, so a copy of the low word only (or
    // of the wrong slot) changes the result; i32 locals are stored over i64 values in the same
    // slots' neighbours and read back through i64.extend_i32_u, so a stale high word would show.
    const fill = (from: number, n: number) => Array.from(
      { length: n }, (_, i) => `(global (mut i32) (i32.const ${(from + i) * 7}))`).join(' ');
    const src = `(module
      ${fill(0, 100)}
      (global $w (mut i64) (i64.const 0x1234567890abcdef))
      ${fill(101, 29)}
      (global $g130 (mut i32) (i32.const 11))
      (global $w131 (mut i64) (i64.const -0x2222222233333334))
      ${Array.from({ length: 8 }, (_, i) => `(global (mut i32) (i32.const ${i}))`).join(' ')}
      (func $mix (param $a i64) (param $n i32) (result i64)
        (local $x i64) (local $k i32) (local $y i64)
        (local.set $x (i64.rotl (local.get $a) (i64.const 13)))
        (local.set $k (i32.wrap_i64 (i64.shr_u (local.get $x) (i64.const 7))))
        (loop $l
          ;; the loop head reloads a 64-bit local (a branch target: LGET64, not the i32 copy)
          (local.set $y (i64.add (local.get $y) (i64.xor (local.get $x) (i64.extend_i32_u (local.get $k)))))
          (local.set $x (i64.mul (local.get $x) (i64.const 0x100000001b3)))
          (global.set $w (i64.xor (global.get $w) (local.get $y)))
          (global.set $w131 (i64.add (global.get $w131) (global.get $w)))
          (global.set $g130 (i32.add (global.get $g130) (local.get $k)))
          (local.set $k (i32.add (local.get $k) (i32.const 0x10001)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (if (result i64) (i32.and (local.get $k) (i32.const 1))
          (then (local.get $y))
          (else (i64.sub (local.get $x) (local.get $y)))))
      (func (export "calls") (param $n i32) (result i32)
        (local $r i64)
        ;; patched below to a 4-byte and a 3-byte index LEB (LOCAL_LEB's long global codes; wat2wasm does not pad)
        global.get $w nop nop nop
        i64.const 0x100000003
        i64.add
        global.set $w nop nop nop
        (local.set $r (call $mix (i64.extend_i32_s (i32.mul (local.get $n) (i32.const 0x9e3779b9))) (i32.add
          (local.get $n) (i32.const 3))))
        (local.set $r (i64.xor (local.get $r) (i64.rotl (global.get $w131) (i64.const 29))))
        (local.set $r (i64.add (local.get $r) (i64.mul (global.get $w) (i64.extend_i32_u (global.get $g130)))))
        (i32.xor (i32.wrap_i64 (local.get $r)) (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32))))))`;
    const plain = wat2wasm(src);
    const patch = (from: number[], to: number[]) => {
      const at = [...plain.keys()].find((i) => from.every((b, j) => plain[i + j] === b));
      expect(at, `bytes ${from}`).toBeDefined();
      plain.set(to, at!);
    };
    patch([0x23, 100, 1, 1, 1], [0x23, 100 | 0x80, 0x80, 0x80, 0]);
    patch([0x24, 100, 1, 1, 1], [0x24, 100 | 0x80, 0x80, 0, 1]);
    const pd = predecode(plain).wasm;
    const codes = [...pd.keys()].filter((i) => pd[i] === OP.LOCAL_LEB).map((i) => [plain[i], pd[i + 1]! & 0xf8]);
    expect(codes).toContainEqual([0x23, 0xd0]); // global.get with a two-byte index
    expect(codes).toContainEqual([0x24, 0xd0]); // global.set (0xd1)
    expect(codes).toContainEqual([0x23, 0xc0]); // global.get with a 4-byte index (0xc7: the locals' long form, kind 3)
    expect(codes).toContainEqual([0x24, 0xc0]); // global.set with a 3-byte one (0xc3)
    expect(pd.filter((b, i) => b === OP.GLOBAL64 && plain[i] === 0x23).length).toBeGreaterThan(0);
    expect(pd.filter((b, i) => b === OP.GLOBAL64 && plain[i] === 0x24).length).toBeGreaterThan(0);
    expect(pd.filter((b, i) => b === OP.LGET64 && plain[i] === 0x20).length).toBeGreaterThan(0);
    // i32 locals keep the plain opcode
    expect(pd.filter((b, i) => b === 0x20 && plain[i] === 0x20).length).toBeGreaterThan(0);
    expect(Buffer.from(predecode(pd).wasm)).toEqual(Buffer.from(pd)); // undone exactly
    for (const n of [0, 1, 5, 77]) {
      const calls = new WebAssembly.Instance(new WebAssembly.Module(plain), {}).exports.calls as (n: number) => number;
      expect(runCallsOnCortexM(pd, n), `n = ${n}`).toBe(calls(n) | 0);
    }
  });

  it('tees and sets-then-gets an i32 local\'s low word and a 64-bit local\'s both words, and runs a typed select, on ' +
      'Cortex-M, as Node does (format 38)', () => {
    // Every i64 has a high word unlike its low word, so a one-word copy into or out of a 64-bit
    // local changes the result; i32 locals sit between i64 ones, so a two-word store that spilled
    // into a neighbour (or a wrong slot) shows too.
    const src = `(module
      (func $id64 (param i64) (result i64) (local.get 0))
      (func $id32 (param i32) (result i32) (local.get 0))
      (func $f (param $a i64) (param $n i32) (result i64)
        (local $i i32) (local $x i64) (local $j i32) (local $y i64) (local $k i32)
        local.get $a
        i64.const 0x0123456789abcdef
        i64.xor
        call $id64
        local.tee $x          ;; LTEE64
        i64.const 0x5555aaaa00001111
        i64.add
        call $id64
        local.set $y          ;; LSET_LGET64: both 64-bit
        local.get $y
        local.get $n
        call $id32
        local.set $i          ;; LSET_LGET64: an i32 set, an i64 get
        local.get $x
        i64.xor
        local.set $x          ;; LSET_LGET64: an i64 set, an i32 get
        local.get $i
        local.set $k          ;; LSET_LGET: both i32
        local.get $i
        local.get $k
        i32.add
        call $id32
        local.tee $j          ;; the plain local.tee: an i32
        local.set $k
        (loop $l
          (block $b (result i64)
            local.get $y
            local.get $j
            i32.const 1
            i32.and
            br_if $b          ;; lands on the block's end: the tee after it is a branch target
            i64.const 0x0f0f0f0f00000001
            i64.add
            call $id64)
          local.tee $y        ;; LTEE64 at a branch target
          local.get $x
          local.get $k
          i32.const 3
          i32.shr_u
          i64.extend_i32_u
          i64.add
          i64.const 0x100000001b3
          i64.mul
          i64.const 0x70000000aaaaaaaa
          local.get $i
          i32.const 1
          i32.and
          select (result i64) ;; [LOCAL_LEB, 0xcc, 0x7e]
          call $id64
          local.set $x
          local.get $x
          i64.xor
          call $id64
          local.set $y
          local.get $j
          local.get $k
          i32.const 13
          i32.rotl
          i32.xor
          call $id32
          local.set $i
          local.get $i
          local.get $k
          local.get $j
          select (result i32) ;; [LOCAL_LEB, 0xcc, 0x7f]
          call $id32
          local.tee $k
          i32.const 0x10001
          i32.add
          local.set $j
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        ${FOLD_AND_CALL_F}
        (i32.xor (i32.wrap_i64 (local.get $r)) (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32)))))
      (func (export "refs") (result i32)
        (i32.add (ref.is_null (ref.null func)) (ref.is_null (ref.null extern)))))`;
    const plain = wat2wasm(src);
    const pd = predecode(plain).wasm;
    const count = (op: number, was: number) => pd.filter((b, i) => b === op && plain[i] === was).length;
    expect(count(OP.LTEE64, 0x22), 'LTEE64').toBe(2);
    expect(count(0x22, 0x22), 'one-word local.tee').toBeGreaterThanOrEqual(2);
    expect(count(OP.LSET_LGET64, 0x21), 'LSET_LGET64').toBeGreaterThanOrEqual(3);
    expect(count(OP.LSET_LGET, 0x21), 'one-word LSET_LGET').toBeGreaterThanOrEqual(1);
    const escapes = [...pd.keys()].filter((i) => pd[i] === OP.LOCAL_LEB).map((i) => [plain[i], pd[i + 1], pd[i + 2]]);
    expect(escapes).toEqual(expect.arrayContaining(
      [[0x1c, 0xcc, 0x7e], [0x1c, 0xcc, 0x7f], [0xd0, 0xcd, expect.anything()], [0xd0, 0xce, expect.anything()]]));
    expect(Buffer.from(predecode(pd).wasm)).toEqual(Buffer.from(pd)); // undone exactly, then the same again
    for (const n of [1, 2, 9, 40]) {
      const calls = new WebAssembly.Instance(new WebAssembly.Module(plain), {}).exports.calls as (n: number) => number;
      expect(runCallsOnCortexM(pd, n), `n = ${n}`).toBe(calls(n) | 0);
    }
  });

  it('sets an i32 local\'s low word and a 64-bit local\'s both words, and runs memory.size and memory.grow behind ' +
      '0xfc, on Cortex-M, as Node does (format 39)', () => {
    // As above: every i64's high word differs from its low word, and i32 locals sit between i64
    // ones. No local.set here is followed by a local.get (that pair is LSET_LGET's).
    const src = `(module (memory 1 1)
      (func $id64 (param i64) (result i64) (local.get 0))
      (func $id32 (param i32) (result i32) (local.get 0))
      (func $f (param $a i64) (param $n i32) (result i64)
        (local $i i32) (local $x i64) (local $j i32) (local $y i64) (local $k i32)
        local.get $a
        i64.const 0x0123456789abcdef
        i64.xor
        call $id64
        local.set $x          ;; LSET64
        i64.const 0x5555aaaa00001111
        call $id64
        local.set $y          ;; LSET64
        i32.const 0x7f00ff01
        call $id32
        local.set $k          ;; the plain local.set: an i32
        local.get $n
        i32.const 0x55
        i32.xor
        local.set $i          ;; an i32, before a loop
        (loop $l
          (block $b (result i64)
            local.get $x
            local.get $i
            i32.const 1
            i32.and
            br_if $b          ;; lands on the block's end: the set after it is a branch target
            i64.const 0x0f0f0f0f00000001
            i64.add
            call $id64)
          local.set $y        ;; LSET64 at a branch target
          i64.const 0x100000001b3
          local.get $y
          i64.mul
          local.get $k
          i64.extend_i32_u
          i64.add
          call $id64
          local.set $x        ;; LSET64
          i32.const 13
          local.get $i
          i32.rotl
          local.get $k
          i32.add
          local.set $j        ;; an i32 between two i64s
          block
            local.get $j
            i32.const 0x10001
            i32.xor
            local.set $k
          end
          local.get $i
          local.get $j
          i32.add
          local.set $i
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        ${FOLD_AND_CALL_F}
        ;; memory.size (1), memory.grow by 0 (1) and by 1 (-1: the maximum is 1), weighted apart
        (i32.add (i32.xor (i32.wrap_i64 (local.get $r)) (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32))))
                 (i32.add (i32.mul (memory.size) (i32.const 3))
                          (i32.add (i32.mul (memory.grow (i32.const 0)) (i32.const 5)) (i32.mul (memory.grow
                            (i32.const 1)) (i32.const 7)))))))`;
    const plain = wat2wasm(src);
    const pd = predecode(plain).wasm;
    const count = (op: number, was: number) => pd.filter((b, i) => b === op && plain[i] === was).length;
    expect(count(OP.LSET64, 0x21), 'LSET64').toBe(4);
    expect(count(0x21, 0x21), 'one-word local.set').toBeGreaterThanOrEqual(4);
    const escapes = [...pd.keys()].filter((i) => pd[i] === 0xfc).map((i) => [plain[i], plain[i + 1], pd[i + 1]]);
    expect(escapes).toEqual([[0x3f, 0, 18], [0x40, 0, 19], [0x40, 0, 19]]);
    expect(Buffer.from(predecode(pd).wasm)).toEqual(Buffer.from(pd)); // undone exactly, then the same again
    for (const n of [1, 2, 9, 40]) {
      const calls = new WebAssembly.Instance(new WebAssembly.Module(plain), {}).exports.calls as (n: number) => number;
      expect(runCallsOnCortexM(pd, n), `n = ${n}`).toBe(calls(n) | 0);
    }
  });
});
