// Session state (MQTT 3.1.1 §4.1) kept in static tables and mirrored in the store:
//  - outgoing messages (QoS 0 queued offline, QoS 1/2 queued or in flight), in creation order;
//    their PUBLISH bytes live only in the store (R_PUB records), RAM keeps 16 bytes each;
//  - incoming QoS 2 packet ids between PUBLISH and PUBREL;
//  - the packet-id allocator and SUBSCRIBE/UNSUBSCRIBE requests awaiting acks.
import { OUT_SLOTS, IN_QOS2_SLOTS, PENDING_REQ_SLOTS, ERR_QUEUE_FULL, ERR_STORE_IO, ERR_NO_STORE } from "../api/abi";
import { storeAppend, storeFirst, storeNext, recType, recOff, recLen, storeReadPayload, dirty,
  compactBegin, compactCopy, compactCommit, compactAbort, groupSize } from "../store/store";
import { CFG, CONFIG_BYTES } from "../config";

// ---- store record types ----
export const R_CONFIG: i32 = 1;    // the config blob (config.ts)
export const R_PUB: i32 = 2;       // [u16 pid][u8 qos][u8 0][PUBLISH packet bytes]
export const R_PUB_GONE: i32 = 3;  // [u32 offset of the R_PUB record]: its bytes are no longer needed
export const R_REL: i32 = 4;       // [u16 pid]: outgoing QoS 2 past PUBREC, PUBREL owed
export const R_REL_GONE: i32 = 5;  // [u16 pid]: PUBCOMP received
export const R_INQ2: i32 = 6;      // [u16 pid]: incoming QoS 2 delivered, PUBREL awaited
export const R_INQ2_GONE: i32 = 7; // [u16 pid]: PUBREL received
export const R_PID: i32 = 8;       // [u16 next packet id] (written at compaction)
/** Store bytes publishes leave free so that every state record (one per outgoing entry and
 * incoming QoS 2 id, plus the PID record) still fits after a compaction. */
const RESERVE: u32 = 8 * (OUT_SLOTS + IN_QOS2_SLOTS + 1);
const NONE: u32 = 0xffffffff;

// ---- outgoing table: OUT_SLOTS entries of 16 bytes ----
// [0] u32 store offset of R_PUB (NONE once the bytes are dead)  [4] u32 time of the last send
// [8] u16 packet id  [10] u16 packet length  [12] u8 QoS  [13] u8 state  [14] u8 timed resends
// [15] u8 flags: bit 0 PUBLISH sent before (resend with DUP=1), bit 1 PUBREL sent before
export const OUT: usize = memory.data(OUT_SLOTS * 16);
export let outN: i32 = 0;           // slots in use, holes (S_FREE) included

// Outgoing states and the transition table (rows: state; columns: event).
export const S_FREE: i32 = 0;
export const S_QUEUED: i32 = 1;     // PUBLISH to send (first time, or again after a link loss/retry)
export const S_PUB_SENT: i32 = 2;   // PUBLISH sent; waiting for PUBACK (QoS 1) or PUBREC (QoS 2)
export const S_REL_QUEUED: i32 = 3; // PUBREC received; PUBREL to send (never the PUBLISH again)
export const S_REL_SENT: i32 = 4;   // PUBREL sent; waiting for PUBCOMP
export const E_SEND: i32 = 0;       // the packet went into the TX buffer
export const E_PUBACK: i32 = 1;     // (QoS 1 only)
export const E_PUBREC: i32 = 2;     // (QoS 2 only)
export const E_PUBCOMP: i32 = 3;    // (QoS 2 only)
export const E_LINK_LOST: i32 = 4;  // connection closed: everything is sent again on reconnect
export const E_RETRY: i32 = 5;      // CFG_RETRY_MS elapsed without ack
const X: u8 = 0xff;                 // event ignored in this state
//                                  SEND        PUBACK      PUBREC        PUBCOMP     LINK_LOST     RETRY
const TRANSITIONS: usize = memory.data<u8>([
  /* FREE       */                  X,          X,          X,            X,          X,            X,
  /* QUEUED     */                  2,          0,          3,            X,          1,            X,
  /* PUB_SENT   */                  X,          0,          3,            X,          1,            1,
  /* REL_QUEUED */                  4,          X,          3,            0,          3,            X,
  /* REL_SENT   */                  X,          X,          3,            0,          3,            3,
]);

/** Next state for (state, event), or -1 when the event does not apply (ignored). */
export function transition(state: i32, ev: i32): i32 {
  let n = load<u8>(TRANSITIONS + <usize>(state * 6 + ev));
  return n == X ? -1 : <i32>n;
}

export function slot(i: i32): usize { return OUT + <usize>(i << 4); }
export function oOff(i: i32): u32 { return load<u32>(slot(i)); }
export function oSent(i: i32): u32 { return load<u32>(slot(i), 4); }
export function oPid(i: i32): i32 { return <i32>load<u16>(slot(i), 8); }
export function oLen(i: i32): i32 { return <i32>load<u16>(slot(i), 10); }
export function oQos(i: i32): i32 { return <i32>load<u8>(slot(i), 12); }
export function oState(i: i32): i32 { return <i32>load<u8>(slot(i), 13); }
export function oRetries(i: i32): i32 { return <i32>load<u8>(slot(i), 14); }
export function oFlags(i: i32): i32 { return <i32>load<u8>(slot(i), 15); }
export function setState(i: i32, s: i32): void { store<u8>(slot(i), <u8>s, 13); }
export function setSent(i: i32, t: u32): void { store<u32>(slot(i), t, 4); }
export function setRetries(i: i32, r: i32): void { store<u8>(slot(i), <u8>r, 14); }
export function setFlags(i: i32, f: i32): void { store<u8>(slot(i), <u8>f, 15); }
function setOff(i: i32, off: u32): void { store<u32>(slot(i), off); }
/** Entry i (read in state `st`) went into the TX buffer at time t: new flags, SEND transition. */
export function markSent(i: i32, st: i32, flags: i32, t: u32): void {
  setFlags(i, flags);
  setState(i, transition(st, E_SEND));
  setSent(i, t);
}

/** Squeezes freed slots out, keeping creation order. */
function squeeze(): void {
  let w = 0;
  for (let r = 0; r < outN; r++) {
    if (oState(r) == S_FREE) continue;
    if (w != r) memory.copy(slot(w), slot(r), 16);
    w++;
  }
  outN = w;
}

/** Appends an outgoing entry; returns its index or -1 when every slot is used. */
export function outAdd(off: u32, pid: i32, len: i32, qos: i32, state: i32, flags: i32): i32 {
  if (outN == OUT_SLOTS) squeeze();
  if (outN == OUT_SLOTS) return -1;
  let i = outN++;
  let s = slot(i);
  store<u32>(s, off);
  store<u32>(s, 0, 4);
  store<u16>(s, <u16>pid, 8);
  store<u16>(s, <u16>len, 10);
  store<u8>(s, <u8>qos, 12);
  store<u8>(s, <u8>state, 13);
  store<u8>(s, 0, 14);
  store<u8>(s, <u8>flags, 15);
  return i;
}

export function outFree(i: i32): void {
  setState(i, S_FREE);
  while (outN > 0 && oState(outN - 1) == S_FREE) outN--;
}

export function outCount(): i32 {
  let n = 0;
  for (let i = 0; i < outN; i++) if (oState(i) != S_FREE) n++;
  return n;
}

/** Free slots for new publishes. */
export function outFreeSlots(): i32 { return OUT_SLOTS - outCount(); }

/** Index of the QoS > 0 entry with this packet id, or -1. */
export function outFind(pid: i32): i32 {
  for (let i = 0; i < outN; i++) if (oState(i) != S_FREE && oQos(i) > 0 && oPid(i) == pid) return i;
  return -1;
}

/** QoS 1/2 messages counted against the window: sent at least once and not completed. */
export function inflightCount(): i32 {
  let n = 0;
  for (let i = 0; i < outN; i++) {
    let s = oState(i);
    if (s != S_FREE && oQos(i) > 0 && (s != S_QUEUED || (oFlags(i) & 1) != 0)) n++;
  }
  return n;
}

/** Entries waiting for their first send. */
export function queuedCount(): i32 {
  let n = 0;
  for (let i = 0; i < outN; i++) if (oState(i) == S_QUEUED && (oFlags(i) & 1) == 0) n++;
  return n;
}

/** True when some entry waits for a (re)send of its PUBLISH: new packets must queue behind it. */
export function anyQueued(): bool {
  for (let i = 0; i < outN; i++) if (oState(i) == S_QUEUED) return true;
  return false;
}

/** Link lost: every entry goes back to "send again" (PUBLISH with DUP=1, or PUBREL). */
export function outLinkLost(): void {
  for (let i = 0; i < outN; i++) {
    let s = oState(i);
    if (s == S_FREE) continue;
    let n = transition(s, E_LINK_LOST);
    if (n >= 0) setState(i, n);
    setRetries(i, 0);
  }
}

// ---- incoming QoS 2 ids ----
export const INQ2: usize = memory.data(IN_QOS2_SLOTS * 2);
export let inN: i32 = 0;

/** Index of this id among the incoming QoS 2 ids, or -1. */
function inIndex(pid: i32): i32 {
  for (let i = 0; i < inN; i++) if (<i32>load<u16>(INQ2 + (<usize>i << 1)) == pid) return i;
  return -1;
}
export function inHas(pid: i32): bool { return inIndex(pid) >= 0; }
export function inAdd(pid: i32): bool {
  if (inN == IN_QOS2_SLOTS) return false;
  store<u16>(INQ2 + (<usize>inN << 1), <u16>pid);
  inN++;
  return true;
}
/** Forgets the id (the last one takes its place); false when unknown. */
export function inRemove(pid: i32): bool {
  let i = inIndex(pid);
  if (i < 0) return false;
  inN--;
  store<u16>(INQ2 + (<usize>i << 1), load<u16>(INQ2 + (<usize>inN << 1)));
  return true;
}
export function inClear(): void { inN = 0; }

// ---- requests awaiting SUBACK / UNSUBACK: [u16 pid][u8 type][u8 0] ----
export const REQ: usize = memory.data(PENDING_REQ_SLOTS * 4);
/** The request slot holding this id (0 = a free slot) and type (-1 = any type), or 0. */
function reqFind(pid: i32, type: i32): usize {
  for (let i = 0; i < PENDING_REQ_SLOTS; i++) {
    let p = REQ + (<usize>i << 2);
    if (<i32>load<u16>(p) == pid && (type < 0 || <i32>load<u8>(p + 2) == type)) return p;
  }
  return 0;
}
export function reqAdd(pid: i32, type: i32): bool {
  let p = reqFind(0, -1);
  if (p == 0) return false;
  store<u16>(p, <u16>pid);
  store<u8>(p + 2, <u8>type);
  return true;
}
/** Removes the request with this id and type; false when unknown. */
export function reqTake(pid: i32, type: i32): bool {
  let p = reqFind(pid, type);
  if (p == 0) return false;
  store<u32>(p, 0);
  return true;
}
export function reqFreeSlots(): i32 {
  let n = 0;
  for (let i = 0; i < PENDING_REQ_SLOTS; i++) if (load<u16>(REQ + (<usize>i << 2)) == 0) n++;
  return n;
}
export function reqClear(): void { memory.fill(REQ, 0, PENDING_REQ_SLOTS * 4); }

// ---- packet identifiers ----
export let nextPid: i32 = 1;
export function setNextPid(p: i32): void { nextPid = p; }

/**
 * Allocates a packet id in 1..65535, wrapping, never one still used by an outgoing entry or a
 * pending request. At most OUT_SLOTS + PENDING_REQ_SLOTS ids are in use, so this always succeeds.
 */
export function allocPid(): i32 {
  while (true) {
    let p = nextPid;
    nextPid = p == 65535 ? 1 : p + 1;
    if (outFind(p) >= 0) continue;
    if (reqFind(p, -1) == 0) return p;
  }
}

// ---- persistence ----
/** Small-record scratch: 4 bytes of record-header room, 4 payload, 4 tail room. */
const SREC: usize = memory.data(16) + 4;
const NEWOFF: usize = memory.data(OUT_SLOTS * 4);
export let cfgOff: u32 = 0xffffffff;     // latest R_CONFIG record
export let storeErrors: i32 = 0;

function appendOnce(type: i32, p: usize, len: i32, reserve: u32): i32 {
  let r = storeAppend(type, p, len, reserve);
  if (r == ERR_QUEUE_FULL || r == ERR_STORE_IO) {
    if (compact() == 0) r = storeAppend(type, p, len, reserve);
  }
  return r;
}

/** Persists a small state record (payload u16 or u32 value); failures are counted, not fatal. */
export function persist(type: i32, v: u32, len: i32): void {
  if (groupSize == 0) return;
  store<u32>(SREC, v);
  if (appendOnce(type, SREC, len, 0) < 0) storeErrors++;
}

/** Persists a PUBLISH (payload at p with its 4-byte prefix); returns the record offset or an error. */
export function persistPub(p: usize, len: i32): i32 {
  if (groupSize == 0) return ERR_NO_STORE;
  let r = appendOnce(R_PUB, p, len, RESERVE);
  return r == ERR_STORE_IO ? r : r < 0 ? ERR_QUEUE_FULL : r;
}

/** Persists the config blob as a new R_CONFIG record. */
export function persistConfig(): i32 {
  if (groupSize == 0) return ERR_NO_STORE;
  let r = appendOnce(R_CONFIG, CFG, CONFIG_BYTES, 0);
  if (r < 0) return r;
  cfgOff = <u32>r;
  return 0;
}

/**
 * Ping-pong compaction: writes the live set (latest config, next packet id, every outgoing
 * R_PUB still needed, R_REL for QoS 2 past PUBREC, R_INQ2 ids) into the other group and then
 * commits it. On failure the old group stays active and nothing in RAM changes.
 */
export function compact(): i32 {
  if (compactBegin() != 0) { compactAbort(); return ERR_STORE_IO; }
  let r = 0;
  let newCfg = NONE;
  if (cfgOff != NONE) { r = compactCopy(cfgOff); if (r >= 0) newCfg = <u32>r; }
  if (r >= 0) { store<u32>(SREC, nextPid); r = storeAppend(R_PID, SREC, 2, 0); }
  for (let i = 0; i < outN && r >= 0; i++) {
    let s = oState(i);
    store<u32>(NEWOFF + (<usize>i << 2), NONE);
    if (s == S_FREE) continue;
    if (s == S_REL_QUEUED || s == S_REL_SENT) {
      store<u32>(SREC, oPid(i));
      r = storeAppend(R_REL, SREC, 2, 0);
    } else if (oOff(i) != NONE) {
      r = compactCopy(oOff(i));
      if (r >= 0) store<u32>(NEWOFF + (<usize>i << 2), <u32>r);
    }
  }
  for (let i = 0; i < inN && r >= 0; i++) {
    store<u32>(SREC, load<u16>(INQ2 + (<usize>i << 1)));
    r = storeAppend(R_INQ2, SREC, 2, 0);
  }
  if (r >= 0) r = compactCommit();
  if (r < 0) { compactAbort(); return r; }
  cfgOff = newCfg;
  for (let i = 0; i < outN; i++) if (oState(i) != S_FREE) setOff(i, load<u32>(NEWOFF + (<usize>i << 2)));
  return 0;
}

/** Rebuilds the session from the store log (start()); compacts when the log was torn. */
export function sessionLoad(): void {
  outN = 0;
  inN = 0;
  cfgOff = NONE;
  if (groupSize == 0) return;
  let ok = storeFirst();
  while (ok) {
    let t = recType;
    let v: i32 = 0;
    if (t != R_CONFIG && recLen >= 2) { storeReadPayload(recOff, 0, SREC, 4); v = <i32>load<u16>(SREC); }
    if (t == R_CONFIG) cfgOff = recOff;
    else if (t == R_PUB && recLen > 4) {
      let qos = <i32>load<u8>(SREC + 2);
      outAdd(recOff, v, recLen - 4, qos, S_QUEUED, 1);
      if (qos > 0) nextPid = v == 65535 ? 1 : v + 1;
    } else if (t == R_PUB_GONE && recLen == 4) {
      let off = load<u32>(SREC);
      for (let i = 0; i < outN; i++) if (oState(i) != S_FREE && oOff(i) == off) outFree(i);
    } else if (t == R_REL) {
      let i = outFind(v);
      if (i >= 0) { setState(i, S_REL_QUEUED); setOff(i, NONE); }
      else outAdd(NONE, v, 4, 2, S_REL_QUEUED, 0);
    } else if (t == R_REL_GONE) {
      let i = outFind(v);
      if (i >= 0 && oState(i) >= S_REL_QUEUED) outFree(i);
    } else if (t == R_INQ2) { if (!inHas(v)) inAdd(v); }
    else if (t == R_INQ2_GONE) inRemove(v);
    else if (t == R_PID && v > 0) nextPid = v;
    ok = storeNext();
  }
  if (dirty) compact();
}

/** Drops the PUBLISH bytes of entry i from the store's live set. */
export function dropPubBytes(i: i32): void {
  let off = oOff(i);
  if (off == NONE) return;
  setOff(i, NONE);
  persist(R_PUB_GONE, off, 4);
}

export function readPub(i: i32, dst: usize): i32 { return storeReadPayload(oOff(i), 4, dst, oLen(i)); }
