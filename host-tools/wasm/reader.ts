// The byte reader of the binary format and the errors it raises: LEB128 integers, names, value
// types and limits, with the spec's "malformed" messages (the spec tests match their text).
// module.ts (sections) and validate-body.ts (function bodies) read through it.

import type { Limits } from './types.ts';

export class WasmError extends Error {
  constructor(
    readonly kind: 'malformed' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}
export const malformed = (m: string): never => {
  throw new WasmError('malformed', m);
};
export const invalid = (m: string): never => {
  throw new WasmError('invalid', m);
};

export const I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c, FUNCREF = 0x70, EXTERNREF = 0x6f;
export const UNKNOWN = -1;
export const isNum = (t: number) => t === I32 || t === I64 || t === F32 || t === F64;
export const isRef = (t: number) => t === FUNCREF || t === EXTERNREF;

export class Reader {
  constructor(
    readonly b: Uint8Array,
    public p: number,
    public end: number,
  ) {}
  eof() {
    return this.p >= this.end;
  }
  u8(): number {
    if (this.p >= this.end) malformed('unexpected end');
    return this.b[this.p++]!;
  }
  uleb(bits: number): number {
    let result = 0n, shift = 0n;
    for (let i = 0; ; i++) {
      const byte = this.u8();
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      const last = (byte & 0x80) === 0;
      if (i === Math.ceil(bits / 7) - 1) {
        if (!last) malformed('integer representation too long');
        const used = bits - 7 * i;
        if (used < 7 && byte >> used !== 0) malformed('integer too large');
        return Number(result);
      }
      if (last) return Number(result);
    }
  }
  sleb(bits: number): bigint {
    let result = 0n, shift = 0n;
    const maxBytes = Math.ceil(bits / 7);
    for (let i = 0; ; i++) {
      const byte = this.u8();
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      const last = (byte & 0x80) === 0;
      if (i === maxBytes - 1) {
        if (!last) malformed('integer representation too long');
        const used = bits - 7 * i; // value bits in this byte incl. sign
        if (used < 7) {
          const rest = (byte & 0x7f) >> (used - 1);
          const allOnes = (1 << (8 - used)) - 1;
          if (rest !== 0 && rest !== allOnes) malformed('integer too large');
        }
      }
      if (last) {
        if (byte & 0x40) result -= 1n << shift;
        return result;
      }
    }
  }
  u32() {
    return this.uleb(32);
  }
  bytes(n: number) {
    if (this.end - this.p < n) malformed('unexpected end');
    const s = this.b.subarray(this.p, this.p + n);
    this.p += n;
    return s;
  }
  name(): string {
    const n = this.u32();
    const s = this.bytes(n);
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(s);
    } catch {
      return malformed('malformed UTF-8 encoding');
    }
  }
}

export function valType(r: Reader): number {
  const t = r.u8();
  if (isNum(t) || isRef(t)) return t;
  return malformed('malformed value type');
}
export function refType(r: Reader): number {
  const t = r.u8();
  if (isRef(t)) return t;
  return malformed('malformed reference type');
}
export function limits(r: Reader, maxAllowed: number, what: string): Limits {
  const flag = r.u8();
  if (flag > 1) malformed('integer too large');
  const min = r.u32();
  const max = flag === 1 ? r.u32() : null;
  if (min > maxAllowed) invalid(`${what} size must be at most ${maxAllowed}`);
  if (max !== null && max > maxAllowed) invalid(`${what} size must be at most ${maxAllowed}`);
  if (max !== null && min > max) invalid('size minimum must not be greater than maximum');
  return { min, max };
}

