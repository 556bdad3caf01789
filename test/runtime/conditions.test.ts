// An i32 comparison's result (interp.c, session 17): the comparisons and their fused forms hand
// it to two tails, one per outcome (cond_true / cond_false), which go on to a following `if` (its
// arm starting with local.get or not) or `br_if`, or push 1 / 0; `i32.or`, which went there too
// before, is a plain binary op again (its value is the result; `if` and `br_if` test it). Each form
// in each of those four places, over pairs of edge values, on Cortex-M (the bench's interpreter
// object under unicorn) against Node's engine.
import { describe, expect, it } from 'vitest';
import { OP, predecode } from '../../host-tools/wasm/predecode.ts';
import { runCallsOnCortexM } from '../helpers/cortex-m.ts';
import { wat2wasm } from '../helpers/wat.ts';

const EDGES = [0, 1, -1, 5, 63, -64, 0x80000000, 0x7fffffff, 0xdeadbeef, 64];
const CMPS = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];

// Expressions of a and b (locals) whose pre-decoded forms differ: stack operands (the plain
// handlers: `call $id` keeps the pre-decoder from fusing the operands), a one-byte constant
// (I32C8_*), a local and a constant (LGET_C8_EQ), two locals (LGET_LGET_LT_U, whose own `if` path
// does not reach the tails) and a global bound (GGET_LT_U).
const exprs = [
  ...CMPS.map((c) => `(i32.${c} (call $id (local.get $a)) (call $id (local.get $b)))`),
  '(i32.or (call $id (local.get $a)) (call $id (local.get $b)))',
  ...['eq', 'ne', 'lt_s', 'gt_s'].flatMap(
    (c) => [-64, -1, 0, 5, 63].map((k) => `(i32.${c} (call $id (local.get $a)) (i32.const ${k}))`)),
  ...[-1, 0, 63].map((k) => `(i32.eq (local.get $a) (i32.const ${k}))`),
  '(i32.lt_u (local.get $a) (local.get $b))',
  '(i32.lt_u (call $id (local.get $a)) (global.get $g))',
];

// each expression in four places: an `if` whose arm starts with local.get, one whose arm does not,
// a `br_if`, and a value
const uses = exprs.flatMap((x, k) => [
  `(if ${x} (then (local.set $s (i32.add (local.get $s) (i32.const ${k + 1})))))`,
  `(if ${x} (then (local.set $s (i32.xor (i32.const ${(k % 60) + 3}) (local.get $s)))) (else (local.set $s (i32.sub ` +
    `(local.get $s) (i32.const 7)))))`,
  `(block $b (br_if $b ${x}) (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 5)) (i32.const ${k}))))`,
  `(local.set $s (i32.add (i32.mul (local.get $s) (i32.const 3)) ${x}))`,
]);

const src = `(module
  (memory 1)
  (data (i32.const 0) "${EDGES.map((v) => [0, 8, 16, 24]
    .map((s) => '\\' + ((v >>> s) & 255).toString(16).padStart(2, '0')).join('')).join('')}")
  (global $g (mut i32) (i32.const 0))
  (func $id (param i32) (result i32) (local.get 0))
  (func (export "calls") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $a i32) (local $b i32) (local $s i32)
    (local.set $s (local.get $n))
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (local.set $a (i32.load (i32.shl (local.get $i) (i32.const 2))))
        (local.set $b (i32.load (i32.shl (local.get $j) (i32.const 2))))
        (global.set $g (local.get $b))
        ${uses.join('\n        ')}
        (br_if $inner (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const ${EDGES.length}))))
      (br_if $outer (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const ${EDGES.length}))))
    (local.get $s)))`;

describe('an i32 comparison\'s two tails', () => {
  it('go on to if (arm with local.get first or not) and br_if, or push 1/0, for every comparison form (and i32.or), ' +
      'as Node does', () => {
    const plain = wat2wasm(src);
    const { wasm: pd, module: m } = predecode(plain);
    // every form under test is in the pre-decoded code
    const sites = (op: number) => m.bodies.flatMap((b) => b.instrs).filter((at) => pd[at] === op).length;
    for (const op of [0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x72]) expect(
      sites(op), `0x${op.toString(16)}`).toBeGreaterThanOrEqual(4);
    for (const op of [OP.I32C8_EQ, OP.I32C8_NE, OP.I32C8_LT_S, OP.I32C8_GT_S, OP.LGET_C8_EQ]) expect(
      sites(op), `0x${op.toString(16)}`).toBeGreaterThanOrEqual(12);
    for (const op of [OP.LGET_LGET_LT_U, OP.GGET_LT_U]) expect(sites(op), `0x${op.toString(16)}`).toBe(4);
    const calls = new WebAssembly.Instance(new WebAssembly.Module(plain), {}).exports.calls as (n: number) => number;
    for (const n of [0, 12345]) expect(runCallsOnCortexM(pd, n), `calls(${n})`).toBe(calls(n) | 0);
  });
});
