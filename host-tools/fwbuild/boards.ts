// Board files (boards/<name>.json): one per board, validated with zod. They are the single
// source of the memory map, pins and size budgets; the linker scripts are checked against them
// (test/firmware/boards.test.ts) and board_config.h is generated from them.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BOARDS_DIR = join(REPO_ROOT, 'boards');

const pin = z.string().regex(/^P[A-E](1[0-5]|[0-9])$/, 'a pin like PA4 (ports A-E, pins 0-15)');

export const BoardSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _'),
  description: z.string(),
  mcu: z.string().regex(/^STM32F103[A-Z0-9]+$/, 'an STM32F103 part number'),
  linkerScript: z.string(),
  clock: z.object({
    hseHz: z.literal(8000000),
    sysclkHz: z.literal(72000000),
  }),
  memory: z.object({
    flashOrigin: z.literal(0x08000000),
    flashBytes: z.number().int().positive(),
    flashPageBytes: z.union([z.literal(1024), z.literal(2048)]),
    ramOrigin: z.literal(0x20000000),
    ramBytes: z.number().int().positive(),
  }),
  storePages: z.number().int().min(2, 'the core needs at least 2 store pages (ping-pong compaction)'),
  /** Retained RAM for the core's RAM log (board keep_* imports), in .noinit: kept across system resets. */
  keepBytes: z.number().int().min(0).multipleOf(128),
  stackBytes: z.number().int().min(512).multipleOf(8),
  stackGuardBytes: z.number().int().min(8).multipleOf(4),
  wasm: z.object({
    linearMemoryCapBytes: z.number().int().min(1024).multipleOf(8),
    valueStackBytes: z.number().int().min(256).multipleOf(8),
  }),
  budget: z.object({
    flashBytes: z.number().int().positive(),
    ramBytes: z.number().int().positive(),
  }),
  pins: z.object({
    uartTx: z.literal('PA9'),
    uartRx: z.literal('PA10'),
    spiSck: z.literal('PA5'),
    spiMiso: z.literal('PA6'),
    spiMosi: z.literal('PA7'),
    w5500Cs: pin,
    w5500Rst: pin,
    w5500Int: pin,
    led: pin.optional(),
    ledActiveLow: z.boolean().default(true),
  }),
  spi: z.object({
    maxHz: z.number().int().positive().max(18000000, 'SPI1 runs at most at 18 MHz (72 MHz / 4)'),
    dmaMinBytes: z.number().int().min(0),
  }),
  uart: z.object({ baud: z.number().int().positive() }),
  /** The MQTT packet limit compiled into this board's module (PACKET_MAX; 1024 when absent). */
  mqtt: z.object({ packetMax: z.number().int().min(128).max(65536) }).optional(),
}).superRefine((b, ctx) => {
  const storeBytes = b.storePages * b.memory.flashPageBytes;
  if (b.budget.flashBytes > b.memory.flashBytes - storeBytes) {
    ctx.addIssue({ code: 'custom', path: ['budget', 'flashBytes'],
      message: `exceeds the flash left after the ${storeBytes}-byte store` });
  }
  if (b.budget.ramBytes > b.memory.ramBytes) {
    ctx.addIssue({ code: 'custom', path: ['budget', 'ramBytes'], message: 'exceeds the RAM of the part' });
  }
});

export type Board = z.infer<typeof BoardSchema>;

export class BoardError extends Error {}

export function listBoards(dir = BOARDS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

export function loadBoardFile(file: string): Board {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BoardError(`board file ${file} is not readable JSON: ${(e as Error).message}`);
  }
  const r = BoardSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `  ${i.path.join('.') || '(top)'}: ${i.message}`).join('\n');
    throw new BoardError(`board file ${file} is invalid:\n${issues}`);
  }
  return r.data;
}

export function loadBoard(name: string, dir = BOARDS_DIR): Board {
  const known = listBoards(dir);
  if (!known.includes(name)) {
    throw new BoardError(`unknown board '${name}'. Known boards: ${known.join(', ') || '(none)'} (files in ${dir})`);
  }
  const b = loadBoardFile(join(dir, `${name}.json`));
  if (b.name !== name) throw new BoardError(`board file ${name}.json says its name is '${b.name}'; make them match`);
  return b;
}

/** Bytes of the runtime arena: linear memory cap + value stack + an allowance for the runtime's
 * own state (runtime struct, 64 call frames, globals, tables). Measured on the chip with the
 * current core.wasm: ~2.0 KB (`evt loaded arena_used=` at boot); the allowance keeps ~0.5 KB
 * spare. A 64-bit host needs ~2 KB more for the same state (pointers), see HOST_EXTRA. */
export const RUNTIME_STATE_BYTES = 2560;
export const HOST_EXTRA_ARENA_BYTES = 2048;
export function arenaBytes(b: Board, host = false): number {
  return b.wasm.linearMemoryCapBytes + b.wasm.valueStackBytes + RUNTIME_STATE_BYTES + (
    host ? HOST_EXTRA_ARENA_BYTES : 0);
}

function pinParts(p: string): [number, number] {
  return [p.charCodeAt(1) - 'A'.charCodeAt(0), Number(p.slice(2))];
}

/** board_config.h: the board file as C macros for the HAL and the binding. */
export function boardConfigHeader(b: Board, nameOverride?: string, host = false): string {
  const [csPort, csPin] = pinParts(b.pins.w5500Cs);
  const [rstPort, rstPin] = pinParts(b.pins.w5500Rst);
  const [intPort, intPin] = pinParts(b.pins.w5500Int);
  const [ledPort, ledPin] = b.pins.led ? pinParts(b.pins.led) : [-1, 0];
  const lines = [
    `/* Generated from boards/${b.name}.json by host-tools/fwbuild; do not edit. */`,
    '#ifndef WASMQTT_BOARD_CONFIG_H',
    '#define WASMQTT_BOARD_CONFIG_H',
    `#define BOARD_NAME "${nameOverride ?? b.name}"`,
    `#define BOARD_HSE_HZ ${b.clock.hseHz}u`,
    `#define BOARD_SYSCLK_HZ ${b.clock.sysclkHz}u`,
    `#define BOARD_UART_BAUD ${b.uart.baud}u`,
    `#define BOARD_SPI_MAX_HZ ${b.spi.maxHz}u`,
    `#define BOARD_SPI_DMA_MIN_BYTES ${b.spi.dmaMinBytes}`,
    `#define BOARD_W5500_CS_PORT ${csPort}u`,
    `#define BOARD_W5500_CS_PIN ${csPin}u`,
    `#define BOARD_W5500_RST_PORT ${rstPort}u`,
    `#define BOARD_W5500_RST_PIN ${rstPin}u`,
    `#define BOARD_W5500_INT_PORT ${intPort}u`,
    `#define BOARD_W5500_INT_PIN ${intPin}u`,
    `#define BOARD_LED_PORT ${ledPort}`,
    `#define BOARD_LED_PIN ${ledPin}u`,
    `#define BOARD_LED_ACTIVE_LOW ${b.pins.ledActiveLow ? 1 : 0}`,
    `#define BOARD_WASM_MEMORY_CAP ${b.wasm.linearMemoryCapBytes}u`,
    `#define BOARD_WASM_STACK_BYTES ${b.wasm.valueStackBytes}u`,
    `#define BOARD_WASM_ARENA_BYTES ${arenaBytes(b, host)}u`,
    `#define BOARD_KEEP_BYTES ${b.keepBytes}u`,
    '#endif',
    '',
  ];
  return lines.join('\n');
}

/** Upstream wasm3 allocates everything (compiled code pages, linear memory, stacks) from one
 * fixed static heap (d_m3FixedHeap): what the board's RAM budget leaves after the stack and
 * 2 KB for everything else. Too small a heap shows up as a load error at boot, not as a crash. */
export function wasm3HeapBytes(b: Board): number {
  return Math.max(4096, b.budget.ramBytes - b.stackBytes - b.stackGuardBytes - 2048);
}
