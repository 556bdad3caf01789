// Console input: one static line buffer and a tokenizer over it. Tokens are separated by spaces
// or tabs; %XX inside a token is the byte 0xXX (decoded in place, so the line buffer is the only
// storage). Numbers, IPv4 addresses and MAC addresses are parsed strictly: anything else is an
// error, never a guess.
import { WORD_BYTES } from "./words";
import { wordStart, wordEnd } from "./out";

export const LINE_MAX: i32 = 256;
export const LINE: usize = memory.data(LINE_MAX);
export let lineLen: i32 = 0;
let cur: i32 = 0;
export let tokStart: i32 = 0;
export let tokLen: i32 = 0;
/** Set by nextToken/restOfLine when a % is not followed by two hex digits. */
export let badEscape: bool = false;

export function setLineLen(n: i32): void { lineLen = n; }

@inline function at(i: i32): i32 { return <i32>load<u8>(LINE + <usize>i); }
@inline function isSpace(b: i32): bool { return b == 32 || b == 9; }

function hexVal(b: i32): i32 {
  if (b >= 48 && b <= 57) return b - 48;
  if (b >= 65 && b <= 70) return b - 55;
  if (b >= 97 && b <= 102) return b - 87;
  return -1;
}

export function beginParse(): void {
  cur = 0;
  tokStart = 0;
  tokLen = 0;
  badEscape = false;
}

/** Decodes bytes from `cur` up to the next separator (or the line end when `toEnd`) into place
 * starting at tokStart. */
function decodeFrom(toEnd: bool): void {
  tokStart = cur;
  let w = cur;
  while (cur < lineLen) {
    let b = at(cur);
    if (!toEnd && isSpace(b)) break;
    if (b == 37) {
      let hi = cur + 1 < lineLen ? hexVal(at(cur + 1)) : -1;
      let lo = cur + 2 < lineLen ? hexVal(at(cur + 2)) : -1;
      if (hi < 0 || lo < 0) { badEscape = true; cur++; continue; }
      b = (hi << 4) | lo;
      cur += 3;
    } else cur++;
    store<u8>(LINE + <usize>w, <u8>b);
    w++;
  }
  tokLen = w - tokStart;
}

/** Advances to the next token; false (and tokLen 0) at the end of the line. */
export function nextToken(): bool {
  while (cur < lineLen && isSpace(at(cur))) cur++;
  if (cur >= lineLen) { tokStart = cur; tokLen = 0; return false; }
  decodeFrom(false);
  return true;
}

/** The rest of the line after the separating blanks, escapes decoded, inner spaces kept. */
export function restOfLine(): void {
  while (cur < lineLen && isSpace(at(cur))) cur++;
  decodeFrom(true);
}

export function tokPtr(): usize { return LINE + <usize>tokStart; }

/** The current token equals console word `w` (words.ts). */
export function tokIs(w: i32): bool {
  let s = wordStart(w);
  if (tokLen != wordEnd(w) - s) return false;
  for (let i = 0; i < tokLen; i++) if (at(tokStart + i) != <i32>load<u8>(WORD_BYTES + <usize>(s + i))) return false;
  return true;
}

/** Decimal u32 (1..10 digits, no sign, no overflow), or -1. */
export function tokU32(): i64 {
  if (tokLen < 1 || tokLen > 10) return -1;
  let v: i64 = 0;
  for (let i = 0; i < tokLen; i++) {
    let d = at(tokStart + i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v > 0xffffffff ? -1 : v;
}

/** Dotted IPv4 (four 0..255 parts), as u32 with the first part in the top byte, or -1. */
export function tokIpv4(): i64 {
  let v: i64 = 0;
  let part: i32 = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= tokLen; i++) {
    let b = i < tokLen ? at(tokStart + i) : 46;
    if (b == 46) {
      if (digits == 0 || part > 255 || parts == 4) return -1;
      v = (v << 8) | part;
      parts++;
      part = 0;
      digits = 0;
    } else {
      let d = b - 48;
      if (d < 0 || d > 9 || digits == 3) return -1;
      part = part * 10 + d;
      digits++;
    }
  }
  return parts == 4 ? v : -1;
}

/** MAC "aa:bb:cc:dd:ee:ff" (or with '-') into dst[0..6); false when malformed. */
export function tokMac(dst: usize): bool {
  if (tokLen != 17) return false;
  for (let i = 0; i < 6; i++) {
    let hi = hexVal(at(tokStart + i * 3));
    let lo = hexVal(at(tokStart + i * 3 + 1));
    if (hi < 0 || lo < 0) return false;
    if (i < 5) {
      let sep = at(tokStart + i * 3 + 2);
      if (sep != 58 && sep != 45) return false;
    }
    store<u8>(dst + <usize>i, <u8>((hi << 4) | lo));
  }
  return true;
}
