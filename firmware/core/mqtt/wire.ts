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
    // continuation bytes after a lead 110xxxxx / 1110xxxx / 11110xxx; other leads are invalid
    let n = c < 0xc0 || c >= 0xf8 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
    if (n == 0 || p + <usize>n > end) return ERR_UTF8;
    let cp = c & (0x3f >> (n - 1));
    for (let i = 0; i < n; i++) {
      let cc = <i32>load<u8>(p++);
      if ((cc & 0xc0) != 0x80) return ERR_UTF8;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // shortest form: 2 bytes from U+0080, 3 from U+0800, 4 from U+10000
    if (cp < (n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000) || cp > 0x10ffff) return ERR_UTF8;
    if (cp >= 0xd800 && cp <= 0xdfff) return ERR_UTF8_SURROGATE;
  }
  return 0;
}
