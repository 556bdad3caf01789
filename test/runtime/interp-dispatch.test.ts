// The Cortex-M build step that drops the opcode dispatch's dead range check
// (host-tools/build/interp-dispatch.ts): on hand-written assembly shapes, and on the real
// arm-none-eabi-gcc output of interp.c and the objects `make build` linked.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileInterpreter, removeDispatchRangeCheck } from '../../host-tools/build/interp-dispatch.ts';
import { listBoards } from '../../host-tools/build/boards.ts';
import { REPO_ROOT, requireArtifact } from '../firmware/helpers.ts';

const table = (n: number) => Array.from({ length: n }, (_, i) => `\t.2byte\t(.L${100 + i}-.L38)/2`).join('\n');
const dispatch = (opts: { between?: string; cmp?: string; entries?: number; load?: string } = {}) => [
  '.L35:',
  opts.load ?? '\tldrb\tr8, [r5], #1\t@ zero_extendqisi2',
  '.LVL61:',
  '\t.loc 1 184 5 is_stmt 1 view .LVU220',
  ...(opts.between !== undefined ? [opts.between] : []),
  opts.cmp ?? '\tcmp\tr8, #255',
  '\tbhi\t.L36',
  '\ttbh\t[pc, r8, lsl #1]',
  '.L38:',
  table(opts.entries ?? 256),
  '\t.p2align 1',
].join('\n');

describe('removeDispatchRangeCheck', () => {
  it('removes cmp/bhi in front of a byte-indexed tbh with a 256-entry table, keeping debug lines', () => {
    const r = removeDispatchRangeCheck(dispatch());
    expect(r.removed).toBe(1);
    const code = r.asm.split('\n').filter((l) => /^\t[a-z]/.test(l) && !l.startsWith('\t.')).map((l) => l.trim().split('\t')[0]);
    expect(code).toEqual(['ldrb', 'tbh']);
    expect(r.asm).toContain('.loc 1 184 5');
    expect(r.asm).toContain('@ cmp\tr8, #255');
  });

  it('leaves every other shape alone and says why', () => {
    const cases = [
      dispatch({ between: '.L40:' }),                        // another path can reach the check
      dispatch({ between: '\tadds\tr8, r8, #1' }),           // the index is not the loaded byte
      dispatch({ cmp: '\tcmp\tr8, #252' }),                  // the table is shorter than a byte's range
      dispatch({ cmp: '\tcmp\tr3, #255' }),                  // checks another register
      dispatch({ entries: 255 }),                            // a byte could index past the table
      dispatch({ load: '\tldrh\tr8, [r5], #2' }),            // not a byte
      dispatch({ load: '\tldrb\tr8, [r5, #1]' }),            // a byte, but not the post-indexed fetch
    ];
    for (const asm of cases) {
      const r = removeDispatchRangeCheck(asm);
      expect(r.removed, asm.split('\n').slice(0, 8).join(' | ')).toBe(0);
      expect(r.asm).toBe(asm);
      expect(r.reason).toMatch(/no tbh dispatch matched/);
    }
    expect(removeDispatchRangeCheck('\tbx\tlr').reason).toMatch(/no tbh jump table/);
  });
});

describe('interp.c on arm-none-eabi-gcc', () => {
  it('compiles with exactly one range check removed, and the board images and bench objects have none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wq-dispatch-'));
    try {
      const flags = ['-mthumb', '-mcpu=cortex-m3', '-Os', '-std=c11', `-I${join(REPO_ROOT, 'firmware/runtime/include')}`];
      const r = await compileInterpreter('arm-none-eabi-gcc', flags, join(REPO_ROOT, 'firmware/runtime/src/interp.c'), join(dir, 'interp.o'));
      expect(r).toEqual({ removed: 1, reason: undefined });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // what the build linked: every board's image, the size object and the benchmark program
    const linked = [...listBoards().map((b) => `build/${b}/firmware.elf`), 'build/runtime/arm/interp.o', 'build/runtime/bench/interp_1000.elf'];
    for (const file of linked) {
      const dis = execFileSync('arm-none-eabi-objdump', ['-d', '--no-show-raw-insn', requireArtifact(join(REPO_ROOT, file))], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const fn = dis.slice(dis.indexOf('<wq_invoke>:'));
      const body = fn.slice(0, fn.search(/\n\n/));
      const insns = body.split('\n').map((l) => /^\s*[0-9a-f]+:\s+(\S+)\s*(.*)$/.exec(l)).filter((m) => m !== null);
      const at = insns.findIndex((m) => m[1] === 'tbh');
      expect(at, file).toBeGreaterThan(0);
      const reg = /\[pc, (\w+), lsl #1\]/.exec(insns[at]![2]!)![1];
      expect(insns[at - 1]![1], file).toMatch(/^ldrb(\.w)?$/);
      expect(insns[at - 1]![2], file).toContain(`${reg}, [`);
    }
  });
});
