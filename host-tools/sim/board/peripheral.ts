// The tiny register interface every peripheral model implements (rp2040js/avr8js style): the bus
// calls read/write with an offset inside the peripheral's window; models never see the CPU.

export interface Peripheral {
  readonly name: string;
  /** First address of the register window. */
  readonly base: number;
  /** Window size in bytes (a multiple of 16). */
  readonly size: number;
  read(offset: number, size: number): number;
  write(offset: number, size: number, value: number): void;
  /** Back to reset values (system reset; a power cut builds a new board). */
  reset(): void;
  /** Absolute cycle of this model's next timed event, or Infinity. */
  nextEvent?(): number;
  /** Process everything due at or before `cycles` (called between CPU slices). */
  tick?(cycles: number): void;
}

/** Virtual time as the peripherals see it (owned by the board). */
export interface TimeSource {
  /** Core clock cycles since power-on (exact, also in the middle of a CPU slice). */
  cycles(): number;
  /** Current core clock in Hz (what RCC reports). */
  hz(): number;
}

/** Sub-word access helpers for 32-bit register files. */
export function readSized(word: number, offset: number, size: number): number {
  const shift = (offset & 3) * 8;
  const mask = size >= 4 ? 0xffffffff : (1 << (size * 8)) - 1;
  return ((word >>> shift) & mask) >>> 0;
}

/** Merge a 1/2/4-byte write at `offset` into the 32-bit register value `word`. */
export function writeSized(word: number, offset: number, size: number, value: number): number {
  if (size >= 4) return value >>> 0;
  const shift = (offset & 3) * 8;
  const mask = (((1 << (size * 8)) - 1) << shift) >>> 0;
  return ((word & ~mask) | ((value << shift) & mask)) >>> 0;
}

/** A fixed-time source for unit tests of one model. */
export class ManualTime implements TimeSource {
  now = 0;
  clockHz = 8_000_000;
  cycles(): number { return this.now; }
  hz(): number { return this.clockHz; }
}
