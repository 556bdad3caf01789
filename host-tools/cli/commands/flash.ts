// `wasmqtt flash --board NAME [--elf PATH] [--probe SERIAL]`: program, verify and reset over
// ST-Link with Debian's OpenOCD. Settings come from flags, then wasmqtt.config.json.
import type { Command } from 'commander';
import { join, relative } from 'node:path';
import { pick, UserError } from '../../config/load.ts';
import { loadProject } from '../../config/project.ts';
import { flashBoard, unlockBoard } from '../../flash/flash.ts';

interface FlashFlags {
  board?: string;
  elf?: string;
  probe?: string;
  speed?: string;
  connectUnderReset?: boolean;
  anyCpuId?: boolean;
  openocd?: string;
  unlock?: boolean;
  verbose?: boolean;
  json?: boolean;
  config?: string;
}

export function register(program: Command): void {
  program
    .command('flash')
    .description('program, verify and reset a board over ST-Link (OpenOCD)')
    .option('-b, --board <name>', 'board (bluepill, bluepill128, stm32f103rc, stm32f103ze)')
    .option('--elf <path>', 'firmware image (default build/<board>/firmware.elf in the project folder)')
    .option('-p, --probe <serial>', 'ST-Link serial number, when several are attached (see `wasmqtt probes`)')
    .option('--speed <kHz>', 'SWD clock in kHz')
    .option('--connect-under-reset', 'hold NRST while connecting (firmware that disables SWD or sleeps)')
    .option('--any-cpu-id', 'accept any Cortex-M3 id (CKS32/GD32/APM32 clones)')
    .option('--openocd <path>', 'OpenOCD binary')
    .option('--unlock', 'clear read protection (ERASES the chip), then exit')
    .option('-v, --verbose', 'print OpenOCD\'s output')
    .option('--json', 'print the result as JSON')
    .option('-c, --config <file>', 'project config (default: nearest wasmqtt.config.json)')
    .action(async (f: FlashFlags) => {
      const { config, dir } = loadProject(f.config);
      const board = pick(f.board, config.board);
      if (!board) throw new UserError('no board given: pass --board NAME or set "board" in wasmqtt.config.json');
      const speed = f.speed !== undefined ? Number(f.speed) : undefined;
      if (speed !== undefined && !(Number.isInteger(speed) && speed >= 5 && speed <= 24000)) {
        throw new UserError(`--speed ${f.speed} is not a clock in kHz (5..24000), e.g. --speed 1000`);
      }
      const common = {
        board,
        probeSerial: pick(f.probe, config.flash?.probe),
        speedKHz: pick(speed, config.flash?.speedKHz),
        connectUnderReset: pick(f.connectUnderReset, config.flash?.connectUnderReset),
        anyCpuTapId: f.anyCpuId,
        openocd: pick(f.openocd, config.flash?.openocd),
        verbose: f.verbose,
      };
      if (f.unlock) {
        await unlockBoard(common);
        console.log('read protection cleared (chip erased); power-cycle the board, then flash it');
        return;
      }
      const inProject = join(dir, 'build', board, 'firmware.elf');
      const shown = relative(process.cwd(), inProject);
      const elfPath = f.elf ?? (shown.startsWith('..') ? inProject : shown);
      const r = await flashBoard({ ...common, elfPath });
      if (f.json) console.log(JSON.stringify(r, null, 2));
      else console.log(`flashed ${r.elfPath} (${r.imageBytes < 1024 ? `${r.imageBytes} bytes` : `${(r.imageBytes / 1024).toFixed(1)} KiB`}) to ${r.board}${r.probeSerial ? ` via ST-Link ${r.probeSerial}` : ''}: verified, reset, ${r.seconds.toFixed(2)} s`);
    });
}
