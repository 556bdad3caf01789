// Test entry (build/core/session-test.wasm): the session tables and their store log driven one
// client-level step at a time, for the store property test (test/core/store-property.test.ts).
// Each export does what client.ts does for that step, with the same session.ts calls. Not shipped.
import * as S from "./mqtt/session";
import { storeInit, compactions, crc16 } from "./store/store";

/** Packet scratch: the 4-byte record prefix, up to 512 packet bytes, 8 bytes of tail room. */
const PKT: usize = memory.data(4 + 512 + 8);

/** Finds the store and replays its log (start()). 0 or an error. */
export function open(): i32 {
  let r = storeInit();
  if (r == 0) S.sessionLoad();
  return r;
}

/** The entry (its slot address) for test id `id`, or 0. */
function find(id: i32): usize {
  for (let e = S.outBegin(); e < S.outEnd(); e += S.SLOT) if (S.oState(e) != S.S_FREE && S.oPid(e) == id) return e;
  return 0;
}

/** The test's packet bytes for id: byte k is (id + 7k) & 0xFF. */
function fill(p: usize, id: i32, size: i32): void {
  for (let k = 0; k < size; k++) store<u8>(p + <usize>k, <u8>(id + 7 * k));
}

/** publish(): a `size`-byte PUBLISH for `id` (QoS 0 entries carry a test id too) persisted and
 * queued; `now` = it goes on the wire at once (R_PUB), else it waits (R_PUBQ). Index or error. */
export function pub(id: i32, qos: i32, size: i32, now: i32): i32 {
  S.outTally();
  store<u16>(PKT, <u16>id);
  store<u16>(PKT + 2, <u16>qos);
  fill(PKT + 4, id, size);
  let off = S.persistPub(PKT, size, now == 0, false);
  if (off < 0) return off;
  let e = S.outAdd(<u32>off, id, size, qos, S.S_QUEUED, now == 0 ? S.F_QREC | S.F_MARK : 0);
  if (e == 0) return -1;
  if (now != 0) S.markSent(e, S.S_QUEUED, S.F_SENT, 0);
  return <i32>(e - S.OUT) >> 4;
}
/** pump(): a queued PUBLISH goes on the wire (its "sent" mark first). */
export function send(id: i32): void {
  let e = find(id);
  if (e == 0 || S.oState(e) != S.S_QUEUED) return;
  if (S.oQos(e) == 0) { S.dropPubBytes(e); S.outFree(e); return; }
  S.markFirstSend(e);
  S.markSent(e, S.S_QUEUED, S.oFlags(e) | S.F_SENT, 0);
}
/** PUBACK (QoS 1) or PUBCOMP (QoS 2 past PUBREC): complete(). */
export function done(id: i32): void {
  let e = find(id);
  if (e == 0) return;
  if (S.oQos(e) == 1) S.dropPubBytes(e);
  else if (S.oState(e) >= S.S_REL_QUEUED) S.persist(S.R_REL_GONE, id, 2);
  else return;
  S.outFree(e);
}
/** PUBREC for a QoS 2 PUBLISH: PUBREL owed from now on. */
export function pubrec(id: i32): void {
  let e = find(id);
  if (e == 0 || S.oQos(e) != 2 || S.oState(e) >= S.S_REL_QUEUED) return;
  S.persist(S.R_REL, id, 2);
  S.dropPubBytes(e);
  S.setState(e, S.S_REL_QUEUED);
}
/** An incoming QoS 2 PUBLISH delivered (onPublish): record, deliver, mark. -1 when it must wait. */
export function inMsg(id: i32): i32 {
  let i = S.inFind(id);
  if (i >= 0 && S.inMark(i) == S.MARK_DONE) return 0; // duplicate
  if (i < 0) { if (S.inFull()) return -1; S.inAdd(id); }
  S.inDelivered(S.inFind(id));
  return 1;
}
/** PUBREL received. */
export function inRel(id: i32): i32 {
  let r = S.inRemove(id);
  if (r > 0) S.persist(S.R_INQ2_GONE, id, 2);
  return r;
}
/** CONNACK without a session: every incoming id is stale. */
export function inNone(): void { if (S.inN > 0) { S.persist(S.R_INQ2_NONE, 0, 2); S.inClear(); } }
/** CONNACK under another (client id, broker): onConnack()'s "moved" path (newSession(), the
 * incoming ids dropped, then the new owner). */
export function owner(id: u32): void {
  if (S.owner == id) return;
  if (S.owner != 0xffffffff) {
    for (let e = S.outBegin(); e < S.outEnd(); e += S.SLOT) {
      let st = S.oState(e);
      if (st >= S.S_REL_QUEUED) { S.persist(S.R_REL_GONE, S.oPid(e), 2); S.outFree(e); }
      else if (st != S.S_FREE) S.setFlags(e, S.oFlags(e) & ~S.F_SENT);
    }
    inNone();
  }
  S.setOwner(id);
}
export function compact(): i32 { return S.compact(); }
/** The store's CRC-16 over `len` bytes the test put at pkt(), continuing from `crc` (-1 starts). */
export function crc(crc: i32, len: i32): i32 { return crc16(crc, PKT, len); }
export function pkt(): usize { return PKT; }
export function linkLost(): void { S.outLinkLost(); }
export function compactionCount(): i32 { return compactions; }

// ---- the live session, read back (entries by index: slot(i)) ----
export function outLo(): i32 { return <i32>(S.outBegin() - S.OUT) >> 4; }
export function outN(): i32 { return <i32>(S.outEnd() - S.OUT) >> 4; }
export function oPid(i: i32): i32 { return S.oPid(S.slot(i)); }
export function oQos(i: i32): i32 { return S.oQos(S.slot(i)); }
export function oState(i: i32): i32 { return S.oState(S.slot(i)); }
export function oFlags(i: i32): i32 { return S.oFlags(S.slot(i)); }
export function oLen(i: i32): i32 { return S.oLen(S.slot(i)); }
export function oOff(i: i32): u32 { return S.oOff(S.slot(i)); }
/** 1 when entry i's stored PUBLISH bytes are the ones pub() wrote, 0 when not, -1 on a read error. */
export function pubIntact(i: i32): i32 {
  let e = S.slot(i);
  let n = S.oLen(e);
  if (S.readPub(e, PKT) != 0) return -1;
  let id = S.oPid(e);
  for (let k = 0; k < n; k++) if (load<u8>(PKT + <usize>k) != <u8>(id + 7 * k)) return 0;
  return 1;
}
export function inN(): i32 { return S.inN; }
export function inLo(i: i32): i32 { return S.inLo(i); }
export function inHi(i: i32): i32 { return S.inHi(i); }
export function inMark(i: i32): i32 { return S.inMark(i); }
/** abort() (noAssert leaves only the runtime's own): a trap, like the shipped modules. */
export function sessionAbort(msg: string | null, file: string | null, line: u32, col: u32): void { unreachable(); }
