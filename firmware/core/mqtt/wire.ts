// Shared MQTT 3.1.1 wire helpers: big-endian u16, remaining-length varint, length-prefixed
// strings and the strict UTF-8 check. Every reader takes an explicit end pointer.
import { ERR_UTF8, ERR_UTF8_NULL, ERR_UTF8_SURROGATE } from "../api/abi";

export function getU16(p: usize): i32 {
  return (<i32>load<u8>(p) << 8) | <i32>load<u8>(p + 1);
}

export function putU16(p: usize, v: i32): usize {
  store<u8>(p, <u8>(v >> 8));
  store<u8>(p + 1, <u8>v);
  return p + 2;
}

/** Bytes the remaining-length varint of `rl` takes (1..4). */
export function varintLen(rl: i32): i32 {
  return rl < 128 ? 1 : rl < 16384 ? 2 : rl < 2097152 ? 3 : 4;
}

/** Writes the fixed header (first byte, remaining length); returns the pointer after it. */
export function putHeader(p: usize, first: i32, rl: i32): usize {
  store<u8>(p++, <u8>first);
  do {
    let b = rl & 0x7f;
    rl >>>= 7;
    if (rl > 0) b |= 0x80;
    store<u8>(p++, <u8>b);
  } while (rl > 0);
  return p;
}

/** Writes u16 length + bytes; returns the pointer after them. */
export function putStr(p: usize, src: usize, len: i32): usize {
  p = putU16(p, len);
  memory.copy(p, src, len);
  return p + len;
}

/** Encodes a packet made of a fixed header and a 2-byte packet id (PUBACK..PUBCOMP, UNSUBACK). */
export function encodePidPacket(dst: usize, first: i32, pid: i32): i32 {
  store<u8>(dst, <u8>first);
  store<u8>(dst + 1, 2);
  putU16(dst + 2, pid);
  return 4;
}

/**
 * Strict MQTT UTF-8 check of [p, p+len): well-formed, shortest form, no U+0000, no surrogates.
 * Returns 0 or ERR_UTF8 / ERR_UTF8_NULL / ERR_UTF8_SURROGATE.
 */
export function checkUtf8(p: usize, len: i32): i32 {
  let end = p + <usize>len;
  while (p < end) {
    let c = <i32>load<u8>(p++);
    if (c < 0x80) {
      if (c == 0) return ERR_UTF8_NULL;
      continue;
    }
    // n continuation bytes after a lead 110xxxxx / 1110xxxx / 11110xxx. Leads C0/C1 are always
    // overlong and F5..FF beyond U+10FFFF; continuation bytes (80..BF) cannot lead.
    let n = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
    if (c < 0xc2 || c > 0xf4 || p + <usize>n > end) return ERR_UTF8;
    let cp = c & (0x3f >> n);
    for (let i = 0; i < n; i++) {
      let cc = <i32>load<u8>(p++);
      if ((cc & 0xc0) != 0x80) return ERR_UTF8;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // shortest form: 3 bytes from U+0800, 4 from U+10000 (2 bytes: the lead check above)
    if (cp < 1 << (5 * n + 1) || cp > 0x10ffff) return ERR_UTF8;
    if ((cp >> 11) == 0x1b) return ERR_UTF8_SURROGATE; // U+D800..U+DFFF
  }
  return 0;
}
