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
import { bump, setStat } from "../api/stats";
import {
  netConnect, netState, netSend, netRecv, netClose, netLinkPoll, netLinkChanged, netError, netTried, LINK_POLL_MS,
  NET_ESTABLISHED, NET_CLOSED,
} from "../net/transport";
import { appEvent } from "../api/app";
import { num, numOf, strPtr, strLen, spillMs, CONNECT_PAYLOAD_MAX } from "../config";
import { KEEP } from "../store/store";
import { frame, decodeFromBroker } from "./codec/decode";
import * as D from "./codec/packet";
import { putConnectHead, CF_CLEAN, CF_WILL, CF_WILL_QOS_SHIFT, CF_USERNAME, CF_PASSWORD } from "./codec/connect";
import { encodePublish, publishSize } from "./codec/publish";
import { encodeList } from "./codec/subscribe";
import { encodeEmpty } from "./codec/empty";
import { putU16, getU16, varintLen, encodePidPacket, putHeader, putStr } from "./wire";
import { checkTopicName, checkFilter } from "./topic";
import * as S from "./session";
import { SUBS, SUB_BYTES, subNext, subLen, subQos, subGranted, subFilter, subFree, subFind, subRoute, subSet, subDrop, subGrant, subClear, SUB_PENDING } from "./subs";

// ---- static buffers ----
/** Staging buffer: 16 bytes of header room before it, 8 after (packets are built in place). */
const STAGING: usize = memory.data(16 + A.STAGING_SIZE + 8);
export const BUF: usize = STAGING + 16;
/** Receive buffer with 8 bytes of room before it (MESSAGE records are built in place). */
const RXB: usize = memory.data(8 + A.PACKET_MAX) + 8;
/** Room for a packet and the acks queued behind it, and never less than sendConnect() builds in
 * it: the payload at TXB + 16 with every config string at its maximum (more than a 128-byte
 * packet limit's TX room). */
const TX_SIZE: i32 = A.PACKET_MAX + 256 > 16 + CONNECT_PAYLOAD_MAX ? A.PACKET_MAX + 256 : 16 + CONNECT_PAYLOAD_MAX;
const TXB: usize = memory.data(TX_SIZE);
const EVB: usize = memory.data(16);

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
/** Bumped whenever the link is dropped: lets loops notice a drop made from inside an event
 * handler (e.g. the host calling wq_disconnect() while handling a MESSAGE). */
let linkEpoch: i32 = 0;

export function clientState(): i32 { return state; }

// ---- events ----
function emit(kind: i32, p: usize, len: i32): void {
  board_event(kind, p, len);
  appEvent(kind, p, len);
}

/** An event of `len` bytes from EVB, its first 4 bytes `v` (little-endian): one call where six
 * sites stored and passed EVB each. */
function emitEvb(kind: i32, v: u32, len: i32): void {
  store<u32>(EVB, v);
  emit(kind, EVB, len);
}

export function emitError(code: i32, ptype: i32, detail: i32): void {
  setStat(A.STAT_LAST_ERROR, code);
  store<u32>(EVB + 4, <u32>ptype | <u32>detail << 16); // [u8 type][u8 0][u16 detail] (types are 0..15)
  emitEvb(A.EV_ERROR, code, 8);
}

/** EV_TRACE for the packet at p (already framed or encoded by us). Its packet id and extra byte
 * come from the caller, who has them at hand (cheaper than parsing the packet again): `extra` is
 * the CONNACK return code or the SUBACK code count (only received packets have one). The callers
 * test tracing() first: with tracing off (the default) no call is made on a packet's path. */
@inline function tracing(): bool { return numOf(A.CFG_TRACE) != 0; }
function trace(dir: i32, p: usize, total: i32, pid: i32, extra: i32): void {
  let first = <u32>load<u8>(p);
  // [u8 dir][u8 type][u8 flags][u8 extra][u16 pid][u16 total]
  store<u32>(EVB + 4, <u32>pid | <u32>total << 16);
  emitEvb(A.EV_TRACE, <u32>dir | (first >> 4) << 8 | (first & 15) << 16 | <u32>extra << 24, 8);
}

// ---- TX ----
@inline function txRoom(): i32 { return TX_SIZE - txLen; }

/** Commits `len` bytes just encoded at TXB + txLen as one packet (packet id `pid`, 0 if none). */
function txCommit(len: i32, pid: i32): void {
  if (tracing()) trace(0, TXB + txLen, len, pid, 0);
  txLen += len;
  bump(A.STAT_TX_PACKETS);
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

/** A PINGREQ or DISCONNECT (a fixed header alone) when the TX buffer has room for it. */
function sendEmpty(type: i32): bool {
  if (txRoom() < 2) return false;
  txCommit(encodeEmpty(TXB + txLen, type), 0);
  return true;
}

function sendAck(type: i32, pid: i32): void {
  // PUBACK/PUBREC/PUBCOMP have flags 0, PUBREL 0b0010 (§3.6.1); all are header + packet id
  txCommit(encodePidPacket(TXB + txLen, (type << 4) | (type == A.PT_PUBREL ? 2 : 0), pid), pid);
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
  flush(); // acks already built still go out, ahead of the FIN: unanswered, the broker resends what they answer
  netClose();
  txLen = 0;
  rxLen = 0;
  pingOut = false;
  S.outLinkLost();
  S.reqClear();
  if (reason != 0) setStat(A.STAT_LAST_ERROR, reason);
  store<u8>(EVB + 4, <u8>(reason == A.ERR_CONNACK_REFUSED ? D.connackCode() : 0xff)); // (that CONNACK is the packet just decoded)
  netTried(EVB + 8); // [8] u32 address, [12] u16 port: what this connection went to
  emitEvb(was == A.ST_CONNECTED || reason == 0 ? A.EV_DISCONNECTED : A.EV_CONNECT_FAILED, reason, 14);
  if (wantOnline) enterBackoff();
  else state = A.ST_IDLE;
}

/** A protocol error: counted, reported as EV_ERROR, then the link is dropped. Returns false. */
function protoFail(code: i32, ptype: i32, detail: i32): bool {
  bump(A.STAT_PROTOCOL_ERRORS);
  emitError(code, ptype, detail);
  dropLink(code);
  return false;
}

/** dropLink() for step()/timers(): returns 0 (run again at once). */
function dropNow(reason: i32): i32 { dropLink(reason); return 0; }

/** Reads the Ethernet link when due (net layer); a change is reported as EV_LINK. 1 up, 0 down, < 0 no chip. */
function linkWatch(): i32 {
  let l = netLinkPoll(now);
  if (netLinkChanged()) emitEvb(A.EV_LINK, l, 1);
  return l;
}

function beginConnect(): void {
  // connect only over a link: without one, wait in BACKOFF (no attempt counted) until it is up
  let l = linkWatch();
  if (l < 0) { dropLink(A.ERR_NO_CHIP); return; }
  if (l == 0) { setStat(A.STAT_LAST_ERROR, A.ERR_LINK_DOWN); state = A.ST_BACKOFF; stateAt = now; backoffMs = 0; return; }
  if (everConnected || attempt > 0) bump(A.STAT_RECONNECTS);
  stateAt = now;
  state = A.ST_TCP_CONNECTING;
  // netConnect fails only before anything goes to the broker (the chip does not answer, was reset and is not
  // back, or did not take a socket command): the board's fault, not the broker address's (that is netError())
  if (netConnect(num(A.CFG_BROKER_IP), <i32>num(A.CFG_BROKER_PORT)) < 0) dropLink(A.ERR_NO_CHIP);
}

/** Identity (sessionIdentity()) of the CONNECT in flight: the session a CONNACK belongs to. */
let connIdentity: u32 = 0;

/** CONNECT's payload fields after the client id, 16 bits each from the low end in wire order
 * (§3.1.3: will topic, will payload, username, password): the config key in the low byte, the
 * connect flag that says the field is there in the high byte. */
const CONNECT_FIELDS: u64 = <u64>(CF_WILL << 8 | A.CFG_WILL_TOPIC) | <u64>(CF_WILL << 8 | A.CFG_WILL_PAYLOAD) << 16
  | <u64>(CF_USERNAME << 8 | A.CFG_USERNAME) << 32 | <u64>(CF_PASSWORD << 8 | A.CFG_PASSWORD) << 48;

function sendConnect(): void {
  connIdentity = sessionIdentity();
  // (TX and RX are empty: dropLink() and start() empty them, and nothing is sent or read before CONNECT)
  // a will when it has a topic; a password only with a username
  let flags = num(A.CFG_CLEAN_SESSION) != 0 ? CF_CLEAN : 0;
  if (strLen(A.CFG_WILL_TOPIC) > 0) flags |= CF_WILL | (<i32>num(A.CFG_WILL_FLAGS) & 7) << CF_WILL_QOS_SHIFT; // will QoS, retain
  if (strLen(A.CFG_USERNAME) > 0) flags |= CF_USERNAME | (strLen(A.CFG_PASSWORD) > 0 ? CF_PASSWORD : 0);
  // the payload first, behind room for the headers (at most 5 + 10 bytes), then the headers before it
  let body = TXB + 16;
  let p = putStr(body, strPtr(A.CFG_CLIENT_ID), strLen(A.CFG_CLIENT_ID));
  for (let f = CONNECT_FIELDS; f != 0; f >>= 16) {
    let k = <i32>f & 0xff;
    if ((flags & <i32>f >> 8) != 0) p = putStr(p, strPtr(k), strLen(k));
  }
  let n = <i32>(p - body);
  let q = putConnectHead(putHeader(TXB, A.PT_CONNECT << 4, 10 + n), flags, <i32>numOf(A.CFG_KEEPALIVE_S));
  memory.copy(q, body, n);
  txCommit(<i32>(q - TXB) + n, 0);
  state = A.ST_MQTT_CONNECTING;
  stateAt = now;
  lastRx = now;
}

/**
 * Asks to be online: from ST_IDLE, starts bringing the chip up and connecting (DNS, TCP, CONNECT);
 * in any other state only records the wish, so a dropped link reconnects with back-off until
 * disconnect(). Never blocks: progress and the CONNACK come through step() as EV_STATE events.
 * Returns 0, or ERR_NOT_STARTED before start().
 */
export function connect(): i32 {
  if (!started) return A.ERR_NOT_STARTED;
  wantOnline = true;
  if (state == A.ST_IDLE) { now = millis(); attempt = 0; beginConnect(); }
  return 0;
}

/**
 * Goes offline and stays there: a connected client sends DISCONNECT (the broker then drops the
 * will) and closes; a connection in progress is abandoned. Queued QoS 1/2 messages stay in the
 * store for the next connect(). Returns 0, or ERR_NOT_STARTED before start().
 */
export function disconnect(): i32 {
  if (!started) return A.ERR_NOT_STARTED;
  wantOnline = false;
  if (state == A.ST_CONNECTED) {
    now = millis();
    sendEmpty(A.PT_DISCONNECT);
    flush();
  }
  if (state != A.ST_IDLE) dropLink(0);
  return 0;
}

// ---- subscriptions (the table is subs.ts) ----
/**
 * After CONNACK: subscribe again to everything (the broker lost our session) or to what is still
 * pending, through subscribe() with the list staged in BUF (step() may reuse the staging buffer).
 */
function resubscribe(all: bool): void {
  let p = BUF;
  let n = 0;
  for (let s = SUBS; s < SUBS + SUB_BYTES; s = subNext(s)) {
    let fl = subLen(s);
    if (fl == 0 || (!all && subGranted(s) != SUB_PENDING)) continue;
    p = putU16(p, fl);
    memory.copy(p, subFilter(s), fl);
    p += fl;
    store<u8>(p++, <u8>subQos(s));
    n++;
  }
  if (n > 0) subscribe(n, false);
}

/** Filters of the last parseList(withQos) that have no routing slot yet. */
let newFilters: i32 = 0;

/** Validates a staged filter list; returns its byte length or an error. Counts newFilters. */
function parseList(count: i32, withQos: bool): i32 {
  newFilters = 0;
  if (count < 1 || count > A.SUB_SLOTS) return A.ERR_ARG;
  let p = BUF;
  let end = BUF + A.STAGING_SIZE;
  for (let i = 0; i < count; i++) {
    if (p + 2 > end) return A.ERR_ARG;
    let fl = getU16(p);
    if (p + 2 + fl + (withQos ? 1 : 0) > end) return A.ERR_ARG;
    if (checkFilter(p + 2, fl) < 0) return A.ERR_TOPIC;
    if (fl > A.FILTER_MAX) return A.ERR_TOO_BIG;
    if (withQos && subFind(p + 2, fl) == 0) newFilters++;
    p += 2 + fl;
    if (withQos) { if (load<u8>(p) > 2) return A.ERR_ARG; p++; }
  }
  return <i32>(p - BUF);
}

/**
 * SUBSCRIBE (or, with `unsub`, UNSUBSCRIBE) to the `count` filters staged in BUF, each a u16
 * length, the filter and (SUBSCRIBE only) a requested QoS byte. A filter's routing slot is taken
 * now, so its messages route as soon as the broker grants it (EV_SUBACK reports the grants).
 * Returns the packet id, or ERR_NOT_STARTED, ERR_ARG (count 0 or over SUB_SLOTS, a list that runs
 * past the staging buffer, QoS over 2), ERR_TOPIC (an invalid filter), ERR_TOO_BIG (a filter over
 * FILTER_MAX or a packet over PACKET_MAX), ERR_NOT_CONNECTED, ERR_BUSY (requests in flight, TX
 * room or routing slots all taken: try again after an event). Nothing is sent on an error.
 */
export function subscribe(count: i32, unsub: bool): i32 {
  if (!started) return A.ERR_NOT_STARTED;
  let listLen = parseList(count, !unsub);
  if (listLen < 0) return listLen;
  if (state != A.ST_CONNECTED) return A.ERR_NOT_CONNECTED;
  if (S.reqFull()) return A.ERR_BUSY;
  let size = 1 + varintLen(2 + listLen) + 2 + listLen;
  if (size > A.PACKET_MAX) return A.ERR_TOO_BIG;
  if (txRoom() < size) return A.ERR_BUSY;
  if (newFilters > subFree()) return A.ERR_BUSY; // every new filter needs a routing slot
  let pid = S.allocPid();
  let p = BUF;
  for (let i = 0; i < count; i++) {
    let fl = getU16(p);
    let s = subFind(p + 2, fl);
    if (unsub) {
      if (s != 0) subDrop(s);
    } else {
      if (s == 0) s = subFind(0, 0); // a free slot (counted above)
      subSet(s, p + 2, fl, <i32>load<u8>(p + 2 + fl), i, pid);
      p++; // the QoS byte
    }
    p += 2 + fl;
  }
  // UNSUBSCRIBE or SUBSCRIBE, flags 0010 (§3.8.1, §3.10.1); room checked above
  txCommit(encodeList(TXB + txLen, unsub ? A.PT_UNSUBSCRIBE << 4 | 2 : A.PT_SUBSCRIBE << 4 | 2, pid, BUF, listLen), pid);
  S.reqAdd(pid, unsub ? A.PT_UNSUBSCRIBE : A.PT_SUBSCRIBE, count);
  return pid;
}

// ---- publish ----
/**
 * Publishes topic BUF[0..tlen) with payload BUF[tlen..tlen+plen). QoS 1/2 (and QoS 0 that cannot
 * go out now) is first written to the store, so nothing accepted is ever lost. The staging
 * buffer's contents are consumed (rewritten) by the call. Returns the packet id (0 for QoS 0),
 * or ERR_NOT_STARTED (before start()), ERR_ARG (flag bits above 3, QoS 3, an empty topic, lengths
 * past the staging buffer), ERR_TOPIC (not a valid topic name), ERR_TOO_BIG (the packet over
 * PACKET_MAX), ERR_QUEUE_FULL (no free outgoing slot, the RAM log full of unacked messages, no
 * room in the store even after a compaction: try again after an event), ERR_NO_STORE (a message
 * that must be stored, with no store), ERR_STORE_IO (the store write failed). On an error nothing
 * is queued or sent.
 */
export function publish(tlen: i32, plen: i32, flags: i32): i32 {
  if (!started) return A.ERR_NOT_STARTED;
  let qos = flags & 3;
  // unsigned compares: a negative plen, or lengths whose sum would overflow, are out of range too
  if (<u32>flags > 15 || qos == 3 || tlen <= 0 || tlen > A.STAGING_SIZE || <u32>plen > <u32>(A.STAGING_SIZE - tlen)) return A.ERR_ARG;
  if (checkTopicName(BUF, tlen) < 0) return A.ERR_TOPIC;
  let size = publishSize(tlen, plen, qos);
  if (size > A.PACKET_MAX) return A.ERR_TOO_BIG;
  // A full table refuses all but a QoS 0 that can go out at once (whether it can needs nToSend):
  // refused here without outTally()'s pass, the cost of each retry while a burst waits for room.
  if (S.nUsed == A.OUT_SLOTS && (qos > 0 || state != A.ST_CONNECTED)) return A.ERR_QUEUE_FULL;
  // ram-first (a RAM log, CFG_SPILL_MS > 0): into the RAM log while the link is up, unless the
  // app asked for `durable`
  let toRam = state == A.ST_CONNECTED && (flags & A.PUB_DURABLE) == 0 && S.inRam();
  // The RAM log full of messages awaiting acks refuses it whatever follows: refused before the
  // pass over the table and the encode (each retry of a burst waiting for acks paid for them),
  // the packet id left as the full path leaves it (taken and given back: past ids in use).
  if (qos > 0 && toRam && S.ramRefuses(size)) { S.setNextPid(S.allocPid()); return A.ERR_QUEUE_FULL; }
  let f = (qos << 1) | ((flags >> 2) & 1);
  S.outTally(); // the counts below, and the live bytes persistPub() checks the store room with
  let online = state == A.ST_CONNECTED && S.nToSend == 0;
  let room = txRoom() >= size;
  let direct = qos == 0 && online && room; // QoS 0 that can go now is not stored
  if (!direct && S.nUsed == A.OUT_SLOTS) return A.ERR_QUEUE_FULL;
  // nothing ahead of it and the window is open: it goes from the staging copy right away
  let sendNow = qos > 0 && online && S.nInflight < <i32>numOf(A.CFG_WINDOW) && room;
  let pid = qos > 0 ? S.allocPid() : 0;
  // built in place: the payload stays where it is, the header goes into the room before BUF
  let dst = BUF + <usize>(tlen + plen - size);
  encodePublish(dst, f, BUF, tlen, pid, BUF + tlen, plen);
  if (!direct) {
    store<u16>(dst - 4, <u16>pid);
    store<u16>(dst - 2, <u16>qos);
    let off = S.persistPub(dst - 4, size, qos > 0 && !sendNow, toRam);
    if (off < 0) { if (qos > 0) S.setNextPid(pid); return off; }
    let e = S.outAdd(<u32>off, pid, size, qos, S.S_QUEUED,
      (qos > 0 && !sendNow ? S.F_QREC | S.F_MARK : 0) | ((<u32>off & KEEP) != 0 ? S.F_RAM : 0));
    if (!sendNow) { S.setSent(e, millis()); return pid; } // (the spill clock of a RAM entry)
    S.markSent(e, S.S_QUEUED, S.oFlags(e) | S.F_SENT, millis()); // -> S_PUB_SENT (F_RAM kept)
  }
  memory.copy(TXB + txLen, dst, size);
  txCommit(size, pid);
  return pid;
}

/** step() must run again at once: receive() stopped reading with data still arriving, or pump()
 * stopped for TX room with packets still to send. Cleared at the start of every step(). */
let runAgain: bool = false;

/** Sends queued PUBLISH/PUBREL packets in creation order while the window and TX room allow. */
function pump(): void {
  let window = <i32>numOf(A.CFG_WINDOW);
  // Counted when a first send needs it (outTally(): a pass over the table), not every step: most
  // steps find nothing queued. The entries this loop sent before then count as they did.
  let inflight = -1;
  for (let e = S.outBegin(); e < S.outEnd(); e += S.SLOT) {
    let st = S.oState(e);
    if (st == S.S_QUEUED) {
      let qos = S.oQos(e);
      let fl = S.oFlags(e);
      let resend = (fl & S.F_SENT) != 0;
      if (qos > 0 && !resend) {
        if (inflight < 0) { S.outTally(); inflight = S.nInflight; }
        if (inflight >= window) break;
      }
      let len = S.oLen(e);
      if (txRoom() < len) { runAgain = true; break; }
      let p = TXB + txLen;
      if (S.readPub(e, p) < 0) { emitError(A.ERR_STORE_IO, A.PT_PUBLISH, S.oPid(e)); S.outFree(e); continue; }
      if (qos > 0) {
        if (resend) { store<u8>(p, load<u8>(p) | 8); bump(A.STAT_RETRANSMITS); }
        else S.markFirstSend(e); // before txCommit: a reset after this resends with DUP=1
      }
      txCommit(len, S.oPid(e));
      if (qos == 0) { S.dropPubBytes(e); S.outFree(e); continue; }
      if (!resend) inflight++;
      S.markSent(e, st, S.oFlags(e) | S.F_SENT, now);
    } else if (st == S.S_REL_QUEUED) {
      if (txRoom() < 4) { runAgain = true; break; }
      let fl = S.oFlags(e);
      if ((fl & S.F_REL_SENT) != 0) bump(A.STAT_RETRANSMITS);
      sendAck(A.PT_PUBREL, S.oPid(e));
      S.markSent(e, st, fl | S.F_REL_SENT, now);
    }
  }
}

/** Outgoing entry e is complete: its store records are retired, the slot freed, PUBLISH_DONE emitted. */
function complete(e: usize): void {
  let pid = S.oPid(e);
  let qos = S.oQos(e);
  if (qos == 1) S.dropPubBytes(e);
  else S.persist(S.R_REL_GONE, pid, 2, S.isRam(e));
  S.outFree(e);
  emitEvb(A.EV_PUBLISH_DONE, <u32>pid | <u32>qos << 16, 3); // [u16 pid][u8 qos]
}

/** An ack for an outgoing message (PUBACK, PUBREC or PUBCOMP). */
function onOutAck(type: i32, pid: i32): void {
  let e = S.outFind(pid);
  if (type == A.PT_PUBREC && e == 0) { sendAck(A.PT_PUBREL, pid); return; } // unknown: release it anyway
  if (e == 0) return;
  let qos = S.oQos(e);
  // PUBACK for a QoS 2 message, or PUBREC for a QoS 1 one: the broker broke the flow (§4.3)
  if ((type == A.PT_PUBACK) != (qos == 1)) { protoFail(A.ERR_ACK_QOS, type, pid); return; }
  // PUBACK 4 → E_PUBACK 1, PUBREC 5 → E_PUBREC 2, PUBCOMP 7 → E_PUBCOMP 3
  let ev = type == A.PT_PUBCOMP ? S.E_PUBCOMP : type - 3;
  let st = S.oState(e);
  let next = S.transition(st, ev);
  if (next < 0) return;
  if (next == S.S_FREE) { complete(e); return; }
  // PUBREC: owe PUBREL from now on, never the PUBLISH again (REL persisted before the bytes go)
  if (st < S.S_REL_QUEUED) S.persist(S.R_REL, pid, 2, S.isRam(e));
  // the state before the bytes go: a compaction inside dropPubBytes' append writes its R_REL
  S.setState(e, next);
  S.dropPubBytes(e); // (nothing once past PUBREC: the offset is NONE)
  S.setRetries(e, 0);
  S.setFlags(e, S.oFlags(e) & ~S.F_REL_SENT);
}

/**
 * Incoming PUBLISH at p: deliver (once for QoS 2) and acknowledge after delivery. QoS 2 order:
 * persist "received" → MESSAGE → mark delivered (one half-word) → PUBREC. A new id that needs a
 * run of the full id table never gets here: onPacket() holds it (see receive()).
 */
function onPublish(p: usize): void {
  let qos = D.dQos;
  let pid = D.dPid;
  let redelivered = 0;
  if (qos == 2) {
    let i = S.inFind(pid);
    if (i >= 0) {
      let m = S.inMark(i);
      if (m == S.MARK_DONE) { bump(A.STAT_DUPS_SUPPRESSED); sendAck(A.PT_PUBREC, pid); return; }
      if (m != S.MARK_NEW) redelivered = 16; // a cut tore the mark: the app may have it already
    } else S.inAdd(pid);
  }
  let t = D.topic();
  let tlen = D.topicLen();
  let plen = D.payloadLen();
  let sub = subRoute(t, tlen);
  if (qos > 0) { memory.copy(t + 2, t, tlen); t += 2; }
  let rec = t - 8;
  // [u8 flags][u8 subscription][u16 pid] in one store
  store<u32>(rec, <u32>(qos | ((D.dFlags & 1) << 2) | (D.dFlags & 8) | redelivered) | <u32>sub << 8 | <u32>pid << 16);
  store<u32>(rec + 4, <u32>tlen | <u32>plen << 16);
  let epoch = linkEpoch;
  emit(A.EV_MESSAGE, rec, 8 + tlen + plen);
  // A handler that ended the link (wq_disconnect) took its TX buffer with it: no ack goes into
  // the next connection's (the broker sends the message again; a QoS 2 id stays delivered).
  let live = epoch == linkEpoch;
  if (qos == 2) {
    let i = S.inFind(pid);
    if (i >= 0) S.inDelivered(i);
  }
  if (qos > 0 && live) sendAck(A.PT_PUBACK - 1 + qos, pid); // PUBACK for QoS 1, PUBREC for QoS 2
}

function onConnack(): void {
  if (D.connackCode() != 0) {
    dropLink(A.ERR_CONNACK_REFUSED);
    return;
  }
  let sp = D.sessionPresent();
  state = A.ST_CONNECTED;
  attempt = 0;
  everConnected = true;
  // The stored session belongs to one (client id, broker). Another one's broker-side session is
  // not ours: its subscriptions and incoming QoS 2 ids are dropped, queued messages go as new.
  let id = connIdentity;
  let moved = S.owner != 0xffffffff && S.owner != id;
  if (sp == 0 || moved) {
    // the broker has no session of ours: incoming QoS 2 ids are stale
    if (S.inN > 0) { S.persist(S.R_INQ2_NONE, 0, 2, S.inRam()); S.inClear(); }
  }
  if (moved || num(A.CFG_CLEAN_SESSION) == 1) {
    // a new session: no subscription is replayed (the app subscribes again on CONNECTED)
    subClear();
    newSession();
  }
  if (S.owner != id) S.setOwner(id); // after the old session's records are dropped
  if (state != A.ST_CONNECTED) return; // a PUBLISH_DONE handler dropped the link
  emitEvb(A.EV_CONNECTED, sp, 1);
  if (state == A.ST_CONNECTED) resubscribe(sp == 0);
}

/** 31-bit FNV-1a of (client id, broker IP, broker port): whose session the store holds. */
function sessionIdentity(): u32 {
  let h: u32 = 0x811c9dc5;
  let p = strPtr(A.CFG_CLIENT_ID);
  let n = strLen(A.CFG_CLIENT_ID);
  for (let i = 0; i < n + 2; i++) {
    let b: u32 = i < n ? <u32>load<u8>(p + i) : num(i == n ? A.CFG_BROKER_IP : A.CFG_BROKER_PORT);
    h = (h ^ b) * 0x01000193;
  }
  return h >>> 1;
}

/**
 * Clean session = 1 (§3.1.2.4): the broker kept none of our packet ids. A PUBLISH not yet
 * acknowledged goes again as a new message (DUP=0, counted as queued); a QoS 2 message past
 * PUBREC is complete (the broker owned it from PUBREC on), reported by PUBLISH_DONE instead of
 * sending a PUBREL that belongs to the discarded session. Nothing is dropped.
 */
function newSession(): void {
  for (let e = S.outBegin(); e < S.outEnd(); e += S.SLOT) if (S.oState(e) >= S.S_REL_QUEUED) complete(e); // QoS 2 past PUBREC
  S.outUnsend();
}

/** Set by onPacket() when the packet must wait in the RX buffer for a free run of incoming
 * QoS 2 ids (a new id that joins no run, or a PUBREL that splits one): see receive(). */
let held: bool = false;

/** Handles one framed packet; false when the connection was dropped. */
function onPacket(p: usize, total: i32): bool {
  let type = decodeFromBroker(p, total);
  if (type == A.PT_PUBLISH ? D.dQos == 2 && S.inFull() && S.inFind(D.dPid) < 0
    : type == A.PT_PUBREL && S.inRemoveWaits(D.dPid)) {
    if (state == A.ST_CONNECTED) { held = true; return true; } // (before CONNACK it is a protocol error, below)
  }
  bump(A.STAT_RX_PACKETS);
  lastRx = now;
  pingOut = false;
  if (type < 0) {
    return protoFail(type, <i32>(load<u8>(p) >> 4), D.dErrAt);
  }
  // (the decoder zeroes what a type does not have: dPid, dCode outside CONNACK, dCount outside SUBACK)
  if (tracing()) trace(1, p, total, D.dPid, D.dCode | D.dCount);
  if (state == A.ST_MQTT_CONNECTING) {
    if (type != A.PT_CONNACK) return protoFail(A.ERR_UNEXPECTED, type, 0);
    onConnack();
    return state == A.ST_CONNECTED;
  }
  // (ifs, not a switch: the types are too sparse for a jump table, and a compare chain is smaller)
  let pid = D.dPid;
  if (type == A.PT_PUBLISH) onPublish(p);
  else if (type == A.PT_PUBREL) {
    if (S.inRemove(pid) > 0) S.persist(S.R_INQ2_GONE, pid, 2, S.inRam());
    sendAck(A.PT_PUBCOMP, pid); // also for an unknown id (§4.3.3)
  } else if (<u32>(type - A.PT_PUBACK) < 4) onOutAck(type, pid); // PUBACK, PUBREC, PUBCOMP
  else if (type == A.PT_SUBACK) {
    let n = D.dCount;
    let want = S.reqTake(pid, A.PT_SUBSCRIBE);
    // a SUBACK must answer a SUBSCRIBE, code for code (§3.9.3): anything else is the broker's error
    if (want != n) return protoFail(want < 0 ? A.ERR_ACK_UNKNOWN : A.ERR_SUBACK_MISMATCH, type, pid);
    let codes = D.list(); // the SUBACK's return codes
    subGrant(pid, codes);
    store<u16>(codes - 3, <u16>pid);
    store<u8>(codes - 1, <u8>n);
    emit(A.EV_SUBACK, codes - 3, 3 + n);
  } else if (type == A.PT_UNSUBACK) {
    if (S.reqTake(pid, A.PT_UNSUBSCRIBE) < 0) return protoFail(A.ERR_ACK_UNKNOWN, type, pid);
    emitEvb(A.EV_UNSUBACK, pid, 2);
  } else if (type != A.PT_PINGRESP) return protoFail(A.ERR_UNEXPECTED, type, 0);
  return true;
}

/** A packet is held in the RX buffer (see receive()): the socket is read only as far as the buffer
 * has room, so a broker that keeps sending meets TCP flow control, never a dropped link. */
let rxHeld: bool = false;

/**
 * Reads and handles what has arrived; false when the connection was dropped. A packet that waits
 * (held) for a free run of incoming QoS 2 ids stays in the RX buffer while the acks already
 * received behind it (PUBACK..PUBCOMP, PINGRESP) are handled and cut out of the buffer (one
 * loop, two modes: `heldAt` >= 0 is the held packet's offset while the acks behind it are
 * scanned); a PUBREL among them frees a run, and the held packet is tried again. Safe out of
 * order: the broker cannot reuse an id it has not completed, so an ack never concerns a PUBLISH
 * it overtakes.
 */
function receive(): bool {
  rxHeld = false;
  for (let round = 0; round < 8; round++) {
    let n = netRecv(RXB + rxLen, A.PACKET_MAX - rxLen);
    if (n > 0) rxLen += n;
    // (n < 0, the peer closed: the packets already here are handled first, then the link drops)
    let off = 0;
    let heldAt = -1;
    let before = 0;
    for (;;) {
      let total = off < rxLen && txRoom() >= 8 ? frame(RXB + off, rxLen - off) : 0;
      if (heldAt >= 0) {
        // the acks behind a held packet (a bad frame is reported when the reader reaches it)
        if (total <= 0) {
          off = heldAt;
          heldAt = -1;
          if (rxLen == before) { rxHeld = true; break; }
          continue; // an ack behind it may have freed a run: try it again
        }
        let type = <i32>(load<u8>(RXB + off) >> 4);
        if (<u32>(type - A.PT_PUBACK) >= 4 && type != A.PT_PINGRESP) { off += total; continue; }
      } else {
        if (total < 0) return protoFail(total, <i32>(load<u8>(RXB + off) >> 4), 0);
        if (total == 0) break;
      }
      let epoch = linkEpoch;
      held = false;
      if (!onPacket(RXB + off, total) || epoch != linkEpoch) return false;
      if (heldAt < 0) {
        if (held) { heldAt = off; before = rxLen; }
      } else if (!held) {
        rxLen -= total;
        memory.copy(RXB + off, RXB + off + total, rxLen - off);
        continue;
      }
      off += total;
    }
    if (off > 0) { rxLen -= off; memory.copy(RXB, RXB + off, rxLen); }
    if (n < 0) { dropLink(A.ERR_TCP_FAILED); return false; }
    if (n == 0 || txRoom() < 8) return true;
  }
  runAgain = true;
  return true;
}

@inline function since(t: u32): i32 { return <i32>(now - t); }

/** ms left of CFG_TIMEOUT_MS for the connection state entered at stateAt (<= 0: timed out). */
function connectLeft(): i32 { return <i32>num(A.CFG_TIMEOUT_MS) - since(stateAt); }

/** Keepalive and retry timers; returns ms until the next deadline (or 60000). */
function timers(): i32 {
  let next = 60000;
  let ka = <i32>numOf(A.CFG_KEEPALIVE_S) * 1000;
  if (ka > 0) {
    if (pingOut) {
      let left = ka / 2 - since(pingAt);
      if (left <= 0) { emitError(A.ERR_KEEPALIVE, A.PT_PINGREQ, 0); return dropNow(A.ERR_KEEPALIVE); }
      next = left;
    } else {
      let left = ka - max(since(lastTx), since(lastRx));
      if (left <= 0 && sendEmpty(A.PT_PINGREQ)) {
        pingOut = true;
        pingAt = now;
        left = ka / 2;
      }
      next = max(left, 0);
    }
  }
  let retry = <i32>numOf(A.CFG_RETRY_MS);
  if (retry > 0) {
    let maxr = <i32>numOf(A.CFG_MAX_RETRIES);
    for (let e = S.outBegin(); e < S.outEnd(); e += S.SLOT) {
      let st = S.oState(e);
      if (st != S.S_PUB_SENT && st != S.S_REL_SENT) continue;
      let left = retry - since(S.oSent(e));
      if (left <= 0) {
        if (S.oRetries(e) >= maxr) return dropNow(A.ERR_RETRIES);
        S.setRetries(e, S.oRetries(e) + 1);
        S.setState(e, S.transition(st, S.E_RETRY));
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
  now = millis();
  runAgain = false;
  // ram-first: a message in the RAM log not acknowledged CFG_SPILL_MS after it was last sent
  // (or queued) is copied to the flash; after a link loss it is never acked, so it goes too.
  // (step() runs at least every LINK_POLL_MS while not idle: no deadline of its own.)
  let spill = spillMs();
  for (let e = S.outBegin(); e < S.outEnd(); e += S.SLOT) {
    if (S.isRam(e) && <u32>since(S.oSent(e)) >= spill) S.spill(e); // (a free slot is in no tier)
  }
  if (state != A.ST_IDLE) {
    let l = linkWatch();
    if (l == 0 && state >= A.ST_TCP_CONNECTING) return dropNow(A.ERR_LINK_DOWN); // cable out: drop at once
    if (l == 0 && state == A.ST_BACKOFF) return LINK_POLL_MS;
    if (l > 0 && netLinkChanged()) backoffMs = 0; // cable back: reconnect at once
  }
  switch (state) {
    case A.ST_BACKOFF: {
      let left = <i32>backoffMs - since(stateAt);
      if (left > 0) return min(left, LINK_POLL_MS);
      beginConnect();
      return 10;
    }
    case A.ST_TCP_CONNECTING: {
      let ns = netState();
      if (ns == NET_ESTABLISHED) { sendConnect(); break; }
      if (ns == NET_CLOSED) return dropNow(netError()); // (ERR_TCP_FAILED, or why the broker's name did not resolve)
      let left = connectLeft();
      if (left <= 0) return dropNow(A.ERR_TIMEOUT);
      return min(left, 10);
    }
    case A.ST_IDLE: return 1000;
  }
  // MQTT_CONNECTING or CONNECTED (a link dropped meanwhile makes receive() return false)
  if (!receive()) return 0;
  let wait: i32;
  if (state == A.ST_MQTT_CONNECTING) {
    let left = connectLeft();
    if (left <= 0) return dropNow(A.ERR_TIMEOUT);
    wait = left;
  } else {
    wait = timers();
    if (state != A.ST_CONNECTED) return 0;
    pump();
  }
  if (wait > LINK_POLL_MS) wait = LINK_POLL_MS; // a pulled cable is noticed within LINK_POLL_MS
  if (!flush()) return dropNow(A.ERR_TCP_FAILED);
  if (txLen > 0) return 1;   // the transport is full: try again shortly
  if (runAgain) return 0; // stopped reading with data still arriving, or sending for room
  return rxHeld ? min(wait, 10) : wait; // held: poll for the PUBREL that frees a run
}

export function start(): void {
  started = true;
  now = millis();
  for (let e = S.outBegin(); e < S.outEnd(); e += S.SLOT) S.setSent(e, now); // the spill clock of replayed RAM entries
  state = A.ST_IDLE;
  txLen = 0;
  rxLen = 0;
  subClear();
  S.reqClear();
}
