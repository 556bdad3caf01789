// The firmware image as the board loads it: loadable segments at their load addresses (LMA, so
// .data's initial image lands in flash) and the function symbols for fault backtraces. Parsed by
// the tools' one ELF reader (elf/elf32.ts).
import { readFileSync } from 'node:fs';
import { ElfError, parseElf, PT_LOAD, STT_FUNC, type Elf } from '../../elf/elf32.ts';

/** A loadable segment as the board maps it (elf32's ElfSegment at its load address, with its bytes). */
export interface ImageSegment { address: number; data: Uint8Array }
/** A named symbol as backtraces use it (from elf32's ElfSymbol). */
export interface ImageSymbol { name: string; address: number; size: number; isFunction: boolean }

export class ElfImage {
  readonly entry: number;
  readonly segments: ImageSegment[] = [];
  readonly symbols: ImageSymbol[] = [];
  private readonly functions: ImageSymbol[];

  constructor(readonly bytes: Uint8Array, readonly path = '<memory>') {
    let elf: Elf;
    try {
      elf = parseElf(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
    } catch (err) {
      if (err instanceof ElfError) {
        throw new Error(`${path} is not a usable firmware image: ${err.message}`, { cause: err });
      }
      throw err;
    }
    this.entry = elf.entry;
    for (const s of elf.segments) {
      if (s.type === PT_LOAD && s.filesz > 0) {
        this.segments.push({ address: s.paddr, data: bytes.subarray(s.offset, s.offset + s.filesz) });
      }
    }
    for (const s of elf.symbols) {
      if (s.name !== '') {
        this.symbols.push({ name: s.name, address: s.value, size: s.size, isFunction: s.type === STT_FUNC });
      }
    }
    this.functions = this.symbols.filter((s) => s.isFunction).sort((a, b) => a.address - b.address);
  }

  static load(path: string): ElfImage {
    let data: Buffer;
    try { data = readFileSync(path); } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new Error(`cannot read firmware image ${path}: ${why}; build it with \`wasmqtt build\` or pass --elf`,
        { cause: err });
    }
    return new ElfImage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), path);
  }

  symbol(name: string): number | undefined {
    return this.symbols.find((s) => s.name === name)?.address;
  }

  /** "function+0xoff" for a code address, or undefined outside every known function. */
  symbolize(address: number): string | undefined {
    const a = address & ~1;
    let lo = 0, hi = this.functions.length - 1, hit: ImageSymbol | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const f = this.functions[mid]!;
      if ((f.address & ~1) <= a) { hit = f; lo = mid + 1; } else hi = mid - 1;
    }
    if (!hit) return undefined;
    const start = hit.address & ~1;
    if (hit.size > 0 && a >= start + hit.size) return undefined;
    return `${hit.name}+0x${(a - start).toString(16)}`;
  }
}
