// Builds the register-form engine (a computed-goto interpreter) for Cortex-M with its dispatch
// copied into every handler.
//
// Each handler of the engine ends in `ldrb op, [pc, #n]!` (written in asm by its NEXT macro, so
// GCC cannot keep the new pc in a second register) and `goto *table[op]`. GCC at -Os factors every
// such goto into one shared head, `orr rX, rX, #1; bx rX` (a label's address carries no Thumb bit),
// so a dispatch is `ldr rX, [table, op, lsl #2]; b head; orr; bx`: four instructions. This step
// gives every handler `ldr pc, [table, op, lsl #2]` instead (two instructions in all with the
// fetch) and sets the Thumb bit in the label table, which ARMv7-M requires of an address loaded
// into pc. The head stays, for the paths that reach it otherwise (the first dispatch, calls and
// returns), and still works on the marked entries. Where GCC's output has another shape, nothing
// changes and the caller is told why: the engine is then correct, only slower.
// (docs/runtime.md "Next: a register form": the dispatch costs of the measured prototype.)
//
// CLI: node --import tsx host-tools/fwbuild/regform-dispatch.ts <arm-gcc> <flags...> -c <engine.c> -o <obj>
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { INTERP_FLAGS, isInert } from './interp-dispatch.ts';
import { run } from './toolchain.ts';

export interface GotoPatch {
  /** the assembly with the dispatch copied (unchanged when `copies` is 0) */
  asm: string;
  /** handler tails that now end in `ldr pc` */
  copies: number;
  /** why nothing was copied, when `copies` is 0 */
  reason?: string;
}

const REG = String.raw`(?:r\d{1,2}|sl|fp|ip|lr)`;

/** Gives every `ldr rX, [t, op, lsl #2]; b head` its own `ldr pc, [t, op, lsl #2]`, where head is
 * GCC's shared `orr rX, rX, #1; bx rX`, and marks the one label table (the object holding only
 * `.word .L<n>` entries) with the Thumb bit. A pre-indexed fetch by 0 (`ldrb op, [pc, #0]!`)
 * becomes a plain `ldrb op, [pc]`: the same load, a 16-bit encoding. */
export function replicateComputedGoto(asm: string): GotoPatch {
  const none = (reason: string): GotoPatch => ({ asm, copies: 0, reason });
  const lines = asm.split('\n');
  const code = (from: number): number => {
    let k = from;
    while (k < lines.length && isInert(lines[k]!)) k++;
    return k;
  };
  let head: string | undefined, headReg: string | undefined;
  for (let i = 0; i < lines.length && !head; i++) {
    const label = /^(\.L\d+):$/.exec(lines[i]!)?.[1];
    if (!label) continue;
    const a = code(i + 1), b = code(a + 1);
    const orr = new RegExp(String.raw`^\torr\t(${REG}), \1, #1$`).exec(lines[a] ?? '');
    if (orr && lines[b] === `\tbx\t${orr[1]}`) { head = label; headReg = orr[1]; }
  }
  if (!head || !headReg) return none('no shared computed-goto head (orr rX, rX, #1; bx rX) in the compiler\'s output');
  // the label table: exactly one run of `.word .L<n>` lines under a label of its own
  const tables: Array<{ from: number; to: number }> = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^[A-Za-z_.$][\w.$]*:$/.test(lines[i]!) || !/^\t\.word\t\.L\d+$/.test(lines[i + 1] ?? '')) continue;
    let e = i + 1;
    while (/^\t\.word\t\.L\d+$/.test(lines[e] ?? '')) e++;
    tables.push({ from: i + 1, to: e });
    i = e - 1;
  }
  if (tables.length !== 1) return none(`${tables.length} label tables (runs of .word .L<n>), not one`);
  const tail = new RegExp(String.raw`^\tldr\t${headReg}, \[(${REG}), (${REG}), lsl #2\]$`);
  const out: string[] = [];
  let copies = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === `\tb\t${head}`) {
      let p = out.length - 1;
      while (p >= 0 && isInert(out[p]!)) p--;
      const m = tail.exec(out[p] ?? '');
      // never inside an IT block (GCC writes a conditional branch as b<cond>; checked anyway)
      let q = p - 1;
      while (q >= 0 && isInert(out[q]!)) q--;
      if (m && !/^\tit/.test(out[q] ?? '')) {
        out[p] = `\tldr\tpc, [${m[1]}, ${m[2]}, lsl #2]`;
        copies++;
        continue;
      }
    }
    const t = tables[0]!;
    if (i >= t.from && i < t.to) { out.push(`${l}+1`); continue; }
    out.push(/^\tldrb[\t ]/.test(l) ? l.replace(/, #0\]!$/, ']') : l);
  }
  if (!copies) return none(`no handler ends in ldr ${headReg}, [table, op, lsl #2]; b ${head}`);
  return { asm: out.join('\n'), copies };
}

/** Compiles the engine `src` with `gcc` and `flags` (plus the interpreter's INTERP_FLAGS) into `obj`
 * through replicateComputedGoto. Throws with the compiler's message when a step fails. */
export async function compileRegformEngine(gcc: string, flags: string[], src: string, obj: string):
    Promise<Omit<GotoPatch, 'asm'>> {
  const dir = mkdtempSync(join(tmpdir(), 'wqrt-regform-'));
  try {
    const s = join(dir, 'engine.s');
    const all = [...flags, ...INTERP_FLAGS];
    const c = await run(gcc, [...all, '-S', src, '-o', s]);
    if (c.code !== 0) throw new Error(`compiling ${src} failed:\n${c.stderr.trim()}`);
    const patch = replicateComputedGoto(readFileSync(s, 'utf8'));
    writeFileSync(s, patch.asm);
    const a = await run(gcc, [...all, '-c', s, '-o', obj]);
    if (a.code !== 0) throw new Error(`assembling ${src} failed:\n${a.stderr.trim()}`);
    return { copies: patch.copies, reason: patch.reason };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [gcc, ...args] = process.argv.slice(2);
  const ci = args.indexOf('-c'), oi = args.indexOf('-o');
  if (!gcc || ci < 0 || oi < 0 || !args[ci + 1] || !args[oi + 1]) {
    console.error('usage: regform-dispatch.ts <arm-gcc> <flags...> -c <engine.c> -o <obj>');
    process.exit(2);
  }
  const src = args[ci + 1]!, obj = args[oi + 1]!;
  const flags = args.filter((_, i) => i !== ci && i !== ci + 1 && i !== oi && i !== oi + 1);
  try {
    const r = await compileRegformEngine(gcc, flags, src, obj);
    if (!r.copies) console.error(`warning: ${src}: dispatch not copied into the handlers (${r.reason}); the engine ` +
      'is correct but slower');
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
