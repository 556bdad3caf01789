// The subscription table: what the client subscribed to, for routing incoming PUBLISHes to the
// app's handler index and for subscribing again after a reconnect. SUB_SLOTS entries:
// [u8 filter length (0 = free slot)][u8 requested QoS][u8 granted: 0xFF pending, 0x80 refused]
// [u8 index of the filter in its SUBSCRIBE][u16 packet id of that SUBSCRIBE][filter bytes].
// A slot is named by its address (SUBS + index × SUB_STRIDE): the loops step it by SUB_STRIDE,
// so no slot address is computed from an index more than once.
import { SUB_SLOTS, FILTER_MAX } from "../api/abi";
import { topicMatches } from "./topic";

const SUB_STRIDE: i32 = 6 + FILTER_MAX;
/** The first slot; the slots end at SUBS + SUB_BYTES. */
export const SUBS: usize = memory.data(SUB_SLOTS * (6 + FILTER_MAX));
export const SUB_BYTES: usize = SUB_SLOTS * (6 + FILTER_MAX);
/** Granted byte of a subscription whose SUBACK has not come yet. */
export const SUB_PENDING: u8 = 0xff;
/** SUBACK return code for a refused filter (§3.9.3). */
export const SUB_REFUSED: u8 = 0x80;

/** The slot after slot s. */
@inline export function subNext(s: usize): usize { return s + SUB_STRIDE; }
/** Filter length of slot s (0: free). */
@inline export function subLen(s: usize): i32 { return <i32>load<u8>(s); }
/** Requested QoS of slot s. */
@inline export function subQos(s: usize): i32 { return <i32>load<u8>(s, 1); }
/** Granted code of slot s (SUB_PENDING until its SUBACK). */
@inline export function subGranted(s: usize): u8 { return load<u8>(s, 2); }
/** The filter's bytes of slot s. */
@inline export function subFilter(s: usize): usize { return s + 6; }

/** Forgets every subscription (start(), or a new session). */
export function subClear(): void { memory.fill(SUBS, 0, SUB_BYTES); }

/** Free slots. */
@inline export function subFree(): i32 {
  let free = 0;
  for (let s = SUBS; s < SUBS + SUB_BYTES; s = subNext(s)) if (subLen(s) == 0) free++;
  return free;
}

/** Slot holding filter [f, f+len), or 0; len 0 finds the first free slot. */
export function subFind(f: usize, len: i32): usize {
  for (let s = SUBS; s < SUBS + SUB_BYTES; s = subNext(s)) {
    if (subLen(s) != len) continue;
    // a byte loop: memory.compare's code (inlined at each use) is several times its size
    let k = 0;
    while (k < len && load<u8>(s + 6 + <usize>k) == load<u8>(f + <usize>k)) k++;
    if (k == len) return s;
  }
  return 0;
}

/** Index of the first granted subscription matching topic [t, t+len), or 0xFF. */
export function subRoute(t: usize, len: i32): i32 {
  let s = SUBS;
  for (let i = 0; i < SUB_SLOTS; i++, s = subNext(s)) {
    let fl = subLen(s);
    if (fl != 0 && subGranted(s) != SUB_REFUSED && topicMatches(subFilter(s), fl, t, len)) return i;
  }
  return 0xff;
}

/** Slot s takes filter [f, f+len) requested at `qos`, entry `index` of SUBSCRIBE `pid`: pending. */
@inline export function subSet(s: usize, f: usize, len: i32, qos: i32, index: i32, pid: i32): void {
  // [len][requested QoS][granted: pending][index in this SUBSCRIBE] in one store
  store<u32>(s, <u32>len | <u32>qos << 8 | <u32>SUB_PENDING << 16 | <u32>index << 24);
  store<u16>(s + 4, <u16>pid);
  memory.copy(s + 6, f, len);
}

/** Slot s is free again (an UNSUBSCRIBE, or the broker refused it). */
@inline export function subDrop(s: usize): void { store<u8>(s, 0); }

/** The SUBACK for `pid`: each of its filters gets its code from `codes` (a refused one is dropped). */
@inline export function subGrant(pid: i32, codes: usize): void {
  for (let s = SUBS; s < SUBS + SUB_BYTES; s = subNext(s)) {
    if (load<u8>(s) == 0 || <i32>load<u16>(s + 4) != pid) continue;
    let g = load<u8>(codes + <usize>load<u8>(s + 3));
    if (g == SUB_REFUSED) store<u8>(s, 0); else store<u8>(s + 2, g);
  }
}
