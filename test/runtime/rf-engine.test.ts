// The register form (format 40, host-tools/wasm/regform/blob.ts) through the runtime's default engine
// (firmware/runtime/src/rf_engine.c): the embedding API's checks (host imports, traps and their trap info, calls
// and call_indirect), memory.grow, the loader's checks of a format 40 blob, and each build refusing the other
// form's blob by name; and the spec suite's target files through it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fnv1a, predecode, sectionLayout, withSection } from '../../host-tools/wasm/predecode.ts';
import { regform } from '../../host-tools/wasm/regform/blob.ts';
import {
  FLOAT_FILES, INTEGER_CORE_FILES, REGFORM_DRIVER, runSpecSuite, SPEC_DIR,
} from '../../host-tools/wasm/spectest.ts';

const REPO = resolve(import.meta.dirname, '../..');
const OUT = join(REPO, 'build/runtime');
const dir = mkdtempSync(join(tmpdir(), 'wqrt-rf-'));
const run = (driver: string, cmds: string[]) => {
  const r = spawnSync(join(OUT, driver), { input: cmds.join('\n') + '\n', encoding: 'utf8' });
  return r.stdout.trim().split('\n');
};
/** `wat` in the register form, written to a file: its path and the blob's offset in the module */
function rfModule(name: string, wat: string): { path: string; bytes: Buffer; blobAt: number } {
  const watPath = join(dir, `${name}.wat`), wasmPath = join(dir, `${name}.wasm`);
  writeFileSync(watPath, wat);
  execFileSync('wat2wasm', [watPath, '-o', wasmPath]);
  const r = regform(readFileSync(wasmPath));
  const path = join(dir, `${name}.rf.wasm`);
  writeFileSync(path, r.wasm);
  return { path, bytes: Buffer.from(r.wasm), blobAt: r.wasm.length - r.blobBytes };
}

beforeAll(() => {
  execFileSync('make', ['-s', 'build/runtime/spec_driver_rf', 'build/runtime/api_test_rf', 'build/runtime/api.rf.wasm',
    'build/runtime/spec_driver', 'build/runtime/api.pd.wasm'], { cwd: REPO, stdio: 'inherit' });
}, 240_000);

describe('the register form through the embedding API', () => {
  it('passes every API check under ASan/UBSan (imports, traps and trap info, call_indirect, globals, memory)', () => {
    const out = execFileSync(join(OUT, 'api_test_rf'), [join(OUT, 'api.rf.wasm')], { encoding: 'utf8' });
    expect(out).toMatch(/api_test: (\d+) checks, 0 failed/);
    expect(Number(/(\d+) checks/.exec(out)![1])).toBeGreaterThanOrEqual(30);
  });

  it('grows memory, reads and writes the new page, and refuses growth past the maximum', () => {
    const m = rfModule('grow', `(module (memory 1 3)
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "size") (result i32) (memory.size))
      (func (export "poke") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
      (func (export "peek") (param i32) (result i32) (i32.load (local.get 0))))`);
    expect(run('spec_driver_rf', [`load ${m.path}`, 'invoke peek 1 10000', 'invoke grow 1 1', 'invoke size 0',
      'invoke poke 2 1fffc 12345678', 'invoke peek 1 1fffc', 'invoke peek 1 1fffd', 'invoke grow 1 2',
      'invoke size 0', 'invoke grow 1 1', 'invoke size 0'])).toEqual([
      'ok', 'trap [trap] out of bounds memory access', 'ok 1', 'ok 2', 'ok', 'ok 12345678',
      'trap [trap] out of bounds memory access', 'ok ffffffff', 'ok 2', 'ok 2', 'ok 3']);
  });

  it('gives a trap its reason, a call its results, and keeps running after a trap', () => {
    const m = rfModule('calls', `(module
      (func $sum3 (param i32 i32 i32) (result i32) (i32.add (i32.add (local.get 0) (local.get 1)) (local.get 2)))
      (func $swap (param i64 i64) (result i64 i64) (local.get 1) (local.get 0))
      (func (export "f") (param i32) (result i32) (local i32)
        (local.set 1 (call $sum3 (local.get 0) (i32.const 10) (i32.const 100)))
        (i32.add (local.get 1) (call $sum3 (local.get 1) (local.get 1) (local.get 1))))
      (func (export "swap") (param i64 i64) (result i64 i64) (call $swap (local.get 0) (local.get 1)))
      (func (export "rem") (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1))))`);
    expect(run('spec_driver_rf', [`load ${m.path}`, 'invoke f 1 1', 'invoke swap 2 5 7', 'invoke rem 2 7 0',
      'invoke rem 2 7 4'])).toEqual(['ok', 'ok 1bc', 'ok 7 5', 'trap [trap] integer divide by zero', 'ok 3']);
  });
});

describe('fuel (WQRT_FUEL, host fuzz builds)', () => {
  it('ends an endless loop and an endless recursion with fuel exhausted, in both forms, and runs on after', () => {
    const wat = join(dir, 'fuel.wat'), wasm = join(dir, 'fuel.wasm');
    writeFileSync(wat, `(module
      (func (export "spin") (param i32) (loop $l (br $l)))
      (func $recurse (export "recurse") (param i32) (call $recurse (i32.add (local.get 0) (i32.const 1))))
      (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))`);
    execFileSync('wat2wasm', [wat, '-o', wasm]);
    writeFileSync(join(dir, 'fuel.rf.wasm'), regform(readFileSync(wasm)).wasm);
    writeFileSync(join(dir, 'fuel.pd.wasm'), predecode(readFileSync(wasm)).wasm);
    const expected = ['spin: [trap] fuel exhausted, fuel left 0', 'recurse: [trap] fuel exhausted, fuel left 0',
      'add: 42'];
    for (const [form, defs] of [['rf', []], ['pd', ['-DWQRT_REGFORM=0']]] as const) {
      const exe = join(dir, `fuel_${form}`);
      execFileSync('gcc', ['-std=gnu11', '-O1', '-Ifirmware/runtime/include', '-DWQRT_FUEL', ...defs,
        ...['api.c', 'loader.c', 'interp.c', 'rf_engine.c'].map((f) => `firmware/runtime/src/${f}`),
        'test/runtime/api/fuel_test.c', '-o', exe], { cwd: REPO });
      const out = execFileSync(exe, [join(dir, `fuel.${form}.wasm`)], { encoding: 'utf8', timeout: 10_000 });
      expect(out.trim().split('\n'), form).toEqual(expected);
    }
  }, 60_000);
});

describe('an image\'s own engine', () => {
  it('runs a module on an engine built with only its ops (blob.ts --image, gen-ops.ts --only)', () => {
    const wat = join(dir, 'image.wat'), wasm = join(dir, 'image.wasm'), rf = join(dir, 'image.rf.wasm');
    writeFileSync(wat, `(module
      (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
      (func (export "sumsq") (param i32) (result i32) (local i32)
        (block (loop (br_if 1 (i32.eqz (local.get 0)))
          (local.set 1 (i32.add (local.get 1) (call $sq (local.get 0))))
          (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br 0)))
        (local.get 1)))`);
    execFileSync('wat2wasm', [wat, '-o', wasm]);
    const tool = (args: string[]) => execFileSync('node', ['--import', 'tsx', ...args], { cwd: REPO });
    tool(['host-tools/wasm/regform/blob.ts', '--image', wasm, rf]);
    const ops = readFileSync(`${rf}.ops`, 'utf8').split(/\s+/).filter(Boolean);
    tool(['host-tools/wasm/regform/gen-ops.ts', join(dir, 'image-ops'), '--only', `${rf}.ops`]);
    expect(readFileSync(join(dir, 'image-ops/rf_ops.h'), 'utf8')).toContain(`#define NUM_OPS ${ops.length}\n`);
    const driver = join(dir, 'image_driver');
    execFileSync('gcc', ['-std=c11', '-O1', '-Ifirmware/runtime/include', '-DWQRT_RF_IMAGE_OPS=1',
      `-I${join(dir, 'image-ops')}`,
      ...['api.c', 'loader.c', 'interp.c', 'rf_engine.c'].map((f) => `firmware/runtime/src/${f}`),
      'firmware/runtime/host/spec_driver.c', '-o', driver, '-lm'], { cwd: REPO });
    const r = spawnSync(driver, { input: `load ${rf}\ninvoke sumsq 1 a\ninvoke sumsq 1 0\n`, encoding: 'utf8' });
    expect(r.stdout.trim().split('\n')).toEqual(['ok', 'ok 181', 'ok 0']);   // 0x181 = 1 + 4 + ... + 100
    // the every-op engine numbers its handlers otherwise: it refuses the image's blob (RF_OPS_HASH)
    expect(run('spec_driver_rf', [`load ${rf}`])[0]).toMatch(/^error .*numbered for another engine/);
  }, 60_000);
});

/** The module's bytes without section `id` (the sections are read, not validated: a test's own modules). */
function withoutSection(b: Uint8Array, id: number): Uint8Array {
  const parts: Uint8Array[] = [b.subarray(0, 8)];
  for (let p = 8; p < b.length;) {
    const start = p++;
    let size = 0, shift = 0, byte: number;
    do { byte = b[p++]!; size += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    p += size;
    if (b[start] !== id) parts.push(b.subarray(start, p));
  }
  return Buffer.concat(parts);
}

describe('the loader and a format 40 blob', () => {
  it('runs a module whose code section is left out (a board image drops it: format 40 never reads it)', () => {
    const m = rfModule('nocode', `(module (memory 1) (data (i32.const 8) "\\2a")
      (func $at (param i32) (result i32) (i32.load8_u (local.get 0)))
      (func (export "twice") (param i32) (result i32) (i32.add (call $at (local.get 0)) (call $at (local.get 0)))))`);
    const original = readFileSync(join(dir, 'nocode.wasm')), base = withoutSection(original, 10);
    const stamped = Buffer.from(m.bytes.subarray(m.blobAt));
    stamped.writeUInt32LE(fnv1a(base), 8);   // the module's hash: every byte before the section
    const path = join(dir, 'nocode.rf.wasm');
    writeFileSync(path, withSection(base, stamped, sectionLayout(base.length, stamped.length)));
    expect(base.length).toBeLessThan(original.length);
    expect(run('spec_driver_rf', [`load ${path}`, 'invoke twice 1 8'])).toEqual(['ok', 'ok 54']);
  });

  it('refuses format 39 in the default build and format 40 in the stack form\'s (WQRT_REGFORM=0), saying which ' +
      'reads it', () => {
    expect(run('spec_driver_rf', [`load ${join(OUT, 'api.pd.wasm')}`])[0]).toMatch(
      /^error wasmqtt.predecoded: format 39: this runtime reads format 40/);
    expect(run('spec_driver', [`load ${join(OUT, 'api.rf.wasm')}`])[0]).toMatch(/^error .*other version/);
  });

  it('refuses a function record whose code lies outside the blob\'s code, even with the hashes right', () => {
    const m = rfModule('records', '(module (func (export "one") (result i32) (i32.const 1)))');
    expect(run('spec_driver_rf', [`load ${m.path}`, 'invoke one 0'])).toEqual(['ok', 'ok 1']);
    const bad = Buffer.from(m.bytes);
    const ntypes = bad.readUInt16LE(m.blobAt + 16), nfuncs = bad.readUInt32LE(m.blobAt + 20);
    const codeLen = bad.readUInt32LE(m.blobAt + 28);
    // function 0's code, from its record: past the records, then one past the code
    bad.writeUInt32LE(nfuncs * 8 + codeLen, m.blobAt + 36 + ntypes * 8);
    bad.writeUInt32LE(fnv1a(bad.subarray(m.blobAt + 16)), m.blobAt + 12);
    writeFileSync(join(dir, 'bad-record.wasm'), bad);
    expect(run('spec_driver_rf', [`load ${join(dir, 'bad-record.wasm')}`])[0]).toMatch(/^error .*corrupt/);
  });
});

describe('the spec suite through the register form', () => {
  it('passes every assert_return, assert_trap and assert_exhaustion of the integer and float files', async () => {
    const files = [...INTEGER_CORE_FILES, ...FLOAT_FILES].map((f) => join(SPEC_DIR, `${f}.wast`));
    const suite = await runSpecSuite(files, REGFORM_DRIVER, 2, { regform: true });
    expect(suite.files.flatMap((f) => f.failures).slice(0, 20)).toEqual([]);
    let executed = 0;
    for (const f of suite.files) for (const k of ['assert_return', 'assert_trap', 'assert_exhaustion']) {
      const b = f.byKind[k];
      if (!b) continue;
      expect({ file: f.file, kind: k, failed: b.failed, skipped: b.skipped }).toEqual(
        { file: f.file, kind: k, failed: 0, skipped: 0 });
      executed += b.passed;
    }
    expect(executed).toBeGreaterThan(20_000);
  }, 240_000);
});
