// The Cortex-M build step that copies a computed-goto engine's dispatch into its handlers
// (host-tools/fwbuild/regform-dispatch.ts): on hand-written assembly shapes, and on GCC's output of
// a small engine in the register form's dispatch shape (fixtures/goto_vm.c), run under unicorn.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INTERP_FLAGS } from '../../host-tools/fwbuild/interp-dispatch.ts';
import { compileRegformEngine, replicateComputedGoto } from '../../host-tools/fwbuild/regform-dispatch.ts';
import { REPO_ROOT, requireArtifact } from '../firmware/helpers.ts';

const handler = (n: number, tail = `\tldr\tr3, [r2, r3, lsl #2]\n\tb\t.L2`) => [
  `.L${10 + n}:`, `\tldrb\tr1, [r0, #1]\t@ zero_extendqisi2`, '\t.syntax unified', `@ 20 "vm.c" 1`,
  `\tldrb r3, [r0, #${n}]!`, '@ 0 "" 2', '\t.thumb', tail,
].join('\n');
const engine = (opts: { head?: string; tables?: number; tail?: string } = {}) => [
  'run:', '\tldr\tr2, .L9', '\tldrb r3, [r0, #0]!', '\tldr\tr3, [r2, r3, lsl #2]',
  '.L2:', opts.head ?? '\torr\tr3, r3, #1\n\tbx\tr3',
  handler(0, opts.tail), handler(3, opts.tail),
  ...Array.from({ length: opts.tables ?? 1 }, (_, k) => `table.${k}:\n\t.word\t.L10\n\t.word\t.L13`),
].join('\n');

describe('replicateComputedGoto', () => {
  it('gives each handler its own ldr pc through the table and marks the label table with the Thumb bit', () => {
    const r = replicateComputedGoto(engine());
    expect(r.reason).toBeUndefined();
    expect(r.copies).toBe(2);
    const lines = r.asm.split('\n');
    expect(lines.filter((l) => l === '\tldr\tpc, [r2, r3, lsl #2]')).toHaveLength(2);
    expect(lines.some((l) => l === '\tb\t.L2')).toBe(false);
    expect(lines.filter((l) => /^\t\.word\t/.test(l))).toEqual(['\t.word\t.L10+1', '\t.word\t.L13+1']);
    // the shared head stays for the first dispatch; a fetch by 0 loses its write-back
    expect(lines).toContain('\tbx\tr3');
    expect(lines).toContain('\tldrb r3, [r0]');
    expect(lines).toContain('\tldrb r3, [r0, #3]!');
  });

  it('leaves every other shape alone and says why', () => {
    for (const [asm, why] of [
      [engine({ head: '\tbx\tr3' }), /no shared computed-goto head/],
      [engine({ head: '\torr\tr3, r3, #1\n\tmov\tpc, r3' }), /no shared computed-goto head/],
      [engine({ tables: 2 }), /2 label tables/],
      [engine({ tables: 0 }), /0 label tables/],
      [engine({ tail: '\tldr\tr1, [r2, r3, lsl #2]\n\tb\t.L2' }), /no handler ends in/],
      [engine({ tail: '\tite\teq\n\tldr\tr3, [r2, r3, lsl #2]\n\tb\t.L2' }), /no handler ends in/],
    ] as const) {
      const r = replicateComputedGoto(asm);
      expect(r.copies).toBe(0);
      expect(r.asm).toBe(asm);
      expect(r.reason).toMatch(why);
    }
  });
});

describe('a computed-goto engine on arm-none-eabi-gcc', () => {
  it('runs the same program to the same result in fewer instructions with every handler dispatching itself',
    async () => {
      const armCount = requireArtifact('build/runtime/bench/arm_count');
      const dir = mkdtempSync(join(tmpdir(), 'wq-goto-'));
      try {
        const src = join(REPO_ROOT, 'test/runtime/fixtures/goto_vm.c');
        const flags = ['-std=gnu11', '-Os', '-mthumb', '-mcpu=cortex-m3', '-ffunction-sections', '-fdata-sections'];
        const link = (obj: string, elf: string) => execFileSync('arm-none-eabi-gcc', [...flags, '-ffreestanding',
          '-nostdlib', '-nostartfiles', '-Wl,--gc-sections', '-T',
          join(REPO_ROOT, 'host-tools/wasm/armbench/bench.ld'),
          join(REPO_ROOT, 'host-tools/wasm/armbench/crt.c'), obj, '-lgcc', '-o', elf]);
        const count = (elf: string) => {
          const done = /^([0-9a-f]+) T wq_done$/m.exec(execFileSync('arm-none-eabi-nm', [elf], { encoding: 'utf8' }))![1]!;
          const [n, r0] = execFileSync(armCount, [elf, done], { encoding: 'utf8' }).trim().split(' ');
          return { instructions: Number(n), result: Number(r0) | 0 };
        };
        const patched = await compileRegformEngine('arm-none-eabi-gcc', flags, src, join(dir, 'vm.o'));
        expect(patched.reason).toBeUndefined();
        expect(patched.copies).toBe(6);   // one per handler: addi, xor, mov, dec, bnz's two exits
        execFileSync('arm-none-eabi-gcc', [...flags, ...INTERP_FLAGS, '-c', src, '-o', join(dir, 'plain.o')]);
        link(join(dir, 'vm.o'), join(dir, 'vm.elf'));
        link(join(dir, 'plain.o'), join(dir, 'plain.elf'));
        const a = count(join(dir, 'vm.elf')), b = count(join(dir, 'plain.elf'));
        // the program's own result, computed here from its bytecode's meaning
        let r0 = 0, r1 = 0, r2 = 0;
        for (let k = 0; k < 1000; k++) { r0 = (r0 + 7) >>> 0; r1 += 3; r0 = (r0 ^ r1) >>> 0; r2 = r0; r1 += 1; }
        expect(b.result).toBe((Math.imul(r0, 31) + r1 + r2) | 0);
        expect(a.result).toBe(b.result);
        // 7 dispatches a loop round, each three instructions shorter: the branch to the head, its orr and bx
        expect(b.instructions - a.instructions).toBe(3 * 7 * 1000);
        const dis = execFileSync('arm-none-eabi-objdump', ['-d', join(dir, 'vm.o')], { encoding: 'utf8' });
        expect(dis.match(/ldr\.w\s+pc, \[r\d, r\d, lsl #2\]/g)?.length).toBe(6);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
});
