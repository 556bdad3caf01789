// Taken branches whose side entry is long (a jump of more than 255 bytes or 31 entries, or values
// dropped): a comparison's br_if (do_br) and a counted loop's back edge (loop_branch) go straight
// to do_branch_long, and a taken branch to a local.get (run without a dispatch in session 16, dispatched again since
// session 17: the peek cost more than the dispatch), on Cortex-M (the bench's interpreter object under unicorn) against
// Node's engine.
import { describe, expect, it } from 'vitest';
import { predecode } from '../../host-tools/wasm/predecode.ts';
import { runCallsOnCortexM } from '../helpers/cortex-m.ts';
import { wat2wasm } from '../helpers/wat.ts';

describe('long side entries', () => {
  it('a comparison\'s br_if and a counted loop\'s back edge over 300 bytes, a short loop whose head is a local.get, ' +
      'and a br_if that drops a value, as Node does', () => {
    // 45 adds of distinct constants: ~300 bytes inside each loop, so both back edges take long entries
    const pad = Array.from({ length: 45 },
      (_, k) => `(local.set $s (i32.add (i32.mul (local.get $s) (i32.const 3)) (i32.const ${k * 7 + 1})))`).join('\n');
    const src = `(module
      (func (export "calls") (param $n i32) (result i32)
        (local $i i32) (local $j i32) (local $s i32)
        (loop $a
          ${pad}
          (br_if $a (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
        (local.set $j (local.get $n))
        (loop $b
          ${pad}
          (br_if $b (local.tee $j (i32.add (local.get $j) (i32.const -1)))))
        ;; a short loop whose head is a local.get (session 16 ran it in the branch; dispatched since session 17)
        (local.set $j (i32.const 0))
        (loop $c
          (local.set $s (i32.xor (i32.mul (local.get $s) (i32.const 5)) (local.get $j)))
          (br_if $c (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const 9))))
        ;; keeps 9 + s and drops 5 when taken: a long entry through the comparison's own br_if
        (i32.add (local.get $s)
          (block $k (result i32)
            (i32.const 5)
            (i32.add (i32.const 9) (local.get $s))
            (br_if $k (i32.lt_u (i32.and (local.get $s) (i32.const 3)) (i32.const 2)))
            (drop) (drop) (i32.const 1000)))))`;
    const plain = wat2wasm(src);
    const pd = predecode(plain).wasm;
    const calls = new WebAssembly.Instance(new WebAssembly.Module(plain), {}).exports.calls as (n: number) => number;
    expect(pd).toContain(0xf3); // LOOP_STEP_BR_IF: loop $b's back edge
    for (const n of [1, 7]) expect(runCallsOnCortexM(pd, n), `n = ${n}`).toBe(calls(n) | 0);
  });
});

describe('i32.eqz before br_if / if', () => {
  it('tests the value itself for a following br_if or if (taken or not, an if whose arm starts with local.get or ' +
      'not) and pushes 0/1 otherwise, as Node does', () => {
    const src = `(module
      (func (export "calls") (param $n i32) (result i32)
        (local $i i32) (local $s i32) (local $m i32) ${'(local i32) '.repeat(28)}(local $z i32)
        ;; local 32 (0x20, the local.get opcode's byte) holds a value of its own: a peek one byte off reads it
        (local.set $z (i32.const 77777))
        (local.set $i (local.get $n))
        (block $out
          (loop $top
            (local.set $m (i32.and (local.get $i) (i32.const 3)))
            ;; eqz; if: the arm starts with local.get
            (if (i32.eqz (local.get $m)) (then (local.set $s (i32.sub (i32.mul (local.get $s) (local.get $n))
              (i32.const 1000)))))
            ;; eqz; if: the arm starts with something else
            (if (i32.eqz (i32.and (local.get $i) (i32.const 4))) (then (local.set $s (i32.xor (i32.const 0x55)
              (local.get $s)))))
            ;; eqz as a value
            (local.set $s (i32.add (local.get $s) (i32.mul (i32.eqz (local.get $m)) (i32.const 7))))
            (local.set $i (i32.sub (local.get $i) (i32.const 1)))
            ;; eqz; br_if: out when i reaches 0
            (br_if $out (i32.eqz (local.get $i)))
            (local.set $s (i32.add (local.get $s) (local.get $i)))
            (br $top)))
        (local.get $s)))`;
    const plain = wat2wasm(src);
    const pd = predecode(plain).wasm;
    const calls = new WebAssembly.Instance(new WebAssembly.Module(plain), {}).exports.calls as (n: number) => number;
    for (const n of [4, 9]) expect(runCallsOnCortexM(pd, n), `n = ${n}`).toBe(calls(n) | 0);
  });
});
