// The interpreter suite: workloads the project did not write for itself, counted as Thumb
// instructions on Cortex-M3 (unicorn, host-tools/wasm/armbench/arm_count.c) for our
// interpreter (the register form, the default: the unprefixed keys; the stack form beside it: the
// `stack_` keys), upstream wasm3, WAMR's fast interpreter (the second peer, session 13) and the
// same wasm compiled natively by wasm2c -O2 (wasm3's embedding API drives our interpreter and
// wasm3; WAMR's own API makes the same calls in host-tools/wasm/armbench/wamr_main.c). Workloads:
// four Embench-IoT programs (crc32, edn, aha-mont64, nettle-sha256), EEMBC CoreMark (one
// iteration, our port in host-tools/wasm/armbench/suite/coremark/) and a loop kernel
// (host-tools/wasm/armbench/suite/kernel.c), compiled from C by clang-14 --target=wasm32 -O2,
// and the core's codec (the runtime bench's workload). Sources that are not the project's
// come from EMBENCH_SRC / COREMARK_SRC / WASM3_SRC / WAMR_SRC, or else from the fetched mirrors under
// /work/.mirror, extracted to a temp dir outside the repo; without them their figures say so.
// CoreMark joined in session 12, after the other programs had steered eleven sessions of
// tuning: the `_without_coremark` geomeans are the earlier suite's, for comparison.
// Each figure is run(n) minus run(0), both after a warm-up run(1) (wasm3 compiles lazily).
// interp_embench: every other integer Embench-IoT program, measured the same way, as the
// outside check (session 13): code no tuning step looked at. It has its own geomean and
// worst; the suite's figures above stay the seven workloads the issue's targets were set on.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseModule } from '../host-tools/wasm/module.ts';

const REPO = resolve(import.meta.dirname, '..');
const BENCH = join(REPO, 'build/runtime/bench');
const SUITE = join(BENCH, 'suite');
const MIRROR = '/work/.mirror';
const EMBENCH = ['crc32', 'edn', 'mont64', 'sha256'] as const;
/** mk/runtime.mk's SUITE_EMBENCH_MORE (wikisort needs floats, which the device has not) */
const EMBENCH_MORE = [
  'depthconv', 'huffbench', 'matmult-int', 'md5sum', 'nettle-aes', 'nsichneu', 'picojpeg', 'qrduino',
  'sglib-combined', 'slre', 'statemate', 'tarfind', 'ud', 'xgboost'] as const;
const COREMARK_FILES = ['core_list_join.c', 'core_main.c', 'core_matrix.c', 'core_state.c', 'core_util.c'];

/** A source tree from an env var, or extracted from a fetched mirror (a bare git dir) into a
 * temp dir keyed by its commit; `undefined` with the reason when neither is there. */
function sourceTree(envVar: string, mirror: string, paths: string[], marker: string): { dir?: string; why?: string } {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    if (!existsSync(join(fromEnv, marker))) return { why: `${envVar}=${fromEnv} has no ${marker}` };
    return { dir: resolve(fromEnv) };
  }
  const git = join(MIRROR, mirror, 'repo');
  if (!existsSync(git)) return { why: `set ${envVar}=DIR (no ${envVar} and no mirror at ${git})` };
  const commit = execFileSync('git', ['--git-dir', git, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const dir = join(tmpdir(), `wasmqtt-${mirror}-${commit}`);
  if (!existsSync(join(dir, marker))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('sh', ['-c', `git --git-dir='${git}' archive HEAD ${paths.join(' ')} | tar -x -C '${dir}'`]);
  }
  return { dir };
}

/** Runs an ELF under unicorn until wq_done; returns [instructions, r0]. */
function countInstructions(elf: string): [number, number] {
  const nm = execFileSync('arm-none-eabi-nm', [elf], { encoding: 'utf8' });
  const done = /^([0-9a-f]+) T wq_done$/m.exec(nm)?.[1];
  if (!done) throw new Error(`${elf} has no wq_done symbol`);
  const out = execFileSync(join(BENCH, 'arm_count'), [elf, done], { encoding: 'utf8' }).trim().split(' ');
  return [Number(out[0]), Number(out[1]) | 0];
}

/** Host build with op counting: [wasm instructions, result, dispatches]. */
function countOps(exe: string): [number, number, number] {
  const out = execFileSync(exe, { encoding: 'utf8' }).trim().split(' ');
  return [Number(out[0]), Number(out[1]) | 0, Number(out[2])];
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const geomeanOf = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const geomean = (xs: number[]) => (xs.length ? r2(geomeanOf(xs)) : null);
const geomean3 = (xs: number[]) => (xs.length ? r3(geomeanOf(xs)) : null);

interface Files {
  /** the default interpreter, the register form (format 40, rf_engine.c): its programs and its host dispatch counter */
  interp: [string, string]; interpHost: [string, string];
  /** the stack form (format 39, interp.c, `wasmqtt build --engine stack`): its programs, and its host build, which
   * counts the wasm instructions every figure's per-op keys divide by */
  stack: [string, string]; stackHost: [string, string];
  native: [string, string]; wasm3: [string, string]; wamr: [string, string];
  wamrO2: [string, string]; wamrPool: string; plainWasm: string }

/** Bytes the link kept from the objects `pick` selects, from a GNU ld map: flash (.text and
 * .rodata input sections) and RAM (.data, .bss and COMMON). */
function sizesFromMap(map: string, pick: (object: string) => boolean): { flash: number; ram: number } {
  const text = readFileSync(map, 'utf8');
  const kept = text.slice(text.indexOf('Linker script and memory map'));
  let flash = 0, ram = 0;
  const re = /^ (\.(?:text|rodata|data|bss)[^\s]*|COMMON)\s*\n?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)/gm;
  for (let m; (m = re.exec(kept)); ) {
    if (!pick(m[4]!)) continue;
    if (/^\.(?:text|rodata)/.test(m[1]!)) flash += parseInt(m[3]!, 16);
    else ram += parseInt(m[3]!, 16);
  }
  return { flash, ram };
}

/** wamr_main.c returns a negative step number when a WAMR API call fails. */
const WAMR_STEPS: Record<number, string> = {
  [-1]: 'wasm_runtime_full_init', [-2]: 'wasm_runtime_malloc (module copy)', [-3]: 'wasm_runtime_load',
  [-4]: 'wasm_runtime_instantiate',
  [-5]: 'wasm_runtime_create_exec_env', [-6]: 'wasm_runtime_lookup_function', [-7]: 'the first call (run(1) / buf())',
  [-8]: 'run(n) / the codec buffer check', [-9]: 'encodePublish', [-10]: 'decodeOne',
  [-11]: 'wasm_runtime_get_mem_alloc_info',
};

function measure(
    name: string, f: Files, withWasm3: boolean, withWamr: boolean, checkVerify: boolean): Record<string, unknown> {
  const diff = (pair: [string, string]) => {
    const [a, sa] = countInstructions(pair[0]);
    const [b] = countInstructions(pair[1]);
    return { instr: a - b, sum: sa };
  };
  const interp = diff(f.interp), stack = diff(f.stack), native = diff(f.native);
  // the wasm instructions run are counted by the stack form's host build (one count per wasm op); the register
  // form's host build counts only its own dispatches
  const [opsN, sumH, stackDispN] = countOps(f.stackHost[0]);
  const [ops0, , stackDisp0] = countOps(f.stackHost[1]);
  const [, sumRf, dispN] = countOps(f.interpHost[0]);
  const [, , disp0] = countOps(f.interpHost[1]);
  const ops = opsN - ops0;
  if (interp.sum !== native.sum || sumRf !== native.sum) throw new Error(
    `${name}: the interpreter disagrees on the result (Cortex-M ${interp.sum}, host ${sumRf}, wasm2c ${native.sum})`);
  if (stack.sum !== native.sum || sumH !== native.sum) throw new Error(
    `${name}: the stack form disagrees on the result (Cortex-M ${stack.sum}, host ${sumH}, wasm2c ${native.sum})`);
  if (checkVerify && (native.sum & 1) !== 1) throw new Error(
    `${name}: the program's own verification failed (result ${native.sum})`);
  const out: Record<string, unknown> = {
    thumb_instructions: interp.instr,
    wasm2c_O2_thumb_instructions: native.instr,
    vs_wasm2c_O2: r2(interp.instr / native.instr),
    thumb_instr_per_wasm_op: r2(interp.instr / ops),
    dispatches_per_wasm_op: r2((dispN - disp0) / ops),
    wasm_instructions: ops,
    vs_stack_form: r3(interp.instr / stack.instr),
    stack_thumb_instructions: stack.instr,
    stack_vs_wasm2c_O2: r2(stack.instr / native.instr),
    stack_thumb_instr_per_wasm_op: r2(stack.instr / ops),
    stack_dispatches_per_wasm_op: r2((stackDispN - stackDisp0) / ops),
  };
  if (withWasm3) {
    const w = diff(f.wasm3);
    if (w.sum !== native.sum) throw new Error(`${name}: wasm3 disagrees on the result (${w.sum} vs ${native.sum})`);
    out.wasm3_thumb_instructions = w.instr;
    out.vs_wasm3 = r3(interp.instr / w.instr);
    out.wasm3_vs_wasm2c_O2 = r2(w.instr / native.instr);
    out.stack_vs_wasm3 = r2(stack.instr / w.instr);
  }
  if (withWamr) {
    // A WAMR API call that fails (the module cannot be loaded or run there) is reported in the
    // figure, naming the call; a result that differs from the other engines' fails the bench.
    const wamr = (pair: [string, string], build: string): { instr: number } | { failed: string } => {
      const w = diff(pair);
      if (w.sum === native.sum) return w;
      const step = WAMR_STEPS[w.sum];
      if (step) return { failed: `not run on WAMR (${build}): ${step} failed (wamr_main.c step ${w.sum})` };
      throw new Error(`${name}: WAMR (${build}) disagrees on the result (${w.sum} vs ${native.sum})`);
    };
    const w = wamr(f.wamr, '-Os'), wO2 = wamr(f.wamrO2, '-O2');
    if ('failed' in w) out.wamr_fast_thumb_instructions = w.failed;
    else {
      out.wamr_fast_thumb_instructions = w.instr;
      out.vs_wamr_fast = r2(interp.instr / w.instr);
      out.wamr_fast_vs_wasm2c_O2 = r2(w.instr / native.instr);
      if (withWasm3) out.wamr_fast_vs_wasm3 = r2(w.instr / (out.wasm3_thumb_instructions as number));
      const [, pool] = countInstructions(f.wamrPool);
      out.wamr_fast_pool_bytes_used = pool > 0 ? pool :
        `the pool probe failed: ${WAMR_STEPS[pool] ?? 'unknown step'} (${pool})`;
      if (pool > 0) out.wamr_fast_pool_bytes_beyond_linear_memory = pool - 65536 * (
        parseModule(readFileSync(f.plainWasm)).mems[0]?.min ?? 0);
    }
    if ('failed' in wO2) out.wamr_fast_O2_thumb_instructions = wO2.failed;
    else {
      out.wamr_fast_O2_thumb_instructions = wO2.instr;
      out.vs_wamr_fast_O2 = r2(interp.instr / wO2.instr);
      if (withWasm3) out.wamr_fast_O2_vs_wasm3 = r2(wO2.instr / (out.wasm3_thumb_instructions as number));
    }
  }
  return out;
}

/** The interpreter's geomeans and worst, three decimals (the issue's targets are close to them), and the
 * stack form's beside them (its `stack_` keys). */
function geomeans(rows: Array<Record<string, number>>, withWasm3: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    geomean_vs_wasm2c_O2: geomean(rows.map((x) => x.vs_wasm2c_O2!)),
    geomean_vs_stack_form: geomean3(rows.map((x) => x.vs_stack_form!)),
    stack_geomean_vs_wasm2c_O2: geomean(rows.map((x) => x.stack_vs_wasm2c_O2!)),
  };
  if (withWasm3) {
    out.geomean_vs_wasm3 = geomean3(rows.map((x) => x.vs_wasm3!));
    out.worst_vs_wasm3 = Math.max(...rows.map((x) => x.vs_wasm3!));
    out.stack_geomean_vs_wasm3 = geomean(rows.map((x) => x.stack_vs_wasm3!));
  }
  return out;
}

/** The WAMR geomeans over the workloads it ran (-Os and -O2 apart), and which were left out. */
function wamrGeomeans(rows: Array<Record<string, number>>, withWasm3: boolean): Record<string, unknown> {
  const ran = rows.filter((x) => x.vs_wamr_fast !== undefined),
    ranO2 = rows.filter((x) => x.vs_wamr_fast_O2 !== undefined);
  const out: Record<string, unknown> = {};
  if (ran.length < rows.length || ranO2.length < rows.length) {
    out.wamr_fast_geomeans_over =
      `${ran.length} of ${rows.length} workloads (-Os), ${ranO2.length} (-O2): see wamr_fast_thumb_instructions for ` +
      `why the others did not run`;
  }
  out.geomean_vs_wamr_fast = geomean(ran.map((x) => x.vs_wamr_fast!));
  out.worst_vs_wamr_fast = ran.length ? Math.max(...ran.map((x) => x.vs_wamr_fast!)) : null;
  out.wamr_fast_geomean_vs_wasm2c_O2 = geomean(ran.map((x) => x.wamr_fast_vs_wasm2c_O2!));
  if (withWasm3) out.wamr_fast_geomean_vs_wasm3 = geomean(ran.map((x) => x.wamr_fast_vs_wasm3!));
  out.geomean_vs_wamr_fast_O2 = geomean(ranO2.map((x) => x.vs_wamr_fast_O2!));
  if (withWasm3) out.wamr_fast_O2_geomean_vs_wasm3 = geomean(ranO2.map((x) => x.wamr_fast_O2_vs_wasm3!));
  return out;
}

export async function run(): Promise<Record<string, unknown>> {
  const embench = sourceTree('EMBENCH_SRC', 'embench+embench-iot', ['src', 'support'], 'support/beebsc.c');
  const coremark = sourceTree('COREMARK_SRC', 'eembc+coremark', [...COREMARK_FILES, 'coremark.h'], 'core_main.c');
  const wasm3 = sourceTree('WASM3_SRC', 'wasm3+wasm3', ['source'], 'source/wasm3.h');
  const wamr = sourceTree(
    'WAMR_SRC', 'bytecodealliance+wasm-micro-runtime', ['core'], 'core/iwasm/include/wasm_export.h');
  const names = [...(embench.dir ? EMBENCH : []), ...(coremark.dir ? ['coremark'] : []), 'kernel'];
  const suiteFiles = (w: string): Files => ({
    interp: [join(SUITE, w, 'rf_n.elf'), join(SUITE, w, 'rf_0.elf')],
    interpHost: [join(SUITE, w, 'host_rf_n'), join(SUITE, w, 'host_rf_0')],
    stack: [join(SUITE, w, 'interp_n.elf'), join(SUITE, w, 'interp_0.elf')],
    stackHost: [join(SUITE, w, 'host_n'), join(SUITE, w, 'host_0')],
    native: [join(SUITE, w, 'native_n.elf'), join(SUITE, w, 'native_0.elf')],
    wasm3: [join(SUITE, w, 'wasm3_n.elf'), join(SUITE, w, 'wasm3_0.elf')],
    wamr: [join(SUITE, w, 'wamr_n.elf'), join(SUITE, w, 'wamr_0.elf')],
    wamrO2: [join(SUITE, w, 'wamrO2_n.elf'), join(SUITE, w, 'wamrO2_0.elf')],
    wamrPool: join(SUITE, w, 'wamr_pool.elf'),
    plainWasm: join(SUITE, w, 'plain.wasm'),
  });
  const codec: Files = {
    interp: [join(BENCH, 'rf_1000.elf'), join(BENCH, 'rf_0.elf')],
    interpHost: [join(BENCH, 'host_rf_count_1000'), join(BENCH, 'host_rf_count_0')],
    stack: [join(BENCH, 'interp_1000.elf'), join(BENCH, 'interp_0.elf')],
    stackHost: [join(BENCH, 'host_count_1000'), join(BENCH, 'host_count_0')],
    native: [join(BENCH, 'native_1000.elf'), join(BENCH, 'native_0.elf')],
    wasm3: [join(BENCH, 'wasm3_1000.elf'), join(BENCH, 'wasm3_0.elf')],
    wamr: [join(BENCH, 'wamr_1000.elf'), join(BENCH, 'wamr_0.elf')],
    wamrO2: [join(BENCH, 'wamrO2_1000.elf'), join(BENCH, 'wamrO2_0.elf')],
    wamrPool: join(BENCH, 'wamr_pool.elf'),
    plainWasm: join(REPO, 'build/core/codec-test.wasm'),
  };
  const more = embench.dir ? [...EMBENCH_MORE] : [];
  const targets = [
    ...[...names, ...more].flatMap((w) => Object.values(suiteFiles(w)).flat()), ...Object.values(codec).flat()]
    .filter((t) => (wasm3.dir || !t.includes('wasm3_')) && (wamr.dir || !/\/wamr(?:O2)?_/.test(t)))
    .map((t) => t.slice(REPO.length + 1));
  const vars = [
    ...(embench.dir ? [`EMBENCH_SRC=${embench.dir}`] : []), ...(coremark.dir ? [`COREMARK_SRC=${coremark.dir}`] : []),
    ...(wasm3.dir ? [`WASM3_SRC=${wasm3.dir}`] : []), ...(wamr.dir ? [`WAMR_SRC=${wamr.dir}`] : [])];
  try {
    execFileSync('make', ['-s', ...targets, ...vars], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
  } catch {
    throw new Error(
      `building the suite's programs failed (make's output above; ` +
      `${vars.join(' ') || 'no EMBENCH_SRC / COREMARK_SRC / WASM3_SRC / WAMR_SRC'})`);
  }

  const suite: Record<string, unknown> = {};
  // CoreMark's bit 0: its CRC validation
  for (const w of names) suite[w] = measure(w, suiteFiles(w), !!wasm3.dir, !!wamr.dir, w !== 'kernel');
  suite.codec = measure('codec', codec, !!wasm3.dir, !!wamr.dir, false);
  const all = Object.values(suite) as Array<Record<string, number>>;
  Object.assign(suite, geomeans(all, !!wasm3.dir));
  if (!wasm3.dir) suite.geomean_vs_wasm3 = null;
  if (wamr.dir) {
    Object.assign(suite, wamrGeomeans(all, !!wasm3.dir));
    suite.wamr_fast_note = 'WAMR fast interpreter (classic interpreter, AOT and JITs off), built like wasm3 and ' +
      'ours: arm-none-eabi-gcc -Os -mthumb -mcpu=cortex-m3, '
      + 'newlib-nano, sections collected (mk/wamr-bench.mk); the plain module copied to RAM, wasm_runtime_load, '
      + 'instantiate, then the same calls as wasm3. '
      + 'run(n) minus run(0) excludes WAMR\'s load-time translation to its fast form (as wasm3\'s lazy compile is '
      + 'excluded), which favours WAMR: ours does that work on the host. '
      + 'wamr_fast_pool_bytes_used: the pool\'s high-water mark (of 512 KB) after load, instantiation and run(1): '
      + 'linear memory, the 16 KB wasm stack, the module copy '
      + '(wasm_runtime_load keeps and rewrites it) and the translated code included; _beyond_linear_memory leaves the '
      + 'linear memory out. '
      + '_O2 figures: WAMR alone built -O2 (context; wasm3 and ours stay -Os): at -Os GCC makes WAMR\'s operand-read '
      + 'helpers calls';
    // Flash and RAM of the WAMR build, from the codec program's link map: WAMR's objects and our
    // platform layer (libwamr.a); the driver, crt.c and the pool are left out. The libc part is
    // what the link pulled from newlib-nano, libm and libgcc (the driver itself uses only crt.c).
    const map = join(BENCH, 'wamr_1000.map');
    const own = sizesFromMap(map, (o) => o.includes('libwamr.a('));
    const libc = sizesFromMap(map, (o) => /lib(?:c_nano|c|g_nano|m|gcc)\.a\(/.test(o));
    suite.peer_wamr_fast_flash_bytes = own.flash;
    suite.peer_wamr_fast_ram_bytes = own.ram;
    suite.peer_wamr_fast_flash_bytes_with_libc = own.flash + libc.flash;
    suite.peer_wamr_fast_ram_bytes_with_libc = own.ram + libc.ram;
    suite.peer_wamr_fast_O2_flash_bytes = sizesFromMap(
      join(BENCH, 'wamrO2_1000.map'), (o) => o.includes('libwamr.a(')).flash;
    const ours = join(BENCH, 'size_rf.map');
    if (existsSync(ours)) suite.runtime_flash_bytes_same_measure = sizesFromMap(
      ours, (o) => o.includes('build/runtime/arm-rf/')).flash;
    suite.peer_wamr_fast_size_note = 'from the link map of build/runtime/bench/wamr_1000.elf: .text+.rodata (flash) ' +
      'and .data+.bss (RAM) kept from WAMR\'s objects and our platform layer, '
      + 'the pool, driver and crt.c excluded; _with_libc adds what the link pulled from newlib-nano, libm and libgcc '
      + '(printf family, soft-float and libm: WAMR has no switch to leave floats out, '
      + 'wasm3 and ours are built without them). runtime_flash_bytes_same_measure: our runtime by the same measure '
      + '(size_rf.map, as runtime_flash_bytes)';
  }
  if (coremark.dir) {
    const six = Object.entries(suite).filter(([k, v]) => k !== 'coremark' && typeof v === 'object' && v !== null).map(
      ([, v]) => v as Record<string, number>);
    suite.geomean_vs_wasm2c_O2_without_coremark = geomean(six.map((x) => x.vs_wasm2c_O2!));
    suite.geomean_vs_wasm3_without_coremark = wasm3.dir ? geomean(six.map((x) => x.vs_wasm3!)) : null;
  }
  suite.workloads =
    `${names.join(', ')}, codec${embench.dir ? ` (Embench-IoT from ${embench.dir})` : ''}${coremark.dir ? ` ` +
    `(CoreMark from ${coremark.dir})` : ''}`;
  if (!embench.dir) suite.embench_missing = `Embench-IoT workloads not run: ${embench.why}`;
  if (!coremark.dir) suite.coremark_missing = `CoreMark not run: ${coremark.why}`;
  if (!wasm3.dir) suite.wasm3_missing = `wasm3 not measured: ${wasm3.why}`;
  else suite.wasm3_source = wasm3.dir;
  if (!wamr.dir) suite.wamr_missing = `WAMR not measured: ${wamr.why}`;
  else suite.wamr_source = wamr.dir;

  const outside: Record<string, unknown> = {};
  for (const w of more) outside[w] = measure(w, suiteFiles(w), !!wasm3.dir, !!wamr.dir, true);
  const progs = Object.entries(outside) as Array<[string, Record<string, number>]>;
  if (progs.length) {
    Object.assign(outside, geomeans(progs.map(([, x]) => x), !!wasm3.dir));
    if (wasm3.dir) {
      const worst = progs.reduce((a, b) => (b[1].vs_wasm3! > a[1].vs_wasm3! ? b : a));
      outside.worst_vs_wasm3 = worst[1].vs_wasm3;
      outside.worst_workload = worst[0];
      outside.over_0_8_vs_wasm3 = progs.filter(([, x]) => x.vs_wasm3! > 0.8).map(([k]) => k).join(', ') || 'none';
      // the suite's seven and these together: every workload the bench runs
      outside.all_workloads_geomean_vs_wasm3 = geomean3([...all, ...progs.map(([, x]) => x)].map((x) => x.vs_wasm3!));
      outside.stack_all_workloads_geomean_vs_wasm3 = geomean(
        [...all, ...progs.map(([, x]) => x)].map((x) => x.stack_vs_wasm3!));
    }
    if (wamr.dir) Object.assign(outside, wamrGeomeans(progs.map(([, x]) => x), !!wasm3.dir));
    outside.programs =
      `${progs.length} Embench-IoT programs from ${embench.dir}; wikisort not run (double-precision sqrt: the device ` +
      `runtime has no floats)`;
  } else outside.embench_missing = `not run: ${embench.why}`;
  return { interp_suite: suite, interp_embench: outside };
}
