// `wasmqtt build`: clear errors (unknown board, missing toolchain), the over-budget failure
// naming the largest contributors, and --json. Uses the tiny fixture module so it does not
// depend on the size of the real core.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { cli, cliAsync, requireArtifact, TINY_WASM, REPO_ROOT } from './helpers.ts';
import { runCli } from '../tools/run-cli.ts';
import { mapContributors, contributorName } from '../../host-tools/fwbuild/size.ts';
import { checkModule, readModuleFacts, interpImports, aotImports } from '../../host-tools/fwbuild/module-check.ts';
import { loadBoard } from '../../host-tools/fwbuild/boards.ts';
import { defaultEngine, defaultOutDir, type EngineKind, type RuntimeKind } from '../../host-tools/fwbuild/firmware.ts';
import { APP_ASC_OPTIONS, ascOptionArgs, wasmOptFlags, compileApp } from '../../host-tools/fwbuild/app.ts';

/** A module from WAT text (wabt's wat2wasm), written into `dir`. */
function wat(dir: string, name: string, text: string): string {
  const src = join(dir, `${name}.wat`);
  writeFileSync(src, text);
  execFileSync('wat2wasm', [src, '-o', join(dir, `${name}.wasm`)]);
  return join(dir, `${name}.wasm`);
}

/** A project folder outside the repo: its own wasmqtt.config.json, no app. */
function project(config: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-proj-'));
  writeFileSync(join(dir, 'wasmqtt.config.json'), JSON.stringify(config));
  return dir;
}

const MODULE_HEAD = `(memory (export "memory") 1)
  (func (export "start"))
  (func (export "step") (result i32) (i32.const 10))`;

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
    const r = cli(
      ['build', '--board', 'bluepill', '--wasm', requireArtifact(TINY_WASM)], { ...process.env, PATH: empty });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('arm-none-eabi-gcc not found on PATH. Install it with: sudo apt-get install ' +
      'gcc-arm-none-eabi libnewlib-arm-none-eabi');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it('over budget fails, prints the figures and names the largest contributors; --json for machines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-budget-'));
    const board = JSON.parse(readFileSync(join(REPO_ROOT, 'boards/bluepill.json'), 'utf8'));
    board.name = 'tight';
    board.budget = { flashBytes: 8 * 1024, ramBytes: 4 * 1024 };
    writeFileSync(join(dir, 'tight.json'), JSON.stringify(board));
    const out = join(dir, 'out');
    const text = cli(
      ['build', '--board', 'tight', '--boards-dir', dir, '--wasm', requireArtifact(TINY_WASM), '--out', out]);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/tight is over budget \(flash, ram\)/);
    expect(text.stderr).toMatch(/flash\s+\d+ B .* of 8\.0 KB budget .*OVER BUDGET/);
    // the default engine, named in the report
    expect(text.stderr).toMatch(/size report: tight \(wasmqtt-rt regform\)/);
    // HAL, binding and loader are one link-time-optimised unit; the interpreter (the register form's, the default)
    // stays its own object
    expect(text.stderr).toMatch(/largest flash contributors \(objects\):\n\s+\d+ B  \(link-time optimised: HAL, binding, runtime loader\)\n\s+\d+ B  runtime\/src\/rf_engine\.o/);
    expect(text.stderr).toMatch(/largest RAM contributors \(objects\):\n\s+\d+ B  \(link-time optimised/);
    expect(text.stderr).toMatch(/wqrt_default_arena/); // the binding's board-sized arena (firmware/binding/main.c)

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
    for (const f of ['firmware.elf', 'firmware.bin', 'firmware.hex', 'firmware.map']) expect(existsSync(join(out, f)))
      .toBe(true);
    expect(readFileSync(join(out, 'firmware.hex'), 'utf8').startsWith(':02000004080')).toBe(true);
  }, 240_000); // three full compiles; the machine is shared

  it('--runtime wasm3 without --wasm3-src says what to pass', () => {
    const r = cli(['build', '--board', 'stm32f103rc', '--runtime', 'wasm3', '--wasm', requireArtifact(TINY_WASM),
      '--out', mkdtempSync(join(tmpdir(), 'wasmqtt-w3-'))]);
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
      ' .text          0x08001d70       0x10 ' +
        '/usr/lib/arm-none-eabi/newlib/thumb/v7-m/nofp/libc_nano.a(libc_a-memcpy-stub.o)',
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

  it('a module importing what the board ABI lacks fails the build for every engine, naming the import', async () => {
    const dir = project({ board: 'bluepill' });
    const bad = wat(
      dir, 'gpio', `(module (import "board" "gpio_frob" (func (param i32))) (import "env" "abort" (func (param i32 ` +
      `i32 i32 i32))) ${MODULE_HEAD})`);
    for (const engine of ['regform', 'stack', 'aot']) {
      const r = await cliAsync(['build', '--wasm', bad, '--engine', engine], { cwd: dir });
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr).toMatch(/import board\.gpio_frob is not provided by the (interpreter|AOT) binding/);
      expect(r.stderr).toMatch(/import env\.abort is not provided .*AssemblyScript's abort/);
      expect(r.stderr).toContain('board.w5500_read');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dir, 'build/gpio', { regform: 'bluepill', stack: 'bluepill-stack', aot: 'bluepill-aot' }[
        engine]!, 'firmware.elf'))).toBe(false);
    }
  });

  it('the engines\' output folders: the default (the register form) build/<board>, the others suffixed', () => {
    const at = (engine: EngineKind, runtime: RuntimeKind = 'wasmqtt-rt') => relative('/p', defaultOutDir(
      { board: 'bluepill', engine, runtime, projectDir: '/p', source: '/p/src/main.ts', ownImage: true }));
    expect(at(defaultEngine('wasmqtt-rt'))).toBe('build/bluepill');
    expect(at('regform')).toBe('build/bluepill');
    expect(at('stack')).toBe('build/bluepill-stack');
    expect(at('aot')).toBe('build/bluepill-aot');
    expect(at(defaultEngine('wasm3'), 'wasm3')).toBe('build/bluepill-wasm3');
    expect(relative('/p', defaultOutDir({ board: 'bluepill', engine: 'stack', runtime: 'wasmqtt-rt', projectDir: '/p',
      source: '/x/other.wasm', ownImage: false }))).toBe('build/other/bluepill-stack');
  });

  it('--runtime wasm3 alone runs the module as it is (no register form); an old engine name is refused', async () => {
    const dir = project({ board: 'bluepill' });
    const tiny = join(dir, 'tiny-core.wasm');
    copyFileSync(requireArtifact(TINY_WASM), tiny);
    // past the engine's choice to the runtime's own need (a wasm3 checkout), not refused as the register form
    const w = await cliAsync(['build', '--wasm', tiny, '--runtime', 'wasm3'], { cwd: dir });
    expect(w.code).toBe(1);
    expect(w.stderr).toContain('--runtime wasm3 needs --wasm3-src DIR');
    expect(w.stderr).not.toMatch(/regform/);
    const m = await cliAsync(['build', '--wasm', tiny, '--runtime', 'wasm3', '--module-only'], { cwd: dir });
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/checked for bluepill \(wasm3\)/);
    const old = await cliAsync(['build', '--wasm', tiny, '--engine', 'interp'], { cwd: dir });
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(/argument 'interp' is invalid. Allowed choices are regform, stack, aot/);
    expect(old.stderr).not.toMatch(/\n\s+at /);
  });

  it('static data beyond the linear-memory cap, a wrong signature and missing exports fail with what to change', () => {
    const dir = project({ board: 'bluepill' });
    const cap = loadBoard('bluepill').wasm.linearMemoryCapBytes;
    const big = wat(
      dir, 'big',
      `(module (import "board" "millis" (func (param i32))) (memory (export "memory") 1) (data (i32.const ` +
      `${cap - 4}) "0123456789"))`);
    const r = runCli(['build', '--wasm', big], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `static data ends at byte ${cap + 6} of linear memory, but bluepill gives a module ${cap} bytes`);
    expect(r.stderr).toMatch(/import board\.millis takes 1 argument\(s\) and returns 0 value\(s\), but the board ABI's board\.millis takes 0 and returns 1/);
    expect(r.stderr).toMatch(/does not export start/);
  });

  it('start() run on the host: memory used past the cap and an app-error trap fail the build before linking', () => {
    const dir = project({ board: 'bluepill' });
    const cap = loadBoard('bluepill').wasm.linearMemoryCapBytes;
    // what setup() allocates lands after the static data: here a buffer written at cap + 16
    const heap = wat(dir, 'heap', `(module (memory (export "memory") 1)
      (func (export "start") (i32.store (i32.const ${cap + 16}) (i32.const 0x11223344)))
      (func (export "step") (result i32) (i32.const 10)))`);
    const r = runCli(['build', '--wasm', heap], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `start() uses linear memory up to byte ` +
      `${cap + 20} (static data plus what setup() allocates), but bluepill gives a module ${cap} bytes`);
    // the app API's own refusal (a pin the board uses), printed on the console, then a trap
    const pin = wat(dir, 'pin', `(module (import "board" "gpio_mode" (func $mode (param i32 i32) (result i32)))
      (import "board" "uart_write" (func $w (param i32 i32))) (memory (export "memory") 1)
      (data (i32.const 64) "evt app-error \\"pin PA5 is used by the board (SPI1 SCK)\\"\\0d\\0a")
      (func (export "start") (if (i32.eq (call $mode (i32.const 5) (i32.const 3)) (i32.const -2))
        (then (call $w (i32.const 64) (i32.const 57)) unreachable)))
      (func (export "step") (result i32) (i32.const 10)))`);
    const p = runCli(['build', '--wasm', pin], { cwd: dir });
    expect(p.code).toBe(1);
    expect(p.stderr).toContain('start() stops on bluepill: pin PA5 is used by the board (SPI1 SCK)');
  });

  it('more data segments than the interpreter states it takes is an error with a fix (AOT has no such limit)', () => {
    const segs = Array.from({ length: 39 }, (_, i) => `(data (i32.const ${i * 16}) "t=")`).join(' ');
    const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-segs-'));
    const facts = readModuleFacts(readFileSync(wat(dir, 'segs', `(module ${MODULE_HEAD} ${segs})`)));
    expect(facts.data).toHaveLength(39);
    const board = loadBoard('bluepill');
    const base = { facts, moduleName: 'segs.wasm', board, boardFile: 'boards/bluepill.json', segmentLimit: 32 };
    expect(checkModule({ ...base, engine: 'interp', provided: interpImports(join(REPO_ROOT, 'firmware/binding')) }))
      .toEqual([expect.stringMatching(/^39 data segments, the interpreter takes 32: fewer distinct constant strings/)]);
    expect(checkModule({ ...base, engine: 'aot', provided: aotImports(join(REPO_ROOT, 'firmware/binding/aot')) }))
      .toEqual([]);
  });

  it('both bindings provide the same board ABI (the import check reads them from their C sources)', () => {
    const interp = interpImports(join(REPO_ROOT, 'firmware/binding'));
    const aot = aotImports(join(REPO_ROOT, 'firmware/binding/aot'));
    expect(interp.size).toBeGreaterThanOrEqual(14);
    expect(Object.fromEntries(aot)).toEqual(Object.fromEntries(interp));
  });

  it('in a project: the board comes from wasmqtt.config.json; another module gets its own output folder, never the ' +
      'project image\'s', () => {
    const dir = project({ board: 'bluepill' });
    const tiny = join(dir, 'tiny-core.wasm');
    copyFileSync(requireArtifact(TINY_WASM), tiny);
    const r = runCli(['build', '--wasm', tiny, '--json'], { cwd: dir, timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.elf).toBe(join(dir, 'build/tiny-core/bluepill/firmware.elf'));
    expect(doc.report.board).toBe('bluepill');
    expect(existsSync(doc.elf)).toBe(true);
    expect(existsSync(join(dir, 'build/bluepill'))).toBe(false);

    // a second module of the same name from elsewhere does not replace it without --out/--force
    const other = join(dir, 'other');
    mkdirSync(other);
    copyFileSync(tiny, join(other, 'tiny-core.wasm'));
    const clash = runCli(['build', '--wasm', join(other, 'tiny-core.wasm')], { cwd: dir });
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(`holds the image built from ${tiny}`);
    expect(clash.stderr).toContain('pass --out DIR');
  }, 240_000);

  it('an app is compiled with the options of the console\'s asconfig and the wasm-opt flags mk/core.mk uses', () => {
    const consoleCfg = JSON.parse(readFileSync(join(REPO_ROOT, 'firmware/app/console/asconfig.json'), 'utf8'));
    const { use: _use, ...opts } = consoleCfg.options;
    const { outFile: _out, ...release } = consoleCfg.targets.release;
    expect({ ...opts, ...release }).toEqual(APP_ASC_OPTIONS);
    expect(wasmOptFlags()).toEqual(
      expect.arrayContaining(['-Oz', '--converge', '--low-memory-unused', '--enable-bulk-memory']));
    expect(readFileSync(join(REPO_ROOT, 'mk/core.mk'), 'utf8')).toContain('host-tools/fwbuild/wasm-opt.flags');
    // wasm-opt's --no-inline matches function names: asc emits them (--debug), wasm-opt strips them
    expect(ascOptionArgs('x')).toContain('--debug');
    expect(readFileSync(join(REPO_ROOT, 'mk/core.mk'), 'utf8')).toContain('--target release --debug');
    expect(wasmOptFlags().at(-1)).toBe('--strip-debug');
  });

  it('an app is optimised by the binaryen package the core is built with, whatever wasm-opt is first on ' +
      'PATH', async () => {
    // A wasm-opt first on PATH that fails if run (as Debian's older binaryen would make another module).
    const bin = mkdtempSync(join(tmpdir(), 'wasmqtt-wasmopt-'));
    writeFileSync(join(bin, 'wasm-opt'), '#!/bin/sh\necho "the PATH wasm-opt was run" >&2\nexit 3\n', { mode: 0o755 });
    mkdirSync(join(REPO_ROOT, 'build/app'), { recursive: true });
    const dir = mkdtempSync(join(REPO_ROOT, 'build/app/pin-'));
    const sdk = relative(dir, join(REPO_ROOT, 'firmware/app/sdk'));
    writeFileSync(join(dir, 'app.ts'), `import { App } from "${sdk}/index";\nexport * from "${sdk}/exports";\n`
      + 'export function start(): void { App.start(setup); }\nexport function step(): i32 { return App.step(); '
      + '}\nfunction setup(): void {}\n');
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const out = await compileApp({ entry: join(dir, 'app.ts'), outFile: join(dir, 'app.wasm') });
      expect(WebAssembly.validate(readFileSync(out))).toBe(true);
    } finally {
      process.env.PATH = path;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
