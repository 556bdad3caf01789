// Topic names and filters (MQTT 3.1.1 §4.7): validation and matching with +, # and the rule
// that filters starting with a wildcard do not match topics starting with '$'.
import { ERR_FILTER, ERR_TOPIC_EMPTY, ERR_TOPIC_WILDCARD } from "../api/abi";
import { checkUtf8 } from "./wire";

const SLASH: u8 = 0x2f;
const PLUS: u8 = 0x2b;
const HASH: u8 = 0x23;

/** 0 when [p, p+len) is a valid topic name (non-empty, UTF-8, no wildcards), else the error. */
export function checkTopicName(p: usize, len: i32): i32 {
  if (len == 0) return ERR_TOPIC_EMPTY;
  for (let i = 0; i < len; i++) {
    let c = load<u8>(p + i);
    if (c == PLUS || c == HASH) return ERR_TOPIC_WILDCARD;
  }
  return checkUtf8(p, len);
}

/** 0 when [p, p+len) is a valid filter: + and # fill whole levels, # only last. */
export function checkFilter(p: usize, len: i32): i32 {
  if (len == 0) return ERR_FILTER;
  for (let i = 0; i < len; i++) {
    let c = load<u8>(p + i);
    if (c == PLUS || c == HASH) {
      if (i > 0 && load<u8>(p + i - 1) != SLASH) return ERR_FILTER;
      if (i + 1 < len && load<u8>(p + i + 1) != SLASH) return ERR_FILTER;
      if (c == HASH && i + 1 != len) return ERR_FILTER;
    }
  }
  return checkUtf8(p, len);
}

/** True when topic name t matches filter f (both already validated). */
export function topicMatches(f: usize, flen: i32, t: usize, tlen: i32): bool {
  if (tlen > 0 && load<u8>(t) == 0x24 && flen > 0) {
    let c0 = load<u8>(f);
    if (c0 == PLUS || c0 == HASH) return false;
  }
  let fi = 0;
  let ti = 0;
  while (true) {
    if (fi == flen) return ti == tlen;
    let c = load<u8>(f + fi);
    if (c == HASH) return true;
    if (c == PLUS) {
      while (ti < tlen && load<u8>(t + ti) != SLASH) ti++;
      fi++;
    } else {
      while (fi < flen && load<u8>(f + fi) != SLASH) {
        if (ti >= tlen || load<u8>(t + ti) != load<u8>(f + fi)) return false;
        fi++;
        ti++;
      }
      if (ti < tlen && load<u8>(t + ti) != SLASH) return false;
    }
    if (fi == flen) return ti == tlen;
    // filter is at '/'; a topic that ended here matches only a trailing "/#" (parent level)
    if (ti == tlen) return fi + 2 == flen && load<u8>(f + fi + 1) == HASH;
    fi++;
    ti++;
  }
}
