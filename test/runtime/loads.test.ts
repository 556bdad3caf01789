// i32.load8_s's own handler (firmware/runtime/src/interp.c, session 16; it had gone through the
// shared width-table load) on Cortex-M: the bench's interpreter object under unicorn against
// Node's engine, bytes of each sign at one-byte offsets (the plain opcode) and at a two-byte
// offset (WQ_OP_MEM_LEB's path to the same handler), and at addresses beyond the linear memory or
// wrapping past 2^32 (call_main.c's 8 KB arena caps memory below a page, so the addresses are
// well inside 8 KB or beyond 64 KB, where Node traps as well).
import { describe, expect, it } from 'vitest';
import { OP, predecode } from '../../host-tools/wasm/predecode.ts';
import { runCallsOnCortexM } from '../helpers/cortex-m.ts';
import { wat2wasm } from '../helpers/wat.ts';

/** The export "calls" of the load tests: $at at a, a + 1, ... a + 6 in one run (one Cortex-M build per start
 * address), each sum weighted by its step. */
const AT_SEVEN_ADDRESSES = `(func (export "calls") (param $a i32) (result i32)
        (local $k i32) (local $s i32)
        (loop $l
          (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 31)) (call $at (i32.add (local.get $a)
            (local.get $k)))))
          (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 7))))
        (local.get $s))`;

/** "calls" at each start address on Cortex-M gives what Node's engine gives, or a trap where Node traps out of
 * bounds. */
function expectAddressesAsNode(plain: Uint8Array<ArrayBuffer>, pd: Uint8Array, addresses: number[]): void {
  const TRAP = -(3 << 24); // call_main.c: a trap other than stack overflow or a type mismatch
  for (const a of addresses) {
    const calls = new WebAssembly.Instance(new WebAssembly.Module(plain), {}).exports.calls as (a: number) => number;
    let want: number;
    try { want = calls(a) | 0; } catch (e) { expect(String(e)).toMatch(/out of bounds/); want = TRAP; }
    expect(runCallsOnCortexM(pd, a), `address ${a}`).toBe(want);
  }
}

describe('i32.load8_s', () => {
  it('sign-extends bytes at one- and two-byte offsets and traps past memory or 2^32, on Cortex-M, as Node does', () => {
    // each load weighted differently, so a byte read zero-extended, from the wrong address or
    // not at all changes the sum
    const src = `(module (memory 1)
      (data (i32.const 0) "\\00\\7f\\80\\ff\\01\\fe\\81\\40")
      (data (i32.const 300) "\\c3\\3c\\ff\\80")
      (func $at (param $a i32) (result i32)
        (i32.add (i32.add (i32.load8_s (local.get $a))
                          (i32.mul (i32.load8_s offset=1 (local.get $a)) (i32.const 3)))
                 (i32.add (i32.mul (i32.load8_s offset=2 (local.get $a)) (i32.const 1000))
                          (i32.mul (i32.load8_s offset=300 (local.get $a)) (i32.const 100000)))))
      ${AT_SEVEN_ADDRESSES})`;
    const plain = wat2wasm(src);
    const pd = predecode(plain).wasm;
    expect(pd).toContain(0x2c); // the plain opcode stays (offsets 1 and 2)
    expectAddressesAsNode(plain, pd, [0, 4000, -1, -303, 65536 + 5]);
  });
});

describe('local.get; i32.load8_u (LGET_LOAD8_U)', () => {
  it('leaves its byte to a following local.tee, dispatched (session 17: no peek for it), on Cortex-M, as Node ' +
      'does', () => {
    const src = `(module (memory 1)
      (data (i32.const 0) "\\00\\7f\\80\\ff\\01\\fe\\81\\40\\c3\\3c")
      (func (export "calls") (param $n i32) (result i32)
        (local $p i32) (local $t i32) (local $s i32)
        (loop $l
          ;; the byte is kept in t and used on the stack: s = s * 7 + b * 3 + t, t = b
          (local.set $s (i32.add (i32.add (i32.mul (local.get $s) (i32.const 7))
                                          (i32.mul (local.tee $t (i32.load8_u (local.get $p))) (i32.const 3)))
                                 (local.get $t)))
          ;; and a byte not kept
          (local.set $s (i32.xor (local.get $s) (i32.load8_u offset=1 (local.get $p))))
          (br_if $l (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (i32.add (local.get $n)
            (i32.const 8)))))
        (i32.add (local.get $s) (local.get $t))))`;
    const plain = wat2wasm(src);
    const { wasm: pd, module: m } = predecode(plain);
    const sites = m.bodies.flatMap((b) => b.instrs).filter((at) => pd[at] === OP.LGET_LOAD8_U);
    expect(sites.length).toBe(2);
    expect(sites.some((at) => pd[at + 5] === 0x22)).toBe(true); // one followed by local.tee
    for (const n of [0, 1]) {
      const calls = new WebAssembly.Instance(new WebAssembly.Module(plain), {}).exports.calls as (n: number) => number;
      expect(runCallsOnCortexM(pd, n), `n = ${n}`).toBe(calls(n) | 0);
    }
  });
});

describe('i64.load32_s', () => {
  it('sign-extends words at one- and two-byte offsets, unaligned, and traps past memory or 2^32, on Cortex-M, as ' +
      'Node does (session 18: its own handler)', () => {
    // the high word of each value is folded into the result, so a load that zero-extends (or
    // leaves the slot's old high word) changes it; each load weighted differently
    const src = `(module (memory 1)
      (data (i32.const 0) "\\00\\7f\\80\\ff\\01\\fe\\81\\40\\c3\\3c\\ff\\80")
      (data (i32.const 300) "\\c3\\3c\\ff\\80\\12\\34\\56\\78\\9a\\bc\\de\\f0")
      (func $fold (param $x i64) (result i32) (i32.wrap_i64 (i64.xor (local.get $x) (i64.shr_u (local.get $x)
        (i64.const 29)))))
      (func $at (param $a i32) (result i32)
        (i32.add (i32.add (call $fold (i64.load32_s (local.get $a)))
                          (i32.mul (call $fold (i64.load32_s offset=1 (local.get $a))) (i32.const 3)))
                 (i32.mul (call $fold (i64.load32_s offset=300 (local.get $a))) (i32.const 1000))))
      ${AT_SEVEN_ADDRESSES})`;
    const plain = wat2wasm(src);
    const pd = predecode(plain).wasm;
    expect(pd).toContain(0x34); // the plain opcode stays (offsets 0 and 1)
    expectAddressesAsNode(plain, pd, [0, 1, 4000, -1, -303, 65536 + 5]);
  });
});
