// The board description the virtual board needs, read from boards/<name>.json (the same file
// `wasmqtt build` uses), checked with zod so a broken file gives a clear message.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const pin = z.string().regex(/^P[A-E]([0-9]|1[0-5])$/, 'a pin name like PA4');
const BoardJson = z.object({
  name: z.string(),
  mcu: z.string(),
  clock: z.object({ hseHz: z.number().int().nonnegative(), sysclkHz: z.number().int().positive() }),
  memory: z.object({
    flashOrigin: z.number().int(), flashBytes: z.number().int().positive(), flashPageBytes: z.number().int().positive(),
    ramOrigin: z.number().int(), ramBytes: z.number().int().positive(),
  }),
  storePages: z.number().int().positive(),
  pins: z.object({ w5500Cs: pin, w5500Rst: pin, w5500Int: pin, led: pin.optional() }).passthrough(),
  uart: z.object({ baud: z.number().int().positive() }),
}).passthrough();

export type BoardSpec = z.infer<typeof BoardJson>;

const here = dirname(fileURLToPath(import.meta.url));
export const BOARDS_DIR = resolve(here, '../../../boards');

export function loadBoardSpec(nameOrPath: string): BoardSpec {
  const path = nameOrPath.endsWith('.json') ? nameOrPath : resolve(BOARDS_DIR, `${nameOrPath}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read board file ${path}: ${(err as Error).message}; ` +
      'pick a board from boards/ (e.g. bluepill)', { cause: err });
  }
  const parsed = BoardJson.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`board file ${path}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** "PA4" → { port: 0, pin: 4 }. */
export function parsePin(name: string): { port: number; pin: number } {
  return { port: name.charCodeAt(1) - 65, pin: Number(name.slice(2)) };
}
