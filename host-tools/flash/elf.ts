// What `wasmqtt flash` will write, from the ELF (read by elf/elf32.ts): the loadable segments'
// physical (load) addresses and sizes, so an image that does not fit the board's flash is
// refused before OpenOCD runs (OpenOCD only warns and then reports success).
import { readFileSync } from 'node:fs';
import { UserError } from '../config/load.ts';
import { ElfError, parseElf, PT_LOAD, type Elf } from '../elf/elf32.ts';

/** What to do about each way a file can fail to be a firmware ELF. */
const ADVICE: Record<ElfError['kind'], string> = {
  'not-elf': 'pass the .elf that `wasmqtt build` wrote (not the .bin or .hex)',
  'not-le32': 'build it for the STM32F103 with `wasmqtt build`',
  'not-arm': 'build it with arm-none-eabi-gcc via `wasmqtt build`',
  'malformed': 'rebuild it with `wasmqtt build`',
};

export const STM32_FLASH_BASE = 0x0800_0000;

export interface LoadSegment {
  paddr: number;
  fileSize: number;
}

export interface FlashImage {
  segments: LoadSegment[];
  /** Bytes written to flash (sum of loadable file sizes). */
  flashBytes: number;
  /** Lowest and one-past-highest flash address written. */
  start: number;
  end: number;
}

export function readFlashImage(path: string, board = '<name>'): FlashImage {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    throw new UserError(
      `firmware image ${path} does not exist\n  build it first: wasmqtt build --board ${board}   (or pass --elf PATH)`);
  }
  let elf: Elf;
  try {
    elf = parseElf(buf, path);
  } catch (err) {
    if (!(err instanceof ElfError)) throw err;
    throw new UserError(`${err.message}; ${ADVICE[err.kind]}`);
  }
  const segments: LoadSegment[] = elf.segments
    .filter((s) => s.type === PT_LOAD && s.filesz > 0)
    .map((s) => ({ paddr: s.paddr, fileSize: s.filesz }));
  if (segments.length === 0) throw new UserError(`${path} has nothing to load (no PT_LOAD segment with data)`);
  const start = Math.min(...segments.map((s) => s.paddr));
  const end = Math.max(...segments.map((s) => s.paddr + s.fileSize));
  return { segments, flashBytes: segments.reduce((n, s) => n + s.fileSize, 0), start, end };
}

/**
 * Throws when the image does not lie inside [base, base + flashBytes), or reaches into the
 * store pages at the end of flash (flashing over them would wipe the saved config and session).
 */
export function checkImageFits(
    image: FlashImage, boardName: string, flashBytes: number, path: string, storeBytes = 0): void {
  const limit = STM32_FLASH_BASE + flashBytes;
  const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
  if (image.start < STM32_FLASH_BASE) {
    throw new UserError(
      `${path} loads data at ${hex(image.start)}, below flash (${hex(STM32_FLASH_BASE)}); check the linker script ` +
      `(build it with \`wasmqtt build --board ${boardName}\`)`);
  }
  if (image.end > limit) {
    const over = image.end - limit;
    throw new UserError(
      `${path} does not fit ${boardName}'s flash: the image ends at ${hex(image.end)}, ${over} bytes past the end of ` +
      `its ${flashBytes / 1024} KiB (${hex(STM32_FLASH_BASE)}..${hex(limit)})\n  build for this board (\`wasmqtt ` +
      `build --board ${boardName}\` checks the budget) or pick a board with more flash`);
  }
  if (image.end > limit - storeBytes) {
    throw new UserError(
      `${path} reaches into ${boardName}'s persistent store (the last ${storeBytes} bytes of flash, from ` +
      `${hex(limit - storeBytes)}): flashing it would erase the saved config and MQTT session\n  rebuild with the ` +
      `board's linker script: wasmqtt build --board ${boardName}`);
  }
}
