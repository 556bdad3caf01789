// Text: a fixed-capacity byte buffer for topics and payloads built at run time. An app makes
// the ones it needs in setup() (the only time the API allocates); after that, nothing does.
import { fail, running, E_TEXT_AFTER_SETUP } from "./state";

/** The code point of `s` at char index i (a surrogate pair counts once), and in `cpChars` how
 * many chars it took. */
let cpChars: i32 = 1;
function codePoint(s: string, i: i32): i32 {
  // (the callers keep i < s.length: read the UTF-16 units without charCodeAt's range check)
  let at = changetype<usize>(s) + (<usize>i << 1);
  let c = <i32>load<u16>(at);
  cpChars = 1;
  if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
    cpChars = 2;
    c = 0x10000 + ((c - 0xd800) << 10) + (<i32>load<u16>(at, 2) - 0xdc00);
  }
  return c;
}

/** UTF-8 length of code point c. */
function cpLen(c: i32): i32 { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

/** Byte j (0-based) of code point c's UTF-8 form of k bytes. */
function cpByte(c: i32, k: i32, j: i32): i32 {
  if (k == 1) return c;
  if (j == 0) return (k == 2 ? 0xc0 : k == 3 ? 0xe0 : 0xf0) | (c >> (6 * (k - 1)));
  return 0x80 | ((c >> (6 * (k - 1 - j))) & 0x3f);
}

/** Appends the UTF-8 bytes of `s` at `p` (at most `room` bytes, whole characters); returns the bytes written. */
export function utf8Into(s: string, p: usize, room: i32): i32 {
  let n = 0;
  for (let i = 0; i < s.length; i += cpChars) {
    let c = codePoint(s, i);
    let k = cpLen(c);
    if (n + k > room) break;
    for (let j = 0; j < k; j++) store<u8>(p + n + j, cpByte(c, k, j));
    n += k;
  }
  return n;
}

/** Whether the `len` bytes at `p` are the UTF-8 form of `s` (no allocation). */
export function bytesEqual(p: usize, len: i32, s: string): bool {
  let at = 0;
  for (let i = 0; i < s.length; i += cpChars) {
    let c = codePoint(s, i);
    let k = cpLen(c);
    if (at + k > len) return false;
    for (let j = 0; j < k; j++) if (<i32>load<u8>(p + at + j) != cpByte(c, k, j)) return false;
    at += k;
  }
  return at == len;
}

/** Parses a decimal integer (optional sign) from `len` bytes at `p`; `fallback` if there is none. */
export function parseInt32(p: usize, len: i32, fallback: i32): i32 {
  let i = 0;
  let neg = false;
  if (len > 0 && (load<u8>(p) == 0x2d || load<u8>(p) == 0x2b)) { neg = load<u8>(p) == 0x2d; i = 1; }
  if (i >= len) return fallback;
  let v = 0;
  for (; i < len; i++) {
    let d = <i32>load<u8>(p + i) - 48;
    if (d < 0 || d > 9) return fallback;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

export class Text {
  /** Bytes in use. */
  length: i32 = 0;
  readonly capacity: i32;
  private readonly bytes: usize;

  /** A buffer of `capacity` bytes; only in setup() (after it, the app may not allocate). */
  constructor(capacity: i32) {
    if (running) fail(E_TEXT_AFTER_SETUP);
    this.capacity = capacity;
    this.bytes = heap.alloc(<usize>capacity);
  }

  /** Address of the first byte (for the API's own calls). */
  get ptr(): usize { return this.bytes; }

  clear(): Text { this.length = 0; return this; }

  /** Appends a string (UTF-8); what does not fit is cut off. */
  add(s: string): Text {
    this.length += utf8Into(s, this.bytes + this.length, this.capacity - this.length);
    return this;
  }

  /** Appends another Text's bytes. */
  addText(t: Text): Text { return this.addBytes(t.ptr, t.length); }

  /** Appends `len` bytes from `p`. */
  addBytes(p: usize, len: i32): Text {
    let n = min(len, this.capacity - this.length);
    memory.copy(this.bytes + this.length, p, n);
    this.length += n;
    return this;
  }

  /** Appends a decimal integer. */
  addInt(v: i32): Text {
    if (v < 0) { this.addByte(0x2d); v = -v; }
    let u = <u32>v;
    let digits = 1;
    for (let t = u; t >= 10; t /= 10) digits++;
    if (this.length + digits > this.capacity) return this;
    for (let i = digits - 1; i >= 0; i--) { store<u8>(this.bytes + this.length + i, 48 + u % 10); u /= 10; }
    this.length += digits;
    return this;
  }

  /** Appends `v` / 10^decimals with that many decimals: addFixed(-35, 1) is "-3.5". */
  addFixed(v: i32, decimals: i32): Text {
    let scale = 1;
    for (let i = 0; i < decimals; i++) scale *= 10;
    if (v < 0) { this.addByte(0x2d); v = -v; }
    this.addInt(v / scale);
    if (decimals == 0) return this;
    this.addByte(0x2e);
    let frac = v % scale;
    for (let s = scale / 10; s > 0; s /= 10) { this.addByte(48 + frac / s); frac %= s; }
    return this;
  }

  /** Appends one byte. */
  addByte(b: i32): Text {
    if (this.length < this.capacity) { store<u8>(this.bytes + this.length, b); this.length++; }
    return this;
  }

  /** Byte i (0 <= i < length). */
  at(i: i32): i32 { return <i32>load<u8>(this.bytes + i); }

  /** Whether the bytes are the UTF-8 form of `s`. */
  equals(s: string): bool { return bytesEqual(this.bytes, this.length, s); }

  /** The bytes as a decimal integer; `fallback` when they are not one. */
  toInt(fallback: i32 = 0): i32 { return parseInt32(this.bytes, this.length, fallback); }
}
