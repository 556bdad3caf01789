// Counters read by wq_stat(): one u32 per STAT_* key in static memory, so wq_stat() reads them by
// key instead of a case per counter (the keys that are computed live are handled before that).
import { STAT_KEY_COUNT } from "./abi";

export const STATS: usize = memory.data(4 * (STAT_KEY_COUNT + 1));

/** Adds one to counter `key` (a STAT_* key). */
export function bump(key: i32): void {
  let p = STATS + (<usize>key << 2);
  store<u32>(p, load<u32>(p) + 1);
}

/** Sets counter `key` (e.g. STAT_LAST_ERROR). */
export function setStat(key: i32, v: i32): void { store<i32>(STATS + (<usize>key << 2), v); }

/** Counter `key`, or 0 when the key is not one (callers check the range). */
export function getStat(key: i32): i32 { return load<i32>(STATS + (<usize>key << 2)); }
