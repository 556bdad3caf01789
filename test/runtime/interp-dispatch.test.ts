// The Cortex-M build step that drops the opcode dispatch's dead range check
// (host-tools/fwbuild/interp-dispatch.ts): on hand-written assembly shapes, and on the real
// arm-none-eabi-gcc output of interp.c and the objects `make build` linked.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compileInterpreter, removeDispatchRangeCheck, replicateDispatch,
} from '../../host-tools/fwbuild/interp-dispatch.ts';
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
    const code = r.asm.split('\n').filter((l) => /^\t[a-z]/.test(l) && !l.startsWith('\t.')).map(
      (l) => l.trim().split('\t')[0]);
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

  // A per-image interpreter whose module uses no opcode from 0xe0 up: GCC ends the table at the
  // last built opcode and sends the bytes above it (all op_not_built) through the check, which
  // it may write twice (the first pair to that run's label, the second to the default).
  const trimmed = (opts: { doubled?: boolean; outBefore?: boolean } = {}) => [
    ...(opts.outBefore ? ['.L97:', '\tbx\tlr'] : []),
    '.L35:',
    '\tldrb\tr3, [r4], #1\t@ zero_extendqisi2',
    '\t.loc 1 305 9 view .LVU121',
    '\tcmp\tr3, #223',
    '\tbhi\t.L97',
    ...(opts.doubled ? ['\tcmp\tr3, #223', '\tbhi\t.L21'] : []),
    '\ttbh\t[pc, r3, lsl #1]',
    '.L38:',
    Array.from({ length: 224 }, (_, i) => `\t.2byte\t(.L${100 + i}-.L38)/2`).join('\n'),
    '\t.p2align 1',
    ...(opts.outBefore ? [] : ['.L97:', '\tbx\tlr']),
  ].join('\n');

  it('a table that ends below 255 gets the entries up to 256, each the check\'s target, and the check goes', () => {
    for (const doubled of [false, true]) {
      const r = removeDispatchRangeCheck(trimmed({ doubled }));
      expect(r.removed, `doubled: ${doubled}`).toBe(1);
      const lines = r.asm.split('\n');
      const table = lines.slice(lines.indexOf('.L38:') + 1).filter((l) => l.startsWith('\t.2byte'));
      expect(table).toHaveLength(256);
      expect(table[223]).toBe('\t.2byte\t(.L323-.L38)/2');
      expect(new Set(table.slice(224))).toEqual(new Set(['\t.2byte\t(.L97-.L38)/2']));
      const code = lines.filter((l) => /^\t[a-z]/.test(l)).map((l) => l.trim().split('\t')[0]);
      expect(code).toEqual(['ldrb', 'tbh', 'bx']);
      expect(r.asm).toContain('32 added for .L97');
      // and the replication step takes the table
      const rep = replicateDispatch(`${r.asm}\n\t.word\twq_dispatch_table`);
      expect(rep.reason).toBeUndefined();
    }
    // a table from opcode 1 (GCC's index biased by -1: 0 wraps past the second check)
    const biased = [
      '\tldrb\tr3, [r4], #1\t@ zero_extendqisi2',
      '\tcmp\tr3, #173', '\tbhi\t.L20', '\tsubs\tr3, r3, #1', '\tcmp\tr3, #172', '\tbhi\t.L21',
      '\ttbh\t[pc, r3, lsl #1]', '.L23:',
      Array.from({ length: 173 }, (_, i) => `\t.2byte\t(.L${300 + i}-.L23)/2`).join('\n'),
      '.L20:', '\tbx\tlr', '.L21:', '\tbx\tlr',
    ].join('\n');
    const b = removeDispatchRangeCheck(biased);
    expect(b.removed).toBe(1);
    const bl = b.asm.split('\n');
    const bt = bl.filter((l) => l.startsWith('\t.2byte')).map((l) => /\((\.L\d+)-/.exec(l)![1]);
    expect(bt).toEqual(['.L21', ...Array.from({ length: 173 }, (_, i) => `.L${300 + i}`), ...Array(82).fill('.L20')]);
    expect(
      bl.filter((l) => /^\t[a-z]/.test(l)).map((l) => l.trim().split('\t')[0])).toEqual(['ldrb', 'tbh', 'bx', 'bx']);
    // tbh jumps forward only: a target before the table stays behind the check
    const back = removeDispatchRangeCheck(trimmed({ outBefore: true }));
    expect(back.removed).toBe(0);
    expect(back.asm).toBe(trimmed({ outBefore: true }));
  });
});

// the loop head after removeDispatchRangeCheck, two handlers branching back to it, one
// conditional branch to it and one `b` inside an IT block
const loop = (opts: { entries?: number; op?: string; noTable?: boolean; between?: string } = {}) => [
  ...(opts.noTable ? [] : ['\tldr\tr9, .L473', '.L473:', '\t.word\twq_dispatch_table']),
  '.L474:',
  '.L30:',
  `\tldrb\t${opts.op ?? 'r3'}, [r4], #1\t@ zero_extendqisi2`,
  '\t@ cmp\tr3, #255  (removed)',
  ...(opts.between !== undefined ? [opts.between] : []),
  `\ttbh\t[pc, ${opts.op ?? 'r3'}, lsl #1]`,
  '.L32:',
  Array.from({ length: opts.entries ?? 256 }, (_, i) => `\t.2byte\t(.L${100 + i}-.L32)/2`).join('\n'),
  '\t.p2align 1',
  '.L100:',
  '\tadds\tr5, r5, #8',
  '\tb\t.L30',
  '.L101:',
  '\tsubs\tr5, r5, #8',
  '\tbne\t.L474',
  '\tit\teq',
  '\tb\t.L30',
  '\tb\t.L474',
].join('\n');

describe('replicateDispatch', () => {
  it('gives each branch back to the loop head its own dispatch through the word table in r9', () => {
    const r = replicateDispatch(loop());
    expect(r.copies).toBe(2);
    const code = r.asm.split('\n');
    const dispatch = ['\tldrb\tr3, [r4], #1', '\tldr\tpc, [r9, r3, lsl #2]'];
    // the head keeps its fetch and jumps through the table; the tails end in the same two
    expect(code.slice(code.indexOf('.L30:') + 1, code.indexOf('.L30:') + 4)).toEqual(
      [code[code.indexOf('.L30:') + 1], '\t@ cmp\tr3, #255  (removed)', dispatch[1]]);
    expect(code.slice(code.indexOf('.L100:') + 2, code.indexOf('.L100:') + 4)).toEqual(dispatch);
    const itAt = code.indexOf('\tit\teq');
    expect(code.slice(itAt + 2, itAt + 4)).toEqual(dispatch);   // the last `b .L474`
    expect(r.asm).toContain('\tbne\t.L474');                   // conditional branches still reach the head
    expect(r.asm).toContain('\tit\teq\n\tb\t.L30');             // and a branch in an IT block is left alone
    expect(r.asm).not.toMatch(/\.2byte/);
    const table = code.slice(code.indexOf('wq_dispatch_table:') + 1).filter((l) => l.startsWith('\t.word'));
    expect(table).toHaveLength(256);
    expect(table[0]).toBe('\t.word\t.L100+1');                 // Thumb addresses
    expect(table[255]).toBe('\t.word\t.L355+1');
  });

  it('copies it only into the handlers of the opcodes given (a per-image interpreter)', () => {
    const r = replicateDispatch(loop(), new Set([0]));   // .L100 is opcode 0's case, .L101 opcode 1's
    expect(r.copies).toBe(1);
    const code = r.asm.split('\n');
    expect(code.slice(code.indexOf('.L100:') + 2, code.indexOf('.L100:') + 4)).toEqual(
      ['\tldrb\tr3, [r4], #1', '\tldr\tpc, [r9, r3, lsl #2]']);
    expect(code[code.indexOf('\tit\teq') + 2]).toBe('\tb\t.L474');
  });

  it('leaves every other shape alone and says why', () => {
    const cases: [string, RegExp][] = [
      [loop({ noTable: true }), /not built with -DWQRT_DISPATCH_TABLE/],
      [loop({ entries: 255 }), /255 entries, not 256/],
      [loop({ op: 'r9' }), /uses r9/],
      [loop({ between: '\tadds\tr3, r3, #1' }), /not right after the opcode fetch/],
      ['\tbx\tlr', /no tbh jump table/],
    ];
    for (const [asm, why] of cases) {
      const r = replicateDispatch(asm);
      expect(r.copies).toBe(0);
      expect(r.asm).toBe(asm);
      expect(r.reason).toMatch(why);
    }
  });
});

describe('interp.c\'s pinned registers', () => {
  // r7 is Thumb's frame pointer to GCC: a local pinned there with `register ... __asm__("r7")` is
  // taken for non-zero and its memory for the function's own frame, so tests on it fold and stores
  // through it are dropped as dead (a top-of-stack register there made every br_if taken, session 20).
  it('pins no variable to r7', () => {
    const src = readFileSync(join(REPO_ROOT, 'firmware/runtime/src/interp.c'), 'utf8');
    const pins = [...src.matchAll(/register\s[^;]*?__asm__\s*\(\s*"(r\d+|fp|sl|sb|ip)"\s*\)/g)].map((m) => m[1]);
    expect(pins.length).toBeGreaterThan(0);
    expect(pins).not.toContain('r7');
  });
});

describe('interp.c on arm-none-eabi-gcc', () => {
  it('compiles with exactly one range check removed and the dispatch replicated, and the board images and bench ' +
      'objects have it so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wq-dispatch-'));
    try {
      const flags = [
        '-mthumb', '-mcpu=cortex-m3', '-Os', '-std=c11', '-DWQRT_REGFORM=0',
        `-I${join(REPO_ROOT, 'firmware/runtime/include')}`];
      const r = await compileInterpreter(
        'arm-none-eabi-gcc', flags, join(REPO_ROOT, 'firmware/runtime/src/interp.c'), join(dir, 'interp.o'));
      expect(r).toMatchObject({ removed: 1, reason: undefined, replicateReason: undefined });
      expect(r.copies).toBeGreaterThan(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // per-image interpreters whose module uses nothing from 0xe0 up, or from 0xae up (the tiny
    // fixture's opcodes without those): GCC ends the table at 0xdf (and checks twice), or also
    // starts it at opcode 1; the step makes it 256 entries again and the check still goes
    const tiny = [0x0401aa31, 0x04002003, 0x000002e2, 0x00000c00, 0, 0, 0xc0200400, 0x00502000];
    for (const top of [0xe0, 0xae]) {
      const gen = mkdtempSync(join(tmpdir(), 'wq-dispatch-mask-'));
      try {
        const words = tiny.map(
          (w, i) => (i * 32 >= top ? 0 : (i + 1) * 32 <= top ? w : w & ((1 << (top - i * 32)) - 1)));
        writeFileSync(join(gen, 'wq_used_ops.h'), [...words.map(
          (w, i) => `#define WQRT_OPS_W${i} 0x${(w >>> 0).toString(16)}u`), '#define WQRT_OPS_FC 0x0u', ''].join('\n'));
        const flags = ['-mthumb', '-mcpu=cortex-m3', '-Os', '-std=gnu11', '-DWQRT_REGFORM=0',
          `-I${join(REPO_ROOT, 'firmware/runtime/include')}`, `-I${gen}`, '-DWQRT_OPCODE_MASK'];
        const r = await compileInterpreter(
          'arm-none-eabi-gcc', flags, join(REPO_ROOT, 'firmware/runtime/src/interp.c'), join(gen, 'interp.o'));
        expect(r, `opcodes below 0x${top.toString(16)}`).toMatchObject(
          { removed: 1, reason: undefined, replicateReason: undefined });
        expect(r.copies).toBeGreaterThan(10);
      } finally {
        rmSync(gen, { recursive: true, force: true });
      }
    }
    // what the build linked: the stack form's board image (the boards' default images are the register form's), the
    // size object and the benchmark program
    const linked = ['build/bluepill-stack/firmware.elf', 'build/runtime/arm/interp.o',
      'build/runtime/bench/interp_1000.elf'];
    for (const file of linked) {
      const dis = execFileSync('arm-none-eabi-objdump', [
        '-d', '--no-show-raw-insn', requireArtifact(join(REPO_ROOT, file))], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const fn = dis.slice(dis.indexOf('<wq_invoke>:'));
      const body = fn.slice(0, fn.search(/\n\n/));
      const insns = body.split('\n').map((l) => /^\s*[0-9a-f]+:\s+(\S+)\s*(.*)$/.exec(l)).filter((m) => m !== null);
      // no tbh dispatch left (a `tbh` right after an opcode fetch; an inner switch, e.g. the
      // loads' and stores' on their width, may use one): the handlers jump through the word
      // table, each after its own fetch
      expect(insns.some((m, i) => m[1] === 'tbh' && m[2]!.includes('lsl #1') &&
        /^ldrb(\.w)?$/.test(insns[i - 1]![1]!) && /\], #1$/.test(insns[i - 1]![2]!)), file).toBe(false);
      const jumps = insns.map((m, i) => [m, i] as const).filter(
        ([m]) => /^ldr(\.w)?$/.test(m[1]!) && /^pc, \[r9, \w+, lsl #2\]/.test(m[2]!));
      expect(jumps.length, file).toBeGreaterThan(30);
      for (const [m, i] of jumps) {
        const reg = /\[r9, (\w+),/.exec(m[2]!)![1];
        expect(insns[i - 1]![1], file).toMatch(/^ldrb(\.w)?$/);
        expect(insns[i - 1]![2], file).toMatch(new RegExp(`^${reg}, \\[\\w+\\], #1`));
      }
    }
  });
});
