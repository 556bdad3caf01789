// Builds the interpreter (firmware/runtime/src/interp.c) for Cortex-M with its opcode dispatch
// one range check lighter than GCC leaves it, and copied into the handlers (replicateDispatch).
//
// The dispatch is `ldrb op, [pc], #1` then a `tbh` jump table. interp.c gives every one of the
// 256 byte values a case, so the table has 256 entries and any byte indexes inside it; yet GCC 12
// still emits `cmp op, #255; bhi default` before the `tbh` (it does not use the range of a byte
// load to drop the check), and those two instructions run at every dispatch
// (`interp_thumb_instructions`; docs/runtime.md "A replicated dispatch"). This step compiles
// interp.c to assembly, removes exactly that pair where the proof holds (a byte load straight into
// the index, no label in between, a 256-entry table, or a shorter one it extends:
// removeDispatchRangeCheck), and assembles the result. Where the compiler's output has another
// shape (another GCC version, other flags) nothing is changed and the caller is told why: the
// interpreter is then correct, only slower. Then each handler's branch back to the dispatch
// becomes a dispatch of its own through a word table whose address interp.c keeps in r9
// (replicateDispatch, below): 2 instructions per dispatch instead of 3.
//
// CLI (used by mk/runtime.mk):
//   node --import tsx host-tools/fwbuild/interp-dispatch.ts <arm-gcc> <flags...> -c <interp.c> -o <obj>
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { run } from './toolchain.ts';

export interface DispatchPatch {
  /** the assembly with the check removed (unchanged when `removed` is 0) */
  asm: string;
  /** jump-table dispatches whose range check was removed */
  removed: number;
  /** why nothing was removed, when `removed` is 0 */
  reason?: string;
}

const REG = String.raw`(?:r\d{1,2}|sl|fp|ip|lr)`;
const TBH = new RegExp(String.raw`^\ttbh\t\[pc, (${REG}), lsl #1\]$`);
/** Lines that emit no instruction and cannot be a branch target: directives, comments and the
 * labels GCC uses only for debug information (.LVL, .LBB, .LBE, .LVU, .LFB...). */
export function isInert(line: string): boolean {
  const t = line.trim();
  return t === '' || t.startsWith('@') || (t.startsWith('.') && !t.endsWith(':')) ||
    /^\.L(VL|BB|BE|VU|FB|FE|CFI)\d+:$/.test(t);
}

/** Removes the `cmp idx, #M; bhi` pair in front of each `tbh` that dispatches on a byte just
 * loaded with `ldrb idx, [..], #1` and jumps through a table of M + 1 entries. With M = 255 the
 * check is dead. A per-image interpreter whose module uses no opcode above some value sends all
 * the cases above it to one label (op_not_built), and GCC folds that run into the check: the
 * table ends at the last built opcode, a first `cmp #M; bhi` goes to op_not_built and a second
 * (dead) to the default (modules with nothing from 0xe0 up); with fewer opcodes still (nothing
 * from 0xae up) the table also starts at opcode 1 (`subs idx, idx, #1` before the second check,
 * which 0 then fails). Such a table is made whole: an entry per byte above it, each the first
 * check's target, and opcode 0's (the second check's target) in front, so every byte still
 * lands where it did and the checks (and the `subs`) go. Only for targets after the table: tbh
 * jumps forward only. test/runtime/interp-dispatch.test.ts builds both shapes with GCC. */
export function removeDispatchRangeCheck(asm: string): DispatchPatch {
  const lines = asm.split('\n');
  let removed = 0;
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    const reg = TBH.exec(lines[i]!)?.[1];
    if (!reg) continue;
    seen++;
    // the instructions before the tbh (nothing but inert lines between them), in program order;
    // from the tbh back: `cmp idx, #M; bhi B`; maybe `subs idx, idx, #1` (the table starts at
    // opcode 1, and 0 wraps past M to B); maybe `cmp idx, #N; bhi A` with N = M + that bias (GCC
    // checks twice when the bytes above the table are a run of cases of their own, A); the fetch
    const before: number[] = [];
    for (let j = i - 1; j >= 0 && before.length < 6; j--) {
      if (isInert(lines[j]!)) continue;
      before.unshift(j);
    }
    const at = (back: number): string |
      undefined => { const j = before[before.length - back]; return j === undefined ? undefined : lines[j]; };
    const bhiTo = (l?: string) => (l === undefined ? undefined : /^\tbhi\t(\.L\d+)$/.exec(l)?.[1]);
    const cmpTo = (l?: string) => { const c = l === undefined ? null : new RegExp(
      String.raw`^\tcmp\t${reg}, #(\d+)$`).exec(l); return c ? Number(c[1]) : -1; };
    const inB = bhiTo(at(1));
    const m = cmpTo(at(2));
    if (!inB || m < 0 || m > 255) continue;
    let q = 3;
    const bias = at(q) === `\tsubs\t${reg}, ${reg}, #1` ? 1 : 0;
    q += bias;
    const outA = bhiTo(at(q)) !== undefined && cmpTo(at(q + 1)) === m + bias ? bhiTo(at(q)) : undefined;
    if (outA) q += 2;
    if (!new RegExp(String.raw`^\tldrb\t${reg}, \[${REG}\], #1(\t@.*)?$`).test(at(q) ?? '')) continue;
    if (m + bias > 255) continue;
    // the table: a label, then one .2byte per entry, for opcodes bias .. m + bias
    let k = i + 1;
    while (k < lines.length && isInert(lines[k]!)) k++;
    const table = /^(\.L\d+):$/.exec(lines[k] ?? '')?.[1];
    if (!table) continue;
    const first = k + 1;
    let entries = 0;
    for (k++; k < lines.length && /^\t\.2byte\t/.test(lines[k]!); k++) entries++;
    if (entries !== m + 1) continue;
    // where the check sent the bytes outside the table: below it B, above it A (else B)
    const above = outA ?? inB;
    const added = 255 - m - bias;
    const needed = [...(bias ? [inB] : []), ...(added ? [above] : [])];
    const rest = lines.slice(k);
    if (needed.some((l) => !rest.includes(`${l}:`))) continue; // tbh jumps forward only
    const entry = (l: string) => `\t.2byte\t(${l}-${table})/2`;
    lines.splice(k, 0, ...Array.from({ length: added }, () => entry(above)));
    if (bias) lines.splice(first, 0, entry(inB));
    const why =
      `removed: ${reg} is a byte and the table has 256 entries${bias ? `, opcode 0's added for ` +
      `${inB}` : ''}${added ? `, ${added} added for ${above}` : ''}`;
    const checks = before.slice(before.length - (q - 1));
    checks.forEach((j, c) => { lines[j] = `\t@ ${lines[j]!.trim()}${c === 0 ? `  (${why})` : ''}`; });
    removed++;
  }
  if (removed) return { asm: lines.join('\n'), removed };
  return {
    asm,
    removed: 0,
    reason: seen === 0 ? 'the compiler emitted no tbh jump table' :
      'no tbh dispatch matched ldrb/cmp #M/bhi with a table of M + 1 entries',
  };
}

export interface DispatchReplication {
  /** the assembly with the dispatch replicated (unchanged when `copies` is 0) */
  asm: string;
  /** handler tails that got their own copy of the dispatch */
  copies: number;
  /** why nothing was replicated, when `copies` is 0 */
  reason?: string;
}

/** The register interp.c keeps wq_dispatch_table's address in (WQRT_DISPATCH_TABLE). */
const TABLE_REG = 'r9';

/**
 * Gives every handler its own dispatch. After removeDispatchRangeCheck the loop head is
 * `ldrb op, [pc], #1; tbh [pc, op, lsl #1]` and each handler ends with `b head`: 3 instructions
 * per dispatch. interp.c (built with -DWQRT_DISPATCH_TABLE) keeps the address of
 * `wq_dispatch_table` in r9 at the loop head; this step moves the 256 `tbh` entries into that
 * table as words (each case's address, Thumb bit set), makes the head `ldrb; ldr pc, [r9, op,
 * lsl #2]`, and replaces every `b head` with the same two instructions: 2 per dispatch. GCC at
 * -Os would merge such copies back into one (the reason a computed goto in C does not give
 * this), so it is done here. The head stays for the conditional branches and fall-through into
 * it. Valid because every path into the head carries the interpreter's pc in the same register
 * (the head is a join point) and the op register is dead there (the head writes it first).
 * Costs 512 B of table (words instead of halfwords) and 6 B per copy.
 */
export function replicateDispatch(asm: string, hot?: ReadonlySet<number>): DispatchReplication {
  const lines = asm.split('\n');
  const tbhAt = lines.findIndex((l) => TBH.test(l));
  const none = (reason: string): DispatchReplication => ({ asm, copies: 0, reason });
  if (tbhAt < 0) return none('the compiler emitted no tbh jump table');
  const op = TBH.exec(lines[tbhAt]!)![1]!;
  // the fetch right before the tbh (its range check already removed), and the head's labels
  let j = tbhAt - 1;
  while (j >= 0 && (isInert(lines[j]!) || lines[j]!.startsWith('\t@ '))) j--;
  const fetch = new RegExp(String.raw`^\tldrb\t${op}, \[(${REG})\], #1(\t@.*)?$`).exec(lines[j] ?? '');
  if (!fetch) return none('the tbh is not right after the opcode fetch (was its range check removed?)');
  const pcReg = fetch[1]!;
  if (op === TABLE_REG || pcReg === TABLE_REG) return none(`the dispatch uses ${TABLE_REG}, the table's register`);
  const heads: string[] = [];
  for (let k = j - 1; k >= 0; k--) {
    const t = lines[k]!;
    if (/^\.L\d+:$/.test(t)) { heads.push(t.slice(0, -1)); continue; }
    if (isInert(t)) continue;
    break;
  }
  if (!heads.length) return none('the opcode fetch has no label of its own');
  // the table that follows: a label, then 256 .2byte entries (.Lcase-.Ltable)/2
  let k = tbhAt + 1;
  while (k < lines.length && isInert(lines[k]!)) k++;
  const tableLabel = /^(\.L\d+):$/.exec(lines[k] ?? '')?.[1];
  if (!tableLabel) return none('no label after the tbh');
  const entries: string[] = [];
  const entry = new RegExp(String.raw`^\t\.2byte\t\((\.L\d+)-${tableLabel.replace('.', '\\.')}\)/2$`);
  let e = k + 1;
  for (; e < lines.length; e++) {
    const m = entry.exec(lines[e]!);
    if (!m) break;
    entries.push(m[1]!);
  }
  if (entries.length !== 256) return none(`the tbh table has ${entries.length} entries, not 256`);
  if (!asm.includes('wq_dispatch_table')) return none('interp.c was not built with -DWQRT_DISPATCH_TABLE');
  const dispatch = [`\tldrb\t${op}, [${pcReg}], #1`, `\tldr\tpc, [${TABLE_REG}, ${op}, lsl #2]`];
  const headSet = new Set(heads);
  // a per-image interpreter (`hot` given) copies it only into the handlers of those opcodes; a
  // branch belongs to the handler whose case label comes last before it
  const isHot = (o: number) => hot!.has(o);
  const caseOps = new Map<string, number[]>();
  entries.forEach((l, o) => caseOps.set(l, [...(caseOps.get(l) ?? []), o]));
  let inHandler: number[] = [];
  let copies = 0;
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (i === tbhAt) { out.push(dispatch[1]!); continue; }
    if (i >= k && i < e) continue; // the halfword table goes, as words, to .rodata below
    const label = /^(\.L\d+):$/.exec(lines[i]!)?.[1];
    if (label && caseOps.has(label)) inHandler = caseOps.get(label)!;
    const b = /^\tb\t(\.L\d+)$/.exec(lines[i]!);
    if (b && headSet.has(b[1]!) && (!hot || inHandler.some(isHot))) {
      // not inside an IT block (GCC writes conditional branches as b<cond>; checked anyway)
      let p = out.length - 1;
      while (p >= 0 && isInert(out[p]!)) p--;
      if (!/^\tit/.test(out[p] ?? '')) { out.push(...dispatch); copies++; continue; }
    }
    out.push(lines[i]!);
  }
  out.push('\t.section\t.rodata.wq_dispatch_table,"a",%progbits', '\t.align\t2', '\t.global\twq_dispatch_table',
    '\t.type\twq_dispatch_table, %object', '\t.size\twq_dispatch_table, 1024', 'wq_dispatch_table:',
    ...entries.map((l) => `\t.word\t${l}+1`), '\t.text', '');
  return { asm: out.join('\n'), copies };
}

/** A per-image interpreter (-DWQRT_OPCODE_MASK, the firmware build) gives only these opcodes'
 * handlers their own dispatch: the bluepill's flash is tight (6 B a copy, and 512 B more for the
 * word table). The rule: the opcodes the virtual board's publish path dispatches most (the console
 * image, host-tools/wasm/armbench/vboard-profile.ts, its PROFILE_OWN dump; `vboard_instr_per_qos1_publish`),
 * with br_if and return, minus those that end in a shared tail anyway (the comparisons' cond_true /
 * cond_false) and those dispatched too rarely to pay 6 B; 0xcf is the default case, after which GCC
 * lays out the call path. Each addition and removal, with its dispatch counts, is in
 * docs/runtime-log.md ("The per-image hot opcodes"). WQ_OP_* values as in firmware/runtime/src/rt_internal.h. */
export const PER_IMAGE_HOT_OPCODES: ReadonlySet<number> = new Set([
  0x20, 0x23, 0xe5, 0x41, 0x0c, 0x22, 0x10, 0x04, 0x21, 0xdf, 0x09, 0x24, 0xde, 0x1b, 0x0b,
  0xcd, 0xca, 0x71, 0x72, 0xc9, 0xeb, 0xee, 0xe3, 0xea, 0xe7, 0x16, 0x05, 0x36, 0x0a, 0x0f, 0x03,
  0xcf, 0x6b, 0x28, 0xe0, 0xf4, 0x6a, 0x3a, 0xc6,
  0xcb, 0x49, 0x45, 0x46, 0xec, 0x4e, 0x2f, 0x48,
  0xce, 0xf0, 0xf7,
  0xda,
]);

/** Added to the caller's flags for interp.c. No builtins: with GCC's memset/memcpy builtins the
 * dispatch loop's register allocation shifts and the interpreter runs more instructions
 * (`interp_thumb_instructions`); the bench programs are built freestanding, which implies it, so
 * the boards run the code the bench measures. Cross-jumping only tails of 6+ instructions (GCC's
 * default is 5): it merged handlers' short `store; b dispatch` tails into one, an extra branch per
 * dispatch, most in the per-image interpreter (`vboard_instr_per_qos1_publish`). No second
 * scheduling pass: it only reorders (the same counts), and GCC's output is smaller without it
 * (`runtime_flash_bytes`). The measurements behind each: docs/runtime.md ("A per-image interpreter",
 * "Figures") and docs/runtime-log.md. */
export const INTERP_FLAGS = ['-fno-builtin', '--param=min-crossjump-insns=6', '-fno-schedule-insns2'];

/** Compiles `src` with `gcc` and `flags` (plus INTERP_FLAGS) into `obj` through the dispatch patch.
 * Throws with the compiler's message when a step fails; returns the patch result for the caller to report. */
export async function compileInterpreter(gcc: string, callerFlags: string[], src: string,
    obj: string): Promise<Omit<DispatchPatch, 'asm'> & { copies: number; replicateReason?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'wqrt-interp-'));
  try {
    const s = join(dir, 'interp.s');
    const compile = async (flags: string[]) => {
      const c = await run(gcc, [...flags, '-S', src, '-o', s]);
      if (c.code !== 0) throw new Error(`compiling ${src} failed:\n${c.stderr.trim()}`);
      return removeDispatchRangeCheck(readFileSync(s, 'utf8'));
    };
    // with the dispatch table's register first; without it when the shape is not the one expected
    let flags = [...callerFlags, ...INTERP_FLAGS, '-DWQRT_DISPATCH_TABLE'];
    let patch = await compile(flags);
    const perImage = callerFlags.includes('-DWQRT_OPCODE_MASK');
    const rep = patch.removed ? replicateDispatch(patch.asm, perImage ? PER_IMAGE_HOT_OPCODES : undefined) : {
      asm: patch.asm, copies: 0, reason: 'the range check was kept' };
    if (rep.copies) patch = { ...patch, asm: rep.asm };
    else patch = await compile(flags = [...callerFlags, ...INTERP_FLAGS]);
    writeFileSync(s, patch.asm);
    const a = await run(gcc, [...flags, '-c', s, '-o', obj]);
    if (a.code !== 0) throw new Error(`assembling ${src} failed:\n${a.stderr.trim()}`);
    return { removed: patch.removed, reason: patch.reason, copies: rep.copies, replicateReason: rep.reason };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the caller should print when the interpreter came out slower than it can be (null: nothing). */
export function slowerDispatchWarning(src: string, r: Awaited<ReturnType<typeof compileInterpreter>>): string | null {
  if (!r.removed) return `warning: ${src}: dispatch range check kept (${r.reason}); the interpreter is correct but ` +
    `~10% slower`;
  if (!r.copies) return `warning: ${src}: dispatch not copied into the handlers (${r.replicateReason}); the ` +
    `interpreter is correct but ~6% slower`;
  return null;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [gcc, ...args] = process.argv.slice(2);
  const ci = args.indexOf('-c'), oi = args.indexOf('-o');
  if (!gcc || ci < 0 || oi < 0 || !args[ci + 1] || !args[oi + 1]) {
    console.error('usage: interp-dispatch.ts <arm-gcc> <flags...> -c <interp.c> -o <obj>');
    process.exit(2);
  }
  const src = args[ci + 1]!, obj = args[oi + 1]!;
  const flags = args.filter((_, i) => i !== ci && i !== ci + 1 && i !== oi && i !== oi + 1);
  try {
    const r = await compileInterpreter(gcc, flags, src, obj);
    const warning = slowerDispatchWarning(src, r);
    if (warning) console.error(warning);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
