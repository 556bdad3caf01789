// `wasmqtt build`: clear errors (unknown board, missing toolchain), the over-budget failure
// naming the largest contributors, and --json. Uses the tiny fixture module so it does not
// depend on the size of the real core.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, requireArtifact, TINY_WASM, REPO_ROOT } from './helpers.ts';
import { mapContributors, contributorName } from '../../host-tools/build/size.ts';

describe('wasmqtt build', () => {
  it('an unknown board lists the known boards, without a stack trace', () => {
    const r = cli(['build', '--board', 'nucleo64']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown board 'nucleo64'. Known boards: bluepill, bluepill128, stm32f103rc, stm32f103ze/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a missing toolchain names the apt-get command', () => {
    // An empty PATH folder: no arm-none-eabi-gcc (node itself is started by absolute path).
    const empty = mkdtempSync(join(tmpdir(), 'wasmqtt-nopath-'));
    const r = cli(['build', '--board', 'bluepill', '--wasm', requireArtifact(TINY_WASM)], { ...process.env, PATH: empty });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('arm-none-eabi-gcc not found on PATH. Install it with: sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it('over budget fails, prints the figures and names the largest contributors; --json for machines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-budget-'));
    const board = JSON.parse(readFileSync(join(REPO_ROOT, 'boards/bluepill.json'), 'utf8'));
    board.name = 'tight';
    board.budget = { flashBytes: 8 * 1024, ramBytes: 4 * 1024 };
    writeFileSync(join(dir, 'tight.json'), JSON.stringify(board));
    const out = join(dir, 'out');
    const text = cli(['build', '--board', 'tight', '--boards-dir', dir, '--wasm', requireArtifact(TINY_WASM), '--out', out]);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/tight is over budget \(flash, ram\)/);
    expect(text.stderr).toMatch(/flash\s+\d+ B .* of 8\.0 KB budget .*OVER BUDGET/);
    expect(text.stderr).toMatch(/largest flash contributors \(objects\):\n\s+\d+ B  runtime\/src\/\w+\.o/);
    expect(text.stderr).toMatch(/largest RAM contributors \(objects\):\n\s+\d+ B  binding\/main\.o/);
    expect(text.stderr).toMatch(/wasm_arena/);

    const json = cli(['build', '--board', 'tight', '--boards-dir', dir, '--wasm', TINY_WASM, '--out', out, '--json']);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.report.overBudget).toEqual(['flash', 'ram']);
    expect(doc.report.flash.used).toBeGreaterThan(8 * 1024);
    expect(doc.report.largest.flashObjects[0].bytes).toBeGreaterThan(1000);
    // The image was still written, so the figures can be inspected.
    expect(existsSync(join(out, 'firmware.elf'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'size.json'), 'utf8')).board).toBe('tight');

    const fits = cli(['build', '--board', 'bluepill', '--wasm', TINY_WASM, '--out', out, '--json']);
    expect(fits.code, fits.stderr).toBe(0);
    const ok = JSON.parse(fits.stdout);
    expect(ok.ok).toBe(true);
    expect(ok.report.overBudget).toEqual([]);
    for (const f of ['firmware.elf', 'firmware.bin', 'firmware.hex', 'firmware.map']) expect(existsSync(join(out, f))).toBe(true);
    expect(readFileSync(join(out, 'firmware.hex'), 'utf8').startsWith(':02000004080')).toBe(true);
  }, 240_000); // three full compiles; the machine is shared

  it('--runtime wasm3 without --wasm3-src says what to pass', () => {
    const r = cli(['build', '--board', 'stm32f103rc', '--runtime', 'wasm3', '--wasm', requireArtifact(TINY_WASM), '--out', mkdtempSync(join(tmpdir(), 'wasmqtt-w3-'))]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--runtime wasm3 needs --wasm3-src DIR/);
  });

  it('reads per-object contributors from a GNU ld map', () => {
    const map = [
      'Linker script and memory map',
      '.text           0x08000130     0x5000',
      ' .text.wq_invoke',
      '                0x08000130     0x1a84 /x/build/bluepill/obj/runtime__src__interp.o',
      ' .text.main     0x08001bb4      0x1bc /x/build/bluepill/obj/binding__main.o',
      ' .text          0x08001d70       0x10 /usr/lib/arm-none-eabi/newlib/thumb/v7-m/nofp/libc_nano.a(libc_a-memcpy-stub.o)',
      '.bss            0x20000000     0x2a00',
      ' .bss.wasm_arena',
      '                0x20000000     0x2a00 /x/build/bluepill/obj/binding__main.o',
    ].join('\n');
    const c = mapContributors(map);
    expect(c.flash).toEqual([
      { name: 'runtime/src/interp.o', bytes: 0x1a84 },
      { name: 'binding/main.o', bytes: 0x1bc },
      { name: 'libc_nano.a(libc_a-memcpy-stub.o)', bytes: 0x10 },
    ]);
    expect(c.ram).toEqual([{ name: 'binding/main.o', bytes: 0x2a00 }]);
    expect(contributorName('/a/b/hal__stm32f103__spi.o')).toBe('hal/stm32f103/spi.o');
  });
});
