// `wasmqtt build`: build the firmware image for one board and print its size report against
// the board's budget (see docs/boards.md). In a project (wasmqtt init) the board and the app
// come from wasmqtt.config.json and the outputs go to the project's build/ folder.
import type { Command } from 'commander';
import { Option } from 'commander';
import { relative, resolve } from 'node:path';
import {
  buildFirmware, buildHost, buildModule, BuildError, type EngineKind, type RuntimeKind,
} from '../../fwbuild/firmware.ts';
import { formatReport } from '../../fwbuild/size.ts';
import { listBoards } from '../../fwbuild/boards.ts';
import { pick, UserError } from '../../config/load.ts';
import { loadProject } from '../../config/project.ts';

interface BuildCliOptions {
  board?: string;
  runtime: RuntimeKind;
  /** undefined: the default for the runtime (fwbuild/firmware.ts defaultEngine) */
  engine?: EngineKind;
  wasm3Src?: string;
  wasm?: string;
  app?: string;
  out?: string;
  json?: boolean;
  host?: boolean;
  allowOverBudget?: boolean;
  boardsDir?: string;
  config?: string;
  force?: boolean;
  moduleOnly?: boolean;
}

export function register(program: Command): void {
  program
    .command('build')
    .description('build the firmware for a board: the app (or device.wasm, core + console, in this repo) + runtime + ' +
      'HAL -> build/<board>/firmware.{elf,bin,hex,map}, with module checks and a size report')
    .option('-b, --board <name>',
      `board file in boards/ (${listBoards().join(', ')}); default "board" in wasmqtt.config.json`)
    .addOption(
      new Option('--runtime <name>', 'wasm runtime to link').choices(['wasmqtt-rt', 'wasm3']).default('wasmqtt-rt'))
    // no commander default: --runtime wasm3 alone must not get the register form
    .addOption(new Option('--engine <name>', 'regform (the default): interpret the module translated to the ' +
      'register form (per-image handlers); stack: interpret it pre-decoded in the stack form (output folder ' +
      'build/<board>-stack); aot: compile it to C with wasm2c (build/<board>-aot)')
      .choices(['regform', 'stack', 'aot']))
    .option('--wasm3-src <dir>', 'upstream wasm3 checkout, for --runtime wasm3')
    .option(
      '--app <file>', 'the app\'s entry file (AssemblyScript); default "app" in wasmqtt.config.json, else src/main.ts')
    .option('--wasm <file>', 'embed this module (an app already compiled with the core) instead of compiling an app')
    .option('--boards-dir <dir>', 'read board files from this folder instead of boards/')
    .option('--out <dir>', 'output folder (default build/<board>; build/<name>/<board> for a module that is not the ' +
      'project\'s own)')
    .option('--force', 'replace an output folder that holds another module\'s image')
    .option('-c, --config <file>', 'project config (default: nearest wasmqtt.config.json)')
    .option('--module-only', 'compile and check the app module only (build/<board>/app.wasm, what the project\'s ' +
      'tests run), no C toolchain')
    .option('--host', 'build the POSIX host binary of the binding (fake HAL) into build/host[-stack|-aot] instead')
    .option('--allow-over-budget', 'report but do not fail when over the board budget')
    .option('--json', 'print the size report as JSON (machine-readable)')
    .action(async (o: BuildCliOptions) => {
      if (o.host) {
        const exe = await buildHost(
          { wasm: o.wasm, outDir: o.out, board: o.board, runtime: o.runtime, engine: o.engine, wasm3Src: o.wasm3Src });
        if (o.json) console.log(JSON.stringify({ host: exe }));
        else console.log(`host binary: ${exe}`);
        return;
      }
      const project = loadProject(o.config);
      const board = pick(o.board, project.config.board);
      if (!board) throw new UserError(`no board given: pass --board NAME or set "board" in wasmqtt.config.json. ` +
        `Known boards: ${listBoards(o.boardsDir).join(', ')}`);
      const app = o.wasm ? undefined : o.app ? resolve(o.app) : project.app;
      if (!app && !o.wasm && !project.isPackageRepo) {
        throw new UserError(
          `no app to build in ${project.dir}: create one with \`wasmqtt init\`, set "app" in wasmqtt.config.json, or ` +
          `pass --app FILE / --wasm FILE`);
      }
      const opts = {
        board, runtime: o.runtime, engine: o.engine, wasm3Src: o.wasm3Src, wasm: o.wasm, app, outDir: o.out,
        force: o.force,
        projectDir: project.dir, allowOverBudget: o.allowOverBudget, boardsDir: o.boardsDir,
        log: o.json ? undefined : (s: string) => console.log(s),
      };
      if (o.moduleOnly) {
        const m = await buildModule(opts);
        if (o.json) console.log(JSON.stringify({ ok: true, module: m.module, bytes: m.bytes }, null, 2));
        else console.log(
          `wrote ${relative(process.cwd(), m.module) || m.module} (${m.bytes} B), checked for ${board} ` +
          `(${o.engine === 'aot' ? 'aot' : o.runtime})`);
        return;
      }
      try {
        const r = await buildFirmware(opts);
        if (o.json) console.log(JSON.stringify(
          { ok: true, elf: r.elf, bin: r.bin, hex: r.hex, map: r.map, module: r.module, report: r.report }, null, 2));
        else console.log(
          `${formatReport(r.report)}\nwrote ${relative(process.cwd(), r.elf) || r.elf} (.bin .hex .map)`);
      } catch (e) {
        if (o.json && e instanceof BuildError) {
          console.log(JSON.stringify({ ok: false, error: e.message, report: e.report ?? null }, null, 2));
          process.exitCode = 1;
          return;
        }
        throw e;
      }
    });
}
