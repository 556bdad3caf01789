// Loads build/core/codec-test.wasm (the core's codec compiled on its own) for unit tests.
import { readFileSync } from 'node:fs';

export interface CodecExports {
  memory: WebAssembly.Memory;
  buf(): number;
  decodeOne(p: number, len: number): number;
  [name: string]: unknown;
}

export class Codec {
  readonly x: CodecExports;
  readonly base: number;
  constructor() {
    const inst = new WebAssembly.Instance(new WebAssembly.Module(readFileSync('build/core/codec-test.wasm')), {});
    this.x = inst.exports as unknown as CodecExports;
    this.base = this.x.buf();
  }
  get mem(): Uint8Array { return new Uint8Array(this.x.memory.buffer); }
  fn(name: string): (...a: number[]) => number { return this.x[name] as (...a: number[]) => number; }
  /** Puts bytes at base + at; returns the address. */
  put(bytes: Uint8Array | number[] | string, at: number): number {
    const b = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : Uint8Array.from(bytes);
    this.mem.set(b, this.base + at);
    return this.base + at;
  }
  bytes(p: number, len: number): Buffer { return Buffer.from(this.mem.slice(p, p + len)); }
  /** Decodes one packet; returns the type or a negative error code. */
  decode(bytes: Uint8Array | number[]): number {
    const p = this.put(bytes, 2048);
    return this.x.decodeOne(p, bytes.length);
  }
  get<T extends string>(field: T): number { return this.fn(`d_${field}`)(); }
  str(ptrField: string, lenField: string): string | null {
    const len = this.get(lenField);
    return len < 0 ? null : this.bytes(this.get(ptrField), len).toString('latin1');
  }
}
