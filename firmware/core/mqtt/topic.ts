// Topic names and filters (MQTT 3.1.1 §4.7): validation and matching with +, # and the rule
// that filters starting with a wildcard do not match topics starting with '$'.
import { ERR_FILTER, ERR_TOPIC_EMPTY, ERR_TOPIC_WILDCARD } from "../api/abi";
import { checkUtf8 } from "./wire";

const SLASH: u8 = 0x2f;
const PLUS: u8 = 0x2b;
const HASH: u8 = 0x23;
const DOLLAR: u8 = 0x24; // first byte of the broker's own topics ($SYS/...), which wildcards at the start do not match

/** 0 when [p, p+len) is a valid topic name (non-empty, UTF-8, no wildcards), else the error. */
@inline export function checkTopicName(p: usize, len: i32): i32 { return checkTopic(p, len, false); }

/** 0 when [p, p+len) is a valid filter: + and # fill whole levels, # only last. */
@inline export function checkFilter(p: usize, len: i32): i32 { return checkTopic(p, len, true); }

/** Both checks in one loop (they differ only in what a wildcard may be): smaller than two. The
 * two wrappers above are @inline, so their callers call this directly (no extra call per publish). */
function checkTopic(p: usize, len: i32, filter: bool): i32 {
  if (len == 0) return filter ? ERR_FILTER : ERR_TOPIC_EMPTY;
  // Fast path (every publish checks its topic): bytes 0x2C..0x7F (',' to DEL: '/', digits,
  // letters, '-', '.', '_'...) are never a wildcard, a NUL or part of a multi-byte character, so
  // a string of only those is valid, found with one unsigned compare a byte. From the first other
  // byte on, the full checks (the wildcard scan can start there: the bytes before it have none).
  // Four bytes a step first (a word load costs what a byte load does): a byte b is in range when
  // its bit 7 is clear and (b | 0x80) - 0x2C keeps bit 7 (no borrow crosses bytes: each is >= 0x80).
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    let w = load<u32>(p + i);
    if ((((w | 0x80808080) - 0x2c2c2c2c) & ~w & 0x80808080) != 0x80808080) break;
  }
  if (i == len) return 0;
  while (<u32>load<u8>(p + i) - 0x2c < 0x54) if (++i == len) return 0;
  for (; i < len; i++) {
    let c = load<u8>(p + i);
    if (c == PLUS || c == HASH) {
      if (!filter) return ERR_TOPIC_WILDCARD;
      if (i > 0 && load<u8>(p + i - 1) != SLASH) return ERR_FILTER;
      if (i + 1 < len && load<u8>(p + i + 1) != SLASH) return ERR_FILTER;
      if (c == HASH && i + 1 != len) return ERR_FILTER;
    }
  }
  return checkUtf8(p, len);
}

/**
 * True when topic name t matches filter f (both already validated). Compared byte by byte: a
 * '+' (always a whole level) consumes one topic level, '#' (always last) matches the rest.
 */
export function topicMatches(f: usize, flen: i32, t: usize, tlen: i32): bool {
  if (tlen > 0 && load<u8>(t) == DOLLAR && flen > 0) {
    let c0 = load<u8>(f);
    if (c0 == PLUS || c0 == HASH) return false; // the '$' rule (§4.7.2)
  }
  let ti = 0;
  for (let fi = 0; fi < flen; fi++) {
    let c = load<u8>(f + fi);
    if (c == HASH) return true;
    if (c == PLUS) {
      while (ti < tlen && load<u8>(t + ti) != SLASH) ti++;
      continue;
    }
    // the topic ended: only a trailing "/#" still matches (it includes the parent level)
    if (ti == tlen) return c == SLASH && fi + 2 == flen && load<u8>(f + fi + 1) == HASH;
    if (load<u8>(t + ti++) != c) return false;
  }
  return ti == tlen;
}
