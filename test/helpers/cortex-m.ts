// Runs a pre-decoded module's `calls(n)` export on Cortex-M3 under unicorn: the call benchmark's
// driver and linker script with the interpreter object the bench links (build/runtime/arm/interp.o:
// interp.c through the dispatch step). Returns the export's result as the ELF leaves it in r0.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

export function runCallsOnCortexM(predecoded: Uint8Array, n: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'wq-cortexm-'));
  writeFileSync(join(dir, 'm.pd.wasm'), predecoded);
  execFileSync('node', ['--import', 'tsx', join(REPO, 'host-tools/wasm/embed-c.ts'), join(dir, 'm.pd.wasm'), join(dir, 'module.c'), 'callbench_module'], { cwd: REPO });
  const at = (f: string) => join(REPO, f);
  const elf = join(dir, 'calls.elf');
  execFileSync('arm-none-eabi-gcc', ['-mthumb', '-mcpu=cortex-m3', '-ffreestanding', '-nostartfiles', '-nostdlib', '-ffunction-sections', '-fdata-sections',
    '-Wl,--gc-sections', '-T', at('host-tools/wasm/armbench/bench.ld'), '-std=c11', '-Os', '-DCALLS=1', `-DN=${n}`, `-I${at('firmware/runtime/include')}`,
    at('host-tools/wasm/armbench/crt.c'), at('host-tools/wasm/armbench/call_main.c'), join(dir, 'module.c'),
    at('firmware/runtime/src/api.c'), at('firmware/runtime/src/loader.c'), at('build/runtime/arm/interp.o'), '-lgcc', '-o', elf]);
  const done = /^([0-9a-f]+) T wq_done$/m.exec(execFileSync('arm-none-eabi-nm', [elf], { encoding: 'utf8' }))![1]!;
  const out = execFileSync(at('build/runtime/bench/arm_count'), [elf, done], { encoding: 'utf8' }).trim().split(' ');
  return Number(out[1]) | 0;
}
