// Console output: one static line buffer, flushed to the UART when full or at end of line.
// Text comes from the word table (words.ts); nothing here allocates.
import { uart_write } from "./uart";
import {
  WORD_BYTES, WORD_INDEX, WORD_COUNT, WORD_MAX, FRAG_CODES, FRAG_WORD, ERR_WORD, ERR_WORD_COUNT, W_UNKNOWN,
} from "./words";

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

/** Words found lately, direct-mapped by w % 16: u16 (w / 16 + 1) << 12 | offset in WORD_BYTES
 * (0: empty; the blob stays under 4 KB, words.ts). Event lines repeat the same few words (`evt
 * publish-done pid= qos=` per message), a `status` line some 25, and the walk below costs tens
 * of loop rounds a word on the device's interpreter; 16 entries in the bytes 8 full ones took. */
const WORD_CACHE: usize = memory.data(16 * 2);

/** Address of word `w`'s first byte (0 <= w < WORD_COUNT): from the indexed word 16*(w/16),
 * skips w%16 word ends (bit 7). */
function wordPtr(w: i32): usize {
  let c = WORD_CACHE + (<usize>(w & 15) << 1);
  let e = <i32>load<u16>(c);
  if (WORD_COUNT > 240) ERROR("wordPtr's cache keeps w / 16 + 1 in 4 bits");
  let tag = (w >> 4) + 1;
  if (e >> 12 == tag) return WORD_BYTES + <usize>(e & 0xfff);
  let p = WORD_BYTES + <usize>load<u16>(WORD_INDEX + (<usize>(w >> 4) << 1));
  let k = w & 15;
  // Four bytes a round while the word ends among them (bit 7: one in each byte's bit 0 after
  // the shift, summed into the top byte by the multiply) stay short of k, then byte by byte:
  // a quarter of the interpreter's rounds for a word missed in the cache.
  while (k > 0) {
    let ends = ((load<u32>(p) >>> 7 & 0x01010101) * 0x01010101) >>> 24;
    if (ends >= <u32>k) break;
    k -= <i32>ends;
    p += 4;
  }
  while (k > 0) { if (load<u8>(p) & 0x80) k--; p++; }
  store<u16>(c, <u16>(tag << 12 | <i32>(p - WORD_BYTES)));
  return p;
}

/** The last word expanded by wordText (fragments resolved); never written past WORD_MAX. */
export const WORD_BUF: usize = memory.data(WORD_MAX);
let wordLen: i32 = 0;

function expandInto(w: i32): void {
  let p = wordPtr(w);
  let b: i32;
  do {
    b = <i32>load<u8>(p++);
    let c = b & 0x7f;
    // Fragments never refer back to themselves (checked by the generator), so this ends.
    if (c < FRAG_CODES) expandInto(<i32>load<u8>(FRAG_WORD + <usize>c));
    else if (wordLen < WORD_MAX) { store<u8>(WORD_BUF + <usize>wordLen, <u8>c); wordLen++; }
  } while (b < 0x80);
}

/** Expands word `w` (an unknown id reads as "unknown") into WORD_BUF; returns its length. */
export function wordText(w: i32): i32 {
  wordLen = 0;
  expandInto(<u32>w < <u32>WORD_COUNT ? w : W_UNKNOWN);
  return wordLen;
}

export function putWord(w: i32): void {
  let n = wordText(w); // <= WORD_MAX < OUT_BYTES: fits once the line buffer is flushed
  if (outLen + n > OUT_BYTES) flush();
  memory.copy(OUT + <usize>outLen, WORD_BUF, <usize>n);
  outLen += n;
}

/** The word naming core error code `code` (ERR_QUEUE_FULL -> queue-full, 0 -> none). */
export function errWord(code: i32): i32 {
  let i = -code;
  return i >= 0 && i < ERR_WORD_COUNT ? <i32>load<u8>(ERR_WORD + <usize>i) : W_UNKNOWN;
}

export function putErr(code: i32): void { putWord(errWord(code)); }

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
  if (v >= 10) putU32(v / 10); // at most 9 levels deep
  putByte(48 + <i32>(v % 10));
}

export function putI32(v: i32): void {
  if (v < 0) { putByte(45); v = -v; } // -(-2^31) wraps to 2^31, right as a u32
  putU32(<u32>v);
}

/** Two hex digits; `letters` is 'a' - 10 (lower case) or 'A' - 10 (upper case). */
export function putHex(b: i32, letters: i32): void {
  for (let shift = 4; shift >= 0; shift -= 4) {
    let n = (b >> shift) & 15;
    putByte(n < 10 ? 48 + n : letters + n);
  }
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
      putHex(b, 55);
    } else putByte(b);
  }
}
