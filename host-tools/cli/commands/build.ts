// `wasmqtt build --board NAME`: build the firmware image for one board and print its size
// report against the board's budget (see docs/boards.md).
import type { Command } from 'commander';
import { Option } from 'commander';
import { buildFirmware, buildHost, BuildError, type EngineKind, type RuntimeKind } from '../../build/firmware.ts';
import { formatReport } from '../../build/size.ts';
import { listBoards } from '../../build/boards.ts';

interface BuildCliOptions {
  board?: string;
  runtime: RuntimeKind;
  engine: EngineKind;
  wasm3Src?: string;
  wasm?: string;
  out?: string;
  json?: boolean;
  host?: boolean;
  allowOverBudget?: boolean;
  boardsDir?: string;
}

export function register(program: Command): void {
  program
    .command('build')
    .description('build the firmware for a board: device.wasm (core + console) + runtime + HAL -> build/<board>/firmware.{elf,bin,hex,map}, with a size report')
    .option('-b, --board <name>', `board file in boards/ (${listBoards().join(', ')})`)
    .addOption(new Option('--runtime <name>', 'wasm runtime to link').choices(['wasmqtt-rt', 'wasm3']).default('wasmqtt-rt'))
    .addOption(new Option('--engine <name>', 'interp: interpret the embedded module; aot: compile it to C with wasm2c').choices(['interp', 'aot']).default('interp'))
    .option('--wasm3-src <dir>', 'upstream wasm3 checkout, for --runtime wasm3')
    .option('--wasm <file>', 'embed this module (another app built with the core) instead of building build/core/device.wasm')
    .option('--boards-dir <dir>', 'read board files from this folder instead of boards/')
    .option('--out <dir>', 'output folder (default build/<board>)')
    .option('--host', 'build the POSIX host binary of the binding (fake HAL) into build/host instead')
    .option('--allow-over-budget', 'report but do not fail when over the board budget')
    .option('--json', 'print the size report as JSON (machine-readable)')
    .action(async (o: BuildCliOptions) => {
      if (o.host) {
        const exe = await buildHost({ wasm: o.wasm, outDir: o.out, board: o.board, runtime: o.runtime, engine: o.engine, wasm3Src: o.wasm3Src });
        if (o.json) console.log(JSON.stringify({ host: exe }));
        else console.log(`host binary: ${exe}`);
        return;
      }
      if (!o.board) throw new Error(`--board is required. Known boards: ${listBoards(o.boardsDir).join(', ')}`);
      try {
        const r = await buildFirmware({
          board: o.board, runtime: o.runtime, engine: o.engine, wasm3Src: o.wasm3Src, wasm: o.wasm, outDir: o.out,
          allowOverBudget: o.allowOverBudget, boardsDir: o.boardsDir, log: o.json ? undefined : (s) => console.log(s),
        });
        if (o.json) console.log(JSON.stringify({ ok: true, elf: r.elf, bin: r.bin, hex: r.hex, map: r.map, report: r.report }, null, 2));
        else console.log(`${formatReport(r.report)}\nwrote ${r.elf} (.bin .hex .map)`);
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
