// Minimal ELF32 (ARM, little-endian) reader: loadable segments at their load addresses (LMA, so
// .data's initial image lands in flash) and the symbol table for fault backtraces.
import { readFileSync } from 'node:fs';

export interface ElfSegment { address: number; data: Uint8Array }
export interface ElfSymbol { name: string; address: number; size: number; isFunction: boolean }

export class ElfImage {
  readonly entry: number;
  readonly segments: ElfSegment[] = [];
  readonly symbols: ElfSymbol[] = [];
  private readonly functions: ElfSymbol[];

  constructor(readonly bytes: Uint8Array, readonly path = '<memory>') {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const bad = (why: string) => new Error(`${path} is not a usable firmware image: ${why}`);
    if (bytes.length < 52 || dv.getUint32(0) !== 0x7f454c46) throw bad('no ELF header');
    if (bytes[4] !== 1 || bytes[5] !== 1) throw bad('need a 32-bit little-endian ELF');
    if (dv.getUint16(18, true) !== 40) throw bad('machine is not ARM');
    this.entry = dv.getUint32(24, true);
    const phoff = dv.getUint32(28, true), phentsize = dv.getUint16(42, true), phnum = dv.getUint16(44, true);
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      if (dv.getUint32(o, true) !== 1) continue; // PT_LOAD
      const offset = dv.getUint32(o + 4, true), paddr = dv.getUint32(o + 12, true), filesz = dv.getUint32(o + 16, true);
      if (filesz === 0) continue;
      if (offset + filesz > bytes.length) throw bad('segment extends past the end of the file');
      this.segments.push({ address: paddr, data: bytes.subarray(offset, offset + filesz) });
    }
    const shoff = dv.getUint32(32, true), shentsize = dv.getUint16(46, true), shnum = dv.getUint16(48, true);
    for (let i = 0; i < shnum && shoff > 0; i++) {
      const o = shoff + i * shentsize;
      if (dv.getUint32(o + 4, true) !== 2) continue; // SHT_SYMTAB
      const symOff = dv.getUint32(o + 16, true), symSize = dv.getUint32(o + 20, true);
      const strSec = shoff + dv.getUint32(o + 24, true) * shentsize;
      const strOff = dv.getUint32(strSec + 16, true);
      for (let s = symOff; s + 16 <= symOff + symSize; s += 16) {
        const nameOff = dv.getUint32(s, true);
        const info = bytes[s + 12]!;
        if (nameOff === 0) continue;
        let end = strOff + nameOff;
        while (bytes[end] !== 0 && end < bytes.length) end++;
        const name = new TextDecoder().decode(bytes.subarray(strOff + nameOff, end));
        this.symbols.push({ name, address: dv.getUint32(s + 4, true), size: dv.getUint32(s + 8, true), isFunction: (info & 0xf) === 2 });
      }
    }
    this.functions = this.symbols.filter((s) => s.isFunction).sort((a, b) => a.address - b.address);
  }

  static load(path: string): ElfImage {
    let data: Buffer;
    try { data = readFileSync(path); } catch (err) {
      throw new Error(`cannot read firmware image ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; build it with \`wasmqtt build\` or pass --elf`);
    }
    return new ElfImage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), path);
  }

  symbol(name: string): number | undefined {
    return this.symbols.find((s) => s.name === name)?.address;
  }

  /** "function+0xoff" for a code address, or undefined outside every known function. */
  symbolize(address: number): string | undefined {
    const a = address & ~1;
    let lo = 0, hi = this.functions.length - 1, hit: ElfSymbol | undefined;
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
