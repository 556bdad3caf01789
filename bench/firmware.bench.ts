// Firmware figures per board (from the images `make build` wrote): flash and RAM against the
// budget, what the embedded module costs, and peers measured in the same run: the platform
// alone (HAL + binding + runtime with a 0.4 KB module), core.wasm and the console's share of
// device.wasm (the module the images embed).
// WASM3_SRC=DIR adds the same binding linked with upstream wasm3.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { listBoards, REPO_ROOT } from '../host-tools/fwbuild/boards.ts';
import { buildFirmware, buildHost } from '../host-tools/fwbuild/firmware.ts';
import type { SizeReport } from '../host-tools/fwbuild/size.ts';

const pct = (a: number, b: number) => Math.round((a / b) * 1000) / 10;

function boardFigures(r: SizeReport) {
  return {
    firmware_flash_bytes: r.flash.used,
    firmware_ram_bytes: r.ram.total,
    flash_budget_bytes: r.flash.budget,
    ram_budget_bytes: r.ram.budget,
    flash_pct_of_budget: pct(r.flash.used, r.flash.budget),
    ram_pct_of_budget: pct(r.ram.total, r.ram.budget),
    within_budget: r.overBudget.length === 0,
    module_bytes_in_flash: r.moduleBytes,
    static_ram_bytes: r.ram.static,
    stack_bytes: r.ram.stack + r.ram.guard,
    linear_memory_cap_bytes: r.ram.linearMemoryCap,
  };
}

/** Console commands per second through a host build (fake HAL, no sanitizers): the interpreter
 * vs the wasm2c-compiled core doing the same work on this machine. Counts `ok` replies as they
 * stream and stops the device when all `n` arrived. */
function consoleCommandsPerSecond(exe: string, store: string, n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = Array.from({ length: n }, (_, i) => (i % 2 ? 'status' : 'show')).join('\n') + '\n';
    const p = spawn(exe, ['--store', store], { stdio: ['pipe', 'pipe', 'inherit'] });
    let oks = 0;
    let tail = '';
    const t0 = process.hrtime.bigint();
    const timer = setTimeout(
      () => { p.kill('SIGKILL'); reject(new Error(`only ${oks} of ${n} replies in 120 s`)); }, 120_000);
    p.stdout.setEncoding('latin1');
    p.stdout.on('data', (d: string) => {
      const text = tail + d;
      const parts = text.split('\n');
      tail = parts.pop()!;
      oks += parts.filter((l) => l.startsWith('ok ')).length;
      if (oks >= n) {
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        clearTimeout(timer);
        p.kill('SIGKILL');
        resolve(Math.round(n / secs));
      }
    });
    p.stdin.on('error', () => {});
    p.stdin.write(lines);
  });
}

/** core.wasm rebuilt with empty console hooks, to price the console. */
export async function run(): Promise<Record<string, unknown>> {
  const figures: Record<string, unknown> = {};
  for (const b of listBoards()) {
    const file = join(REPO_ROOT, 'build', b, 'size.json');
    if (!existsSync(file)) throw new Error(`${file} is missing: run make build`);
    figures[b] = boardFigures(JSON.parse(readFileSync(file, 'utf8')) as SizeReport);
  }
  // The keys, one object per figure with a value per board.
  const perBoard = (key: 'firmware_flash_bytes' | 'firmware_ram_bytes') =>
    Object.fromEntries(listBoards().map((b) => [b, (figures[b] as ReturnType<typeof boardFigures>)[key]]));
  figures.firmware_flash_bytes = perBoard('firmware_flash_bytes');
  figures.firmware_ram_bytes = perBoard('firmware_ram_bytes');
  const tmp = mkdtempSync(join(tmpdir(), 'wasmqtt-fw-bench-'));
  try {
    const tinyWasm = join(REPO_ROOT, 'build/firmware-test/tiny-core.wasm');
    const platform = await buildFirmware(
      { board: 'bluepill', wasm: tinyWasm, outDir: join(tmp, 'platform'), allowOverBudget: true });
    const platformBytes = platform.report.flash.used - platform.report.moduleBytes;
    const core = readFileSync(join(REPO_ROOT, 'build/core/core.wasm')).length;
    const device = readFileSync(join(REPO_ROOT, 'build/core/device.wasm')).length;
    const bp = figures.bluepill as ReturnType<typeof boardFigures>;
    figures.peers = {
      platform_flash_bytes_hal_binding_runtime: platformBytes,
      core_wasm_bytes: core,
      device_wasm_bytes: device,
      console_wasm_bytes: device - core,
      predecoded_module_bytes: bp.module_bytes_in_flash,
      predecode_overhead_pct: pct(bp.module_bytes_in_flash - device, device),
      bluepill_room_left_for_a_second_module_slot_bytes: 60 * 1024 - bp.firmware_flash_bytes - bp.module_bytes_in_flash,
    };
    const aot = JSON.parse(readFileSync(join(REPO_ROOT, 'build/bluepill-aot/size.json'), 'utf8')) as SizeReport;
    const deviceWasm = join(REPO_ROOT, 'build/core/device.wasm');
    const interpHost = await buildHost({ wasm: deviceWasm, outDir: join(tmp, 'h-interp'), sanitize: false });
    const aotHost = await buildHost({ wasm: deviceWasm, outDir: join(tmp, 'h-aot'), engine: 'aot', sanitize: false });
    const interpRate = await consoleCommandsPerSecond(interpHost, join(tmp, 's1.bin'), 4000);
    const aotRate = await consoleCommandsPerSecond(aotHost, join(tmp, 's2.bin'), 4000);
    figures.engine_aot_bluepill = {
      ...boardFigures(aot),
      flash_ratio_vs_interpreter: Math.round((aot.flash.used / bp.firmware_flash_bytes) * 100) / 100,
      ram_ratio_vs_interpreter: Math.round((aot.ram.total / bp.firmware_ram_bytes) * 100) / 100,
      host_console_commands_per_s_interpreter: interpRate,
      host_console_commands_per_s_aot: aotRate,
      host_speed_ratio_aot_vs_interpreter: Math.round((aotRate / interpRate) * 10) / 10,
    };
    if (process.env.WASM3_SRC) {
      const w3 = await buildFirmware({ board: 'stm32f103ze', runtime: 'wasm3', wasm3Src: process.env.WASM3_SRC,
        wasm: deviceWasm, outDir: join(tmp, 'wasm3'), allowOverBudget: true });
      const ours = figures.stm32f103ze as ReturnType<typeof boardFigures>;
      figures.upstream_wasm3 = {
        firmware_flash_bytes: w3.report.flash.used,
        platform_flash_bytes_hal_binding_wasm3: w3.report.flash.used - w3.report.moduleBytes,
        flash_ratio_vs_ours: Math.round((w3.report.flash.used / ours.firmware_flash_bytes) * 100) / 100,
      };
    }
    figures.reference_not_measured_here = {
      wasm3_alone_cortex_m3_flash_kb: '38-47', wasm3_heap_kb: 12, paho_embedded_kb: 4.4, coremqtt_kb: 6.9,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return figures;
}
