// Reads board files (boards/<name>.json, owned by the firmware layer) for the facts the host
// tools need: the flash size (to refuse an image that does not fit) and the display name.
// Until the board files exist, the four supported boards are known by name.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from './load.ts';

export interface BoardInfo {
  name: string;
  mcu: string;
  flashBytes: number;
  ramBytes: number;
  /** Bytes at the end of flash kept for the persistent store (config + MQTT session). */
  storeBytes: number;
}

const FALLBACK: Record<string, BoardInfo> = {
  bluepill: { name: 'bluepill', mcu: 'STM32F103C8', flashBytes: 64 * 1024, ramBytes: 20 * 1024, storeBytes: 2 * 1024 },
  bluepill128: {
    name: 'bluepill128', mcu: 'STM32F103CB', flashBytes: 128 * 1024, ramBytes: 20 * 1024, storeBytes: 2 * 1024 },
  stm32f103rc: {
    name: 'stm32f103rc', mcu: 'STM32F103RC', flashBytes: 256 * 1024, ramBytes: 48 * 1024, storeBytes: 4 * 1024 },
  stm32f103ze: {
    name: 'stm32f103ze', mcu: 'STM32F103ZE', flashBytes: 512 * 1024, ramBytes: 64 * 1024, storeBytes: 4 * 1024 },
};

export const defaultBoardsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'boards');

/** Size fields may be numbers of bytes, or strings like "64K"/"64KB"/"0x10000". */
function toBytes(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(0x[0-9a-f]+|\d+)\s*(k|kb|kib|m|mb|mib)?\s*$/i.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  return unit.startsWith('k') ? n * 1024 : unit.startsWith('m') ? n * 1024 * 1024 : n;
}

/** Finds a size under any of the usual spellings, at the top level or under memory/mcu. */
function findSize(obj: Record<string, unknown>, keys: string[]): number | undefined {
  for (const holder of [obj, obj.memory, obj.mcu, obj.sizes]) {
    if (!holder || typeof holder !== 'object') continue;
    for (const k of keys) {
      const n = toBytes((holder as Record<string, unknown>)[k]);
      if (n !== undefined) return n;
    }
  }
  return undefined;
}

export function knownBoardNames(boardsDir: string = defaultBoardsDir): string[] {
  const names = new Set(Object.keys(FALLBACK));
  if (existsSync(boardsDir)) {
    for (const f of readdirSync(boardsDir)) if (f.endsWith('.json')) names.add(f.slice(0, -5));
  }
  return [...names].sort();
}

/** Loads one board by name; an unknown name lists the known boards. */
export function loadBoard(name: string, boardsDir: string = defaultBoardsDir): BoardInfo {
  const file = join(boardsDir, `${name}.json`);
  if (existsSync(file)) {
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new UserError(`board file ${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    const base = FALLBACK[name];
    const flashBytes = findSize(raw, ['flashBytes', 'flash_bytes', 'flashSize', 'flash_size', 'flash', 'flashKB']) ??
      base?.flashBytes;
    const ramBytes = findSize(raw, ['ramBytes', 'ram_bytes', 'ramSize', 'ram_size', 'ram', 'ramKB']) ?? base?.ramBytes;
    if (flashBytes === undefined || ramBytes === undefined) {
      throw new UserError(`board file ${file} does not give the flash and RAM sizes`);
    }
    const pages = typeof raw.storePages === 'number' ? raw.storePages : undefined;
    const pageBytes = findSize(raw, ['flashPageBytes', 'pageBytes', 'flashPageSize']);
    const storeBytes = pages !== undefined && pageBytes !== undefined ? pages * pageBytes : base?.storeBytes ?? 0;
    const mcu = typeof raw.mcu === 'string' ? raw.mcu : (raw.mcu as { name?: string } | undefined)?.name ?? base?.mcu ??
      name;
    return { name, mcu, flashBytes, ramBytes, storeBytes };
  }
  const fallback = FALLBACK[name];
  if (fallback) return fallback;
  throw new UserError(`unknown board "${name}"; known boards: ${knownBoardNames(boardsDir).join(', ')}`);
}
