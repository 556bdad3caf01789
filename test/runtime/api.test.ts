// The wasm3 embedding API as the firmware binding uses it (test/runtime/api/api_test.c,
// built with ASan + UBSan), and the loader's refusals of bad pre-decoded sections.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const OUT = resolve(import.meta.dirname, '../../build/runtime');
const driver = (cmds: string[]) => {
  const r = spawnSync(join(OUT, 'spec_driver'), { input: cmds.join('\n') + '\n', encoding: 'utf8' });
  return r.stdout.trim().split('\n');
};

describe('embedding API (wasm3 names and signatures)', () => {
  it('passes every API check under ASan/UBSan', () => {
    const out = execFileSync(join(OUT, 'api_test'), [join(OUT, 'api.pd.wasm')], { encoding: 'utf8' });
    expect(out).toMatch(/api_test: (\d+) checks, 0 failed/);
    expect(Number(/(\d+) checks/.exec(out)![1])).toBeGreaterThanOrEqual(30);
  });
});

describe('loader refuses modules that do not match their pre-decoded section', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wqrt-'));
  const good = readFileSync(join(OUT, 'api.pd.wasm'));

  it('loads the intact module', () => {
    writeFileSync(join(dir, 'ok.wasm'), good);
    expect(driver([`load ${join(dir, 'ok.wasm')}`])).toEqual(['ok']);
  });

  it('refuses a module changed after pre-decoding (hash differs)', () => {
    const bad = Buffer.from(good);
    const at = bad.indexOf(Buffer.from('hello'));
    bad[at] = 'j'.charCodeAt(0);
    writeFileSync(join(dir, 'stale.wasm'), bad);
    expect(driver([`load ${join(dir, 'stale.wasm')}`])[0]).toMatch(/^error .*module changed \(hash differs\): rerun predecode.ts/);
  });

  it('refuses a corrupted side table and a module without the section', () => {
    const bad = Buffer.from(good);
    bad[bad.length - 3] ^= 0x40;
    writeFileSync(join(dir, 'corrupt.wasm'), bad);
    expect(driver([`load ${join(dir, 'corrupt.wasm')}`])[0]).toMatch(/^error .*corrupt/);
    writeFileSync(join(dir, 'plain.wasm'), readFileSync(join(OUT, 'api.wasm')));
    expect(driver([`load ${join(dir, 'plain.wasm')}`])[0]).toMatch(/^error no wasmqtt.predecoded section: run predecode.ts/);
  });

  it('refuses another blob format version', () => {
    const bad = Buffer.from(good);
    const magic = bad.indexOf(Buffer.from('WQPD'));
    bad.writeUInt32LE(99, magic + 4);
    writeFileSync(join(dir, 'version.wasm'), bad);
    expect(driver([`load ${join(dir, 'version.wasm')}`])[0]).toMatch(/^error .*other version: rerun predecode.ts/);
  });
});
