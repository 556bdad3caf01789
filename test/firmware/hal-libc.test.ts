// The HAL's own memcpy/memmove/memset/memcmp, __udivmoddi4 and __popcount (hal/stm32f103/libc.c,
// which replace newlib-nano's and libgcc's for size), compiled by arm-none-eabi-gcc and run on the
// virtual board's Cortex-M3 (64-bit division through the HAL's __aeabi_uldivmod/__aeabi_ldivmod), against BigInt and
// a JS model: aligned and unaligned pointers, overlaps both ways, every tail length, 64-bit
// operands on both sides of the 32-bit fast path.
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualBoard } from '../../host-tools/sim/board/board.ts';
import { readElf } from '../../host-tools/elf/elf32.ts';
import { ARM_CFLAGS } from '../../host-tools/fwbuild/firmware.ts';
import { REPO_ROOT } from './helpers.ts';

const M64 = (1n << 64n) - 1n;
/** A fixed xorshift stream, so the vectors are the same every run. */
function* randoms(): Generator<bigint> {
  let x = 0x2545f4914f6cdd1dn;
  for (;;) {
    x ^= (x << 13n) & M64; x ^= x >> 7n; x ^= (x << 17n) & M64;
    yield x;
  }
}

const unsignedCases: Array<[bigint, bigint]> = [
  [0n, 1n], [1n, 1n], [M64, 1n], [M64, M64], [M64, 2n], [M64, 0xffffffffn], [M64, 0x100000000n],
  [0xffffffffn, 0xffffffffn], [0xfffffffen, 0xffffffffn], [0x100000000n, 0xffffffffn], [12345n, 0x100000001n],
  [1n << 63n, 3n], [(1n << 63n) + 5n, 1n << 63n], [1000000007n * 998244353n, 998244353n],
];
const signedCases: Array<[bigint, bigint]> = [
  [-7n, 2n], [7n, -2n], [-7n, -2n], [-(1n << 63n), 2n], [(1n << 63n) - 1n, -3n], [-1n, 1n << 40n], [-(1n << 40n), -1n],
];
const r = randoms();
for (let i = 0; i < 120; i++) {
  const a = r.next().value as bigint;
  const b = r.next().value as bigint;
  const shift = BigInt(i % 64);
  unsignedCases.push([a, (b >> shift) || 1n]);
  const sa = BigInt.asIntN(64, a >> BigInt(i % 7));
  const sb = BigInt.asIntN(64, b >> shift) || 3n;
  if (!(sa === -(1n << 63n) && sb === -1n)) signedCases.push([sa, sb]);
}

/** memmove/memcpy/memset/memcmp cases on a 64-byte buffer: [op, dst, src or value, length]. */
const OPS = { move: 0, copy: 1, set: 2, cmp: 3 } as const;
const memCases: Array<[number, number, number, number]> = [];
for (const len of [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31]) {
  for (const d of [16, 17, 18, 19, 20]) {
    for (const s of [8, 9, 12, 14, 16, 17, 19, 20, 22, 28]) {
      memCases.push([OPS.move, d, s, len]);
      if (Math.abs(d - s) >= len) memCases.push([OPS.copy, d, s, len]);
    }
    memCases.push([OPS.set, d, 0xa5, len], [OPS.cmp, d, d + 1 + (len % 3), len]);
  }
}

function pattern(): Uint8Array { return Uint8Array.from({ length: 64 }, (_, i) => (i * 7 + 1) & 0xff); }
function fnv(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const x of b) h = Math.imul(h ^ x, 0x01000193) >>> 0;
  return h;
}
/** What each case must leave: the FNV-1a of the buffer, or memcmp's sign for cmp. */
function expected([op, d, s, n]: [number, number, number, number]): number {
  const b = pattern();
  if (op === OPS.move || op === OPS.copy) b.copyWithin(d, s, s + n);
  else if (op === OPS.set) b.fill(s, d, d + n);
  else {
    b[s + n - 1] = (b[s + n - 1] ?? 0) ^ (n & 1 ? 0x40 : 0); // an odd length differs in its last byte
    const x = b.subarray(d, d + n), y = b.subarray(s, s + n);
    for (let i = 0; i < n; i++) if (x[i] !== y[i]) return Math.sign(x[i]! - y[i]!) >>> 0;
    return 0;
  }
  return fnv(b);
}

const u64 = (v: bigint) => `0x${BigInt.asUintN(64, v).toString(16)}ull`;
const HARNESS = `#include <stdint.h>
#include <stddef.h>
void *memmove(void *, const void *, size_t); void *memcpy(void *, const void *, size_t);
void *memset(void *, int, size_t); int memcmp(const void *, const void *, size_t);
static const uint64_t ucases[][2] = { ${unsignedCases.map(([a, b]) => `{${u64(a)}, ${u64(b)}}`).join(', ')} };
static const int64_t scases[][2] = {
  ${signedCases.map(([a, b]) => `{(int64_t)${u64(a)}, (int64_t)${u64(b)}}`).join(', ')} };
static const uint8_t mcases[][4] = { ${memCases.map((c) => `{${c.join(', ')}}`).join(', ')} };
#define COUNT(a) (sizeof a / sizeof a[0])
volatile uint64_t uout[COUNT(ucases)][2];
volatile int64_t sout[COUNT(scases)][2];
volatile uint32_t mout[COUNT(mcases)];
volatile uint32_t pout[COUNT(ucases)][2];
volatile uint32_t done;
static uint8_t buf[64];
static uint32_t fnv(void) {
  uint32_t h = 0x811c9dc5u; for (int i = 0; i < 64; i++) h = (h ^ buf[i]) * 0x01000193u; return h;
}
void Reset_Handler(void) {
  for (unsigned i = 0; i < COUNT(ucases); i++) {
    uout[i][0] = ucases[i][0] / ucases[i][1]; uout[i][1] = ucases[i][0] % ucases[i][1];
  }
  for (unsigned i = 0; i < COUNT(ucases); i++) {
    pout[i][0] = (uint32_t)__builtin_popcount((uint32_t)ucases[i][1]);
    pout[i][1] = (uint32_t)__builtin_popcountll(ucases[i][0]);
  }
  for (unsigned i = 0; i < COUNT(scases); i++) {
    sout[i][0] = scases[i][0] / scases[i][1]; sout[i][1] = scases[i][0] % scases[i][1];
  }
  for (unsigned i = 0; i < COUNT(mcases); i++) {
    const uint8_t *c = mcases[i];
    for (int k = 0; k < 64; k++) buf[k] = (uint8_t)(k * 7 + 1);
    if (c[0] == 0) memmove(buf + c[1], buf + c[2], c[3]);
    else if (c[0] == 1) memcpy(buf + c[1], buf + c[2], c[3]);
    else if (c[0] == 2) memset(buf + c[1], c[2], c[3]);
    if (c[0] == 3) {
      if (c[3]) buf[c[2] + c[3] - 1] ^= (c[3] & 1) ? 0x40 : 0;
      int s = memcmp(buf + c[1], buf + c[2], c[3]);
      mout[i] = (uint32_t)(s > 0 ? 1 : s < 0 ? -1 : 0);
    } else mout[i] = fnv();
  }
  done = 0x600df00du;
  for (;;) __asm volatile ("wfi");
}
__attribute__((section(".isr_vector"), used)) void *const vectors[2] = { (void *)0x20005000, (void *)Reset_Handler };
`;

let elf = '';
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-libc-'));
  writeFileSync(join(dir, 'harness.c'), HARNESS);
  writeFileSync(join(dir, 'harness.ld'),
    'MEMORY { FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 54K  RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 20K }\n' +
    'SECTIONS { .isr_vector : { KEEP(*(.isr_vector)) } > FLASH  .text : { *(.text*) *(.rodata*) } > FLASH  .bss ' +
      '(NOLOAD) : { *(.bss*) *(COMMON) } > RAM }\n');
  elf = join(dir, 'libc.elf');
  execFileSync(
    'arm-none-eabi-gcc', [...ARM_CFLAGS, '-fno-builtin', '-nostdlib', '-nostartfiles', '-T', join(dir, 'harness.ld'),
    join(dir, 'harness.c'), join(REPO_ROOT, 'firmware/hal/stm32f103/libc.c'), '-lgcc', '-o', elf]);
}, 60_000);

describe('the HAL\'s C library routines on the Cortex-M3', () => {
  it('the image links the HAL\'s routines, not newlib\'s or libgcc\'s', () => {
    const sym = (n: string) => readElf(elf).symbols.find((s) => s.name === n);
    expect(sym('__udivmoddi4')!.size).toBeLessThan(128); // libgcc's is 712 B
    expect(sym('ldivmod_signed')).toBeDefined(); // our __aeabi_ldivmod's helper: libgcc's entries are not linked
    expect(readElf(elf).symbols.filter((s) => /^__aeabi_u?ldivmod$/.test(s.name)).map((s) => s.size)).toEqual([20, 20]);
    expect(sym('memcpy')!.value).toBe(sym('memmove')!.value);
    expect(sym('__popcountsi2')!.size).toBeLessThan(40); // libgcc's is 40 B, its __popcountdi2 72 B
    expect(sym('__popcountdi2')!.size).toBeLessThan(72);
  });

  it('64-bit division and remainder, unsigned and signed, bit counts, and every memory case, match', () => {
    const board = new VirtualBoard({ board: 'bluepill', elf });
    try {
      const syms = readElf(elf).symbols;
      const at = (n: string) => syms.find((s) => s.name === n)!.value;
      const word = (a: number) => new DataView(board.readMemory(a, 4).buffer).getUint32(0, true);
      expect(board.runUntil(() => word(at('done')) === 0x600df00d, 2000)).toBe(true);
      expect(board.fault).toBeUndefined();
      const u = board.readMemory(at('uout'), unsignedCases.length * 16);
      const uv = new DataView(u.buffer, u.byteOffset);
      const gotU = unsignedCases.map((_, i) => [uv.getBigUint64(i * 16, true), uv.getBigUint64(i * 16 + 8, true)]);
      expect(gotU).toEqual(unsignedCases.map(([a, b]) => [a / b, a % b]));
      const s = board.readMemory(at('sout'), signedCases.length * 16);
      const sv = new DataView(s.buffer, s.byteOffset);
      const gotS = signedCases.map((_, i) => [sv.getBigInt64(i * 16, true), sv.getBigInt64(i * 16 + 8, true)]);
      expect(gotS).toEqual(signedCases.map(([a, b]) => [a / b, a % b])); // both truncate toward zero
      const bits = (v: bigint) => [...v.toString(2)].filter((c) => c === '1').length;
      const p = board.readMemory(at('pout'), unsignedCases.length * 8);
      const pv = new DataView(p.buffer, p.byteOffset);
      expect(unsignedCases.map((_, i) => [pv.getUint32(i * 8, true), pv.getUint32(i * 8 + 4, true)]))
        .toEqual(unsignedCases.map(([a, b]) => [bits(b & 0xffffffffn), bits(a)]));
      const m = board.readMemory(at('mout'), memCases.length * 4);
      const mv = new DataView(m.buffer, m.byteOffset);
      const got = memCases.map((c, i) => [...c, mv.getUint32(i * 4, true)]);
      expect(got).toEqual(memCases.map((c) => [...c, expected(c)]));
    } finally {
      board.close();
    }
  });
});
