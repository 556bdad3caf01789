// The retained RAM behind the board ABI's keep_* imports (docs/board-abi.md): plain RAM that a
// system reset (watchdog, reset pin, software reset, fault) leaves as it was and a power cut
// does not: after one it holds noise, as the STM32's SRAM does. The core keeps its retained
// log there (docs/mqtt-core.md, "Persistence policies").

/** keep_* result codes. */
export const KEEP_OK = 0;
export const KEEP_OUT_OF_RANGE = -1;

export class RetainedRam {
  readonly size: number;
  readonly bytes: Uint8Array;
  /** Counts of writes, for tests and the bench (they cost no flash). */
  readonly stats = { writes: 0, bytesWritten: 0 };
  private powerOns = 0;

  /** `size` bytes, holding power-on noise (seeded: runs repeat). */
  constructor(size = 1024, private readonly seed = 1) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(
      `retained RAM size must be a non-negative integer, got ${size}`);
    this.size = size;
    this.bytes = new Uint8Array(size);
    this.powerLoss();
  }

  /** The power went away and came back: the content is noise. */
  powerLoss(): void {
    let x = (0x9e3779b9 ^ Math.imul(this.seed + this.powerOns++, 0x85ebca6b)) >>> 0 || 1;
    for (let i = 0; i < this.size; i++) {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      this.bytes[i] = x & 0xff;
    }
  }

  /** Copies [off, off + dst.length) into dst: 0, or -1 out of range. */
  read(off: number, dst: Uint8Array): number {
    if (!this.inRange(off, dst.byteLength)) return KEEP_OUT_OF_RANGE;
    dst.set(this.bytes.subarray(off, off + dst.byteLength));
    return KEEP_OK;
  }

  /** Copies src to off: 0, or -1 out of range (nothing written). */
  write(off: number, src: Uint8Array): number {
    if (!this.inRange(off, src.byteLength)) return KEEP_OUT_OF_RANGE;
    this.bytes.set(src, off);
    this.stats.writes++;
    this.stats.bytesWritten += src.byteLength;
    return KEEP_OK;
  }

  private inRange(off: number, len: number): boolean {
    return Number.isInteger(off) && Number.isInteger(len) && off >= 0 && len >= 0 && off + len <= this.size;
  }
}

/** The keep_* imports over `ram` (none: keep_size() 0, the core then runs flash-first). `span`
 * resolves (ptr, len) in the module's linear memory, trapping outside it. */
export function keepImports(ram: RetainedRam | undefined,
    span: (what: string, ptr: number, len: number) => Uint8Array): Record<string, (...a: number[]) => number> {
  return {
    keep_size: () => ram?.size ?? 0,
    keep_read: (off, dst, len) => ram ? ram.read(off, span('keep_read', dst, len)) : KEEP_OUT_OF_RANGE,
    keep_write: (off, src, len) => ram ? ram.write(off, span('keep_write', src, len)) : KEEP_OUT_OF_RANGE,
  };
}
