// Compatibility with programs written for wasm3: a driver that uses wasm3's public API only
// (firmware/runtime/host/plain_driver.c: no wqrt_SetArena, no wasmqtt_rt.h) loads modules
// from aligned and unaligned buffers, and ordinary AssemblyScript string code (83 data
// segments) loads and computes what Node's engine computes. plain_driver is built with no engine
// define, as a user's program is: the default, the register form (format 40, *.rf.wasm);
// plain_driver_stack is the stack form (WQRT_REGFORM=0, format 39, *.pd.wasm).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const OUT = join(REPO, 'build/runtime');
/** each engine: its driver, the suffix of the modules pre-decoded for it, and the pre-decoder its messages name */
const FORMS = [
  { form: 'the register form (the default)', driver: 'plain_driver', ext: 'rf', tool: 'regform/blob.ts' },
  { form: 'the stack form', driver: 'plain_driver_stack', ext: 'pd', tool: 'predecode.ts' },
] as const;
/** runs DRIVER (a program in build/runtime, or a path) on build/runtime/MODULE: its one line of output */
const plain = (driver: string, module: string, offset: number, fn: string, ...args: number[]): string => {
  try {
    return execFileSync(resolve(OUT, driver), [join(OUT, module), String(offset), fn, ...args.map(String)],
      { encoding: 'utf8' }).trim();
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e).trim();
  }
};

async function nodeRun(file: string, arg: number): Promise<number> {
  const { instance } = await WebAssembly.instantiate(readFileSync(join(OUT, file)), {});
  return (instance.exports.run as (v: number) => number)(arg) >>> 0;
}

describe.each(FORMS)('a wasm3-API-only program on $form', ({ driver, ext, tool }) => {
  it('gets a default arena: m3_NewRuntime works without wqrt_SetArena', async () => {
    expect(plain(driver, `strings.${ext}.wasm`, 0, 'run', 42)).toBe(`ok ${await nodeRun('strings.wasm', 42)}`);
  });

  it('loads module bytes that are not 4-byte aligned (offsets 1, 2, 3)', async () => {
    const want = `ok ${await nodeRun('strings.wasm', -7)}`;
    for (const offset of [1, 2, 3]) expect(plain(driver, `strings.${ext}.wasm`, offset, 'run', -7)).toBe(want);
  });

  it('names the fix for a module without the pre-decoded section: its engine\'s pre-decoder', () => {
    expect(plain(driver, 'strings.wasm', 1, 'run', 1)).toBe(`error no wasmqtt.predecoded section: run ${tool}`);
  });

  it('reports an unbound import on the first call, as wasm3 does', () => {
    expect(plain(driver, `api.${ext}.wasm`, 1, 'add', 2, 3)).toBe('error missing imported function');
  });
});

describe('the default build', () => {
  it('is the register form: it refuses the stack form\'s format 39, naming the format it reads', () => {
    expect(plain('plain_driver', 'strings.pd.wasm', 0, 'run', 1)).toBe(
      'error wasmqtt.predecoded: format 39: this runtime reads format 40 (regform/blob.ts)');
  });

  it('needs nothing but the runtime\'s own files: gcc src/*.c prog.c -Iinclude, no define, no generated folder', () => {
    const exe = join(mkdtempSync(join(tmpdir(), 'wqrt-plain-')), 'plain');
    const src = join(REPO, 'firmware/runtime/src');
    const files = readdirSync(src).filter((f) => f.endsWith('.c')).map((f) => join(src, f));
    execFileSync('gcc', [...files, join(REPO, 'firmware/runtime/host/plain_driver.c'),
      `-I${join(REPO, 'firmware/runtime/include')}`, '-o', exe], { cwd: tmpdir() });
    expect(plain(exe, 'strings.rf.wasm', 1, 'run', 99)).toBe(plain('plain_driver', 'strings.rf.wasm', 1, 'run', 99));
    expect(plain(exe, 'strings.rf.wasm', 1, 'run', 99)).toMatch(/^ok \d+$/);
  }, 60_000);
});

describe('data segments', () => {
  it('an AssemblyScript module with more than 32 data segments loads and runs', async () => {
    const data = readFileSync(join(OUT, 'strings.wasm'));
    // section 11's count: the fixture's string literals and itoa tables, one segment each
    let p = 8, count = 0;
    const leb = (): number => {
      let v = 0, shift = 0, b: number;
      do { b = data[p++]!; v |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
      return v;
    };
    while (p < data.length) {
      const id = data[p++]!, size = leb(), next = p + size;
      if (id === 11) count = leb();
      p = next;
    }
    expect(count).toBeGreaterThanOrEqual(39);
    for (const { driver, ext } of FORMS) for (const v of [0, 1, 12345, -99999]) {
      expect(plain(driver, `strings.${ext}.wasm`, 0, 'run', v), driver).toBe(`ok ${await nodeRun('strings.wasm', v)}`);
    }
  });
});
