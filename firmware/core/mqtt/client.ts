// The MQTT client: connection state machine, keepalive, reconnect with backoff, incoming packet
// handling and the outgoing pump. All I/O is non-blocking; step() does a bounded amount of work.
//
// Connection states (ST_*):        event                      → next
//   IDLE              wq_connect()                             → TCP_CONNECTING (or BACKOFF on error)
//   BACKOFF           backoff delay elapsed                    → TCP_CONNECTING
//   TCP_CONNECTING    transport established                    → MQTT_CONNECTING (CONNECT sent)
//                     transport closed / timeout               → BACKOFF (CONNECT_FAILED)
//   MQTT_CONNECTING   CONNACK 0                                → CONNECTED (CONNECTED)
//                     CONNACK refused / timeout / bad packet   → BACKOFF (CONNECT_FAILED)
//   CONNECTED         link lost, keepalive, retries, bad packet→ BACKOFF (DISCONNECTED)
//   any               wq_disconnect()                          → IDLE (DISCONNECTED reason 0)
import * as A from "../api/abi";
import { millis, entropy, board_event } from "../api/board";
import { netConnect, netState, netSend, netRecv, netClose, NET_ESTABLISHED, NET_CLOSED } from "../net/transport";
import { consoleStep, consoleOnEvent } from "../app/console";
import { num, strPtr, strLen } from "../config";
import { frame, decodeFromBroker } from "./codec/decode";
import * as D from "./codec/packet";
import { encodeConnect } from "./codec/connect";
import { encodePublish, publishSize } from "./codec/publish";
import { encodeSubscribe } from "./codec/subscribe";
import { encodeUnsubscribe } from "./codec/unsubscribe";
import { encodeEmpty } from "./codec/empty";
import { putU16, getU16, varintLen, encodePidPacket } from "./wire";
import { checkTopicName, checkFilter, topicMatches } from "./topic";
import * as S from "./session";

// ---- static buffers ----
/** Staging buffer: 16 bytes of header room before it, 8 after (packets are built in place). */
const STAGING: usize = memory.data(16 + A.STAGING_SIZE + 8);
export const BUF: usize = STAGING + 16;
/** Receive buffer with 8 bytes of room before it (MESSAGE records are built in place). */
const RXB: usize = memory.data(8 + A.PACKET_MAX) + 8;
const TX_SIZE: i32 = A.PACKET_MAX + 256;
const TXB: usize = memory.data(TX_SIZE);
const EVB: usize = memory.data(16);
/** Subscriptions: [u8 len][u8 requested QoS][u8 granted (0xFF pending, 0x80 refused)][u8 index in its
 * SUBSCRIBE][u16 pid][filter bytes]. len 0 = free slot. */
const SUB_STRIDE: i32 = 6 + A.FILTER_MAX;
const SUBS: usize = memory.data(A.SUB_SLOTS * (6 + A.FILTER_MAX));

let rxLen: i32 = 0;
let txLen: i32 = 0;

// ---- client state ----
export let started: bool = false;
let state: i32 = 0; // A.ST_IDLE
let wantOnline: bool = false;
let stateAt: u32 = 0;
let backoffMs: u32 = 0;
let attempt: i32 = 0;
let everConnected: bool = false;
let lastTx: u32 = 0;
let lastRx: u32 = 0;
let pingOut: bool = false;
let pingAt: u32 = 0;
let now: u32 = 0;
let lastConnackRc: i32 = 0xff;
/** Bumped whenever the link is dropped: lets loops notice a drop made from inside an event
 * handler (e.g. the host calling wq_disconnect() while handling a MESSAGE). */
let linkEpoch: i32 = 0;

// ---- stats ----
let txPackets: i32 = 0;
let rxPackets: i32 = 0;
let retransmits: i32 = 0;
let reconnects: i32 = 0;
let protoErrors: i32 = 0;
let lastError: i32 = 0;
let dupsCount: i32 = 0;

export function clientState(): i32 { return state; }
export function dupsSuppressed(): i32 { return dupsCount; }

// ---- events ----
function emit(kind: i32, p: usize, len: i32): void {
  board_event(kind, p, len);
  consoleOnEvent(kind, p, len);
}

export function emitError(code: i32, ptype: i32, detail: i32): void {
  lastError = code;
  store<i32>(EVB, code);
  store<u8>(EVB + 4, <u8>ptype);
  store<u8>(EVB + 5, 0);
  store<u16>(EVB + 6, <u16>detail);
  emit(A.EV_ERROR, EVB, 8);
}

/** EV_TRACE for the packet at p (already framed or encoded by us). */
function trace(dir: i32, p: usize, total: i32): void {
  if (num(A.CFG_TRACE) == 0) return;
  let first = <i32>load<u8>(p);
  let type = first >> 4;
  let hl = 1;
  while ((load<u8>(p + hl) & 0x80) != 0) hl++;
  hl++;
  let pid = 0;
  let extra = 0;
  if (type == 3) {
    if ((first & 6) != 0) pid = getU16(p + hl + 2 + getU16(p + hl));
  } else if (type >= 4 && type <= 11) pid = getU16(p + hl);
  if (type == 2) extra = <i32>load<u8>(p + 3);
  if (type == 9) extra = total - hl - 2;
  store<u8>(EVB, <u8>dir);
  store<u8>(EVB + 1, <u8>type);
  store<u8>(EVB + 2, <u8>(first & 15));
  store<u8>(EVB + 3, <u8>extra);
  store<u16>(EVB + 4, <u16>pid);
  store<u16>(EVB + 6, <u16>total);
  emit(A.EV_TRACE, EVB, 8);
}

// ---- TX ----
function txRoom(): i32 { return TX_SIZE - txLen; }

/** Commits `len` bytes just encoded at TXB + txLen as one packet. */
function txCommit(len: i32): void {
  trace(0, TXB + txLen, len);
  txLen += len;
  txPackets++;
}

/** Sends what the transport accepts; false when the connection is gone. */
function flush(): bool {
  if (txLen == 0) return true;
  let n = netSend(TXB, txLen);
  if (n < 0) return false;
  if (n > 0) {
    lastTx = now;
    txLen -= n;
    if (txLen > 0) memory.copy(TXB, TXB + n, txLen);
  }
  return true;
}

function sendAck(type: i32, pid: i32): void {
  // PUBACK/PUBREC/PUBCOMP have flags 0, PUBREL 0b0010 (§3.6.1); all are header + packet id
  txCommit(encodePidPacket(TXB + txLen, (type << 4) | (type == A.PT_PUBREL ? 2 : 0), pid));
}

// ---- connection lifecycle ----
function enterBackoff(): void {
  state = A.ST_BACKOFF;
  stateAt = now;
  let lo = num(A.CFG_BACKOFF_MIN_MS);
  let hi = num(A.CFG_BACKOFF_MAX_MS);
  let d: u32 = lo << <u32>(attempt < 16 ? attempt : 16);
  if (d > hi || d < lo) d = hi;
  backoffMs = d + entropy() % (d / 4 + 1); // jitter up to +25 %
  attempt++;
}

/**
 * Ends the connection (reason < 0: an error; 0: wq_disconnect). Session state is kept: every
 * in-flight message is sent again on the next connection.
 */
export function dropLink(reason: i32): void {
  let was = state;
  linkEpoch++;
  netClose();
  txLen = 0;
  rxLen = 0;
  pingOut = false;
  S.outLinkLost();
  S.reqClear();
  if (reason != 0) lastError = reason;
  store<i32>(EVB, reason);
  if (was == A.ST_CONNECTED || reason == 0) emit(A.EV_DISCONNECTED, EVB, 4);
  else {
    store<u8>(EVB + 4, <u8>(reason == A.ERR_CONNACK_REFUSED ? lastConnackRc : 0xff));
    emit(A.EV_CONNECT_FAILED, EVB, 5);
  }
  if (wantOnline) enterBackoff();
  else state = A.ST_IDLE;
}

/** A protocol error: counted, reported as EV_ERROR, then the link is dropped. Returns false. */
function protoFail(code: i32, ptype: i32, detail: i32): bool {
  protoErrors++;
  emitError(code, ptype, detail);
  dropLink(code);
  return false;
}

/** dropLink() for step()/timers(): returns 0 (run again at once). */
function dropNow(reason: i32): i32 { dropLink(reason); return 0; }

function beginConnect(): void {
  if (everConnected || attempt > 0) reconnects++;
  stateAt = now;
  if (netConnect(num(A.CFG_BROKER_IP), <i32>num(A.CFG_BROKER_PORT)) < 0) {
    state = A.ST_TCP_CONNECTING;
    dropLink(A.ERR_TCP_FAILED);
    return;
  }
  state = A.ST_TCP_CONNECTING;
}

function sendConnect(): void {
  txLen = 0;
  rxLen = 0;
  let ul = strLen(A.CFG_USERNAME);
  let pl = strLen(A.CFG_PASSWORD);
  let wl = strLen(A.CFG_WILL_TOPIC);
  let n = encodeConnect(TXB, strPtr(A.CFG_CLIENT_ID), strLen(A.CFG_CLIENT_ID),
    strPtr(A.CFG_USERNAME), ul > 0 ? ul : -1,
    strPtr(A.CFG_PASSWORD), pl > 0 && ul > 0 ? pl : -1,
    strPtr(A.CFG_WILL_TOPIC), wl > 0 ? wl : -1,
    strPtr(A.CFG_WILL_PAYLOAD), strLen(A.CFG_WILL_PAYLOAD),
    <i32>num(A.CFG_WILL_FLAGS), <i32>num(A.CFG_CLEAN_SESSION), <i32>num(A.CFG_KEEPALIVE_S));
  txCommit(n);
  state = A.ST_MQTT_CONNECTING;
  stateAt = now;
  lastRx = now;
}

export function connect(): i32 {
  if (!started) return A.ERR_NOT_STARTED;
  wantOnline = true;
  if (state == A.ST_IDLE) { now = millis(); attempt = 0; beginConnect(); }
  return 0;
}

export function disconnect(): i32 {
  if (!started) return A.ERR_NOT_STARTED;
  wantOnline = false;
  if (state == A.ST_CONNECTED) {
    now = millis();
    if (txRoom() >= 2) txCommit(encodeEmpty(TXB + txLen, A.PT_DISCONNECT));
    flush();
  }
  if (state != A.ST_IDLE) dropLink(0);
  return 0;
}

// ---- subscriptions ----
function subAt(i: i32): usize { return SUBS + <usize>(i * SUB_STRIDE); }

/** Slot holding filter [f, f+len), or -1; len 0 finds the first free slot. */
function subFind(f: usize, len: i32): i32 {
  for (let i = 0; i < A.SUB_SLOTS; i++) {
    let s = subAt(i);
    if (<i32>load<u8>(s) == len && memory.compare(s + 6, f, len) == 0) return i;
  }
  return -1;
}

/** Index of the first granted subscription matching topic [t, t+len), or 0xFF. */
function subRoute(t: usize, len: i32): i32 {
  for (let i = 0; i < A.SUB_SLOTS; i++) {
    let s = subAt(i);
    let fl = <i32>load<u8>(s);
    if (fl != 0 && load<u8>(s + 2) != 0x80 && topicMatches(s + 6, fl, t, len)) return i;
  }
  return 0xff;
}

/** After CONNACK: subscribe again to everything (no session at the broker) or to what is pending. */
function resubscribe(all: bool): void {
  let listLen = 0;
  let n = 0;
  for (let i = 0; i < A.SUB_SLOTS; i++) {
    let s = subAt(i);
    let fl = <i32>load<u8>(s);
    if (fl == 0 || (!all && load<u8>(s + 2) != 0xff)) continue;
    listLen += 3 + fl;
    n++;
  }
  if (n == 0 || txRoom() < listLen + 8) return;
  let pid = S.allocPid();
  let p = TXB + txLen + 1 + <usize>varintLen(2 + listLen) + 2;
  let k = 0;
  for (let i = 0; i < A.SUB_SLOTS; i++) {
    let s = subAt(i);
    let fl = <i32>load<u8>(s);
    if (fl == 0 || (!all && load<u8>(s + 2) != 0xff)) continue;
    p = putU16(p, fl);
    memory.copy(p, s + 6, fl);
    p += fl;
    store<u8>(p++, load<u8>(s + 1));
    store<u8>(s + 2, 0xff);
    store<u8>(s + 3, <u8>k);
    k++;
    store<u16>(s + 4, <u16>pid);
  }
  let hl = 1 + varintLen(2 + listLen);
  txCommit(encodeSubscribe(TXB + txLen, pid, TXB + txLen + hl + 2, listLen));
  S.reqAdd(pid, A.PT_SUBSCRIBE);
}

/** Validates a staged filter list; returns its byte length or an error. */
function parseList(count: i32, withQos: bool): i32 {
  if (count < 1 || count > A.SUB_SLOTS) return A.ERR_ARG;
  let p = BUF;
  let end = BUF + A.STAGING_SIZE;
  for (let i = 0; i < count; i++) {
    if (p + 2 > end) return A.ERR_ARG;
    let fl = getU16(p);
    if (p + 2 + fl + (withQos ? 1 : 0) > end) return A.ERR_ARG;
    if (checkFilter(p + 2, fl) < 0) return A.ERR_TOPIC;
    if (fl > A.FILTER_MAX) return A.ERR_TOO_BIG;
    p += 2 + fl;
    if (withQos) { if (load<u8>(p) > 2) return A.ERR_ARG; p++; }
  }
  return <i32>(p - BUF);
}

export function subscribe(count: i32, unsub: bool): i32 {
  if (!started) return A.ERR_NOT_STARTED;
  let listLen = parseList(count, !unsub);
  if (listLen < 0) return listLen;
  if (state != A.ST_CONNECTED) return A.ERR_NOT_CONNECTED;
  if (S.reqFreeSlots() == 0) return A.ERR_BUSY;
  let size = 1 + varintLen(2 + listLen) + 2 + listLen;
  if (size > A.PACKET_MAX) return A.ERR_TOO_BIG;
  if (txRoom() < size) return A.ERR_BUSY;
  if (!unsub) {
    // every new filter needs a routing slot
    let need = 0;
    let p = BUF;
    for (let i = 0; i < count; i++) {
      let fl = getU16(p);
      if (subFind(p + 2, fl) < 0) need++;
      p += 3 + fl;
    }
    let free = 0;
    for (let i = 0; i < A.SUB_SLOTS; i++) if (load<u8>(subAt(i)) == 0) free++;
    if (need > free) return A.ERR_BUSY;
  }
  let pid = S.allocPid();
  let p = BUF;
  for (let i = 0; i < count; i++) {
    let fl = getU16(p);
    let k = subFind(p + 2, fl);
    if (unsub) {
      if (k >= 0) store<u8>(subAt(k), 0);
      p += 2 + fl;
      continue;
    }
    if (k < 0) k = subFind(0, 0); // a free slot (counted above)
    let s = subAt(k);
    store<u8>(s, <u8>fl);
    store<u8>(s + 1, load<u8>(p + 2 + fl));
    store<u8>(s + 2, 0xff);
    store<u8>(s + 3, <u8>i);
    store<u16>(s + 4, <u16>pid);
    memory.copy(s + 6, p + 2, fl);
    p += 3 + fl;
  }
  let hl = 1 + varintLen(2 + listLen);
  let dst = BUF - 2 - hl;
  let n = unsub ? encodeUnsubscribe(dst, pid, BUF, listLen) : encodeSubscribe(dst, pid, BUF, listLen);
  memory.copy(TXB + txLen, dst, n);
  txCommit(n);
  S.reqAdd(pid, unsub ? A.PT_UNSUBSCRIBE : A.PT_SUBSCRIBE);
  return pid;
}

// ---- publish ----
/**
 * Publishes topic BUF[0..tlen) with payload BUF[tlen..tlen+plen). QoS 1/2 (and QoS 0 that cannot
 * go out now) is first written to the store, so nothing accepted is ever lost; returns the packet
 * id (0 for QoS 0) or ERR_ARG / ERR_TOPIC / ERR_TOO_BIG / ERR_QUEUE_FULL / ERR_STORE_IO.
 * The staging buffer's contents are consumed (rewritten) by the call.
 */
export function publish(tlen: i32, plen: i32, flags: i32): i32 {
  if (!started) return A.ERR_NOT_STARTED;
  let qos = flags & 3;
  if ((flags & ~7) != 0 || qos == 3 || tlen <= 0 || plen < 0 || tlen + plen > A.STAGING_SIZE) return A.ERR_ARG;
  if (checkTopicName(BUF, tlen) < 0) return A.ERR_TOPIC;
  let size = publishSize(tlen, plen, qos);
  if (size > A.PACKET_MAX) return A.ERR_TOO_BIG;
  let f = (qos << 1) | ((flags >> 2) & 1);
  let online = state == A.ST_CONNECTED && !S.anyQueued();
  if (qos == 0 && online && txRoom() >= size) {
    encodePublish(TXB + txLen, f, BUF, tlen, 0, BUF + tlen, plen);
    txCommit(size);
    return 0;
  }
  if (S.outFreeSlots() == 0) return A.ERR_QUEUE_FULL;
  let pid = qos > 0 ? S.allocPid() : 0;
  let rl = 2 + tlen + (qos > 0 ? 2 : 0) + plen;
  let dst = BUF - 2 - (qos > 0 ? 2 : 0) - (size - rl); // header room: the packet is built in place
  encodePublish(dst, f, BUF, tlen, pid, BUF + tlen, plen);
  store<u16>(dst - 4, <u16>pid);
  store<u8>(dst - 2, <u8>qos);
  store<u8>(dst - 1, 0);
  let off = S.persistPub(dst - 4, size + 4);
  if (off < 0) { if (qos > 0) S.setNextPid(pid); return off; }
  let i = S.outAdd(<u32>off, pid, size, qos, S.S_QUEUED, 0);
  if (qos > 0 && online && S.inflightCount() < <i32>num(A.CFG_WINDOW) && txRoom() >= size) {
    // nothing ahead of it and the window is open: send from the staging copy right away
    S.markSent(i, S.S_QUEUED, 1, millis()); // -> S_PUB_SENT
    memory.copy(TXB + txLen, dst, size);
    txCommit(size);
  }
  return pid;
}

/** Sends queued PUBLISH/PUBREL packets in creation order while the window and TX room allow. */
function pump(): void {
  let window = <i32>num(A.CFG_WINDOW);
  let inflight = S.inflightCount();
  for (let i = 0; i < S.outN; i++) {
    let st = S.oState(i);
    if (st == S.S_QUEUED) {
      let qos = S.oQos(i);
      let fl = S.oFlags(i);
      let resend = (fl & 1) != 0;
      if (qos > 0 && !resend && inflight >= window) break;
      let len = S.oLen(i);
      if (txRoom() < len) break;
      let p = TXB + txLen;
      if (S.readPub(i, p) < 0) { emitError(A.ERR_STORE_IO, A.PT_PUBLISH, S.oPid(i)); S.outFree(i); continue; }
      if (qos > 0 && resend) { store<u8>(p, load<u8>(p) | 8); retransmits++; }
      txCommit(len);
      if (qos == 0) { S.dropPubBytes(i); S.outFree(i); continue; }
      if (!resend) inflight++;
      S.markSent(i, st, fl | 1, now);
    } else if (st == S.S_REL_QUEUED) {
      if (txRoom() < 4) break;
      let fl = S.oFlags(i);
      if ((fl & 2) != 0) retransmits++;
      sendAck(A.PT_PUBREL, S.oPid(i));
      S.markSent(i, st, fl | 2, now);
    }
  }
}

/** An ack for an outgoing message (PUBACK, PUBREC or PUBCOMP). */
function onOutAck(type: i32, pid: i32): void {
  let i = S.outFind(pid);
  if (type == A.PT_PUBREC && (i < 0 || S.oQos(i) != 2)) { sendAck(A.PT_PUBREL, pid); return; } // unknown: release it anyway
  if (i < 0) return;
  let qos = S.oQos(i);
  let ev = type == A.PT_PUBACK ? S.E_PUBACK : type == A.PT_PUBREC ? S.E_PUBREC : S.E_PUBCOMP;
  if ((ev == S.E_PUBACK) != (qos == 1)) return; // an ack of the wrong kind for this QoS: ignore
  let st = S.oState(i);
  let next = S.transition(st, ev);
  if (next < 0) return;
  if (next == S.S_FREE) {
    if (qos == 1) S.dropPubBytes(i);
    else S.persist(S.R_REL_GONE, pid, 2);
    S.outFree(i);
    store<u16>(EVB, <u16>pid);
    store<u8>(EVB + 2, <u8>qos);
    emit(A.EV_PUBLISH_DONE, EVB, 3);
    return;
  }
  if (st < S.S_REL_QUEUED) {
    // PUBREC: owe PUBREL from now on, never the PUBLISH again (REL persisted before the bytes go)
    S.persist(S.R_REL, pid, 2);
    S.dropPubBytes(i);
  }
  S.setState(i, next);
  S.setRetries(i, 0);
  S.setFlags(i, S.oFlags(i) & ~2);
}

/** Incoming PUBLISH at p: deliver (once for QoS 2) and acknowledge after delivery. */
function onPublish(p: usize): void {
  let qos = D.dQos;
  let pid = D.dPid;
  if (qos == 2 && S.inHas(pid)) { dupsCount++; sendAck(A.PT_PUBREC, pid); return; }
  if (qos == 2 && S.inN == A.IN_QOS2_SLOTS) { emitError(A.ERR_QUEUE_FULL, A.PT_PUBLISH, pid); return; } // no PUBREC: the broker resends later
  let t = D.dA;
  let tlen = D.dALen;
  let plen = D.dBLen;
  let sub = subRoute(t, tlen);
  if (qos > 0) { memory.copy(t + 2, t, tlen); t += 2; }
  let rec = t - 8;
  store<u8>(rec, <u8>(qos | ((D.dFlags & 1) << 2) | (D.dFlags & 8)));
  store<u8>(rec + 1, <u8>sub);
  store<u16>(rec + 2, <u16>pid);
  store<u16>(rec + 4, <u16>tlen);
  store<u16>(rec + 6, <u16>plen);
  emit(A.EV_MESSAGE, rec, 8 + tlen + plen);
  if (qos == 1) sendAck(A.PT_PUBACK, pid);
  else if (qos == 2) {
    S.inAdd(pid);
    S.persist(S.R_INQ2, pid, 2);
    sendAck(A.PT_PUBREC, pid);
  }
}

function onConnack(): void {
  if (D.dCode != 0) {
    lastConnackRc = D.dCode;
    dropLink(A.ERR_CONNACK_REFUSED);
    return;
  }
  let sp = D.dExtra;
  state = A.ST_CONNECTED;
  attempt = 0;
  everConnected = true;
  if (sp == 0) {
    // the broker has no session: incoming QoS 2 ids are stale
    for (let i = 0; i < S.inN; i++) S.persist(S.R_INQ2_GONE, load<u16>(S.INQ2 + (<usize>i << 1)), 2);
    S.inClear();
  }
  store<u8>(EVB, <u8>sp);
  emit(A.EV_CONNECTED, EVB, 1);
  if (state == A.ST_CONNECTED) resubscribe(sp == 0);
}

/** Handles one framed packet; false when the connection was dropped. */
function onPacket(p: usize, total: i32): bool {
  let type = decodeFromBroker(p, total);
  rxPackets++;
  lastRx = now;
  pingOut = false;
  if (type < 0) {
    return protoFail(type, <i32>(load<u8>(p) >> 4), D.dErrAt);
  }
  trace(1, p, total);
  if (state == A.ST_MQTT_CONNECTING) {
    if (type != A.PT_CONNACK) return protoFail(A.ERR_UNEXPECTED, type, 0);
    onConnack();
    return state == A.ST_CONNECTED;
  }
  switch (type) {
    case A.PT_PUBLISH: onPublish(p); break;
    case A.PT_PUBACK: case A.PT_PUBREC: case A.PT_PUBCOMP: onOutAck(type, D.dPid); break;
    case A.PT_PUBREL: {
      if (S.inRemove(D.dPid)) S.persist(S.R_INQ2_GONE, D.dPid, 2);
      sendAck(A.PT_PUBCOMP, D.dPid); // also for an unknown id (§4.3.3)
      break;
    }
    case A.PT_SUBACK: {
      let pid = D.dPid;
      if (!S.reqTake(pid, A.PT_SUBSCRIBE)) break;
      let codes = D.dA;
      let n = D.dCount;
      for (let i = 0; i < A.SUB_SLOTS; i++) {
        let s = subAt(i);
        if (load<u8>(s) == 0 || <i32>load<u16>(s + 4) != pid) continue;
        let k = <i32>load<u8>(s + 3);
        let g = k < n ? load<u8>(codes + k) : <u8>0x80;
        if (g == 0x80) store<u8>(s, 0); else store<u8>(s + 2, g);
      }
      store<u16>(codes - 3, <u16>pid);
      store<u8>(codes - 1, <u8>n);
      emit(A.EV_SUBACK, codes - 3, 3 + n);
      break;
    }
    case A.PT_UNSUBACK: {
      if (!S.reqTake(D.dPid, A.PT_UNSUBSCRIBE)) break;
      store<u16>(EVB, <u16>D.dPid);
      emit(A.EV_UNSUBACK, EVB, 2);
      break;
    }
    case A.PT_PINGRESP: break;
    default: return protoFail(A.ERR_UNEXPECTED, type, 0);
  }
  return true;
}

/** Reads and handles what has arrived; false when the connection was dropped. */
let rxMore: bool = false;

function receive(): bool {
  rxMore = false;
  for (let round = 0; round < 8; round++) {
    let n = netRecv(RXB + rxLen, A.PACKET_MAX - rxLen);
    if (n < 0 && rxLen == 0) { dropLink(A.ERR_TCP_FAILED); return false; }
    if (n > 0) rxLen += n;
    let off = 0;
    while (off < rxLen && txRoom() >= 8) {
      let total = frame(RXB + off, rxLen - off);
      if (total < 0) return protoFail(total, <i32>(load<u8>(RXB + off) >> 4), 0);
      if (total == 0) break;
      let epoch = linkEpoch;
      if (!onPacket(RXB + off, total) || epoch != linkEpoch) return false;
      off += total;
    }
    if (off > 0) { rxLen -= off; memory.copy(RXB, RXB + off, rxLen); }
    if (n < 0) { dropLink(A.ERR_TCP_FAILED); return false; }
    if (n == 0 || txRoom() < 8) return true;
  }
  rxMore = true;
  return true;
}

function since(t: u32): i32 { return <i32>(now - t); }

/** Keepalive and retry timers; returns ms until the next deadline (or 60000). */
function timers(): i32 {
  let next = 60000;
  let ka = <i32>num(A.CFG_KEEPALIVE_S) * 1000;
  if (ka > 0) {
    if (pingOut) {
      let left = ka / 2 - since(pingAt);
      if (left <= 0) return dropNow(A.ERR_KEEPALIVE);
      next = left;
    } else {
      let left = min(ka - since(lastTx), ka - since(lastRx));
      if (left <= 0 && txRoom() >= 2) {
        txCommit(encodeEmpty(TXB + txLen, A.PT_PINGREQ));
        pingOut = true;
        pingAt = now;
        left = ka / 2;
      }
      next = max(left, 0);
    }
  }
  let retry = <i32>num(A.CFG_RETRY_MS);
  if (retry > 0) {
    let maxr = <i32>num(A.CFG_MAX_RETRIES);
    for (let i = 0; i < S.outN; i++) {
      let st = S.oState(i);
      if (st != S.S_PUB_SENT && st != S.S_REL_SENT) continue;
      let left = retry - since(S.oSent(i));
      if (left <= 0) {
        if (S.oRetries(i) >= maxr) return dropNow(A.ERR_RETRIES);
        S.setRetries(i, S.oRetries(i) + 1);
        S.setState(i, S.transition(st, S.E_RETRY));
        left = 0;
      }
      if (left < next) next = left;
    }
  }
  return next;
}

/** One scheduling round; returns ms until the core next needs to run. */
export function step(): i32 {
  if (!started) return 1000;
  consoleStep();
  now = millis();
  let wait = 1000;
  switch (state) {
    case A.ST_BACKOFF: {
      let left = <i32>backoffMs - since(stateAt);
      if (left > 0) return left;
      beginConnect();
      return 10;
    }
    case A.ST_TCP_CONNECTING: {
      let ns = netState();
      if (ns == NET_ESTABLISHED) { sendConnect(); break; }
      let left = <i32>num(A.CFG_TIMEOUT_MS) - since(stateAt);
      if (ns == NET_CLOSED) return dropNow(A.ERR_TCP_FAILED);
      if (left <= 0) return dropNow(A.ERR_TIMEOUT);
      return min(left, 10);
    }
    case A.ST_IDLE: return 1000;
  }
  // MQTT_CONNECTING or CONNECTED
  if (!receive()) return 0;
  if (state == A.ST_MQTT_CONNECTING) {
    let left = <i32>num(A.CFG_TIMEOUT_MS) - since(stateAt);
    if (left <= 0) return dropNow(A.ERR_TIMEOUT);
    wait = left;
  } else if (state == A.ST_CONNECTED) {
    wait = timers();
    if (state != A.ST_CONNECTED) return 0;
    pump();
  }
  if (!flush()) return dropNow(A.ERR_TCP_FAILED);
  if (txLen > 0) return 1;   // the transport is full: try again shortly
  if (rxMore) return 0;      // stopped reading with data still arriving
  if (state == A.ST_CONNECTED) {
    let window = <i32>num(A.CFG_WINDOW);
    let inflight = S.inflightCount();
    for (let i = 0; i < S.outN; i++) {
      let st = S.oState(i);
      if (st == S.S_REL_QUEUED) return 0;
      if (st == S.S_QUEUED && (S.oQos(i) == 0 || (S.oFlags(i) & 1) != 0 || inflight < window)) return 0;
    }
  }
  return wait;
}

export function start(): void {
  started = true;
  now = millis();
  state = A.ST_IDLE;
  txLen = 0;
  rxLen = 0;
  memory.fill(SUBS, 0, A.SUB_SLOTS * SUB_STRIDE);
  S.reqClear();
}

export function stat(key: i32): i32 {
  switch (key) {
    case A.STAT_STATE: return state;
    case A.STAT_INFLIGHT_OUT: return S.inflightCount();
    case A.STAT_QUEUED_OUT: return S.queuedCount();
    case A.STAT_INFLIGHT_IN: return S.inN;
    case A.STAT_NEXT_PID: return S.nextPid;
    case A.STAT_TX_PACKETS: return txPackets;
    case A.STAT_RX_PACKETS: return rxPackets;
    case A.STAT_RETRANSMITS: return retransmits;
    case A.STAT_RECONNECTS: return reconnects;
    case A.STAT_PROTOCOL_ERRORS: return protoErrors;
    case A.STAT_LAST_ERROR: return lastError;
  }
  return A.ERR_ARG;
}
