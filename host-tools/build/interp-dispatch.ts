// Builds the interpreter (firmware/runtime/src/interp.c) for Cortex-M with its opcode dispatch
// one range check lighter than GCC leaves it.
//
// The dispatch is `ldrb op, [pc], #1` then a `tbh` jump table. interp.c gives every one of the
// 256 byte values a case, so the table has 256 entries and any byte indexes inside it; yet GCC 12
// still emits `cmp op, #255; bhi default` before the `tbh` (it does not use the range of a byte
// load to drop the check). Those two instructions are ~10% of all the instructions the
// interpreter executes. This step compiles interp.c to assembly, removes exactly that pair where
// the proof holds (a byte load straight into the index, no label in between, a 256-entry table),
// and assembles the result. Where the compiler's output has another shape (another GCC version,
// other flags) nothing is changed and the caller is told why: the interpreter is then correct,
// only slower.
//
// CLI (used by mk/runtime.mk):
//   node --import tsx host-tools/build/interp-dispatch.ts <arm-gcc> <flags...> -c <interp.c> -o <obj>
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
function isInert(line: string): boolean {
  const t = line.trim();
  return t === '' || t.startsWith('@') || (t.startsWith('.') && !t.endsWith(':')) || /^\.L(VL|BB|BE|VU|FB|FE|CFI)\d+:$/.test(t);
}

/** Removes the `cmp idx, #255; bhi` pair in front of each `tbh` that dispatches on a byte just
 * loaded with `ldrb idx, [..], #1` and jumps through a table of exactly 256 entries. */
export function removeDispatchRangeCheck(asm: string): DispatchPatch {
  const lines = asm.split('\n');
  let removed = 0;
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    const m = TBH.exec(lines[i]!);
    if (!m) continue;
    seen++;
    const reg = m[1]!;
    // the three instructions before the tbh, with nothing but inert lines between them
    const before: number[] = [];
    for (let j = i - 1; j >= 0 && before.length < 3; j--) {
      if (isInert(lines[j]!)) continue;
      before.push(j);
    }
    if (before.length < 3) continue;
    const [bhi, cmp, ldrb] = before as [number, number, number];
    if (!/^\tbhi\t\.L\d+$/.test(lines[bhi]!)) continue;
    if (lines[cmp] !== `\tcmp\t${reg}, #255`) continue;
    if (!new RegExp(String.raw`^\tldrb\t${reg}, \[${REG}\], #1(\t@.*)?$`).test(lines[ldrb]!)) continue;
    // the table: a label, then one .2byte per entry
    let k = i + 1;
    while (k < lines.length && isInert(lines[k]!)) k++;
    if (!/^\.L\d+:$/.test(lines[k] ?? '')) continue;
    let entries = 0;
    for (k++; k < lines.length && /^\t\.2byte\t/.test(lines[k]!); k++) entries++;
    if (entries !== 256) continue;
    lines[cmp] = `\t@ ${lines[cmp]!.trim()}  (removed: ${reg} is a byte and the table has 256 entries)`;
    lines[bhi] = `\t@ ${lines[bhi]!.trim()}`;
    removed++;
  }
  if (removed) return { asm: lines.join('\n'), removed };
  return {
    asm,
    removed: 0,
    reason: seen === 0 ? 'the compiler emitted no tbh jump table' : 'no tbh dispatch matched ldrb/cmp #255/bhi with a 256-entry table',
  };
}

/** Added to the caller's flags for interp.c: with GCC's memset/memcpy builtins the interpreter
 * runs 4.7% more instructions on the benchmark (register allocation in the dispatch loop shifts);
 * +28 B. The bench programs were always built freestanding, which implies it, so with this flag
 * the boards run the code the bench measures. Cross-jumping only tails of 6+ instructions (GCC's
 * default 5): it merged handlers' short `store; b dispatch` tails into one, an extra branch per
 * dispatch, most in the per-image interpreter (codec: 10.95 M -> 10.63 M instructions there,
 * +364 B; 10.62 M -> 10.60 M with every handler, +60 B). */
const INTERP_FLAGS = ['-fno-builtin', '--param=min-crossjump-insns=6'];

/** Compiles `src` with `gcc` and `flags` (plus INTERP_FLAGS) into `obj` through the dispatch patch.
 * Throws with the compiler's message when a step fails; returns the patch result for the caller to report. */
export async function compileInterpreter(gcc: string, callerFlags: string[], src: string, obj: string): Promise<Omit<DispatchPatch, 'asm'>> {
  const flags = [...callerFlags, ...INTERP_FLAGS];
  const dir = mkdtempSync(join(tmpdir(), 'wqrt-interp-'));
  try {
    const s = join(dir, 'interp.s');
    const c = await run(gcc, [...flags, '-S', src, '-o', s]);
    if (c.code !== 0) throw new Error(`compiling ${src} failed:\n${c.stderr.trim()}`);
    const patch = removeDispatchRangeCheck(readFileSync(s, 'utf8'));
    writeFileSync(s, patch.asm);
    const a = await run(gcc, [...flags, '-c', s, '-o', obj]);
    if (a.code !== 0) throw new Error(`assembling ${src} failed:\n${a.stderr.trim()}`);
    return { removed: patch.removed, reason: patch.reason };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
    if (!r.removed) console.error(`warning: ${src}: dispatch range check kept (${r.reason}); the interpreter is correct but ~10% slower`);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
