// A store image with an app's settings in it, written by the app's own module on NodeDevice
// (so the bytes are the real store format), for a board that boots with it: the virtual
// board's store file, or the store pages of a firmware image to flash.
import { writeFileSync } from 'node:fs';
import { loadBoardSpec } from '../board/board-spec.ts';
import { NodeDevice } from './device.ts';
import { MemoryStore } from './store.ts';
import { VirtualClock } from './clock.ts';

/**
 * Runs `wasm` (an app on the app API) once on a fresh store of the board's geometry, saves
 * `settings` as its app settings, and returns the store bytes. The config record stays absent
 * (the board boots on its defaults: identity from its chip id).
 */
export async function appSettingsImage(wasm: string | Uint8Array, settings: Readonly<Record<string, string | number>>,
    board = 'bluepill', storeBytes?: number): Promise<Uint8Array> {
  const spec = loadBoardSpec(board);
  const pageSize = spec.memory.flashPageBytes;
  const store = new MemoryStore({ size: storeBytes ?? spec.storePages * pageSize, pageSize });
  const dev = await NodeDevice.start({ wasm, store, clock: new VirtualClock(), waitConnected: false, board });
  try {
    dev.setAppSettings(settings);
  } finally {
    await dev.close();
  }
  return store.snapshot();
}

/** appSettingsImage() into a file (the virtual board's `storeFile`). */
export async function writeAppSettingsImage(file: string, wasm: string | Uint8Array,
    settings: Readonly<Record<string, string | number>>, board = 'bluepill'): Promise<void> {
  writeFileSync(file, await appSettingsImage(wasm, settings, board));
}

/**
 * A store image holding a saved config for a board that boots with it (the virtual board's
 * store file): the core's defaults, the broker at `broker` (IPv4:port), clean session 0, and
 * `spillMs` (CFG_SPILL_MS; 0 = flash-first). Written by core.wasm itself, so the bytes are the
 * real CONFIG record.
 */
export async function configImage(opts: { broker?: string; spillMs: number; board?: string }): Promise<Uint8Array> {
  const board = opts.board ?? 'bluepill';
  const spec = loadBoardSpec(board);
  const pageSize = spec.memory.flashPageBytes;
  const store = new MemoryStore({ size: spec.storePages * pageSize, pageSize });
  const dev = await NodeDevice.start({ store, clock: new VirtualClock(), waitConnected: false, board,
    deviceBroker: opts.broker ?? '127.0.0.1:1883', cleanSession: false, spillMs: opts.spillMs });
  try {
    dev.saveConfig();
  } finally {
    dev.kill();
  }
  return store.snapshot();
}
