// Console input: one static line buffer and a tokenizer over it. Tokens are separated by spaces
// or tabs; %XX inside a token is the byte 0xXX (decoded in place, so the line buffer is the only
// storage). Numbers, IPv4 addresses and MAC addresses are parsed strictly: anything else is an
// error, never a guess.
import { wordText, WORD_BUF } from "./out";

export const LINE_MAX: i32 = 256;
/** The line, and two more bytes for the zeros beginParse puts after it. */
export const LINE: usize = memory.data(LINE_MAX + 2);
export let lineLen: i32 = 0;
let cur: i32 = 0;
export let tokStart: i32 = 0;
export let tokLen: i32 = 0;
/** Set by nextToken/restOfLine when a % is not followed by two hex digits. */
export let badEscape: bool = false;

export function setLineLen(n: i32): void { lineLen = n; }

@inline function at(i: i32): i32 { return <i32>load<u8>(LINE + <usize>i); }
@inline function isSpace(b: i32): bool { return b == 32 || b == 9; }

/** A hex digit's value (either case), or -1. Decimal digits are 0..9 too, so base-10 parsing
 * rejects values >= 10. */
function hexVal(b: i32): i32 {
  if (<u32>(b - 48) < 10) return b - 48;
  b |= 32; // upper case to lower case
  return <u32>(b - 97) < 6 ? b - 87 : -1;
}

export function beginParse(): void {
  // Two zeros after the line: a `%` at its end then reads non-hex bytes (0 is none), not stale ones.
  store<u16>(LINE + <usize>lineLen, 0);
  cur = 0;
  tokStart = 0;
  tokLen = 0;
  badEscape = false;
}

/** Skips the separating blanks, then decodes bytes up to the next separator (or the line end
 * when `toEnd`) into place starting at tokStart. */
function decodeFrom(toEnd: bool): void {
  while (cur < lineLen && isSpace(at(cur))) cur++;
  tokStart = cur;
  let w = cur;
  while (cur < lineLen) {
    let b = at(cur);
    if (!toEnd && isSpace(b)) break;
    cur++;
    if (b == 37) {
      // Past the line end this reads beginParse's zeros, which are no hex digits.
      let hi = hexVal(at(cur));
      let lo = hexVal(at(cur + 1));
      if ((hi | lo) < 0) { badEscape = true; continue; }
      b = (hi << 4) | lo;
      cur += 2;
    }
    store<u8>(LINE + <usize>w, <u8>b);
    w++;
  }
  tokLen = w - tokStart;
}

/** Advances to the next token; false (and tokLen 0) at the end of the line. */
export function nextToken(): bool {
  decodeFrom(false);
  return cur > tokStart;
}

/** The rest of the line after the separating blanks, escapes decoded, inner spaces kept. */
export function restOfLine(): void { decodeFrom(true); }

export function tokPtr(): usize { return LINE + <usize>tokStart; }

/** The current token is the option `-<letter>` typed as is (`%2Dn` is the text "-n", not an
 * option). Two raw bytes cannot hold an escape, so they are the decoded bytes too. */
export function tokIsOption(letter: i32): bool {
  return cur - tokStart == 2 && <i32>load<u16>(tokPtr()) == (letter << 8 | 45);
}

/** The current token equals console word `w` (words.ts). */
export function tokIs(w: i32): bool {
  if (wordText(w) != tokLen) return false;
  for (let i = 0; i < tokLen; i++) if (at(tokStart + i) != <i32>load<u8>(WORD_BUF + <usize>i)) return false;
  return true;
}

/** The value tokU32 read. */
export let tokNum: u32 = 0;

/** The token as a decimal u32 (1..10 digits, no sign, no overflow) into tokNum; false when it
 * is not one. (u32 arithmetic with an overflow check per digit: no i64 on the device.) */
export function tokU32(): bool {
  if (tokLen < 1 || tokLen > 10) return false;
  let v: u32 = 0;
  for (let i = 0; i < tokLen; i++) {
    let d = <u32>(at(tokStart + i) - 48);
    if (d > 9 || v > (0xffffffff - d) / 10) return false;
    v = v * 10 + d;
  }
  tokNum = v;
  return true;
}

/** The token as `count` numbers 0..255 in `base` (1..3 digits each) separated by `sep1` or
 * `sep2`, stored at dst + i (or dst + count - 1 - i when `reversed`); false when malformed.
 * IPv4 is 4 decimal parts with '.', reversed so dst holds the address as a little-endian u32
 * with the first part in the top byte; a MAC is 6 hex parts with ':' or '-' in 17 bytes
 * (which forces two digits per part). */
export function tokBytes(dst: usize, count: i32, base: i32, sep1: i32, sep2: i32, reversed: bool): bool {
  let part = 0;
  let digits = 0;
  let n = 0;
  for (let i = 0; i <= tokLen; i++) {
    let b = i < tokLen ? at(tokStart + i) : sep1;
    if (b == sep1 || b == sep2) {
      if (digits == 0 || part > 255 || n == count) return false;
      store<u8>(dst + <usize>(reversed ? count - 1 - n : n), <u8>part);
      n++;
      part = 0;
      digits = 0;
    } else {
      let d = hexVal(b);
      if (d < 0 || d >= base || digits == 3) return false;
      part = part * base + d;
      digits++;
    }
  }
  return n == count;
}
