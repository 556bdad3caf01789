// Just enough ELF32 reading to know what `wasmqtt flash` will write: the loadable segments'
// physical (load) addresses and sizes, so an image that does not fit the board's flash is
// refused before OpenOCD runs (OpenOCD only warns and then reports success).
import { readFileSync } from 'node:fs';
import { UserError } from '../config/load.ts';

export const STM32_FLASH_BASE = 0x0800_0000;

export interface LoadSegment {
  paddr: number;
  fileSize: number;
}

export interface ElfImage {
  segments: LoadSegment[];
  /** Bytes written to flash (sum of loadable file sizes). */
  flashBytes: number;
  /** Lowest and one-past-highest flash address written. */
  start: number;
  end: number;
}

export function readElfImage(path: string, board = '<name>'): ElfImage {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    throw new UserError(`firmware image ${path} does not exist\n  build it first: wasmqtt build --board ${board}   (or pass --elf PATH)`);
  }
  if (buf.length < 52 || buf.readUInt32BE(0) !== 0x7f454c46) {
    throw new UserError(`${path} is not an ELF file; pass the .elf that \`wasmqtt build\` wrote (not the .bin or .hex)`);
  }
  if (buf[4] !== 1 || buf[5] !== 1) throw new UserError(`${path} is not a 32-bit little-endian ELF (is it built for the STM32F103?)`);
  const machine = buf.readUInt16LE(18);
  if (machine !== 40) throw new UserError(`${path} is not an ARM ELF (e_machine ${machine}); build it with arm-none-eabi-gcc via \`wasmqtt build\``);
  const phoff = buf.readUInt32LE(28);
  const phentsize = buf.readUInt16LE(42);
  const phnum = buf.readUInt16LE(44);
  if (phoff + phnum * phentsize > buf.length) throw new UserError(`${path} is truncated (program headers run past the end of the file)`);
  const segments: LoadSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const type = buf.readUInt32LE(o);
    const paddr = buf.readUInt32LE(o + 12);
    const fileSize = buf.readUInt32LE(o + 16);
    if (type === 1 && fileSize > 0) segments.push({ paddr, fileSize });
  }
  if (segments.length === 0) throw new UserError(`${path} has nothing to load (no PT_LOAD segment with data)`);
  const start = Math.min(...segments.map((s) => s.paddr));
  const end = Math.max(...segments.map((s) => s.paddr + s.fileSize));
  return { segments, flashBytes: segments.reduce((n, s) => n + s.fileSize, 0), start, end };
}

/**
 * Throws when the image does not lie inside [base, base + flashBytes), or reaches into the
 * store pages at the end of flash (flashing over them would wipe the saved config and session).
 */
export function checkImageFits(image: ElfImage, boardName: string, flashBytes: number, path: string, storeBytes = 0): void {
  const limit = STM32_FLASH_BASE + flashBytes;
  const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
  if (image.start < STM32_FLASH_BASE) {
    throw new UserError(`${path} loads data at ${hex(image.start)}, below flash (${hex(STM32_FLASH_BASE)}); check the linker script (build it with \`wasmqtt build --board ${boardName}\`)`);
  }
  if (image.end > limit) {
    const over = image.end - limit;
    throw new UserError(`${path} does not fit ${boardName}'s flash: the image ends at ${hex(image.end)}, ${over} bytes past the end of its ${flashBytes / 1024} KiB (${hex(STM32_FLASH_BASE)}..${hex(limit)})\n  build for this board (\`wasmqtt build --board ${boardName}\` checks the budget) or pick a board with more flash`);
  }
  if (image.end > limit - storeBytes) {
    throw new UserError(`${path} reaches into ${boardName}'s persistent store (the last ${storeBytes} bytes of flash, from ${hex(limit - storeBytes)}): flashing it would erase the saved config and MQTT session\n  rebuild with the board's linker script: wasmqtt build --board ${boardName}`);
  }
}
