// i64.store's own handler (firmware/runtime/src/interp.c, session 15) on Cortex-M: the bench's
// interpreter object under unicorn against Node's engine, at unaligned addresses, with offsets,
// and at addresses that wrap past 2^32 or lie beyond the linear memory (the host's spec suite,
// memory_trap.wast, covers the last 8 bytes of a page; call_main.c's 8 KB arena caps memory
// below a page, so that edge is not Node's here).
import { describe, expect, it } from 'vitest';
import { predecode } from '../../host-tools/wasm/predecode.ts';
import { runCallsOnCortexM } from '../helpers/cortex-m.ts';
import { wat2wasm } from '../helpers/wat.ts';

describe('i64.store', () => {
  it('stores 8 bytes at any alignment and offset and traps past memory or 2^32, on Cortex-M, as Node does', () => {
    // stores a constant at a and 8 + a, reads back the four words and bytes around them
    const src = `(module (memory 1)
      (func (export "calls") (param $a i32) (result i32)
        (i64.store (local.get $a) (i64.const 0x0123456789abcdef))
        (i64.store offset=8 (local.get $a) (i64.const 0xfedcba9876543210))
        (i32.add (i32.add (i32.xor (i32.load (local.get $a)) (i32.rotl (i32.load offset=4 (local.get $a))
          (i32.const 7)))
                          (i32.xor (i32.load offset=8 (local.get $a)) (i32.rotl (i32.load offset=12 (local.get $a))
                            (i32.const 13))))
                 (i32.add (i32.load8_u offset=16 (local.get $a)) (i32.mul (i32.load8_u (i32.sub (local.get $a)
                   (i32.const 1))) (i32.const 3))))))`;
    const plain = wat2wasm(src);
    const pd = predecode(plain).wasm;
    const TRAP = -(3 << 24); // call_main.c: a trap other than stack overflow or a type mismatch
    for (const a of [1, 2, 3, 5, 6, 7, 100, 1001, 2047, -1, -4, -8, -12, 65536 + 5]) {
      // fresh memory, as each Cortex-M run
      const calls = new WebAssembly.Instance(new WebAssembly.Module(plain), {}).exports.calls as (a: number) => number;
      let want: number;
      try { want = calls(a) | 0; } catch (e) { expect(String(e)).toMatch(/out of bounds/); want = TRAP; }
      expect(runCallsOnCortexM(pd, a), `address ${a}`).toBe(want);
    }
  });

  it('traps a store whose 8 bytes would wrap past 2^32 before writing any (a wrapped end would land at the memory\'s ' +
      'start)', () => {
    const src = `(module (memory 1)
      (func (export "calls") (param $a i32) (result i32)
        (i64.store (local.get $a) (i64.const 0x0123456789abcdef)) (i32.load (i32.const 0))))`;
    const pd = predecode(wat2wasm(src)).wasm;
    expect(runCallsOnCortexM(pd, 0)).toBe(0x89abcdef | 0);
    for (const a of [-1, -2, -4, -7, -8]) expect(runCallsOnCortexM(pd, a), `address ${a}`).toBe(-(3 << 24));
  });
});

// i32.store16's own handler (session 16; it had gone through the shared width-table store): the same check
describe('i32.store16', () => {
  it('stores the low 16 bits at any alignment, at one- and two-byte offsets, and traps past memory or 2^32, on ' +
      'Cortex-M, as Node does', () => {
    // two stores (offset=1: the plain opcode; offset=300: WQ_OP_MEM_LEB's path), read back as
    // bytes around them, weighted so a byte too many or too few, or the wrong half, shows
    const src = `(module (memory 1)
      ;; a, a + 1, a + 2, a + 3 in one run (one Cortex-M build per start address), each result weighted by its step
      (func (export "calls") (param $a i32) (result i32)
        (local $k i32) (local $s i32)
        (loop $l
          (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 31)) (call $at (i32.add (local.get $a)
            (local.get $k)))))
          (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 4))))
        (local.get $s))
      (func $at (param $a i32) (result i32)
        (i32.store16 offset=1 (local.get $a) (i32.const 0x12345678))
        (i32.store16 offset=300 (local.get $a) (i32.sub (i32.const 0) (local.get $a)))
        (i32.add (i32.add (i32.load8_u (local.get $a)) (i32.mul (i32.load8_u offset=1 (local.get $a)) (i32.const 7)))
          (i32.add (i32.add (i32.mul (i32.load8_u offset=2 (local.get $a)) (i32.const 1000)) (i32.mul
            (i32.load8_u offset=3 (local.get $a)) (i32.const 3)))
            (i32.add (i32.mul (i32.load8_u offset=300 (local.get $a)) (i32.const 100000)) (i32.mul
              (i32.load8_u offset=302 (local.get $a)) (i32.const 11)))))))`;
    const plain = wat2wasm(src);
    const pd = predecode(plain).wasm;
    const TRAP = -(3 << 24);
    for (const a of [0, 1001, -2, -303, 65536 + 5]) {
      const calls = new WebAssembly.Instance(new WebAssembly.Module(plain), {}).exports.calls as (a: number) => number;
      let want: number;
      try { want = calls(a) | 0; } catch (e) { expect(String(e)).toMatch(/out of bounds/); want = TRAP; }
      expect(runCallsOnCortexM(pd, a), `address ${a}`).toBe(want);
    }
  });
});
