// The wasm3 embedding API as the firmware binding uses it (test/runtime/api/api_test.c,
// built with ASan + UBSan), and the loader's refusals of bad pre-decoded sections: on both engines,
// the register form (the default: api_test_rf, spec_driver_rf, format 40) and the stack form
// (WQRT_REGFORM=0: api_test, spec_driver, format 39).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const OUT = resolve(import.meta.dirname, '../../build/runtime');
/** each engine: its API test program, its spec driver, the API fixture pre-decoded for it, and the pre-decoder
 * its messages name */
const FORMS = [
  { form: 'the register form (the default)', apiTest: 'api_test_rf', specDriver: 'spec_driver_rf',
    fixture: 'api.rf.wasm', tool: 'regform/blob.ts' },
  { form: 'the stack form', apiTest: 'api_test', specDriver: 'spec_driver', fixture: 'api.pd.wasm',
    tool: 'predecode.ts' },
] as const;
const run = (specDriver: string, cmds: string[]) => {
  const r = spawnSync(join(OUT, specDriver), { input: cmds.join('\n') + '\n', encoding: 'utf8' });
  return r.stdout.trim().split('\n');
};

describe.each(FORMS)('embedding API (wasm3 names and signatures) on $form', ({ apiTest, fixture }) => {
  it('passes every API check under ASan/UBSan', () => {
    const out = execFileSync(join(OUT, apiTest), [join(OUT, fixture)], { encoding: 'utf8' });
    expect(out).toMatch(/api_test: (\d+) checks, 0 failed/);
    expect(Number(/(\d+) checks/.exec(out)![1])).toBeGreaterThanOrEqual(30);
  });
});

describe.each(FORMS)('loader on $form refuses modules that do not match their pre-decoded section',
  ({ specDriver, fixture, tool }) => {
    const dir = mkdtempSync(join(tmpdir(), 'wqrt-'));
    const good = readFileSync(join(OUT, fixture));
    const driver = (cmds: string[]) => run(specDriver, cmds);

    it('loads the intact module', () => {
      writeFileSync(join(dir, 'ok.wasm'), good);
      expect(driver([`load ${join(dir, 'ok.wasm')}`])).toEqual(['ok']);
    });

    it('refuses a module changed after pre-decoding (hash differs)', () => {
      const bad = Buffer.from(good);
      const at = bad.indexOf(Buffer.from('hello'));
      expect(at).toBeGreaterThan(0);
      bad[at] = 'j'.charCodeAt(0);
      writeFileSync(join(dir, 'stale.wasm'), bad);
      expect(driver([`load ${join(dir, 'stale.wasm')}`])[0]).toMatch(
        new RegExp(`^error .*module changed \\(hash differs\\): rerun ${tool}$`));
    });

    it('refuses a corrupted blob and a module without the section', () => {
      const bad = Buffer.from(good);
      bad[bad.length - 3] ^= 0x40;
      writeFileSync(join(dir, 'corrupt.wasm'), bad);
      expect(driver([`load ${join(dir, 'corrupt.wasm')}`])[0]).toBe(`error wasmqtt.predecoded: corrupt: rerun ${tool}`);
      writeFileSync(join(dir, 'plain.wasm'), readFileSync(join(OUT, 'api.wasm')));
      expect(driver([`load ${join(dir, 'plain.wasm')}`])[0]).toBe(`error no wasmqtt.predecoded section: run ${tool}`);
    });

    it('refuses another blob format version', () => {
      const bad = Buffer.from(good);
      const magic = bad.indexOf(Buffer.from('WQPD'));
      bad.writeUInt32LE(99, magic + 4);
      writeFileSync(join(dir, 'version.wasm'), bad);
      expect(driver([`load ${join(dir, 'version.wasm')}`])[0]).toBe(
        `error wasmqtt.predecoded: other version: rerun ${tool}`);
    });
  });

describe.each(FORMS)('loader on $form refuses a malformed import section at parse time', ({ specDriver, fixture }) => {
  // Linking (m3_LinkRawFunctionEx) and instantiating read the import entries without checks
  // (session 14): m3_ParseModule must refuse every malformed entry first, with a clear error.
  const dir = mkdtempSync(join(tmpdir(), 'wqrt-imp-'));
  const good = readFileSync(join(OUT, fixture));
  const driver = (cmds: string[]) => run(specDriver, cmds);
  const leb = (b: Buffer, at: number): [number, number] => {
    let v = 0, shift = 0, n = 0;
    for (;;) { const x = b[at + n++]!; v |= (x & 0x7f) << shift; shift += 7; if (!(x & 0x80)) return [v >>> 0, n]; }
  };
  const sections = (b: Buffer) => {
    const out: { id: number; start: number; payload: number; end: number }[] = [];
    for (let p = 8; p < b.length; ) {
      const [size, n] = leb(b, p + 1);
      out.push({ id: b[p]!, start: p, payload: p + 1 + n, end: p + 1 + n + size });
      p += 1 + n + size;
    }
    return out;
  };
  const fnv1a = (b: Buffer, n: number) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ b[i]!, 0x01000193) >>> 0;
    return h >>> 0;
  };
  /** The module with its first import's kind byte set to `kind`, its hash re-stamped so only the import is wrong. */
  const withImportKind = (kind: number) => {
    const bad = Buffer.from(good);
    const secs = sections(bad);
    const imp = secs.find((s) => s.id === 2)!;
    let p = imp.payload + leb(bad, imp.payload)[1];
    for (let k = 0; k < 2; k++) { const [len, n] = leb(bad, p); p += n + len; }   // module and field names
    bad[p] = kind;
    const blobSec = secs[secs.length - 1]!;
    const magic = bad.indexOf(Buffer.from('WQPD'), blobSec.payload);
    bad.writeUInt32LE(fnv1a(bad, blobSec.start), magic + 8);
    return bad;
  };

  it('loads the module re-stamped with its own import kind (the re-stamp alone changes nothing)', () => {
    const imp = sections(good).find((s) => s.id === 2);
    expect(imp).toBeDefined();
    const p0 = imp!.payload + leb(good, imp!.payload)[1];
    let p = p0;
    for (let k = 0; k < 2; k++) { const [len, n] = leb(good, p); p += n + len; }
    writeFileSync(join(dir, 'same.wasm'), withImportKind(good[p]!));
    expect(driver([`load ${join(dir, 'same.wasm')}`])).toEqual(['ok']);
  });

  it('refuses an import of an unknown kind as malformed', () => {
    writeFileSync(join(dir, 'kind.wasm'), withImportKind(7));
    expect(driver([`load ${join(dir, 'kind.wasm')}`])[0]).toMatch(/^error malformed Wasm binary/);
  });
});
