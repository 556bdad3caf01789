// The app API's cost on the blue pill (docs/app-api.md): the examples/sensor images `make build`
// wrote (both engines) against the board's budget, and the flash an app of your own has left:
// the budget minus an image whose app is empty (App.start with an empty setup: the core, the
// runtime, the HAL and what every app carries of the API), built here in the same run. Peers
// from the same run: the console image (build/bluepill*, the default firmware).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../host-tools/build/boards.ts';
import { buildFirmware } from '../host-tools/build/firmware.ts';
import type { SizeReport } from '../host-tools/build/size.ts';

/** asc resolves only relative paths: `sdk` is the SDK folder relative to the entry's. */
const emptyApp = (sdk: string) => `import { App } from "${sdk}/index";
export * from "${sdk}/exports";
export function start(): void { App.start(setup); }
export function step(): i32 { return App.step(); }
function setup(): void {}
`;

function sizeOf(dir: string): SizeReport {
  const file = join(REPO_ROOT, 'build', dir, 'size.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`make build\` first`);
  return JSON.parse(readFileSync(file, 'utf8')) as SizeReport;
}

/** asc + wasm-opt with the flags of mk/core.mk's CORE_MODULE. */
function compileApp(entry: string, out: string): void {
  const asc = spawnSync(join(REPO_ROOT, 'node_modules/.bin/asc'), [entry, '--runtime', 'stub', '--noAssert',
    '--use', 'abort=firmware/core/index/wqAbort', '--initialMemory', '1', '--maximumMemory', '1',
    '--optimizeLevel', '0', '--shrinkLevel', '2', '--converge', '-o', `${out}.asc`], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (asc.status !== 0) throw new Error(`asc failed on the empty app: ${asc.stderr}`);
  const opt = spawnSync('wasm-opt', ['--enable-sign-ext', '--enable-bulk-memory', '--enable-mutable-globals',
    '--enable-nontrapping-float-to-int', '-Oz', '--converge', '--low-memory-unused', `${out}.asc`, '-o', out], { encoding: 'utf8' });
  if (opt.status !== 0) throw new Error(`wasm-opt failed on the empty app: ${opt.stderr}`);
}

export async function run(): Promise<Record<string, unknown>> {
  // (inside the repo: asc compiles modules reached through "../../" outside its working folder
  // twice, doubling the core's static data)
  mkdirSync(join(REPO_ROOT, 'build/app'), { recursive: true });
  const tmp = mkdtempSync(join(REPO_ROOT, 'build/app/bench-'));
  try {
    const entry = join(tmp, 'empty.ts');
    writeFileSync(entry, emptyApp(relative(tmp, join(REPO_ROOT, 'firmware/app/sdk'))));
    const wasm = join(tmp, 'empty.wasm');
    compileApp(entry, wasm);
    const figures = {
      sensor_flash_bytes: {} as Record<string, number>,
      sensor_ram_bytes: {} as Record<string, number>,
      sensor_within_budget: {} as Record<string, boolean>,
      flash_left_for_user_code_bytes: {} as Record<string, number>,
      empty_app_flash_bytes: {} as Record<string, number>,
      console_flash_bytes: {} as Record<string, number>,
      sensor_wasm_bytes: readFileSync(join(REPO_ROOT, 'build/app/sensor.wasm')).length,
      empty_app_wasm_bytes: readFileSync(wasm).length,
    };
    for (const [key, engine, sensorDir, consoleDir] of [['bluepill', 'interp', 'bluepill-sensor', 'bluepill'],
      ['bluepill_aot', 'aot', 'bluepill-sensor-aot', 'bluepill-aot']] as const) {
      const sensor = sizeOf(sensorDir);
      const empty = await buildFirmware({ board: 'bluepill', engine, wasm, outDir: join(tmp, key), allowOverBudget: true });
      figures.sensor_flash_bytes[key] = sensor.flash.used;
      figures.sensor_ram_bytes[key] = sensor.ram.total;
      figures.sensor_within_budget[key] = sensor.overBudget.length === 0;
      figures.empty_app_flash_bytes[key] = empty.report.flash.used;
      figures.flash_left_for_user_code_bytes[key] = empty.report.flash.budget - empty.report.flash.used;
      figures.console_flash_bytes[key] = sizeOf(consoleDir).flash.used;
    }
    return { app_sdk: figures };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
