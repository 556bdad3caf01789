// Runs a pre-decoded module's `calls(n)` export on Cortex-M3 under unicorn, on the stack form (format 39,
// WQRT_REGFORM=0): the call benchmark's driver and linker script with the interpreter object the bench links
// (build/runtime/arm/interp.o: interp.c through the dispatch step). Returns the export's result as the ELF leaves
// it in r0.
// A module's objects are compiled once per test process; each n (a compile-time constant of
// call_main.c) costs one small compile and a link.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cArray } from '../../host-tools/wasm/embed-c.ts';

const REPO = resolve(import.meta.dirname, '../..');
const at = (f: string) => join(REPO, f);
const CFLAGS = ['-mthumb', '-mcpu=cortex-m3', '-ffreestanding', '-nostdlib', '-ffunction-sections', '-fdata-sections',
  '-std=c11', '-Os', '-DWQRT_REGFORM=0', `-I${at('firmware/runtime/include')}`];
/** pre-decoded module (sha-1) -> its folder with crt.o, module.o, api.o and loader.o */
const built = new Map<string, string>();

function moduleObjects(predecoded: Uint8Array): string {
  const key = createHash('sha1').update(predecoded).digest('hex');
  let dir = built.get(key);
  if (dir) return dir;
  dir = mkdtempSync(join(tmpdir(), 'wq-cortexm-'));
  writeFileSync(join(dir, 'module.c'), cArray(predecoded, 'callbench_module'));
  for (const [src, obj] of [[at('host-tools/wasm/armbench/crt.c'), 'crt.o'], [join(dir, 'module.c'), 'module.o'],
    [at('firmware/runtime/src/api.c'), 'api.o'], [at('firmware/runtime/src/loader.c'), 'loader.o']] as const) {
    execFileSync('arm-none-eabi-gcc', [...CFLAGS, '-c', src, '-o', join(dir, obj)]);
  }
  built.set(key, dir);
  return dir;
}

export function runCallsOnCortexM(predecoded: Uint8Array, n: number): number {
  const dir = moduleObjects(predecoded);
  const elf = join(dir, `calls-${n}.elf`);
  execFileSync('arm-none-eabi-gcc', [...CFLAGS, '-nostartfiles', '-Wl,--gc-sections', '-T',
    at('host-tools/wasm/armbench/bench.ld'), '-DCALLS=1', `-DN=${n}`,
    join(dir, 'crt.o'), at('host-tools/wasm/armbench/call_main.c'), join(dir, 'module.o'), join(dir, 'api.o'),
    join(dir, 'loader.o'),
    at('build/runtime/arm/interp.o'), '-lgcc', '-o', elf]);
  const done = /^([0-9a-f]+) T wq_done$/m.exec(execFileSync('arm-none-eabi-nm', [elf], { encoding: 'utf8' }))![1]!;
  const out = execFileSync(at('build/runtime/bench/arm_count'), [elf, done], { encoding: 'utf8' }).trim().split(' ');
  return Number(out[1]) | 0;
}
