// Session state (MQTT 3.1.1 §4.1) kept in static tables and mirrored in the store:
//  - outgoing messages (QoS 0 queued offline, QoS 1/2 queued or in flight), in creation order;
//    their PUBLISH bytes live only in the store (R_PUB records), RAM keeps 16 bytes each. A record
//    is in one of two tiers (store.ts): the retained RAM log (ram-first, CFG_SPILL_MS > 0: costs
//    no flash, survives resets but not a power cut) or the flash (flash-first, `durable`, offline,
//    RAM log full, or copied there, "spilled", when unacked for CFG_SPILL_MS). Every state record
//    about a message goes to the tier that holds it;
//  - incoming QoS 2 packet ids between PUBLISH and PUBREL;
//  - the packet-id allocator and SUBSCRIBE/UNSUBSCRIBE requests awaiting acks.
import { OUT_SLOTS, IN_QOS2_RUNS, PENDING_REQ_SLOTS, ERR_QUEUE_FULL, ERR_STORE_IO, ERR_NO_STORE, STAT_STORE_ERRORS } from "../api/abi";
import { storeAppend, storeFirst, storeNext, recType, recOff, recLen, storeReadPayload, dirty,
  compactBegin, compactCopy, compactCommit, compactAbort, groupSize, storeMark, MARKED, recordSize, HDR, writePos, limit,
  KEEP, ram, useTier, storeInit } from "../store/store";
import { CFG, CONFIG_BYTES, spillMs } from "../config";
import { bump } from "../api/stats";

// ---- store record types ----
export const R_CONFIG: i32 = 1;    // the config blob (config.ts)
export const R_PUB: i32 = 2;       // [u16 pid][u8 qos][u8 0][PUBLISH packet bytes]: written as it is sent
/** [u16 pid][u8 qos][u8 pad][PUBLISH][pad bytes][u16 mark]: written queued (never sent); the mark is
 * programmed 0x0000 just before its first transmission, so a reset can tell "sent" from "never sent". */
export const R_PUBQ: i32 = R_PUB | MARKED;
export const R_PUB_GONE: i32 = 3;  // [u32 offset of the R_PUB record]: its bytes are no longer needed
export const R_REL: i32 = 4;       // [u16 pid]: outgoing QoS 2 past PUBREC, PUBREL owed
export const R_REL_GONE: i32 = 5;  // [u16 pid]: PUBCOMP received
export const R_INQ2: i32 = 6;      // [u16 pid]: incoming QoS 2 delivered (older format, read only)
export const R_INQ2M: i32 = 6 | MARKED; // [u16 pid][u16 mark]: incoming QoS 2 received; mark 0 = delivered
export const R_INQ2_GONE: i32 = 7; // [u16 pid]: PUBREL received
export const R_PID: i32 = 8;       // [u16 next packet id] (written at compaction)
export const R_APP: i32 = 16;      // an app's settings blob (firmware/app/sdk/settings.ts); the latest one counts
export const R_OWNER: i32 = 9;     // [u32 session identity]: the (client id, broker) the state below it belongs to
export const R_INQ2_RUN: i32 = 10; // [u16 first id][u16 last id]: incoming QoS 2 ids, all delivered (written at compaction)
export const R_INQ2_NONE: i32 = 11;// [u16 0]: every incoming QoS 2 id is forgotten (the broker has no session of ours)
/** Store bytes a publish must leave free in a compacted group: every incoming QoS 2 run's
 * record, the PID record and the two state records one ack appends before the PUBLISH bytes go
 * (outgoing entries shrink when compacted: R_REL is smaller than any R_PUB). */
const RESERVE: u32 = 10 * IN_QOS2_RUNS + 8 + 24;
const NONE: u32 = 0xffffffff;

// ---- outgoing table: OUT_SLOTS entries of 16 bytes ----
// [0] u32 store offset of R_PUB (NONE once the bytes are dead)  [4] u32 time of the last send
// [8] u16 packet id  [10] u16 packet length  [12] u8 QoS  [13] u8 state  [14] u8 timed resends
// [15] u8 flags: F_SENT, F_REL_SENT, F_MARK, F_QREC
// An entry is named by its slot's address `e` (slot(index)): the accessors take it, and the loops
// step it by SLOT, so no slot address is computed from an index more than once.
export const OUT: usize = memory.data(OUT_SLOTS * 16);
export const SLOT: usize = 16;
/** The slots in use, holes (S_FREE) included, are [outLo, outHi) (0 until sessionLoad()). Every
 * entry below outLo is S_FREE (holes stay until squeeze()): scans start there, so a long table
 * whose oldest entries completed costs only its live span. Invariant: outLo <= outHi. */
let outLo: usize = 0; // (literals: a constant's name here costs a start function)
let outHi: usize = 0;
export const F_SENT: i32 = 1;       // PUBLISH sent before in this session: a resend carries DUP=1
export const F_REL_SENT: i32 = 2;   // PUBREL sent before
export const F_MARK: i32 = 4;       // its R_PUBQ record's "sent" mark is still erased: program it at first send
export const F_QREC: i32 = 8;       // its record is an R_PUBQ (2 + pad bytes longer than an R_PUB)
export const F_RAM: i32 = 16;       // its records are in the retained RAM log, not the flash
/** The entry's records are in the RAM tier. (@inline: step()'s spill scan asks it of every entry, every step.) */
@inline export function isRam(e: usize): bool { return (oFlags(e) & F_RAM) != 0; }

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
const X: i8 = -1;                   // event ignored in this state
// the cells as i8 (memory.data<i8> takes constants of its own type)
const FR: i8 = <i8>S_FREE, QU: i8 = <i8>S_QUEUED, PS: i8 = <i8>S_PUB_SENT, RQ: i8 = <i8>S_REL_QUEUED, RS: i8 = <i8>S_REL_SENT;
//                                  SEND        PUBACK      PUBREC        PUBCOMP     LINK_LOST     RETRY
const TRANSITIONS: usize = memory.data<i8>([
  /* FREE       */                  X,          X,          X,            X,          X,            X,
  /* QUEUED     */                  PS,         FR,         RQ,           X,          QU,           X,
  /* PUB_SENT   */                  X,          FR,         RQ,           X,          QU,           QU,
  /* REL_QUEUED */                  RS,         X,          RQ,           FR,         RQ,           X,
  /* REL_SENT   */                  X,          X,          RQ,           FR,         RQ,           RQ,
]);

/** Next state for (state, event), or -1 when the event does not apply (ignored). */
@inline export function transition(state: i32, ev: i32): i32 {
  return <i32>load<i8>(TRANSITIONS + <usize>(state * 6 + ev)); // X (-1) sign-extends to -1
}

/** The slot of index i. */
@inline export function slot(i: i32): usize { return OUT + (<usize>i << 4); }
/** The entries to scan: outBegin() up to (not including) outEnd(), stepped by SLOT. */
@inline export function outBegin(): usize { return outLo; }
@inline export function outEnd(): usize { return outHi; }
@inline export function oOff(e: usize): u32 { return load<u32>(e); }
@inline export function oSent(e: usize): u32 { return load<u32>(e, 4); }
@inline export function oPid(e: usize): i32 { return <i32>load<u16>(e, 8); }
@inline export function oLen(e: usize): i32 { return <i32>load<u16>(e, 10); }
@inline export function oQos(e: usize): i32 { return <i32>load<u8>(e, 12); }
@inline export function oState(e: usize): i32 { return <i32>load<u8>(e, 13); }
@inline export function oRetries(e: usize): i32 { return <i32>load<u8>(e, 14); }
@inline export function oFlags(e: usize): i32 { return <i32>load<u8>(e, 15); }
@inline export function setState(e: usize, s: i32): void { store<u8>(e, <u8>s, 13); }
@inline export function setSent(e: usize, t: u32): void { store<u32>(e, t, 4); }
@inline export function setRetries(e: usize, r: i32): void { store<u8>(e, <u8>r, 14); }
@inline export function setFlags(e: usize, f: i32): void { store<u8>(e, <u8>f, 15); }
@inline function setOff(e: usize, off: u32): void { store<u32>(e, off); }
/** Entry e (read in state `st`) went into the TX buffer at time t: new flags, SEND transition. */
export function markSent(e: usize, st: i32, flags: i32, t: u32): void {
  setFlags(e, flags);
  setState(e, transition(st, E_SEND));
  setSent(e, t);
}

/** Squeezes freed slots out, keeping creation order. */
function squeeze(): void {
  let w = OUT;
  for (let r = OUT; r < outEnd(); r += SLOT) {
    if (oState(r) == S_FREE) continue;
    if (w != r) memory.copy(w, r, SLOT);
    w += SLOT;
  }
  outHi = w;
  outLo = OUT;
}

/** Appends an outgoing entry; returns it, or 0 when every slot is used. */
export function outAdd(off: u32, pid: i32, len: i32, qos: i32, state: i32, flags: i32): usize {
  const FULL = OUT + <usize>OUT_SLOTS * SLOT;
  if (outHi == FULL) squeeze();
  if (outHi == FULL) return 0;
  let e = outHi;
  outHi += SLOT;
  nUsed++;
  store<u64>(e, <u64>off); // time of the last send 0
  store<u32>(e, <u32>pid | <u32>len << 16, 8);
  store<u32>(e, <u32>qos | <u32>state << 8 | <u32>flags << 24, 12); // timed resends 0
  return e;
}

export function outFree(e: usize): void {
  // No offset, and QoS, state, resends and flags 0: a free slot is no QoS > 0 entry (outFind),
  // in neither tier (isRam) and has no record, so the scans that ask those need not test the state
  setOff(e, NONE);
  store<u32>(e, 0, 12);
  nUsed--;
  while (outHi > OUT && oState(outHi - SLOT) == S_FREE) outHi -= SLOT;
  if (outLo > outHi) outLo = outHi;
  while (outLo < outHi && oState(outLo) == S_FREE) outLo += SLOT;
}

/** Entries in use, kept by outAdd()/outFree() (sessionLoad() empties the table): publish() refuses
 * a full table with it before paying for outTally(). */
export let nUsed: i32 = 0;
// Counts over the outgoing table, refreshed by outTally() (one pass for all of them).
export let nInflight: i32 = 0;  // QoS 1/2 sent at least once and not completed (counted against the window)
export let nFresh: i32 = 0;     // entries waiting for their first send
export let nToSend: i32 = 0;    // entries waiting for a (re)send of their PUBLISH: new packets queue behind them
export let nRam: i32 = 0;       // entries whose records are in the RAM log (F_RAM)
/** Store bytes the entries' records take in a freshly compacted group (see flashRefuses). */
let outBytes: u32 = 0;

/** Refreshes nInflight, nFresh, nToSend, nRam and outBytes. */
export function outTally(): void {
  let inflight = 0, fresh = 0, toSend = 0, inRamLog = 0;
  let bytes: u32 = 0;
  for (let e = outBegin(); e < outEnd(); e += SLOT) {
    let s = oState(e); // (a free slot counts nowhere: state, QoS and flags 0, no offset)
    let f = oFlags(e);
    let sent = (f & F_SENT) != 0;
    if (s == S_QUEUED) { toSend++; if (!sent) fresh++; }
    if (oQos(e) > 0 && (s != S_QUEUED || sent)) inflight++;
    if ((f & F_RAM) != 0) { inRamLog++; continue; } // (flashRefuses() counts the flash's)
    if (s >= S_REL_QUEUED) bytes += 8; // R_REL
    // recordSize() written out: this loop runs on every publish (a call each costs more than the sum)
    else if (oOff(e) != NONE) bytes += 6 + <u32>((pubRecLen(oLen(e), (f & F_QREC) != 0) + 1) & ~1);
  }
  nInflight = inflight;
  nFresh = fresh;
  nToSend = toSend;
  nRam = inRamLog;
  outBytes = bytes;
}

/** The QoS > 0 entry with this packet id, or 0. */
export function outFind(pid: i32): usize {
  // the id first: it rules out all but (at most) one entry with a single load
  for (let e = outBegin(); e < outEnd(); e += SLOT) if (oPid(e) == pid && oQos(e) > 0) return e; // (a free slot's QoS is 0)
  return 0;
}

/** Every entry's PUBLISH goes again as a new message (DUP=0): a new session, or another owner's. */
export function outUnsend(): void {
  for (let e = outBegin(); e < outEnd(); e += SLOT) setFlags(e, oFlags(e) & ~F_SENT);
}

/** Link lost: every entry goes back to "send again" (PUBLISH with DUP=1, or PUBREL). */
export function outLinkLost(): void {
  for (let e = outBegin(); e < outEnd(); e += SLOT) {
    let n = transition(oState(e), E_LINK_LOST); // (-1 for a free slot)
    if (n >= 0) setState(e, n);
    setRetries(e, 0);
  }
}

// ---- incoming QoS 2 ids between PUBLISH and PUBREL: IN_QOS2_RUNS runs of 8 bytes ----
// A run is a range of consecutive packet ids sharing one mark: [0] u16 first id [2] u16 last id
// [4] u16 mark: MARK_NEW received, not yet delivered; MARK_DONE delivered; anything else: a power
// cut tore the mark write after the app got the message (redeliver, flagged as such). Only
// MARK_DONE runs hold more than one id, and two MARK_DONE runs are never adjacent (inMerge).
// Brokers number the PUBLISHes they send one after another, so any burst awaiting PUBREL is one
// or two runs: what fills the table is gaps between ids, not the number of ids.
export const MARK_NEW: i32 = 0xffff;
export const MARK_DONE: i32 = 0;
export const INQ2: usize = memory.data(IN_QOS2_RUNS * 8);
export let inN: i32 = 0;            // runs in use
/** The newest R_INQ2M record (inAdd) and its id: the record inDelivered flips in place. */
let newOff: u32 = 0xffffffff; // NONE (a literal: a constant's name here costs a start function)
let newPid: i32 = 0;
function inAt(i: i32): usize { return INQ2 + (<usize>i << 3); }
export function inLo(i: i32): i32 { return <i32>load<u16>(inAt(i)); }
export function inHi(i: i32): i32 { return <i32>load<u16>(inAt(i), 2); }
export function inMark(i: i32): i32 { return <i32>load<u16>(inAt(i), 4); }
function inSet(i: i32, lo: i32, hi: i32, mark: i32): void {
  store<u64>(inAt(i), <u64>lo | <u64>hi << 16 | <u64>mark << 32);
}
/** Removes run i (the last run takes its place). */
function inDrop(i: i32): void {
  inN--;
  memory.copy(inAt(i), inAt(inN), 8);
}

/** Index of the run holding this id, or -1. */
export function inFind(pid: i32): i32 {
  for (let i = 0; i < inN; i++) if (pid >= inLo(i) && pid <= inHi(i)) return i;
  return -1;
}
/** True when a new run cannot be added: a new id that joins no run must wait (flow control). */
export function inFull(): bool { return inN == IN_QOS2_RUNS; }
/** Ids awaiting PUBREL (STAT_INFLIGHT_IN). */
export function inCount(): i32 {
  let n = 0;
  for (let i = 0; i < inN; i++) n += inHi(i) - inLo(i) + 1;
  return n;
}
/** Run i is delivered: it joins the delivered runs next to it. */
function inMerge(i: i32): void {
  let lo = inLo(i);
  let hi = inHi(i);
  // (at most one delivered run touches each end: delivered runs are never adjacent)
  for (let j = inN - 1; j >= 0; j--) {
    if (j == i || inMark(j) != MARK_DONE) continue;
    if (inHi(j) + 1 == lo) lo = inLo(j);
    else if (inLo(j) - 1 == hi) hi = inHi(j);
    else continue;
    inDrop(j);
    if (i == inN) i = j; // run i was the last one: it moved to j
  }
  inSet(i, lo, hi, MARK_DONE);
}
/** Sets one id's mark (a new single-id run when unknown; a delivered id merges). Index, or -1 when full. */
function inPut(pid: i32, mark: i32): i32 {
  let i = inFind(pid);
  if (i < 0) {
    if (inFull()) return -1;
    i = inN++;
  } else if (inMark(i) == MARK_DONE) return i; // (a delivered id stays delivered)
  inSet(i, pid, pid, mark);
  if (mark == MARK_DONE) inMerge(i);
  return inFind(pid);
}
/** Writes an R_INQ2M record [pid][mark]; its offset, or NONE when it could not be written. */
function persistIn(pid: i32, mark: i32): u32 { return persist(R_INQ2M, <u32>pid | <u32>mark << 16, 4, inRam()); }
/** Set by sessionLoad(): the board has a usable retained RAM log. */
export let keepOk: bool = false;
/**
 * Incoming QoS 2 ids are kept in the RAM log under ram-first: no flash write per message; a
 * reset keeps them, a power cut between PUBREC and PUBREL forgets them, so the broker's
 * resend of such a message is delivered a second time. Flash-first keeps exactly-once.
 */
export function inRam(): bool { return keepOk && spillMs() != 0; }
/**
 * Records a new incoming QoS 2 id as "received, not delivered" BEFORE delivery (a cut before
 * this record ends means no PUBREC went out: the broker resends). Index, or -1 when no run is
 * free (checked first: nothing is written then; the caller holds the packet).
 */
export function inAdd(pid: i32): i32 {
  if (inFull()) return -1;
  newOff = persistIn(pid, MARK_NEW);
  newPid = pid;
  return inPut(pid, MARK_NEW);
}
/**
 * The id in single-id run i was delivered: flips its record's mark with ONE half-word program
 * (the only write a cut can tear after the app saw the message). A torn mark cannot be
 * programmed again, and a record moved by a compaction is not the one inAdd wrote, so those
 * cases append a fresh record already marked.
 */
export function inDelivered(i: i32): void {
  let pid = inLo(i);
  if (inMark(i) == MARK_NEW && newPid == pid && newOff != NONE) {
    if (storeMark(newOff + 6) != 0) { bump(STAT_STORE_ERRORS); persistIn(pid, MARK_DONE); }
  } else persistIn(pid, MARK_DONE);
  newOff = NONE;
  inPut(pid, MARK_DONE);
}
/**
 * Forgets the id (PUBREL). 1 when forgotten, 0 when unknown, -1 when it sits inside a run and
 * splitting that run needs a run the table does not have (the caller holds the PUBREL).
 */
export function inRemove(pid: i32): i32 {
  let i = inFind(pid);
  if (i < 0) return 0;
  let lo = inLo(i);
  let hi = inHi(i);
  let m = inMark(i);
  if (lo == hi) inDrop(i);
  else if (pid == lo) inSet(i, lo + 1, hi, m);
  else if (pid == hi) inSet(i, lo, hi - 1, m);
  else {
    if (inFull()) return -1;
    inSet(i, lo, pid - 1, m);
    inSet(inN++, pid + 1, hi, m);
  }
  return 1;
}
/** True when forgetting this id would need a run the table does not have. */
export function inRemoveWaits(pid: i32): bool {
  let i = inFind(pid);
  return i >= 0 && inFull() && pid != inLo(i) && pid != inHi(i);
}
export function inClear(): void { inN = 0; newOff = NONE; }

// ---- requests awaiting SUBACK / UNSUBACK: [u16 pid][u8 type][u8 filter count] ----
export const REQ: usize = memory.data(PENDING_REQ_SLOTS * 4);
/** The request slot holding this id (0 = a free slot) and type (-1 = any type), or 0. */
function reqFind(pid: i32, type: i32): usize {
  for (let i = 0; i < PENDING_REQ_SLOTS; i++) {
    let p = REQ + (<usize>i << 2);
    if (<i32>load<u16>(p) == pid && (type < 0 || <i32>load<u8>(p + 2) == type)) return p;
  }
  return 0;
}
export function reqAdd(pid: i32, type: i32, count: i32): bool {
  let p = reqFind(0, -1);
  if (p == 0) return false;
  store<u32>(p, <u32>pid | <u32>type << 16 | <u32>count << 24);
  return true;
}
/** Removes the request with this id and type; its filter count, or -1 when unknown. */
export function reqTake(pid: i32, type: i32): i32 {
  let p = reqFind(pid, type);
  if (p == 0) return -1;
  let n = <i32>load<u8>(p + 3);
  store<u32>(p, 0);
  return n;
}
/** True when every request slot is taken. */
export function reqFull(): bool { return reqFind(0, -1) == 0; }
export function reqClear(): void { memory.fill(REQ, 0, PENDING_REQ_SLOTS * 4); }

// ---- packet identifiers ----
export let nextPid: i32 = 1;
export function setNextPid(p: i32): void { nextPid = p; }

/**
 * Allocates a packet id in 1..65535, wrapping, never one still used by an outgoing entry or a
 * pending request. At most OUT_SLOTS + PENDING_REQ_SLOTS ids are in use, so this always succeeds.
 */
export function allocPid(): i32 {
  // (requests are rare: with none pending, two loads answer for the four slots)
  if (PENDING_REQ_SLOTS != 4) ERROR("allocPid reads the request table as two u64");
  let none = (load<u64>(REQ) | load<u64>(REQ, 8)) == 0;
  while (true) {
    let p = nextPid;
    nextPid = p == 65535 ? 1 : p + 1;
    if (outFind(p) != 0) continue;
    if (none || reqFind(p, -1) == 0) return p;
  }
}

// ---- persistence ----
/** Small-record scratch: 4 bytes of record-header room, 4 payload, 4 tail room. */
const SREC: usize = memory.data(12, 4) + 4;
/** compact()'s own small-record scratch: a compaction runs in the middle of persist(), whose
 * record waits in SREC to be appended again once the compaction is done. */
const CREC: usize = memory.data(12, 4) + 4;
/** compact(): the new offset of each outgoing entry's record, applied once the compaction commits. */
const NEWOFF: usize = memory.data(OUT_SLOTS * 4);
/** Entry e's cell in NEWOFF (4 bytes per 16-byte slot). */
@inline function newOffAt(e: usize): usize { return NEWOFF + ((e - OUT) >> 2); }
export let cfgOff: u32 = 0xffffffff;     // latest R_CONFIG record
export let appOff: u32 = 0xffffffff;     // latest R_APP record, and its payload length
export let appLen: i32 = 0;
/** Identity of the (client id, broker) the stored session belongs to; NONE: not known yet. */
export let owner: u32 = 0xffffffff; // NONE (a literal: a constant's name here costs a start function)

/** Appends to the tier `r` (the RAM log when true), compacting that tier once when needed. The
 * tier stays selected (store.ts, useTier): under ram-first, append after append is the RAM log's. */
function appendOnce(type: i32, p: usize, len: i32, reserve: u32, r: bool): i32 {
  if (r != ram) useTier(r); // (tested here: no call at all on the per-publish path)
  let o = storeAppend(type, p, len, reserve);
  // the RAM log: no compaction that cannot make room (a publish waiting for acks tries again and again)
  if ((o == ERR_QUEUE_FULL || o == ERR_STORE_IO) && (!r || HDR + ramLive() + recordSize(len) + reserve <= groupSize)) {
    if (compact() == 0) o = storeAppend(type, p, len, reserve);
  }
  return o;
}

/** At least the bytes compact() would write to the RAM log after its header: the PUBLISH records
 * of the entries it holds (10 B + the packet's length, or up to 2 B more); their R_REL records (an
 * entry past PUBREC has no offset) and its incoming QoS 2 ids left out. A bound from below: a
 * compaction is skipped only when it could not help. 0: no message of ours has a record there. */
function ramLive(): u32 {
  let n: u32 = 0;
  for (let e = outBegin(); e < outEnd(); e += SLOT) if (isRam(e) && oOff(e) != NONE) n += 10 + <u32>oLen(e);
  return n;
}

/**
 * True when a QoS 1/2 PUBLISH of `size` bytes bound for the RAM log is one persistPub() would
 * refuse without compacting it (ERR_QUEUE_FULL: the log is full of our messages awaiting acks):
 * `need`, a lower bound of what its append asks (the smaller record, R_PUB, and the 24 B reserve;
 * an R_PUBQ is longer), does not fit now, a message of ours has a record there (nRam > 0), and a
 * compaction could not make room for it (appendOnce's bound). Each test only fails sooner for a
 * longer record, so whatever outTally() would decide, persistPub() refuses it without compacting.
 */
export function ramRefuses(size: i32): bool {
  if (!ram) useTier(true); // (publish() asks only with a RAM log: inRam())
  let need = <u32>size + 34; // recordSize(4 + size) + 24, less 1 B for an odd size
  if (!dirty && writePos + need <= limit) return false;
  let live = ramLive();
  return live != 0 && HDR + live + need > groupSize;
}

/** Persists a small state record (payload u16 or u32 value) in the flash, or in the RAM log
 * (`r`); its offset, or NONE when it could not be written (counted in STAT_STORE_ERRORS, not fatal). */
export function persist(type: i32, v: u32, len: i32, r: bool = false): u32 {
  useTier(r);
  if (r ? !keepOk : groupSize == 0) return NONE;
  store<u32>(SREC, v);
  let o = appendOnce(type, SREC, len, 0, r);
  if (o >= 0) return <u32>o;
  bump(STAT_STORE_ERRORS);
  return NONE;
}

/** The session now belongs to identity `id` (set at CONNACK, after the old session's state is dropped). */
export function setOwner(id: u32): void {
  owner = id;
  persist(R_OWNER, id, 4);
}

/** Payload bytes of the record of a `size`-byte PUBLISH: R_PUBQ adds pad + mark. */
@inline function pubRecLen(size: i32, queued: bool): i32 { return queued ? 6 + ((size + 1) & ~1) : 4 + size; }

/**
 * Persists a PUBLISH of `size` bytes at p + 4 (p: its 4-byte prefix [pid][qos][0]; 7 writable
 * bytes after the packet); call outTally() first (the room check counts its outBytes). `queued`: it is not being sent now (R_PUBQ, "sent" mark erased);
 * otherwise it goes into the TX buffer right after this call (R_PUB). `toRam`: into the RAM log
 * when it has room (the flash otherwise). Record offset (KEEP bit set: in the RAM log) or an error.
 */
export function persistPub(p: usize, size: i32, queued: bool, toRam: bool): i32 {
  let len = pubRecLen(size, queued);
  if (queued) {
    store<u8>(p + 3, <u8>(size & 1)); // pad bytes before the mark (keeps the mark half-word aligned)
    // the pad byte (an odd size's; the CRC covers it) 0xFF as storeAppend pads, not whatever the
    // staging buffer held there, then the mark: the same store image for the same traffic
    store<u32>(p + 4 + <usize>size, 0xffffffff);
  }
  let type = queued ? R_PUBQ : R_PUB;
  if (toRam && keepOk) {
    // room for the two state records its ack appends before its bytes can go (as RESERVE)
    let r = appendOnce(type, p, len, 24, true);
    if (r >= 0) return r;
    // Full while messages of ours are in it: their acks will make room, so the publish waits
    // (ERR_QUEUE_FULL, as a full window would) instead of writing the flash: a burst on a
    // healthy link costs the flash nothing. Only a message no ack can make room for (the RAM
    // log holds none of ours) goes to the flash.
    if (nRam > 0) return ERR_QUEUE_FULL;
  }
  useTier(false);
  if (groupSize == 0) return ERR_NO_STORE;
  // Refuse early when even a compacted group could not hold it: no compaction that cannot help.
  if (flashRefuses(recordSize(len))) return ERR_QUEUE_FULL;
  let r = appendOnce(type, p, len, RESERVE, false);
  return r == ERR_STORE_IO ? r : r < 0 ? ERR_QUEUE_FULL : r;
}

/**
 * Copies entry e from the RAM log to the flash ("spill": unacked for CFG_SPILL_MS, or the link
 * is down), then retires the RAM copy. The record is copied as it is (its "sent" mark too), and
 * the flash copy comes first: a reset in between finds both, and sessionLoad() takes the flash's.
 * Nothing happens (the entry stays in RAM, tried again later) when a compacted flash group
 * could not hold it: no compaction that cannot help.
 */
export function spill(e: usize): void {
  let off = oOff(e);
  let pid = oPid(e);
  if (off == NONE) { // past PUBREC: only the PUBREL is owed
    if (persist(R_REL, pid, 2) == NONE) return;
  } else {
    useTier(false);
    outTally();
    let size = recordSize(pubRecLen(oLen(e), (oFlags(e) & F_QREC) != 0));
    if (flashRefuses(size)) return; // (also with no flash store: groupSize 0)
    let r = compactCopy(off);
    if (r < 0 && compact() == 0) r = compactCopy(off); // (a torn record ends the log: compact first)
    if (r < 0) return;
    setOff(e, <u32>r);
  }
  // a flash entry before the RAM log's record: a compaction inside that append must not copy it back
  setFlags(e, oFlags(e) & ~F_RAM);
  if (off == NONE) persist(R_REL_GONE, pid, 2, true);
  else deadMark(off); // (as dropPubBytes: the RAM copy retired in place)
}

/**
 * Entry e goes on the wire for the first time: if its record is an R_PUBQ with the mark still
 * erased, programs the mark (one half-word) BEFORE the bytes can leave, so a reset resends it
 * with DUP=1. A failed program is counted in STAT_STORE_ERRORS.
 */
export function markFirstSend(e: usize): void {
  let f = oFlags(e);
  if ((f & F_MARK) == 0) return;
  setFlags(e, f & ~F_MARK);
  if (storeMark(oOff(e) + 8 + <u32>((oLen(e) + 1) & ~1)) != 0) bump(STAT_STORE_ERRORS);
}

/** Persists the config blob as a new R_CONFIG record. */
export function persistConfig(): i32 {
  let r = persistBlob(R_CONFIG, CFG, CONFIG_BYTES);
  if (r < 0) return r;
  cfgOff = <u32>r;
  return 0;
}

/** Persists an app's settings blob [p, p+len) as a new R_APP record (4 writable bytes on each
 * side of it, as storeAppend needs); the previous one becomes garbage. */
export function persistApp(p: usize, len: i32): i32 {
  let r = persistBlob(R_APP, p, len);
  if (r < 0) return r;
  appOff = <u32>r;
  appLen = len;
  return 0;
}

/** A blob record in the flash: its offset, or an error. */
function persistBlob(type: i32, p: usize, len: i32): i32 {
  useTier(false);
  return groupSize == 0 ? ERR_NO_STORE : appendOnce(type, p, len, 0, false);
}

/** True when a compacted flash group could not hold a `size`-byte record and RESERVE besides the
 * live set (what compact() would write; the outgoing entries' share as of the last outTally()). */
function flashRefuses(size: u32): bool {
  let n: u32 = HDR + 8 + 10 * <u32>inN + outBytes + size + RESERVE; // header, R_PID, R_INQ2M records, outgoing records
  if (cfgOff != NONE) n += recordSize(CONFIG_BYTES);
  if (appOff != NONE) n += recordSize(appLen);
  if (owner != NONE) n += 10;
  return n > groupSize;
}

/** compact(): appends a small record (payload v: 2 or 4 bytes) from CREC, never SREC. */
function appendSmall(type: i32, v: u32, len: i32): i32 {
  store<u32>(CREC, v);
  return storeAppend(type, CREC, len, 0);
}

/**
 * Ping-pong compaction of the selected tier (useTier): writes its live set (the flash: latest
 * config, next packet id, owner; both: every outgoing R_PUB still needed and R_REL for QoS 2 past
 * PUBREC of the entries it holds, the incoming QoS 2 ids when they are its) into the other group
 * and then commits it. On failure the old group stays active and nothing in RAM changes.
 */
export function compact(): i32 {
  if (compactBegin() != 0) { compactAbort(); return ERR_STORE_IO; }
  let r = 0;
  let newCfg = cfgOff;
  let newApp = appOff;
  if (!ram) {
    if (cfgOff != NONE) { r = compactCopy(cfgOff); if (r >= 0) newCfg = <u32>r; }
    if (r >= 0 && appOff != NONE) { r = compactCopy(appOff); if (r >= 0) newApp = <u32>r; }
    if (r >= 0) r = appendSmall(R_PID, nextPid, 2);
    if (r >= 0 && owner != NONE) r = appendSmall(R_OWNER, owner, 4);
  }
  for (let e = outBegin(); e < outEnd() && r >= 0; e += SLOT) {
    let s = oState(e);
    let n = newOffAt(e);
    store<u32>(n, oOff(e));
    if (isRam(e) != ram) continue; // (a free slot has no offset: nothing is copied for it)
    if (s == S_REL_QUEUED || s == S_REL_SENT) r = appendSmall(R_REL, oPid(e), 2);
    else if (oOff(e) != NONE) {
      r = compactCopy(oOff(e));
      if (r >= 0) store<u32>(n, <u32>r);
    }
  }
  for (let i = 0; i < inN && r >= 0 && ram == inRam(); i++) {
    let m = inMark(i);
    // a delivered run in one record; an id not (known to be) delivered keeps its mark
    r = m == MARK_DONE ? appendSmall(R_INQ2_RUN, load<u32>(inAt(i)), 4)
      : appendSmall(R_INQ2M, <u32>inLo(i) | <u32>m << 16, 4);
  }
  if (r >= 0) r = compactCommit();
  if (r < 0) { compactAbort(); return r; }
  cfgOff = newCfg;
  appOff = newApp;
  for (let e = outBegin(); e < outEnd(); e += SLOT) setOff(e, load<u32>(newOffAt(e))); // (a free slot's cell holds its offset)
  newOff = NONE; // inAdd's record was copied: inDelivered appends a marked one instead
  return 0;
}

/**
 * Rebuilds the session (start()) from the flash's log, then from the RAM log when its header is
 * valid (a reset; after a power cut it is noise and gets formatted); compacts a torn log.
 */
export function sessionLoad(): void {
  outHi = OUT;
  outLo = OUT;
  nUsed = 0;
  inN = 0;
  cfgOff = NONE;
  appOff = NONE;
  owner = NONE;
  if (groupSize != 0) replay();
  useTier(true);
  keepOk = storeInit() == 0;
  if (keepOk) replay();
  useTier(false);
}

/** Replays the selected tier's log. In the RAM log, a record about a packet id that the flash
 * holds is a copy that was spilled: the flash's counts. */
function replay(): void {
  let ok = storeFirst();
  while (ok) {
    let t = recType;
    let marked = (t & MARKED) != 0; // only R_PUBQ and R_INQ2M are written with the bit
    let v: i32 = 0;
    if (t != R_CONFIG && recLen >= 2) { storeReadPayload(recOff, 0, SREC, 4); v = <i32>load<u16>(SREC); }
    switch (t & ~MARKED) {
      case R_CONFIG: cfgOff = recOff; break;
      case R_APP: appOff = recOff; appLen = recLen; break;
      case R_PUB: {
        if (recLen <= (marked ? 8 : 4)) break;
        let qos = <i32>load<u8>(SREC + 2);
        let len = recLen - 4;
        let f = F_SENT; // an R_PUB was written as it was sent
        if (marked) {
          len -= 2 + <i32>load<u8>(SREC + 3);
          storeReadPayload(recOff, recLen - 2, SREC, 2);
          // mark 0xFFFF: never sent. Programmed or torn: the bytes may have left (DUP=1).
          f = load<u16>(SREC) == 0xffff ? F_QREC | F_MARK : F_QREC | F_SENT;
        }
        if (qos > 0 && other(v)) break;
        outAdd(recOff, v, len, qos, S_QUEUED, ram ? f | F_RAM : f);
        if (qos > 0) nextPid = v == 65535 ? 1 : v + 1;
        break;
      }
      case R_PUB_GONE: {
        let off = load<u32>(SREC);
        for (let e = outBegin(); e < outEnd(); e += SLOT) if (oOff(e) == off) outFree(e); // (a free slot's offset is NONE)
        break;
      }
      case R_REL: {
        if (other(v)) break;
        let e = outFind(v);
        if (e != 0) { setState(e, S_REL_QUEUED); setOff(e, NONE); }
        else outAdd(NONE, v, 4, 2, S_REL_QUEUED, ram ? F_RAM : 0);
        break;
      }
      case R_REL_GONE: {
        let e = outFind(v);
        if (e != 0 && !other(v) && oState(e) >= S_REL_QUEUED) outFree(e);
        break;
      }
      case R_INQ2: inPut(v, marked ? <i32>load<u16>(SREC + 2) : MARK_DONE); break;
      case R_INQ2_GONE: inRemove(v); break;
      case R_INQ2_RUN: if (!inFull()) inSet(inN++, v, <i32>load<u16>(SREC + 2), MARK_DONE); break; // (only compact() writes them: first in a group, disjoint)
      case R_INQ2_NONE: inClear(); break;
      case R_PID: if (v > 0) nextPid = v; break;
      case R_OWNER: {
        // a new owner: what was sent before went to another session, so it is new to this one
        let id = load<u32>(SREC);
        if (owner != NONE && id != owner) outUnsend();
        owner = id;
      }
    }
    ok = storeNext();
  }
  if (dirty) compact();
}

/** Replaying the RAM log: the id belongs to an entry the flash holds. */
function other(pid: i32): bool {
  let e = outFind(pid);
  return ram && e != 0 && !isRam(e);
}

/** Drops the PUBLISH bytes of entry e from the store's live set. */
export function dropPubBytes(e: usize): void {
  let off = oOff(e);
  if (off == NONE) return;
  setOff(e, NONE);
  // the flash: an R_PUB_GONE record; the RAM log, whose bytes can be rewritten: the record itself
  // becomes DEAD (one half-word: no append, no CRC, no room taken; a reset cannot tear a store of
  // the type byte further)
  if ((off & KEEP) == 0) persist(R_PUB_GONE, off, 4);
  else deadMark(off);
}
/** Makes the RAM-log record at `off` DEAD (store.ts); a failed store is counted in STAT_STORE_ERRORS. */
function deadMark(off: u32): void { if (storeMark(off) != 0) bump(STAT_STORE_ERRORS); }

export function readPub(e: usize, dst: usize): i32 { return storeReadPayload(oOff(e), 4, dst, oLen(e)); }
