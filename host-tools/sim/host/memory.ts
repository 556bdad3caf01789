// Bounds-checked access to the core's linear memory: the board ABI's sandbox rule is that no
// host ever reads or writes outside linear memory, so every import goes through here.

/** Raised by an import when core.wasm passes a pointer range outside its linear memory. */
export class SandboxViolation extends Error {
  constructor(what: string, ptr: number, len: number, size: number) {
    super(`${what}: range [${ptr}, ${ptr + len}) is outside core.wasm's linear memory (${size} bytes)`);
    this.name = 'SandboxViolation';
  }
}

/** A view of a WebAssembly.Memory that re-reads the buffer after memory.grow (which detaches it). */
export class LinearMemory {
  private view = new Uint8Array(0);

  /**
   * `memory` may come later through attach(): a module's imports are bound before it is
   * instantiated, and its exported memory exists only after.
   */
  constructor(private memory?: WebAssembly.Memory) {
    if (memory) this.view = new Uint8Array(memory.buffer);
  }

  /** Binds the memory this view reads (once the module exporting it is instantiated). */
  attach(memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.view = new Uint8Array(memory.buffer);
  }

  get size(): number {
    return this.bytes().byteLength;
  }

  /** The whole memory, refreshed if it grew. */
  bytes(): Uint8Array {
    // memory.grow detaches the old buffer (its length drops to 0): only then re-read it.
    if (this.view.byteLength === 0) {
      if (!this.memory) throw new Error('core.wasm called an import before its memory was available');
      this.view = new Uint8Array(this.memory.buffer);
    }
    return this.view;
  }

  /** Throws SandboxViolation unless [ptr, ptr+len) lies inside memory. */
  check(what: string, ptr: number, len: number): Uint8Array {
    const mem = this.bytes();
    // Pointers arrive as i32: treat them as unsigned so a "negative" pointer is out of range too.
    const p = ptr >>> 0;
    const n = len >>> 0;
    if (len < 0 || p + n > mem.byteLength) throw new SandboxViolation(what, p, len, mem.byteLength);
    return mem;
  }

  /** A live subarray (no copy) of [ptr, ptr+len); valid until the next call into wasm. */
  range(what: string, ptr: number, len: number): Uint8Array {
    const mem = this.check(what, ptr, len);
    return mem.subarray(ptr >>> 0, (ptr >>> 0) + len);
  }

  /** A copy of [ptr, ptr+len). */
  copyOut(what: string, ptr: number, len: number): Uint8Array {
    return this.range(what, ptr, len).slice();
  }

  /** Copies `data` to `ptr`. */
  copyIn(what: string, ptr: number, data: Uint8Array): void {
    const mem = this.check(what, ptr, data.byteLength);
    mem.set(data, ptr >>> 0);
  }
}
