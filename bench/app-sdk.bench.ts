// The app API's cost on the blue pill (docs/app-api.md): the examples/sensor images `make build`
// wrote (the default engine, the register form, and aot; the stack form's built here) against the board's
// budget, and the flash an app of your own has left:
// the budget minus an image whose app is empty (App.start with an empty setup: the core, the
// runtime, the HAL and what every app carries of the API), built here in the same run. The
// linear memory the scaffolded app (templates/project) takes by the end of start(), against the
// board's cap: what is left for an app's own buffers. Both apps are compiled as `wasmqtt build`
// compiles a project's (host-tools/fwbuild/app.ts: asc + wasm-opt.flags), with their `wasmqtt/app`
// imports made relative (an entry inside this package reaching the SDK by name would compile
// the core twice). Peers from the same run: the console image (build/bluepill*).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadBoard, REPO_ROOT } from '../host-tools/fwbuild/boards.ts';
import { compileApp } from '../host-tools/fwbuild/app.ts';
import { buildFirmware } from '../host-tools/fwbuild/firmware.ts';
import { runStartOnHost } from '../host-tools/fwbuild/start-check.ts';
import type { SizeReport } from '../host-tools/fwbuild/size.ts';

const EMPTY_APP = `import { App } from "wasmqtt/app";
export * from "wasmqtt/app/exports";
export function start(): void { App.start(setup); }
export function step(): i32 { return App.step(); }
function setup(): void {}
`;

/** An app's source with its `wasmqtt/app` imports relative to `dir`. */
function inPackage(source: string, dir: string): string {
  const sdk = relative(dir, join(REPO_ROOT, 'firmware/app/sdk'));
  return source.replaceAll('"wasmqtt/app/exports"', `"${sdk}/exports"`).replaceAll('"wasmqtt/app"', `"${sdk}/index"`);
}

function sizeOf(dir: string): SizeReport {
  const file = join(REPO_ROOT, 'build', dir, 'size.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`make build\` first`);
  return JSON.parse(readFileSync(file, 'utf8')) as SizeReport;
}

export async function run(): Promise<Record<string, unknown>> {
  mkdirSync(join(REPO_ROOT, 'build/app'), { recursive: true });
  const tmp = mkdtempSync(join(REPO_ROOT, 'build/app/bench-'));
  try {
    const entry = join(tmp, 'empty.ts');
    writeFileSync(entry, inPackage(EMPTY_APP, tmp));
    const wasm = await compileApp({ entry, outFile: join(tmp, 'empty.wasm') });
    const template = join(tmp, 'template.ts');
    writeFileSync(template, inPackage(
      readFileSync(join(REPO_ROOT, 'templates/project/src/main.ts'), 'utf8').replaceAll('{{name}}', 'my-device'), tmp));
    const templateWasm = await compileApp({ entry: template, outFile: join(tmp, 'template.wasm') });
    const bluepill = loadBoard('bluepill');
    const started = await runStartOnHost(readFileSync(templateWasm), bluepill);
    if (started.trap) throw new Error(`the template's start() trapped on the host: ${started.trap}`);
    const figures = {
      sensor_flash_bytes: {} as Record<string, number>,
      sensor_ram_bytes: {} as Record<string, number>,
      sensor_within_budget: {} as Record<string, boolean>,
      flash_left_for_user_code_bytes: {} as Record<string, number>,
      flash_left_for_user_code_bytes_every_opcode: {} as Record<string, number>,
      empty_app_flash_bytes: {} as Record<string, number>,
      console_flash_bytes: {} as Record<string, number>,
      sensor_wasm_bytes: readFileSync(join(REPO_ROOT, 'build/app/sensor.wasm')).length,
      empty_app_wasm_bytes: readFileSync(wasm).length,
      linear_memory_cap_bytes: { bluepill: bluepill.wasm.linearMemoryCapBytes },
      template_linear_memory_bytes: { bluepill: started.usedBytes },
      linear_memory_left_after_template_bytes: { bluepill: bluepill.wasm.linearMemoryCapBytes - started.usedBytes },
    };
    // the unsuffixed keys are the default engine (the register form); the stack form (`--engine stack`): `make build`
    // writes its console image only; its sensor image is built here from the sensor module the others embed
    for (const [key, engine, sensorDir, consoleDir] of [['bluepill', 'regform', 'bluepill-sensor', 'bluepill'],
      ['bluepill_aot', 'aot', 'bluepill-sensor-aot', 'bluepill-aot'],
      ['bluepill_stack', 'stack', undefined, 'bluepill-stack']] as const) {
      const sensor = sensorDir ? sizeOf(sensorDir) : (await buildFirmware({ board: 'bluepill', engine,
        wasm: join(REPO_ROOT, 'build/app/sensor.wasm'), outDir: join(tmp, `${key}-sensor`), allowOverBudget: true }))
        .report;
      const empty = await buildFirmware(
        { board: 'bluepill', engine, wasm, outDir: join(tmp, key), allowOverBudget: true });
      figures.sensor_flash_bytes[key] = sensor.flash.used;
      figures.sensor_ram_bytes[key] = sensor.ram.total;
      figures.sensor_within_budget[key] = sensor.overBudget.length === 0;
      figures.empty_app_flash_bytes[key] = empty.report.flash.used;
      figures.flash_left_for_user_code_bytes[key] = empty.report.flash.budget - empty.report.flash.used;
      if (engine !== 'aot') {
        // The interpreter is built per image with the handlers of the ops its module uses, so
        // an app's code brings the handlers it needs with it; with every handler built, this is
        // what is left if the app's code used every op the core does not.
        const every = await buildFirmware({ board: 'bluepill', engine, wasm, outDir: join(tmp, `${key}-every`),
          allowOverBudget: true, everyOpcode: true });
        figures.flash_left_for_user_code_bytes_every_opcode[key] = every.report.flash.budget - every.report.flash.used;
      }
      figures.console_flash_bytes[key] = sizeOf(consoleDir).flash.used;
    }
    return { app_sdk: figures };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
