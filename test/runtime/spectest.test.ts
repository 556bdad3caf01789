// The official spec tests (../shared/wasm-spec-tests) against the host build of the runtime.
// Targets (docs/runtime.md): every assert_return/assert_trap/assert_exhaustion passes in the
// integer, control, memory, bulk, global, call_indirect and table files and in the float files
// (floats on in this build); >= 98% of the binary assert_invalid/assert_malformed are rejected.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FLOAT_FILES, INTEGER_CORE_FILES, formatSuite, runSpecFile, runSpecSuite, SPEC_DIR, type SuiteResult,
} from '../../host-tools/wasm/spectest.ts';

const DRIVER = resolve(import.meta.dirname, '../../build/runtime/spec_driver');
const ASAN_DRIVER = resolve(import.meta.dirname, '../../build/runtime/spec_driver_asan');
const REGFORM_DRIVER = resolve(import.meta.dirname, '../../build/runtime/spec_driver_rf');

describe('wasm spec tests on the host build', () => {
  let suite: SuiteResult;

  it('runs every .wast file with no failure', async () => {
    expect(existsSync(DRIVER), 'build/runtime/spec_driver missing: run make build').toBe(true);
    expect(existsSync(SPEC_DIR), `${SPEC_DIR} missing`).toBe(true);
    suite = await runSpecSuite(undefined, DRIVER);
    console.log(formatSuite(suite));
    const failures = suite.files.flatMap((f) => f.failures);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(suite.failed).toBe(0);
    expect(suite.files.length).toBeGreaterThan(80);
  }, 240_000);

  it('passes 100% of assert_return, assert_trap and assert_exhaustion in the target files', () => {
    const targets = [...INTEGER_CORE_FILES, ...FLOAT_FILES];
    let executed = 0;
    for (const name of targets) {
      const f = suite.files.find((x) => x.file === name);
      expect(f, `${name}.wast not run`).toBeDefined();
      for (const k of ['assert_return', 'assert_trap', 'assert_exhaustion']) {
        const b = f!.byKind[k];
        if (!b) continue;
        expect({ file: name, kind: k, failed: b.failed, skipped: b.skipped }).toEqual(
          { file: name, kind: k, failed: 0, skipped: 0 });
        executed += b.passed;
      }
    }
    expect(executed).toBeGreaterThan(15000);
  });

  it('rejects at least 98% of the binary invalid and malformed modules', () => {
    let passed = 0, failed = 0;
    for (const f of suite.files)
      for (const k of ['assert_invalid', 'assert_malformed']) {
        passed += f.byKind[k]?.passed ?? 0;
        failed += f.byKind[k]?.failed ?? 0;
      }
    expect(passed + failed).toBeGreaterThan(2000);
    expect(passed / (passed + failed)).toBeGreaterThanOrEqual(0.98);
  });

  it('runs a subset clean under AddressSanitizer and UBSan', async () => {
    expect(existsSync(ASAN_DRIVER), 'build/runtime/spec_driver_asan missing: run make build').toBe(true);
    for (const name of ['i32', 'i64', 'br_table', 'call_indirect', 'memory_trap', 'bulk', 'memory_init', 'conversions',
        'table_grow', 'skip-stack-guard-page']) {
      const r = await runSpecFile(resolve(SPEC_DIR, `${name}.wast`), ASAN_DRIVER);
      expect({ name, failed: r.failed, failures: r.failures.slice(0, 5) }).toEqual({ name, failed: 0, failures: [] });
      expect(r.passed).toBeGreaterThan(0);
    }
  }, 120_000);
});

describe('wasm spec tests through the register form (format 40, the default engine)', () => {
  it('runs every .wast file with the same counts as the stack form: no failure, the same skips', async () => {
    expect(existsSync(REGFORM_DRIVER), 'build/runtime/spec_driver_rf missing: run make build').toBe(true);
    const rf = await runSpecSuite(undefined, REGFORM_DRIVER, 2, { regform: true });
    console.log(formatSuite(rf));
    expect(rf.files.flatMap((f) => f.failures).slice(0, 20)).toEqual([]);
    expect(rf.failed).toBe(0);
    for (const name of [...INTEGER_CORE_FILES, ...FLOAT_FILES]) {
      const f = rf.files.find((x) => x.file === name);
      expect(f, `${name}.wast not run`).toBeDefined();
      for (const k of ['assert_return', 'assert_trap', 'assert_exhaustion'])
        expect({ file: name, kind: k, skipped: f!.byKind[k]?.skipped ?? 0 })
          .toEqual({ file: name, kind: k, skipped: 0 });
    }
    expect(rf.passed).toBeGreaterThan(25000);
  }, 300_000);
});
