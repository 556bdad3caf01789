// One ELF32 little-endian ARM reader for every host tool: sections, symbols and program headers,
// every offset checked against the file. The size report and firmware checks (fwbuild/), the
// virtual board's loader (sim/board/elf.ts) and the flash pre-check (flash/elf.ts) read through
// it and word its errors for their own users.
import { readFileSync } from 'node:fs';

export interface ElfSection { name: string; type: number; flags: number; addr: number; offset: number; size: number }
export interface ElfSymbol { name: string; value: number; size: number; type: number; bind: number; section: number }
export interface ElfSegment {
  type: number; offset: number; vaddr: number; paddr: number; filesz: number; memsz: number }
export interface Elf {
  entry: number; sections: ElfSection[]; symbols: ElfSymbol[]; segments: ElfSegment[]; bytes: Buffer }

export const SHT_NOBITS = 8;
export const SHT_SYMTAB = 2;
export const SHF_ALLOC = 2;
export const STT_FUNC = 2;
export const PT_LOAD = 1;
const EM_ARM = 40;

/** Why a file is not a usable ELF: `kind` lets a caller give its own advice for each case. */
export class ElfError extends Error {
  constructor(
    readonly kind: 'not-elf' | 'not-le32' | 'not-arm' | 'malformed',
    message: string,
  ) {
    super(message);
  }
}

function cstr(b: Buffer, off: number): string {
  let end = off;
  while (end < b.length && b[end] !== 0) end++;
  return b.toString('latin1', off, end);
}

/** Parses `b` (named `file` in errors); throws ElfError when it is not a 32-bit LE ARM ELF or a
 * header points past its end. */
export function parseElf(b: Buffer, file = '<memory>'): Elf {
  if (b.length < 52 || b.readUInt32BE(0) !== 0x7f454c46) throw new ElfError('not-elf', `${file} is not an ELF file`);
  if (b[4] !== 1 || b[5] !== 1) throw new ElfError(
    'not-le32', `${file} is not a 32-bit little-endian ELF (is it an ARM firmware?)`);
  const machine = b.readUInt16LE(0x12);
  if (machine !== EM_ARM) throw new ElfError('not-arm', `${file} is not an ARM ELF (e_machine ${machine})`);
  const truncated = (what: string): never =>
    { throw new ElfError('malformed', `${file} is truncated (${what} run past the end of the file)`); };
  const entry = b.readUInt32LE(0x18);
  const phoff = b.readUInt32LE(0x1c);
  const shoff = b.readUInt32LE(0x20);
  const phentsize = b.readUInt16LE(0x2a);
  const phnum = b.readUInt16LE(0x2c);
  const shentsize = b.readUInt16LE(0x2e);
  const shnum = b.readUInt16LE(0x30);
  const shstrndx = b.readUInt16LE(0x32);
  if (phnum > 0 && (phentsize < 32 || phoff + phnum * phentsize > b.length)) truncated('program headers');
  if (shnum > 0 && (shentsize < 40 || shoff + shnum * shentsize > b.length)) truncated('section headers');
  const raw = Array.from({ length: shnum }, (_, i) => {
    const o = shoff + i * shentsize;
    const s = {
      nameOff: b.readUInt32LE(o), type: b.readUInt32LE(o + 4), flags: b.readUInt32LE(o + 8),
      addr: b.readUInt32LE(o + 12), offset: b.readUInt32LE(o + 16), size: b.readUInt32LE(o + 20),
      link: b.readUInt32LE(o + 24),
    };
    if (s.type !== SHT_NOBITS && s.offset + s.size > b.length) truncated('sections');
    return s;
  });
  const strtab = raw[shstrndx];
  if (shnum > 0 && !strtab) throw new ElfError('malformed', `${file}: no section name table`);
  const sections = raw.map((s) => ({
    name: cstr(b, strtab!.offset + s.nameOff), type: s.type, flags: s.flags, addr: s.addr, offset: s.offset,
    size: s.size,
  }));
  const symbols: ElfSymbol[] = [];
  raw.forEach((s) => {
    if (s.type !== SHT_SYMTAB) return;
    const names = raw[s.link];
    if (!names) truncated('symbol names');
    for (let o = s.offset; o + 16 <= s.offset + s.size; o += 16) {
      const info = b[o + 12]!;
      symbols.push({
        name: cstr(b, names!.offset + b.readUInt32LE(o)), value: b.readUInt32LE(o + 4), size: b.readUInt32LE(o + 8),
        type: info & 0xf, bind: info >> 4, section: b.readUInt16LE(o + 14),
      });
    }
  });
  const segments = Array.from({ length: phnum }, (_, i) => {
    const o = phoff + i * phentsize;
    const s = {
      type: b.readUInt32LE(o), offset: b.readUInt32LE(o + 4), vaddr: b.readUInt32LE(o + 8),
      paddr: b.readUInt32LE(o + 12),
      filesz: b.readUInt32LE(o + 16), memsz: b.readUInt32LE(o + 20),
    };
    if (s.type === PT_LOAD && s.offset + s.filesz > b.length) truncated('segments');
    return s;
  });
  return { entry, sections, symbols, segments, bytes: b };
}

/** Reads and parses `file` (a read error is the caller's: it knows what to advise). */
export function readElf(file: string): Elf {
  return parseElf(readFileSync(file), file);
}

/** Reads `len` bytes at load address `addr` from the ELF's loadable segments (the flash image). */
export function readLoaded(elf: Elf, addr: number, len: number): Buffer {
  for (const s of elf.segments) {
    if (s.type === PT_LOAD && addr >= s.paddr && addr + len <= s.paddr + s.filesz) {
      return elf.bytes.subarray(s.offset + (addr - s.paddr), s.offset + (addr - s.paddr) + len);
    }
  }
  throw new ElfError('malformed', `address 0x${addr.toString(16)} is not in a loadable segment`);
}
