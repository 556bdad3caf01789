// Console output: one static line buffer, flushed to the UART when full or at end of line.
// Text comes from the word table (words.ts); nothing here allocates.
import { uart_write } from "./uart";
import { WORD_BYTES, WORD_OFFSETS, WORD_COUNT, ERR_WORD, ERR_WORD_COUNT, W_UNKNOWN } from "./words";

const OUT_BYTES: i32 = 128;
const OUT: usize = memory.data(OUT_BYTES);
let outLen: i32 = 0;

export function flush(): void {
  if (outLen > 0) uart_write(OUT, outLen);
  outLen = 0;
}

export function putByte(b: i32): void {
  if (outLen == OUT_BYTES) flush();
  store<u8>(OUT + <usize>outLen, <u8>b);
  outLen++;
}

@inline export function wordStart(w: i32): i32 { return <i32>load<u16>(WORD_OFFSETS + (<usize>w << 1)); }
@inline export function wordEnd(w: i32): i32 { return <i32>load<u16>(WORD_OFFSETS + (<usize>(w + 1) << 1)); }

export function putWord(w: i32): void {
  if (w < 0 || w >= WORD_COUNT) w = W_UNKNOWN;
  for (let i = wordStart(w), e = wordEnd(w); i < e; i++) putByte(<i32>load<u8>(WORD_BYTES + <usize>i));
}

/** The core error code's name (ERR_QUEUE_FULL -> queue-full, 0 -> none). */
export function putErr(code: i32): void {
  let i = -code;
  putWord(i >= 0 && i < ERR_WORD_COUNT ? <i32>load<u8>(ERR_WORD + <usize>i) : W_UNKNOWN);
}

/** " key=" */
export function key(w: i32): void {
  putByte(32);
  putWord(w);
  putByte(61);
}

export function endLine(): void {
  putByte(13);
  putByte(10);
  flush();
}

export function putU32(v: u32): void {
  let div: u32 = 1000000000;
  let started = false;
  while (div > 0) {
    let d = v / div;
    if (d != 0 || started || div == 1) { putByte(48 + <i32>d); started = true; }
    v -= d * div;
    div /= 10;
  }
}

export function putI32(v: i32): void {
  if (v < 0) { putByte(45); putU32(<u32>(-(<i64>v))); } else putU32(<u32>v);
}

@inline function nibble(n: i32, upper: bool): i32 { return n < 10 ? 48 + n : (upper ? 55 : 87) + n; }

export function putHexByte(b: i32): void {
  putByte(nibble((b >> 4) & 15, false));
  putByte(nibble(b & 15, false));
}

export function putIp(ip: u32): void {
  for (let i = 3; i >= 0; i--) {
    putU32((ip >> (<u32>i * 8)) & 255);
    if (i > 0) putByte(46);
  }
}

/** A value without spaces: bytes outside '!'..'~', and '%', become %XX (the input side decodes
 * the same escapes, so any value round-trips). */
export function putEscaped(p: usize, len: i32): void {
  for (let i = 0; i < len; i++) {
    let b = <i32>load<u8>(p + <usize>i);
    if (b < 0x21 || b > 0x7e || b == 0x25) {
      putByte(0x25);
      putByte(nibble(b >> 4, true));
      putByte(nibble(b & 15, true));
    } else putByte(b);
  }
}
