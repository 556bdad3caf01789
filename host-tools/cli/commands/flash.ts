// `wasmqtt flash --board NAME [--elf PATH] [--probe SERIAL]`: program, verify and reset over
// ST-Link with Debian's OpenOCD. Settings come from flags, then wasmqtt.config.json. The
// config's network, broker and client settings go into the chip's store (as `wasmqtt sim` does
// for the virtual board): an app has no console to be given them through.
import type { Command } from 'commander';
import { join, relative } from 'node:path';
import { readFileSync } from 'node:fs';
import { loadBoard } from '../../fwbuild/boards.ts';
import { pick, UserError } from '../../config/load.ts';
import { loadProject, type Project } from '../../config/project.ts';
import {
  hasStoreSettings, imageModule, imageStoreRegion, provisionStore, storeSections,
} from '../../config/store-image.ts';
import { readFlashImage } from '../../flash/elf.ts';
import { flashBoard, unlockBoard, type StorePlan } from '../../flash/flash.ts';

interface FlashFlags {
  board?: string;
  elf?: string;
  probe?: string;
  speed?: string;
  connectUnderReset?: boolean;
  anyCpuId?: boolean;
  openocd?: string;
  unlock?: boolean;
  keepStore?: boolean;
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
    .option(
      '--keep-store', 'program the image only: the chip keeps its store (saved settings, queued session) instead of ' +
      'the config\'s settings')
    .option('--unlock', 'clear read protection (ERASES the chip), then exit')
    .option('-v, --verbose', 'print OpenOCD\'s output')
    .option('--json', 'print the result as JSON')
    .option('-c, --config <file>', 'project config (default: nearest wasmqtt.config.json)')
    .action(async (f: FlashFlags) => {
      const project = loadProject(f.config);
      const { config, dir } = project;
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
      const store = f.keepStore ? undefined : await planStore(project, board, elfPath);
      if (!store) {
        console.error(f.keepStore ? 'note: --keep-store: the chip keeps its store (saved settings and session)'
          :
            `note: ${project.configPath ? `${relative(process.cwd(), project.configPath) || project.configPath} has ` +
            `no network, broker or client settings` : 'no wasmqtt.config.json'}: the image only, the chip keeps its ` +
            `store (saved settings and session)`);
      }
      const r = await flashBoard({ ...common, elfPath, store });
      if (f.json) console.log(JSON.stringify(r, null, 2));
      else {
        console.log(
          `flashed ${r.elfPath} (${size(r.imageBytes)}) to ${r.board}${r.probeSerial ? ` via ST-Link ` +
          `${r.probeSerial}` : ''}: verified, reset, ${r.seconds.toFixed(2)} s`);
        if (r.store) {
          const id = r.store.chipId.map((w) => w.toString(16).padStart(8, '0')).join(' ');
          console.log(
            `store: ${storeSections(project.config).join(', ')} settings from the config for chip ${id} ` +
            `(${size(r.store.bytes)} at 0x${r.store.address.toString(16).padStart(8, '0')}); the chip's previous ` +
            `store was replaced`);
        }
      }
    });
}

function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * The store `flash` gives the chip: the config's settings saved by the image's own module for
 * the chip's id (read through the probe). Checked here with a placeholder id, so a setting the
 * device refuses stops the command before the probe is touched. Undefined: nothing to write.
 */
async function planStore(project: Project, boardName: string, elfPath: string): Promise<StorePlan | undefined> {
  const config = project.config;
  if (!hasStoreSettings(config)) return undefined;
  readFlashImage(elfPath, boardName); // a missing or foreign file: its own message first
  const board = loadBoard(boardName);
  const modulePath = imageModule(elfPath);
  if (!modulePath) {
    throw new UserError(
      `cannot find the module ` +
      `${elfPath} was built from (image.json or app.wasm beside it), which writes the config's ` +
      `${storeSections(config).join(', ')} settings into the chip's store\n` +
      '  flash the image `wasmqtt build` wrote, or pass --keep-store to program the image only');
  }
  const module = new Uint8Array(readFileSync(modulePath));
  const region = imageStoreRegion(elfPath, board);
  const image = (chipId: [number, number, number]) =>
    provisionStore({ module, board, store: new Uint8Array(region.bytes).fill(0xff), chipId, config });
  await image([0, 0, 0]);
  return { ...region, image };
}
