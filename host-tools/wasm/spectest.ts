// Spec-test harness: converts ../shared/wasm-spec-tests/*.wast with Debian's wast2json, writes every module
// for one of the runtime's two engines and runs each command against a host build of the C runtime (a line
// protocol on stdin/stdout): the register form, the default (regform/blob.ts, format 40,
// build/runtime/spec_driver_rf), or the stack form (predecode.ts, format 39, build/runtime/spec_driver,
// WQRT_REGFORM=0). The functions below take the stack form unless given { regform: true }.
// Usage: node --import tsx host-tools/wasm/spectest.ts [--stack] [DRIVER] [file.wast ...]
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { predecode } from './predecode.ts';
import { regform } from './regform/blob.ts';

export const REPO = resolve(import.meta.dirname, '../..');
export const SPEC_DIR = resolve(REPO, '../shared/wasm-spec-tests');
export const WORK_DIR = resolve(REPO, 'build/runtime/spec');
export const STACK_DRIVER = resolve(REPO, 'build/runtime/spec_driver');
export const REGFORM_DRIVER = resolve(REPO, 'build/runtime/spec_driver_rf');
/** regform: write each module in the register form (format 40) for a WQRT_REGFORM=1 driver */
export interface SpecOptions { regform?: boolean }

export type Kind = 'assert_return' | 'assert_trap' | 'assert_exhaustion' | 'assert_invalid' | 'assert_malformed' |
  'other';
export interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  byKind: Record<string, { passed: number; failed: number; skipped: number }>;
  failures: string[];
  skipReasons: Record<string, number>;
}

interface JsonValue { type: string; value?: string | string[] }
interface Command {
  type: string;
  line: number;
  filename?: string;
  name?: string;
  as?: string;
  module_type?: string;
  text?: string;
  action?: { type: string; module?: string; field: string; args?: JsonValue[] };
  expected?: JsonValue[];
}

/** Spec files whose assert_return/assert_trap/assert_exhaustion must all pass. */
export const INTEGER_CORE_FILES = [
  'i32', 'i64', 'int_exprs', 'int_literals', 'block', 'br', 'br_if', 'br_table', 'loop', 'if', 'call', 'return',
  'labels',
  'switch', 'nop', 'unreachable', 'select', 'fac', 'forward', 'stack', 'local_get', 'local_set', 'local_tee', 'unwind',
  'memory', 'memory_grow', 'memory_size', 'memory_trap', 'memory_redundancy', 'address', 'align', 'endianness', 'load',
  'store',
  'bulk', 'memory_copy', 'memory_fill', 'memory_init', 'global', 'call_indirect', 'table', 'func', 'func_ptrs', 'traps',
  'left-to-right',
];
export const FLOAT_FILES = ['f32', 'f32_bitwise', 'f32_cmp', 'f64', 'f64_bitwise', 'f64_cmp', 'float_exprs',
  'float_literals', 'float_memory', 'float_misc', 'conversions'];

const SPECTEST_IMPORTS = new Set(['print', 'print_i32', 'print_i64', 'print_f32', 'print_f64', 'print_i32_f32',
  'print_f64_f64', 'global_i32', 'global_i64', 'global_f32', 'global_f64', 'table', 'memory']);

function kindOf(t: string): Kind {
  return (['assert_return', 'assert_trap', 'assert_exhaustion', 'assert_invalid', 'assert_malformed'] as const)
    .find((k) => k === t) ?? 'other';
}

function toSlot(v: JsonValue): string {
  if (v.type === 'externref' || v.type === 'funcref') return v.value === 'null' ? '0' : (
    BigInt(v.value as string) + 1n).toString(16);
  if (Array.isArray(v.value)) throw new Error('vector values are not supported');
  return BigInt(v.value as string).toString(16);
}

function matches(expected: JsonValue, got: bigint): boolean {
  const v = expected.value;
  if (typeof v !== 'string' && v !== undefined) return false;
  switch (expected.type) {
    case 'i32':
    case 'f32': {
      const g = got & 0xffffffffn;
      if (v === 'nan:canonical') return (g & 0x7fffffffn) === 0x7fc00000n;
      if (v === 'nan:arithmetic') return (g & 0x7fc00000n) === 0x7fc00000n;
      return g === BigInt(v!);
    }
    case 'i64':
    case 'f64': {
      if (v === 'nan:canonical') return (got & 0x7fffffffffffffffn) === 0x7ff8000000000000n;
      if (v === 'nan:arithmetic') return (got & 0x7ff8000000000000n) === 0x7ff8000000000000n;
      return got === BigInt(v!);
    }
    case 'externref':
    case 'funcref':
      if (v === undefined) return got !== 0n;
      return v === 'null' ? got === 0n : got === BigInt(v) + 1n;
    default:
      return false;
  }
}

class Driver {
  private lines: string[] = [];
  private waiters: ((l: string) => void)[] = [];
  private proc;
  constructor(path: string) {
    this.proc = spawn(path, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.proc.stdout! }).on('line', (l) => {
      const w = this.waiters.shift();
      if (w) w(l);
      else this.lines.push(l);
    });
    this.proc.on('exit', (code, sig) => {
      for (const w of this.waiters.splice(0)) w(`crash driver exited (${code ?? sig})`);
      this.dead = `driver exited (${code ?? sig})`;
    });
  }
  dead: string | null = null;
  ask(cmd: string): Promise<string> {
    if (this.dead) return Promise.resolve(`crash ${this.dead}`);
    this.proc.stdin!.write(cmd + '\n');
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    return new Promise((r) => this.waiters.push(r));
  }
  close() {
    this.proc.stdin!.end();
  }
}

function convert(wast: string): { dir: string; json: string } {
  const name = basename(wast, '.wast');
  const dir = join(WORK_DIR, name);
  const json = join(dir, `${name}.json`);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(json) || statSync(json).mtimeMs < statSync(wast).mtimeMs) {
    execFileSync('wast2json', ['--enable-all', wast, '-o', json], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  return { dir, json };
}

/** Runs one .wast file; every command is counted as passed, failed or skipped (with a reason). */
export async function runSpecFile(wast: string, driverPath = STACK_DRIVER, opts: SpecOptions = {}):
Promise<FileResult> {
  const file = basename(wast, '.wast');
  const res: FileResult = { file, passed: 0, failed: 0, skipped: 0, byKind: {}, failures: [], skipReasons: {} };
  const count = (c: Command, outcome: 'passed' | 'failed' | 'skipped', why?: string) => {
    const k = kindOf(c.type);
    const b = (res.byKind[k] ??= { passed: 0, failed: 0, skipped: 0 });
    b[outcome]++;
    res[outcome]++;
    if (outcome === 'failed') res.failures.push(
      `${file}.wast:${c.line} ${c.type}${c.action ? ' ' + c.action.field : ''}: ${why}`);
    if (outcome === 'skipped') res.skipReasons[why!] = (res.skipReasons[why!] ?? 0) + 1;
  };
  let conv;
  try {
    conv = convert(wast);
  } catch (e) {
    res.failed++;
    res.failures.push(`${file}.wast: wast2json failed: ${(e as Error).message.split('\n')[0]}`);
    return res;
  }
  const script = JSON.parse(readFileSync(conv.json, 'utf8')) as { commands: Command[] };
  const drv = new Driver(driverPath);
  let current: string | null = null; // name of the live module (or '' when unnamed)
  let liveOk = false;
  let liveSkip: string | null = null;

  const prepare = (filename: string): { path?: string; rejected?: string; skip?: string } => {
    const bytes = readFileSync(join(conv.dir, filename));
    try {
      const out = opts.regform ? regform(bytes) : predecode(bytes);
      const foreign = importsOutsideSpectest(bytes);
      if (foreign) return { skip: 'cross-module linking (imports from a registered module): one module per runtime' };
      const path = join(conv.dir, filename.replace(/\.wasm$/, opts.regform ? '.rf.wasm' : '.pd.wasm'));
      writeFileSync(path, out.wasm);
      return { path };
    } catch (e) {
      if ((e as { kind?: string }).kind) return { rejected: (e as Error).message };
      throw e;
    }
  };

  const runAction = async (c: Command): Promise<string> => {
    const a = c.action!;
    if (a.module !== undefined &&
      a.module !== current) return 'skip:action on another (registered) module: one module per runtime';
    if (liveSkip) return 'skip:' + liveSkip;
    if (!liveOk) return 'error module failed to load';
    if (a.type === 'get') return drv.ask(`get ${a.field}`);
    const args = a.args ?? [];
    if (args.some((x) => x.type === 'v128')) return 'skip:SIMD (v128) is outside Wasm 2.0 core subset run here';
    if (/\s/.test(a.field) ||
      a.field.length === 0) return 'skip:export names with spaces/empty cannot travel through the driver protocol';
    return drv.ask(`invoke ${a.field} ${args.length} ${args.map(toSlot).join(' ')}`.trim());
  };

  for (const c of script.commands) {
    try {
      switch (c.type) {
        case 'module': {
          current = c.name ?? '';
          const p = prepare(c.filename!);
          liveSkip = p.skip ?? null;
          liveOk = false;
          if (p.skip) count(c, 'skipped', p.skip);
          else if (p.rejected) count(c, 'failed', `valid module rejected by predecode: ${p.rejected}`);
          else {
            const r = await drv.ask(`load ${p.path}`);
            liveOk = r === 'ok';
            count(c, liveOk ? 'passed' : 'failed', r);
          }
          break;
        }
        case 'register':
          count(c, 'skipped', 'register: cross-module linking is outside the one-module embedding');
          break;
        case 'action': {
          const r = await runAction(c);
          if (r.startsWith('skip:')) count(c, 'skipped', r.slice(5));
          else count(c, r.startsWith('ok') ? 'passed' : 'failed', r);
          break;
        }
        case 'assert_return': {
          const r = await runAction(c);
          if (r.startsWith('skip:')) {
            count(c, 'skipped', r.slice(5));
            break;
          }
          if (!r.startsWith('ok')) {
            count(c, 'failed', r);
            break;
          }
          const got = r.split(' ').slice(1).map((h) => BigInt('0x' + h));
          const exp = c.expected ?? [];
          if (exp.some((x) => x.type === 'v128')) count(
            c, 'skipped', 'SIMD (v128) is outside Wasm 2.0 core subset run here');
          else if (got.length === exp.length && exp.every((e, i) => matches(e, got[i]!))) count(c, 'passed');
          else count(c, 'failed', `expected ${JSON.stringify(exp.map((e) => e.value))} got ${r}`);
          break;
        }
        case 'assert_trap':
        case 'assert_exhaustion': {
          if (c.action) {
            const r = await runAction(c);
            if (r.startsWith('skip:')) count(c, 'skipped', r.slice(5));
            else count(c, r.startsWith('trap') ? 'passed' : 'failed', `expected trap "${c.text}", got ${r}`);
          } else {
            // instantiation traps (e.g. out-of-bounds data segment)
            const p = prepare(c.filename!);
            if (p.skip) count(c, 'skipped', p.skip);
            else if (p.rejected) count(c, 'failed', `predecode rejected: ${p.rejected}`);
            else {
              const r = await drv.ask(`load ${p.path}`);
              count(c, r !== 'ok' ? 'passed' : 'failed', `expected trap at instantiation, got ${r}`);
              liveOk = false;
            }
          }
          break;
        }
        case 'assert_invalid':
        case 'assert_malformed': {
          if (c.module_type === 'text') {
            count(c, 'skipped', 'malformed text-format module (a .wat parser concern, never a binary)');
            break;
          }
          const p = prepare(c.filename!);
          if (p.rejected) count(c, 'passed');
          else if (p.skip) count(c, 'skipped', p.skip);
          else {
            const r = await drv.ask(`load ${p.path}`);
            count(c, r !== 'ok' ? 'passed' : 'failed',
              `accepted an ${c.type === 'assert_invalid' ? 'invalid' : 'malformed'} module (${c.text})`);
            liveOk = false;
          }
          break;
        }
        case 'assert_uninstantiable': {
          const p = prepare(c.filename!);
          if (p.skip) count(c, 'skipped', p.skip);
          else if (p.rejected) count(c, 'failed', `predecode rejected: ${p.rejected}`);
          else {
            const r = await drv.ask(`load ${p.path}`);
            count(c, r !== 'ok' ? 'passed' : 'failed', `expected instantiation failure, got ${r}`);
            liveOk = false;
          }
          break;
        }
        case 'assert_unlinkable':
          count(c, 'skipped', 'assert_unlinkable: import type matching against other modules is outside the ' +
            'one-module embedding');
          break;
        default:
          count(c, 'skipped', `command ${c.type} not supported`);
      }
    } catch (e) {
      count(c, 'failed', `harness error: ${(e as Error).message}`);
    }
  }
  drv.close();
  if (drv.dead && !drv.dead.includes('(0)')) {
    res.failed++;
    res.failures.push(`${file}.wast: ${drv.dead}`);
  }
  return res;
}

/** True when the module imports anything spectest does not provide. */
function importsOutsideSpectest(b: Uint8Array): boolean {
  let p = 8;
  const u = () => {
    let r = 0, s = 0, x;
    do {
      x = b[p++]!;
      r += (x & 0x7f) * 2 ** s;
      s += 7;
    } while (x & 0x80);
    return r;
  };
  while (p < b.length) {
    const id = b[p++]!;
    const size = u();
    const end = p + size;
    if (id === 2) {
      let n = u();
      while (n--) {
        const ml = u();
        const mod = new TextDecoder().decode(b.subarray(p, p + ml));
        p += ml;
        const nl = u();
        const name = new TextDecoder().decode(b.subarray(p, p + nl));
        p += nl;
        const kind = b[p++]!;
        if (mod !== 'spectest' || !SPECTEST_IMPORTS.has(name)) return true;
        if (kind === 0) u();
        else if (kind === 1) {
          p++;
          const f = b[p++]!;
          u();
          if (f & 1) u();
        } else if (kind === 2) {
          const f = b[p++]!;
          u();
          if (f & 1) u();
        } else p += 2;
      }
      return false;
    }
    p = end;
  }
  return false;
}

export function specFiles(): string[] {
  return readdirSync(SPEC_DIR)
    .filter((f) => f.endsWith('.wast'))
    .sort()
    .map((f) => join(SPEC_DIR, f));
}

export interface SuiteResult {
  files: FileResult[]; passed: number; failed: number; skipped: number; skipReasons: Record<string, number> }

export async function runSpecSuite(files = specFiles(), driver = STACK_DRIVER, parallel = 2, opts: SpecOptions = {}):
Promise<SuiteResult> {
  const out: FileResult[] = new Array(files.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < files.length) {
        const i = next++;
        out[i] = await runSpecFile(files[i]!, driver, opts);
      }
    }),
  );
  const skipReasons: Record<string, number> = {};
  for (const f of out) for (const [k, v] of Object.entries(f.skipReasons)) skipReasons[k] = (skipReasons[k] ?? 0) + v;
  return {
    files: out,
    passed: out.reduce((a, f) => a + f.passed, 0),
    failed: out.reduce((a, f) => a + f.failed, 0),
    skipped: out.reduce((a, f) => a + f.skipped, 0),
    skipReasons,
  };
}

export function formatSuite(r: SuiteResult): string {
  const lines = r.files.map((f) => `${f.file.padEnd(28)} ${f.passed} passed, ${f.failed} failed, ${f.skipped} skipped`);
  lines.push(`TOTAL: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  lines.push('skipped, by reason:');
  for (const [k, v] of Object.entries(r.skipReasons).sort((a, b) => b[1] - a[1])) lines.push(
    `  ${String(v).padStart(5)}  ${k}`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const stack = args[0] === '--stack';
  if (stack) args.shift();
  const opts: SpecOptions = { regform: !stack };
  const driver = args[0] && !args[0].endsWith('.wast') ? args.shift()! : stack ? STACK_DRIVER : REGFORM_DRIVER;
  const files = args.length ? args.map((a) => resolve(a)) : specFiles();
  const r = await runSpecSuite(files, driver, 2, opts);
  console.log(formatSuite(r));
  const fails = r.files.flatMap((f) => f.failures);
  if (fails.length) console.log('failures:\n' + fails.slice(0, 200).join('\n'));
  process.exitCode = r.failed ? 1 : 0;
}
