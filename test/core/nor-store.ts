// A tiny NOR-flash store for unit tests of the core (docs/board-abi.md semantics): half-word
// writes only onto erased (0xFFFF) cells, page erase, and an optional power cut that stops a
// write or erase part-way and throws PowerCut out of the wasm call (the "reset" of a test).
export class PowerCut extends Error {
  constructor() { super('power cut (test)'); }
}

export class NorStore {
  readonly bytes: Uint8Array;
  /** Bytes that may still be programmed before the power is cut (undefined = no cut). */
  cutAfter: number | undefined;
  writes = 0;
  erases = 0;
  /** Where the last power cut hit. */
  cutIn: 'write' | 'erase' | undefined;

  constructor(readonly size = 16 * 1024, readonly pageSize = 1024) {
    this.bytes = new Uint8Array(size).fill(0xff);
  }

  read(off: number, dst: Uint8Array): number {
    if (off < 0 || off + dst.length > this.size) return -1;
    dst.set(this.bytes.subarray(off, off + dst.length));
    return 0;
  }

  write(off: number, src: Uint8Array): number {
    if (off < 0 || off + src.length > this.size || (off & 1) || (src.length & 1)) return -1;
    for (let i = 0; i < src.length; i += 2) {
      if (this.bytes[off + i] !== 0xff || this.bytes[off + i + 1] !== 0xff) return -2;
    }
    this.writes++;
    for (let i = 0; i < src.length; i += 2) {
      if (this.cutAfter !== undefined) {
        if (this.cutAfter <= 0) { this.cutIn = 'write'; throw new PowerCut(); }
        this.cutAfter -= 2;
      }
      this.bytes[off + i] = src[i]!;
      this.bytes[off + i + 1] = src[i + 1]!;
    }
    return 0;
  }

  erase(off: number): number {
    if (off < 0 || off >= this.size) return -1;
    const start = off - (off % this.pageSize);
    if (this.cutAfter !== undefined && this.cutAfter <= 0) {
      // a torn erase: half the page cleared
      this.bytes.fill(0xff, start, start + this.pageSize / 2);
      this.cutIn = 'erase';
      throw new PowerCut();
    }
    this.erases++;
    this.bytes.fill(0xff, start, start + this.pageSize);
    return 0;
  }
}
