// The persistent area behind the board ABI's store_* imports, with the NOR-flash rules of
// docs/board-abi.md: erase a page to 0xFF, program half-words that are still 0xFFFF, refuse
// (PGERR) to program over anything else. A file-backed variant survives a process restart,
// and either can simulate a power cut in the middle of a write or an erase.
import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync, ftruncateSync } from 'node:fs';

/** Result codes of the store imports (docs/board-abi.md). */
export const STORE_OK = 0;
export const STORE_OUT_OF_RANGE = -1;
export const STORE_PGERR = -2;

export interface StoreOptions {
  /** Bytes in the area; a multiple of pageSize. Default 4096. */
  size?: number;
  /** Erase unit. Default 1024 (STM32F103x8/xB). */
  pageSize?: number;
}

/** Thrown by a store armed with powerCutAfter() when the simulated power cut happens. */
export class PowerCut extends Error {
  constructor() {
    super('simulated power cut during a store write/erase');
    this.name = 'PowerCut';
  }
}

/**
 * A NOR-flash area in memory. Invariants: size % pageSize === 0; a half-word is programmed
 * only from 0xFFFF; erase sets a whole page to 0xFF.
 */
export class MemoryStore {
  readonly size: number;
  readonly pageSize: number;
  protected readonly data: Uint8Array;
  /** Counts of operations, for tests and the bench (flash wear). */
  readonly stats = { reads: 0, bytesRead: 0, writes: 0, erases: 0, bytesWritten: 0, pgErrors: 0 };
  private cutAfter = -1;
  /** What the last simulated power cut interrupted (null before any): the program's offset and
   * length and the data it was writing, or the page erase. Lets tests tell which write was torn. */
  lastCut: { op: 'write'; offset: number; data: Uint8Array } | { op: 'erase'; offset: number } | null = null;

  constructor(opts: StoreOptions = {}) {
    const pageSize = opts.pageSize ?? 1024;
    const size = opts.size ?? 4096;
    if (!Number.isInteger(pageSize) || pageSize <= 0 || pageSize % 2 !== 0) {
      throw new RangeError(`store page size must be a positive even integer, got ${pageSize}`);
    }
    if (!Number.isInteger(size) || size <= 0 || size % pageSize !== 0) {
      throw new RangeError(`store size must be a positive multiple of the page size (${pageSize}), got ${size}`);
    }
    this.size = size;
    this.pageSize = pageSize;
    this.data = new Uint8Array(size).fill(0xff);
  }

  /** A copy of the whole area (for tests and for inspecting what the core wrote). */
  snapshot(): Uint8Array {
    return this.data.slice();
  }

  /**
   * Arms a power cut: the next `halfWords` half-word programs (or page erases, which count as
   * one) succeed, then the operation in progress stops part-way and throws PowerCut. The
   * half-word being programmed when the cut hits is left torn (one byte programmed).
   * A negative count disarms it.
   */
  powerCutAfter(halfWords: number): void {
    this.cutAfter = halfWords;
  }

  read(off: number, len: number): Uint8Array | number {
    if (!this.inRange(off, len)) return STORE_OUT_OF_RANGE;
    return this.data.slice(off, off + len);
  }

  /** Copies [off, off + dst.length) into dst without allocating: 0 ok, -1 out of range. */
  readInto(off: number, dst: Uint8Array): number {
    if (!this.inRange(off, dst.byteLength)) return STORE_OUT_OF_RANGE;
    this.stats.reads++;
    this.stats.bytesRead += dst.byteLength;
    dst.set(this.data.subarray(off, off + dst.byteLength));
    return STORE_OK;
  }

  /** Programs `src` at `off`: 0 ok, -1 out of range or odd offset/length, -2 PGERR (nothing written). */
  write(off: number, src: Uint8Array): number {
    const len = src.byteLength;
    if (!this.inRange(off, len) || off % 2 !== 0 || len % 2 !== 0) return STORE_OUT_OF_RANGE;
    for (let i = 0; i < len; i += 2) {
      if (this.data[off + i] !== 0xff || this.data[off + i + 1] !== 0xff) {
        this.stats.pgErrors++;
        return STORE_PGERR;
      }
    }
    this.stats.writes++;
    // No cut armed: every half-word lands, so program them in one copy.
    if (this.cutAfter < 0) {
      this.data.set(src, off);
      this.stats.bytesWritten += len;
      this.persist(off, len);
      return STORE_OK;
    }
    for (let i = 0; i < len; i += 2) {
      if (this.cutAfter === 0) {
        // Torn half-word: NOR programs bit by bit; model it as the low byte landing only.
        this.data[off + i] = src[i]!;
        this.persist(off + i, 1);
        this.cutAfter = -1;
        this.lastCut = { op: 'write', offset: off, data: src.slice() };
        throw new PowerCut();
      }
      if (this.cutAfter > 0) this.cutAfter--;
      this.data[off + i] = src[i]!;
      this.data[off + i + 1] = src[i + 1]!;
    }
    this.stats.bytesWritten += len;
    this.persist(off, len);
    return STORE_OK;
  }

  /** Erases the page that contains `off` to 0xFF: 0 ok, -1 out of range. */
  erase(off: number): number {
    if (!this.inRange(off, 1)) return STORE_OUT_OF_RANGE;
    const start = off - (off % this.pageSize);
    if (this.cutAfter === 0) {
      // A cut mid-erase leaves the page partly erased.
      this.data.fill(0xff, start, start + this.pageSize / 2);
      this.persist(start, this.pageSize);
      this.cutAfter = -1;
      this.lastCut = { op: 'erase', offset: start };
      throw new PowerCut();
    }
    if (this.cutAfter > 0) this.cutAfter--;
    this.data.fill(0xff, start, start + this.pageSize);
    this.stats.erases++;
    this.persist(start, this.pageSize);
    return STORE_OK;
  }

  /** Hook for the file-backed store: the range [off, off+len) changed. */
  protected persist(_off: number, _len: number): void {}

  private inRange(off: number, len: number): boolean {
    return Number.isInteger(off) && Number.isInteger(len) && off >= 0 && len >= 0 && off + len <= this.size;
  }
}

/**
 * The same area backed by a file, written through on every program/erase, so a new process
 * (or a new NodeDevice after a simulated reset) finds what the last one left. A missing file
 * is created erased; an existing file must have exactly `size` bytes.
 */
export class FileStore extends MemoryStore {
  private fd: number;

  constructor(readonly path: string, opts: StoreOptions = {}) {
    super(opts);
    const fresh = !existsSync(path);
    this.fd = openSync(path, fresh ? 'w+' : 'r+');
    if (fresh) {
      ftruncateSync(this.fd, this.size);
      writeSync(this.fd, this.data, 0, this.size, 0);
    } else {
      const actual = fstatSync(this.fd).size;
      if (actual !== this.size) {
        closeSync(this.fd);
        throw new Error(
          `store file ` +
          `${path} has ${actual} bytes but the store is configured for ${this.size}; delete it or pass size: ` +
          `${actual}`);
      }
      readSync(this.fd, this.data, 0, this.size, 0);
    }
  }

  protected override persist(off: number, len: number): void {
    writeSync(this.fd, this.data, off, len, off);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
