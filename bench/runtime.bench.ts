// Runtime figures: spec-test totals, flash and RAM of the C runtime on Cortex-M3, and the
// interpreter's speed against the same code compiled natively (wasm2c -O2), counted exactly as
// Thumb instructions under unicorn. Artifacts come from `make build` (mk/runtime.mk). The unprefixed
// keys measure the default interpreter, the register form (rf_engine.c, format 40); the `stack_` keys the
// stack form (interp.c, format 39, `wasmqtt build --engine stack`) on the same programs.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runSpecSuite } from '../host-tools/wasm/spectest.ts';

const REPO = resolve(import.meta.dirname, '..');
const OUT = join(REPO, 'build/runtime');
const BENCH = join(OUT, 'bench');

function need(path: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: run make build first`);
  return path;
}

/** Runs an ELF under unicorn until wq_done; returns [instructions, r0]. */
function countInstructions(elf: string): [number, number] {
  const nm = execFileSync('arm-none-eabi-nm', [need(elf)], { encoding: 'utf8' });
  const done = /^([0-9a-f]+) T wq_done$/m.exec(nm)?.[1];
  if (!done) throw new Error(`${elf} has no wq_done symbol`);
  const out = execFileSync(need(join(BENCH, 'arm_count')), [elf, done], { encoding: 'utf8' }).trim().split(' ');
  return [Number(out[0]), Number(out[1]) | 0];
}

/** .text + .rodata the link kept from the runtime's objects (those under `objects`) and the libgcc helpers they
 * pull. */
function flashFromMap(map: string, objects: string): { runtime: number; libgcc: number } {
  const text = readFileSync(need(map), 'utf8');
  const kept = text.slice(text.indexOf('Linker script and memory map'));
  let runtime = 0, libgcc = 0;
  const re = /^ (\.(?:text|rodata)[^\s]*)\s*\n?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)/gm;
  for (let m; (m = re.exec(kept)); ) {
    const size = parseInt(m[3]!, 16);
    if (m[4]!.includes(objects)) runtime += size;
    else if (m[4]!.includes('libgcc.a')) libgcc += size;
  }
  return { runtime, libgcc };
}

/** Every artifact this bench reads, rebuilt first when a source changed: an ELF left over from
 * before an interp.c edit would measure the old interpreter without a word. */
const ARTIFACTS = ['spec_driver_rf', 'device.rf.wasm', 'bench/arm_count', 'bench/size_rf.elf', 'bench/size.elf',
  'bench/ram_rf.elf', 'bench/ram.elf',
  ...[0, 1000].flatMap((n) => [`bench/rf_${n}.elf`, `bench/interp_${n}.elf`, `bench/native_${n}.elf`,
    `bench/host_count_${n}`]),
  ...[0, 1].flatMap((n) => [`bench/call_rf_${n}.elf`, `bench/call_${n}.elf`])].map((a) => `build/runtime/${a}`);

/** run(1000) minus run(0) of a program pair, its checksum, and its run(0) (the load). */
function workload(name: string): { instr: number; sum: number; load: number } {
  const [a, sum] = countInstructions(join(BENCH, `${name}_1000.elf`));
  const [load] = countInstructions(join(BENCH, `${name}_0.elf`));
  return { instr: a - load, sum, load };
}

/** Thumb instructions of one wasm call + return: the loop with the call minus the loop without. */
function callCost(prefix: string): number {
  const [c1, sumC1] = countInstructions(join(BENCH, `${prefix}_1.elf`));
  const [c0, sumC0] = countInstructions(join(BENCH, `${prefix}_0.elf`));
  if (sumC1 !== sumC0) throw new Error(`the call benchmark's two loops disagree (${prefix}: ${sumC1} vs ${sumC0})`);
  return (c1 - c0) / 1000;
}

export async function run(): Promise<Record<string, unknown>> {
  execFileSync('make', ['-s', ...ARTIFACTS], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
  const suite = await runSpecSuite(undefined, need(join(OUT, 'spec_driver_rf')), 2, { regform: true });
  const flash = flashFromMap(join(BENCH, 'size_rf.map'), 'build/runtime/arm-rf/');
  const stackFlash = flashFromMap(join(BENCH, 'size.map'), 'build/runtime/arm/');
  const [, ramBytes] = countInstructions(join(BENCH, 'ram_rf.elf'));
  const [, stackRamBytes] = countInstructions(join(BENCH, 'ram.elf'));

  const rf = workload('rf'), stack = workload('interp'), nat = workload('native');
  for (const [what, w] of [['the interpreter', rf], ['the stack form', stack]] as const) {
    if (w.sum !== nat.sum) throw new Error(
      `${what} and native disagree on the workload checksum (${w.sum} vs ${nat.sum})`);
  }
  // the wasm instructions run, counted by the stack form's host build (one count per wasm op)
  const ops = (n: number) => Number(
    execFileSync(need(join(BENCH, `host_count_${n}`)), { encoding: 'utf8' }).split(' ')[0]);
  const wasmOps = ops(1000) - ops(0);
  const interp = rf.instr, native = nat.instr, sumN = nat.sum;
  const devicePd = join(OUT, 'device.rf.wasm'), device = join(REPO, 'build/core/device.wasm');
  let wasm3: Record<string, unknown> | string = 'set WASM3_SRC to a wasm3 checkout to measure it on the same workload';
  if (process.env.WASM3_SRC) {
    execFileSync('make', ['-s', join('build/runtime/bench/wasm3_1000.elf'), join('build/runtime/bench/wasm3_0.elf'),
      `WASM3_SRC=${process.env.WASM3_SRC}`], { cwd: REPO, stdio: 'inherit' });
    const [w1000, sumW] = countInstructions(join(BENCH, 'wasm3_1000.elf'));
    const [w0] = countInstructions(join(BENCH, 'wasm3_0.elf'));
    if (sumW !== sumN) throw new Error(`wasm3 disagrees on the workload checksum (${sumW} vs ${sumN})`);
    wasm3 = {
      thumb_instructions: w1000 - w0,
      vs_native_instr_ratio: Math.round(((w1000 - w0) / native) * 100) / 100,
      thumb_instr_per_wasm_op: Math.round(((w1000 - w0) / wasmOps) * 100) / 100,
      load_compile_instructions: w0,
      interp_vs_wasm3_instr_ratio: Math.round((interp / (w1000 - w0)) * 100) / 100,
      stack_vs_wasm3_instr_ratio: Math.round((stack.instr / (w1000 - w0)) * 100) / 100,
    };
  }

  return {
    spec_tests_passed: suite.passed,
    spec_tests_failed: suite.failed,
    spec_tests_skipped: suite.skipped,
    spec_skipped_by_reason: suite.skipReasons,
    runtime_flash_bytes: flash.runtime,
    runtime_flash_bytes_with_libgcc_helpers: flash.runtime + flash.libgcc,
    runtime_ram_bytes: ramBytes,
    runtime_ram_note: 'device.wasm (core + console, as the boards run it) loaded on Cortex-M3: arena bytes beyond ' +
      'linear memory, value stack and call frames; does not grow with code size',
    runtime_flash_note: 'the every-op engine (size_rf.map: rf_engine.o through the dispatch step, loader.o, api.o); ' +
      'a board links only its module\'s handlers (docs/boards.md)',
    device_regform_blob_bytes: existsSync(device) &&
      existsSync(devicePd) ? statSync(devicePd).size - statSync(device).size : null,
    workload: 'encode + decode 1,000 QoS 1 PUBLISH (19-byte topic, 64-byte payload) with the core codec ' +
      '(build/core/codec-test.wasm)',
    interp_thumb_instructions: interp,
    native_wasm2c_O2_thumb_instructions: native,
    interp_vs_native_instr_ratio: Math.round((interp / native) * 100) / 100,
    wasm_instructions_executed: wasmOps,
    interp_thumb_instr_per_wasm_op: Math.round((interp / wasmOps) * 100) / 100,
    interp_load_instructions: rf.load,
    interp_thumb_instr_per_call: callCost('call_rf'),
    interp_call_note: 'one wasm call + return of a one-instruction accessor (1 param, 1 result; local.get 0 inside), ' +
      'both dispatches included (test/runtime/fixtures/callbench.wat)',
    stack_runtime_flash_bytes: stackFlash.runtime,
    stack_runtime_ram_bytes: stackRamBytes,
    stack_interp_thumb_instructions: stack.instr,
    stack_interp_vs_native_instr_ratio: Math.round((stack.instr / native) * 100) / 100,
    stack_interp_thumb_instr_per_wasm_op: Math.round((stack.instr / wasmOps) * 100) / 100,
    stack_interp_load_instructions: stack.load,
    stack_interp_thumb_instr_per_call: callCost('call'),
    wasm3,
  };
}
