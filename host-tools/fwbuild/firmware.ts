// `wasmqtt build`: the module (device.wasm, the core with the console app, via the core layer's
// make rule; or an app compiled by ./app.ts; or --wasm FILE) -> checks (./module-check.ts) ->
// the module in the register form (host-tools/wasm/regform, the default engine; --engine stack: pre-decoded by
// host-tools/wasm/predecode.ts) -> embedded as a C array -> HAL + binding + runtime compiled
// with arm-none-eabi-gcc (-Os, sections, LTO, --gc-sections, newlib-nano, no heap, no printf) ->
// .elf/.bin/.hex/.map under build/<board>/ -> size report against the board budget.
// Sources come from this package (REPO_ROOT is its root, in this repo or in node_modules);
// outputs go under the project folder (projectDir), never into the package.
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import {
  arenaBytes, boardConfigHeader, loadBoard, loadBoardFile, REPO_ROOT, BOARDS_DIR, wasm3HeapBytes, type Board,
} from './boards.ts';
import { findTool, pool, run, ToolchainError } from './toolchain.ts';
import { compileApp, AppBuildError } from './app.ts';
import {
  aotImports, checkModule, interpImports, ModuleFormatError, readModuleFacts, runtimeSegmentLimit, type Engine,
} from './module-check.ts';
import { runStartOnHost, startProblems } from './start-check.ts';
import { formatReport, sizeReport, type SizeReport } from './size.ts';
import { predecode, sectionLayout, stripOwnSection, usedOpcodesHeader, withSection } from '../wasm/predecode.ts';
import { parseModule, WasmError } from '../wasm/module.ts';
import { regformBlob } from '../wasm/regform/blob.ts';
import { generateOps } from '../wasm/regform/gen-ops.ts';
import { translateForImage, translateModule } from '../wasm/regform/translate.ts';
import { compileInterpreter, slowerDispatchWarning } from './interp-dispatch.ts';
import { compileRegformEngine } from './regform-dispatch.ts';

export type RuntimeKind = 'wasmqtt-rt' | 'wasm3';
/** regform (the default): the module embedded in the register form (format 40) and interpreted by rf_engine.c;
 * stack: the module embedded pre-decoded (the stack form, format 39) and interpreted by interp.c; aot: the module
 * compiled to C by wasm2c. */
export type EngineKind = 'regform' | 'stack' | 'aot';

/** The engine a build uses when none is given: the register form, except under upstream wasm3 (--runtime wasm3),
 * which runs the module as it is (what the stack form's path embeds for that runtime). */
export function defaultEngine(runtime: RuntimeKind): EngineKind {
  return runtime === 'wasm3' ? 'stack' : 'regform';
}

/** The engine and runtime of a build, checked: aot and regform belong to the wasmqtt runtime. */
function engineFor(engine: EngineKind | undefined, runtime: RuntimeKind): EngineKind {
  const e = engine ?? defaultEngine(runtime);
  if (e === 'aot' && runtime !== 'wasmqtt-rt') throw new BuildError(
    '--engine aot replaces the runtime; do not combine it with --runtime wasm3');
  if (e === 'regform' && runtime !== 'wasmqtt-rt') throw new BuildError(
    '--engine regform is the wasmqtt runtime\'s register-form interpreter; do not combine it with --runtime wasm3 ' +
    '(leave --engine out: wasm3 runs the module as it is)');
  return e;
}

/** The C flags and the left-out interpreter of the wasmqtt runtime's two engines: the register form's per-image
 * build (rf_ops.h/.inc from the build's gen folder), or the stack form (interp.c). */
function engineRuntime(rt: { files: string[]; includes: string[]; defines: string[] }, engine: EngineKind):
    { files: string[]; includes: string[]; defines: string[] } {
  if (engine === 'regform') return { ...rt, files: rt.files.filter((f) => f !== INTERP_C),
    defines: [...rt.defines, '-DWQRT_REGFORM=1', '-DWQRT_RF_IMAGE_OPS=1'] };
  return { ...rt, files: rt.files.filter((f) => f !== RF_ENGINE_C), defines: [...rt.defines, '-DWQRT_REGFORM=0'] };
}

export interface BuildOptions {
  board: string;
  runtime?: RuntimeKind;
  engine?: EngineKind;
  /** Upstream wasm3 checkout (its source/ folder is compiled) for runtime 'wasm3'. */
  wasm3Src?: string;
  /** The module to embed instead of building build/core/device.wasm (another app built with the
   * core, or a test fixture). */
  wasm?: string;
  /** An app's entry file (AssemblyScript), compiled with the core by ./app.ts and embedded. */
  app?: string;
  /** The folder whose build/ receives the outputs: a user's project (where its
   * wasmqtt.config.json is), default this package's root (the repo). */
  projectDir?: string;
  /** Output folder; default <projectDir>/build/<board>[-stack|-aot|-wasm3] for the project's own image
   * (device.wasm in this repo, the configured app in a project), and
   * <projectDir>/build/<module name>/<board>[-stack|-aot|-wasm3] for any other module, so building
   * another module never replaces the default image. */
  outDir?: string;
  /** Rebuild into an output folder that holds another module's image. */
  force?: boolean;
  boardsDir?: string;
  /** Print the report but do not fail when over budget. */
  allowOverBudget?: boolean;
  /** Compile every interpreter handler, not only those of the opcodes the module uses: the size
   * the image would have if its app used every opcode (bench/app-sdk.bench.ts reports both). */
  everyOpcode?: boolean;
  log?: (line: string) => void;
}

export interface BuildResult {
  elf: string; bin: string; hex: string; map: string; report: SizeReport; module: string; outDir: string }

export class BuildError extends Error {
  constructor(message: string, readonly report?: SizeReport) { super(message); }
}

const FW = join(REPO_ROOT, 'firmware');
const INTERP_C = join(FW, 'runtime/src/interp.c');
const RF_ENGINE_C = join(FW, 'runtime/src/rf_engine.c');
const DEVICE_WASM = join(REPO_ROOT, 'build/core/device.wasm');

export const ARM_CFLAGS = [
  '-mcpu=cortex-m3', '-mthumb', '-mfloat-abi=soft', '-Os', '-g', '-std=gnu11',
  '-ffunction-sections', '-fdata-sections', '-fno-common', '-fno-builtin-printf',
  '-Wall', '-Wextra', '-Wno-unused-parameter', '-Werror=implicit-function-declaration',
];

/** Link-time optimisation for every object but the interpreter's (compiled on its own through
 * interp-dispatch.ts) and the HAL's libc.c: inlining across the HAL, binding and loader saves
 * flash (bench key app_sdk.flash_left_for_user_code_bytes). libc.c stays a plain object: its
 * helpers are called from assembly and from code the compiler emits after the optimiser ran
 * (memcpy, __aeabi_*), references the optimiser cannot see. */
const LTO = ['-flto'];
const LIBC_C = join(FW, 'hal/stm32f103/libc.c');

function cFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.c')).sort().map((f) => join(dir, f));
}

/** Compiles device.wasm with the core layer's own rule (asc + its asconfig), so there is one recipe. */
async function ensureDeviceWasm(log: (s: string) => void): Promise<string> {
  if (!existsSync(join(REPO_ROOT, 'mk/core.mk'))) {
    if (existsSync(DEVICE_WASM)) return DEVICE_WASM;
    throw new BuildError('no rule to build device.wasm (mk/core.mk is missing) and build/core/device.wasm does not ' +
      'exist; pass --wasm FILE');
  }
  log('core: make build/core/device.wasm');
  const r = await run('make', ['-s', '--no-print-directory', 'build/core/device.wasm'], { cwd: REPO_ROOT });
  if (r.code !== 0) throw new BuildError(`compiling device.wasm failed:\n${(r.stdout + r.stderr).trim()}`);
  return DEVICE_WASM;
}

/** The module bytes to embed: pre-decoded for our runtime, as-is for upstream wasm3. */
export function moduleForRuntime(wasm: Uint8Array, runtime: RuntimeKind): Uint8Array {
  return runtime === 'wasmqtt-rt' ? predecode(wasm).wasm : wasm;
}

/** The module in the register form for one image: translated with the image's own op numbering
 * (only the ops its code uses, one byte each), the format 40 blob appended, and the handlers of those
 * ops (rf_ops.h, rf_ops.inc: gen-ops.ts) for rf_engine.c. `everyOp`: numbered with every op and
 * every handler generated (the size an app using every op would bring; bench/app-sdk.bench.ts). */
export function regformForImage(wasm: Uint8Array, everyOp = false): { wasm: Uint8Array; ops: string[];
    opsH: string; opsInc: string } {
  const base = stripOwnSection(wasm);
  const m = parseModule(base);
  const rf = everyOp ? translateModule(m, base) : translateForImage(m, base);
  // the register code replaces the bodies, which the WQRT_REGFORM loader never reads (loader.c, rf_records):
  // the image leaves the code section out, and the blob's module hash covers what stays
  const kept = withoutSection(base, CODE_SECTION_ID);
  const blob = regformBlob(kept, m, rf);
  const { h, inc } = generateOps(rf.ops);
  return { wasm: withSection(kept, blob, sectionLayout(kept.length, blob.length)), ops: rf.ops, opsH: h, opsInc: inc };
}

const CODE_SECTION_ID = 10;

/** `wasm` (a validated module) without its section `id`: the sections after it keep their offsets' order, and
 * those before it (types, functions: what the blob's records point into) their offsets. */
function withoutSection(wasm: Uint8Array, id: number): Uint8Array {
  const parts: Uint8Array[] = [wasm.subarray(0, 8)];
  let p = 8;
  while (p < wasm.length) {
    const start = p++;
    let size = 0, shift = 0, byte: number;
    do {
      byte = wasm[p++]!;
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    p += size;
    if (wasm[start] !== id) parts.push(wasm.subarray(start, p));
  }
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) { out.set(x, o); o += x.length; }
  return out;
}

/** core_wasm.c: the module as a 4-byte-aligned const array in flash (the pre-decoded blob
 * inside it is aligned relative to the module start). */
export function embedModuleC(bytes: Uint8Array, sourceName: string): string {
  const rows: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    rows.push(
      '  ' + Array.from(bytes.subarray(i, i + 16), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ') + ',');
  }
  return [
    `/* Generated by host-tools/fwbuild from ${sourceName}; do not edit. */`,
    '#include <stdint.h>',
    `__attribute__((aligned(8))) const uint8_t core_wasm[${Math.max(bytes.length, 1)}] = {`,
    ...rows,
    '};',
    `const uint32_t core_wasm_len = ${bytes.length}u;`,
    '',
  ].join('\n');
}

/** Object file names carry their source folder (firmware/hal/stm32f103/spi.c ->
 * hal__stm32f103__spi.o) so the size report can name the source of each contributor. */
export function objectName(src: string): string {
  if (/\/gen\/[^/]+\.c$/.test(src)) return `gen__${src.split('/').pop()!.replace(/\.c$/, '.o')}`;
  const rel = src.startsWith(FW + '/') ? relative(FW, src) : src.startsWith(REPO_ROOT + '/') ?
    relative(REPO_ROOT, src) : `upstream/${src.split('/').pop()!}`;
  return rel.replace(/\.c$/, '.o').replace(/\//g, '__');
}

function writeIfChanged(file: string, text: string): void {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  writeFileSync(file, text);
}

function runtimeSources(runtime: RuntimeKind, wasm3Src?: string, board?: Board): {
    files: string[]; includes: string[]; defines: string[] } {
  if (runtime === 'wasmqtt-rt') {
    const files = cFiles(join(FW, 'runtime/src'));
    if (files.length === 0) throw new BuildError(
      'firmware/runtime/src has no C files yet: the interpreter is not there to link');
    // The runtime's weak default arena gets the board's size, so the binding's own definition
    // (main.c) has the same type: link-time optimisation rejects a weak/strong size mismatch.
    return { files, includes: [join(FW, 'runtime/include')],
      defines: board ? [`-DWQRT_DEFAULT_ARENA=${arenaBytes(board)}u`] : [] };
  }
  if (!wasm3Src) throw new BuildError('--runtime wasm3 needs --wasm3-src DIR (a checkout of ' +
    'https://github.com/wasm3/wasm3)');
  const src = join(resolve(wasm3Src), 'source');
  if (!existsSync(join(src, 'wasm3.h'))) throw new BuildError(
    `${wasm3Src} does not look like a wasm3 checkout: ${src}/wasm3.h is missing`);
  // The WASI/libc/tracer glue is not used by the binding; the core interpreter files are.
  const files = cFiles(src).filter(
    (f) => /\/m3_(bind|code|compile|core|env|exec|function|info|module|parse|validate)\.c$/.test(f));
  return {
    files,
    includes: [src],
    // A fixed static heap instead of malloc, no logging; sized by the arena the board allows.
    defines: ['-Dd_m3HasWASI=0', '-Dd_m3HasFloat=0', '-Dd_m3LogOutput=0', '-Dd_m3VerboseErrorMessages=0',
      '-Dd_m3MaxFunctionStackHeight=256',
      '-Dd_m3CodePageAlignSize=1024', `-Dd_m3FixedHeap=${board ? wasm3HeapBytes(board) : 32768}`,
      '-Dd_m3FixedHeapAlign=8'],
  };
}

/** wasm2c: core.wasm -> gen/core_aot.{c,h}, plus the wasm-rt.h it includes (copied, so the
 * ARM compiler never sees the host's /usr/include). */
async function generateAot(coreFile: string, gen: string): Promise<{ files: string[]; defines: string[] }> {
  const wasm2c = findTool('wasm2c');
  const r = await run(wasm2c, [coreFile, '-n', 'core', '-o', join(gen, 'core_aot.c')]);
  if (r.code !== 0) throw new BuildError(`wasm2c failed on ${coreFile}:\n${r.stderr.trim()}`);
  const rtHeader = ['/usr/include/wasm-rt.h', '/usr/local/include/wasm-rt.h'].find(existsSync);
  if (!rtHeader) throw new ToolchainError(
    'wasm-rt.h (from wabt) not found. Install it with: sudo apt-get install wabt');
  writeIfChanged(join(gen, 'wasm-rt.h'), readFileSync(rtHeader, 'utf8'));
  return {
    files: [...cFiles(join(FW, 'binding/aot')), join(FW, 'binding/device_io.c'), join(gen, 'core_aot.c')],
    defines: ['-DNDEBUG', '-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0', '-DWASM_RT_MAX_CALL_STACK_DEPTH=96'],
  };
}

/** What an output folder was built from (image.json), so another module's build never replaces
 * it silently. */
interface ImageMarker { source: string }

function realOrResolved(p: string): string {
  try { return realpathSync(p); } catch { return resolve(p); }
}

/** The output folder's suffix for an engine: none for the default (the register form). */
function outDirSuffix(engine: EngineKind, runtime: RuntimeKind): string {
  return engine === 'aot' ? '-aot' : runtime === 'wasm3' ? '-wasm3' : engine === 'stack' ? '-stack' : '';
}

/** Where an image goes when no --out is given (see BuildOptions.outDir). */
export function defaultOutDir(o: { board: string; engine: EngineKind; runtime: RuntimeKind; projectDir: string;
    source: string; ownImage: boolean }): string {
  const leaf = `${o.board}${outDirSuffix(o.engine, o.runtime)}`;
  if (o.ownImage) return join(o.projectDir, 'build', leaf);
  // an app's entry is named by its folder (examples/sensor/main.ts -> sensor), a module by its file
  const stem = o.source.endsWith('.ts') ? basename(dirname(o.source)) : basename(o.source).replace(/\.wasm$/, '');
  return join(o.projectDir, 'build', stem.replace(/[^\w.-]/g, '_'), leaf);
}

function claimOutDir(out: string, source: string, explicit: boolean, force: boolean | undefined): void {
  const file = join(out, 'image.json');
  if (!explicit && !force && existsSync(file)) {
    let prev: ImageMarker | undefined;
    try { prev = JSON.parse(readFileSync(file, 'utf8')) as ImageMarker; } catch { /* unreadable: treat as ours */ }
    if (prev?.source && prev.source !== source) {
      throw new BuildError(`${out} holds the image built from ${prev.source}, not ${source}; ` +
        'pass --out DIR for this one (or --force to replace it)');
    }
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(file, JSON.stringify({ source } satisfies ImageMarker, null, 2) + '\n');
}

/** The module checks of module-check.ts for this board and engine; throws with every problem. */
export function checkModuleForBoard(
    bytes: Uint8Array, name: string, board: Board, boardFile: string, engine: EngineKind, runtime: RuntimeKind): void {
  let facts;
  try {
    facts = readModuleFacts(bytes);
  } catch (e) {
    if (e instanceof ModuleFormatError) throw new BuildError(`${name}: ${e.message}`);
    throw e;
  }
  // both of the wasmqtt runtime's engines take the same imports and segment limit (module-check's 'interp')
  const kind: Engine = engine === 'aot' ? 'aot' : runtime === 'wasm3' ? 'wasm3' : 'interp';
  const provided = kind === 'aot' ? aotImports(join(FW, 'binding/aot')) : interpImports(join(FW, 'binding'));
  const problems = checkModule({
    facts, moduleName: name, board, boardFile, engine: kind, provided,
    segmentLimit: kind === 'interp' ? runtimeSegmentLimit(join(FW, 'runtime/src')) : null,
  });
  if (problems.length > 0) {
    throw new BuildError(
      `${name} cannot run on ${board.name} (${kind === 'aot' ? 'aot' : runtime}):\n  ${problems.join('\n  ')}`);
  }
}

interface PreparedModule {
  board: Board; boardFile: string; engine: EngineKind; runtime: RuntimeKind; out: string; coreFile: string }

/** Board, output folder and the checked module: the part of a build before any C is compiled. */
async function prepareModule(opts: BuildOptions): Promise<PreparedModule> {
  const log = opts.log ?? (() => {});
  const runtime = opts.runtime ?? 'wasmqtt-rt';
  const board: Board = opts.boardsDir ? loadBoard(opts.board, opts.boardsDir) : loadBoard(opts.board, BOARDS_DIR);
  const boardFile = opts.boardsDir ? join(opts.boardsDir, `${board.name}.json`) : `boards/${board.name}.json`;
  const engine = engineFor(opts.engine, runtime);
  if (opts.app && opts.wasm) throw new BuildError(
    'give either an app (--app FILE or "app" in wasmqtt.config.json) or a module (--wasm FILE), not both');
  const projectDir = resolve(opts.projectDir ?? REPO_ROOT);
  const source = opts.app ? realOrResolved(opts.app) : opts.wasm ? realOrResolved(opts.wasm) : DEVICE_WASM;
  // The project's own image: device.wasm in this repo, or the app of a user's project.
  const ownImage = source === realOrResolved(DEVICE_WASM) ||
    (opts.app !== undefined && projectDir !== realOrResolved(REPO_ROOT));
  const out = opts.outDir ? resolve(opts.outDir) : defaultOutDir(
    { board: board.name, engine, runtime, projectDir, source, ownImage });
  claimOutDir(out, source, opts.outDir !== undefined, opts.force);
  let coreFile: string;
  if (opts.app) {
    coreFile = await compileApp({ entry: opts.app, outFile: join(out, 'app.wasm'), projectDir, log }).catch(
        (e: unknown) => {
      if (e instanceof AppBuildError) throw new BuildError(e.message);
      throw e;
    });
  } else {
    coreFile = opts.wasm ? resolve(opts.wasm) : await ensureDeviceWasm(log);
  }
  if (!existsSync(coreFile)) throw new BuildError(`core module ${coreFile} does not exist`);
  const name = relative(process.cwd(), coreFile) || coreFile;
  const bytes = readFileSync(coreFile);
  checkModuleForBoard(bytes, name, board, boardFile, engine, runtime);
  // the memory start() really takes (static data + setup()'s buffers) against the cap
  const started = await runStartOnHost(bytes, board);
  const problems = startProblems(started, board, boardFile);
  if (problems.length > 0) throw new BuildError(`${name} cannot run on ${board.name}:\n  ${problems.join('\n  ')}`);
  log(`start(): ${started.usedBytes} of ${board.wasm.linearMemoryCapBytes} B of linear memory on ${board.name}`);
  return { board, boardFile, engine, runtime, out, coreFile };
}

/** The module alone (an app compiled and checked for the board, no C toolchain): what a
 * project's tests run on NodeDevice. */
export async function buildModule(opts: BuildOptions): Promise<{ module: string; outDir: string; bytes: number }> {
  const p = await prepareModule(opts);
  return { module: p.coreFile, outDir: p.out, bytes: readFileSync(p.coreFile).length };
}

export async function buildFirmware(opts: BuildOptions): Promise<BuildResult> {
  const log = opts.log ?? (() => {});
  const gcc = findTool('arm-none-eabi-gcc');
  const objcopy = findTool('arm-none-eabi-objcopy');
  const { board, engine, runtime, out, coreFile } = await prepareModule(opts);
  const gen = join(out, 'gen');
  const objDir = join(out, 'obj');
  mkdirSync(gen, { recursive: true });
  mkdirSync(objDir, { recursive: true });
  let moduleBytes: Uint8Array = new Uint8Array(0);
  writeIfChanged(join(gen, 'board_config.h'), boardConfigHeader(board));
  let rt: { files: string[]; includes: string[]; defines: string[] };
  let sources: string[];
  if (engine === 'aot') {
    const aot = await generateAot(coreFile, gen);
    rt = { files: aot.files, includes: [join(FW, 'binding/aot')], defines: aot.defines };
    sources = [...cFiles(join(FW, 'hal/stm32f103')), ...aot.files];
  } else {
    try {
      if (engine === 'regform') {
        // a per-image engine: the register code numbered with the ops this module uses, and only their handlers
        const rf = regformForImage(readFileSync(coreFile), opts.everyOpcode);
        moduleBytes = rf.wasm;
        writeIfChanged(join(gen, 'rf_ops.h'), rf.opsH);
        writeIfChanged(join(gen, 'rf_ops.inc'), rf.opsInc);
      } else {
        moduleBytes = moduleForRuntime(readFileSync(coreFile), runtime);
      }
    } catch (e) {
      const what = e instanceof WasmError ? '' : ' (an internal error of the translator: report it)';
      throw new BuildError(`${engine === 'regform' ? 'translating' : 'pre-decoding'} ${coreFile} failed${what}: ` +
        (e as Error).message);
    }
    writeIfChanged(join(gen, 'core_wasm.c'), embedModuleC(moduleBytes, relative(REPO_ROOT, coreFile)));
    // a per-image interpreter: only the handlers of the opcodes this module uses (interp.c, WQRT_OPCODE_MASK)
    if (runtime === 'wasmqtt-rt' && engine === 'stack') writeIfChanged(
      join(gen, 'wq_used_ops.h'), usedOpcodesHeader(moduleBytes, relative(REPO_ROOT, coreFile)));
    rt = runtimeSources(runtime, opts.wasm3Src, board);
    // one interpreter of the two: rf_engine.c (the default) or interp.c
    if (runtime === 'wasmqtt-rt') rt = engineRuntime(rt, engine);
    sources = [
      ...cFiles(join(FW, 'hal/stm32f103')), ...cFiles(join(FW, 'binding')), ...rt.files, join(gen, 'core_wasm.c')];
  }
  const includes = [gen, join(FW, 'hal/stm32f103'), ...rt.includes].flatMap((d) => ['-I', d]);
  const runtimeLabel = engine === 'aot' ? 'aot-wasm2c' : runtime === 'wasm3' ? runtime : `${runtime} ${engine}`;
  log(`cc: ${sources.length} files for ${board.name} (${runtimeLabel})`);
  const objs = await pool(sources.map((src) => async () => {
    const obj = join(objDir, objectName(src));
    const flags = [...ARM_CFLAGS, ...rt.defines, ...includes];
    if (src === INTERP_C && engine === 'stack') {
      // through the step that drops the opcode dispatch's dead range check (interp-dispatch.ts)
      const r = await compileInterpreter(gcc, opts.everyOpcode ? flags : [...flags, '-DWQRT_OPCODE_MASK'], src, obj)
        .catch((e: Error) => { throw new BuildError(e.message); });
      const warning = slowerDispatchWarning('interp.c', r);
      if (warning) console.warn(warning);
      return obj;
    }
    if (src === RF_ENGINE_C && engine === 'regform') {
      // through the step that gives every handler its own dispatch (regform-dispatch.ts)
      const r = await compileRegformEngine(gcc, flags, src, obj)
        .catch((e: Error) => { throw new BuildError(e.message); });
      if (!r.copies) console.warn(
        `warning: rf_engine.c: the dispatch was not copied into the handlers (${r.reason}); the engine is correct ` +
        'but slower');
      return obj;
    }
    const r = await run(gcc, [...flags, ...(src === LIBC_C ? [] : LTO), '-c', src, '-o', obj]);
    if (r.code !== 0) throw new BuildError(`compiling ${relative(REPO_ROOT, src)} failed:\n${r.stderr.trim()}`);
    return obj;
  }), 2);

  const elf = join(out, 'firmware.elf');
  const map = join(out, 'firmware.map');
  const ld = join(REPO_ROOT, board.linkerScript);
  if (!existsSync(ld)) throw new BuildError(
    `linker script ${board.linkerScript} (named in boards/${board.name}.json) does not exist`);
  const link = await run(gcc, [
    '-mcpu=cortex-m3', '-mthumb', '-nostartfiles', '--specs=nano.specs', ...LTO, '-Os',
    '-Wl,--gc-sections', `-Wl,-Map=${map}`, '-Wl,--noinhibit-exec', '-Wl,--no-warn-rwx-segments',
    '-L', join(REPO_ROOT, 'linker'), '-T', ld, ...objs, '-o', elf,
  ]);
  const overflow = /region `(\w+)' overflowed by (\d+) bytes|will not fit in region/.test(link.stderr);
  if (link.code !== 0 && !(overflow && existsSync(elf))) {
    const undef = /undefined reference to `(_sbrk|malloc|_write|_read|_printf_float)'/.exec(link.stderr);
    const hint = undef ?
      `\n(${undef[1]} is not available on purpose: the firmware has no heap and no stdio; remove the call that pulls ` +
      `it in)` : '';
    throw new BuildError(`linking ${board.name} failed:\n${link.stderr.trim()}${hint}`);
  }
  const bin = join(out, 'firmware.bin');
  const hex = join(out, 'firmware.hex');
  if (!overflow) {
    for (const [fmt, file] of [['binary', bin], ['ihex', hex]] as const) {
      const r = await run(objcopy, ['-O', fmt, '-R', '.store', '-R', '.stack', '-R', '.stack_guard', elf, file]);
      if (r.code !== 0) throw new BuildError(`objcopy ${fmt} failed: ${r.stderr.trim()}`);
    }
  }
  const report = sizeReport(elf, map, board, runtimeLabel, moduleBytes.length);
  if (overflow && report.overBudget.length === 0) report.overBudget.push('link');
  writeFileSync(join(out, 'size.json'), JSON.stringify(report, null, 2) + '\n');
  if (report.overBudget.length > 0 && !opts.allowOverBudget) {
    throw new BuildError(`${board.name} is over budget (${report.overBudget.join(', ')}):\n${formatReport(report)}\n` +
      `shrink the largest contributors above, or raise "budget" in the board file ` +
        `(${opts.boardsDir ? join(opts.boardsDir, `${board.name}.json`) : `boards/${board.name}.json`}) if the part ` +
        `has room; ` +
      `--allow-over-budget reports without failing (images written to ${relative(process.cwd(), out) || out})`, report);
  }
  return { elf, bin, hex, map, report, module: coreFile, outDir: out };
}

/** The POSIX host build of the binding: same binding + runtime + core.wasm, fake HAL, host gcc.
 * Used by the tests to prove the C glue against a real broker before any chip is involved. Default output:
 * build/host (the register form), build/host-stack, build/host-aot, build/host-wasm3. */
export async function buildHost(opts: { wasm?: string; outDir?: string; board?: string; runtime?: RuntimeKind;
    engine?: EngineKind; wasm3Src?: string; sanitize?: boolean; log?: (s: string) => void } = {}): Promise<string> {
  const runtime = opts.runtime ?? 'wasmqtt-rt';
  const engine = engineFor(opts.engine, runtime);
  const log = opts.log ?? (() => {});
  const cc = findTool('gcc');
  const board = loadBoard(opts.board ?? 'bluepill');
  const out = opts.outDir ?? join(REPO_ROOT, `build/host${outDirSuffix(engine, runtime)}`);
  const gen = join(out, 'gen');
  mkdirSync(gen, { recursive: true });
  const coreFile = opts.wasm ? resolve(opts.wasm) : await ensureDeviceWasm(log);
  writeIfChanged(join(gen, 'board_config.h'), boardConfigHeader(board, `host-posix(${board.name})`, true));
  let rt: { files: string[]; includes: string[]; defines: string[] };
  let sources: string[];
  if (engine === 'aot') {
    const aot = await generateAot(coreFile, gen);
    rt = { files: aot.files, includes: [join(FW, 'binding/aot')], defines: aot.defines };
    sources = [join(FW, 'hal/posix/hal_posix.c'), ...aot.files];
  } else if (engine === 'regform') {
    const rf = regformForImage(readFileSync(coreFile));
    writeIfChanged(join(gen, 'rf_ops.h'), rf.opsH);
    writeIfChanged(join(gen, 'rf_ops.inc'), rf.opsInc);
    writeIfChanged(join(gen, 'core_wasm.c'), embedModuleC(rf.wasm, relative(REPO_ROOT, coreFile)));
    rt = engineRuntime(runtimeSources(runtime, opts.wasm3Src, board), engine);
    sources = [
      join(FW, 'hal/posix/hal_posix.c'), ...cFiles(join(FW, 'binding')), ...rt.files, join(gen, 'core_wasm.c')];
  } else {
    const moduleBytes = moduleForRuntime(readFileSync(coreFile), runtime);
    writeIfChanged(join(gen, 'core_wasm.c'), embedModuleC(moduleBytes, relative(REPO_ROOT, coreFile)));
    rt = runtimeSources(runtime, opts.wasm3Src, board);
    if (runtime === 'wasmqtt-rt') rt = engineRuntime(rt, engine);
    sources = [
      join(FW, 'hal/posix/hal_posix.c'), ...cFiles(join(FW, 'binding')), ...rt.files, join(gen, 'core_wasm.c')];
  }
  const exe = join(out, 'wasmqtt-host');
  log(`cc (host): ${sources.length} files`);
  // The fake HAL's W5500 is the TypeScript model behind host-tools/sim/w5500/spi-bridge.ts; the
  // command is baked in with absolute paths so the program runs from any directory.
  const bridgeCmd = [
    process.execPath, '--import', import.meta.resolve('tsx'), join(REPO_ROOT, 'host-tools/sim/w5500/spi-bridge.ts')]
    .map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = await run(cc, ['-O2', '-g', '-std=gnu11', '-Wall', '-Wextra', '-Wno-unused-parameter',
    // AddressSanitizer for tests (the glue and the runtime must never step outside a buffer);
    // off for speed measurements.
    ...(opts.sanitize === false ? [] : ['-fsanitize=address,undefined', '-fno-sanitize-recover=undefined']),
    ...rt.defines, `-DWASMQTT_W5500_BRIDGE_CMD=${JSON.stringify(bridgeCmd)}`, '-I', gen,
      ...rt.includes.flatMap((d) => ['-I', d]), ...sources, '-o', exe]);
  if (r.code !== 0) throw new BuildError(`host build failed:\n${r.stderr.trim()}`);
  return exe;
}

export { loadBoardFile, ToolchainError };
