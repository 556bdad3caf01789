// MQTT for the app: connect, publish (QoS 0/1/2, retain), subscribe with one handler per
// filter, and connection events, on the core's client (docs/core-api.md) compiled into the same
// module. Subscriptions are kept here and (re)sent whenever a connection has no session for
// them; messages go to the handler of the first filter that matches.
import * as A from "../../core/api/abi";
import { wq_buf, wq_connect, wq_disconnect, wq_publish, wq_subscribe, wq_stat } from "../../core/index";
import { wq_config_get, checkFilter, topicMatches } from "../../core/app-api";
import { Text, bytesEqual, parseInt32, utf8Into } from "./text";
import { LINE, LINE_BYTES, fail, E_FILTERS_FULL, E_FILTER_INVALID, E_FILTER_SIZE, E_QOS } from "./state";

/** A received message: a view of the core's MESSAGE record, valid only inside the handler
 * (copy what you keep into a Text). Read it before publishing from the handler: a publish
 * reuses the buffer the record lives in. */
@unmanaged
export class Message {
  private flags: u8;
  private sub: u8;
  /** Packet id (0 for QoS 0). */
  readonly packetId: u16;
  readonly topicLength: u16;
  readonly payloadLength: u16;

  get qos(): i32 { return this.flags & 3; }
  get retain(): bool { return (this.flags & 4) != 0; }
  get dup(): bool { return (this.flags & 8) != 0; }
  /** QoS 2 only: a power cut may have hidden an earlier delivery of this message. */
  get redelivered(): bool { return (this.flags & 16) != 0; }
  get topicPtr(): usize { return changetype<usize>(this) + 8; }
  get payloadPtr(): usize { return changetype<usize>(this) + 8 + <usize>this.topicLength; }

  topicIs(s: string): bool { return bytesEqual(this.topicPtr, this.topicLength, s); }
  payloadIs(s: string): bool { return bytesEqual(this.payloadPtr, this.payloadLength, s); }
  /** Payload byte i (0 <= i < payloadLength). */
  payloadByte(i: i32): i32 { return <i32>load<u8>(this.payloadPtr + <usize>i); }
  /** The payload as a decimal integer; `fallback` when it is not one. */
  payloadInt(fallback: i32 = 0): i32 { return parseInt32(this.payloadPtr, this.payloadLength, fallback); }
  /** Appends the topic / the payload to `into` (cut at its capacity). */
  topic(into: Text): Text { return into.addBytes(this.topicPtr, this.topicLength); }
  payload(into: Text): Text { return into.addBytes(this.payloadPtr, this.payloadLength); }
}

export type MessageHandler = (msg: Message) => void;
export type ConnectHandler = (sessionPresent: bool) => void;
export type DisconnectHandler = (reason: i32) => void;

const SUBS: i32 = 8;
const FILTER_MAX: i32 = 64;
const SUB_BYTES: i32 = 12;
/** Per filter: [u32 handler (0: free)][u32 the app's string or Text][u8 1: a string][u8 qos]
 * [u8 sent on this connection][u8 0]. The filter is kept by reference, not copied. */
const SUB_TABLE: usize = memory.data(SUBS * SUB_BYTES);
function subAt(i: i32): usize { return SUB_TABLE + <usize>(i * SUB_BYTES); }

/** Writes slot s's filter (UTF-8) at p; its length. */
function filterInto(s: usize, p: usize): i32 {
  let ref = <usize>load<u32>(s, 4);
  if (load<u8>(s, 8) != 0) return utf8Into(changetype<string>(ref), p, FILTER_MAX);
  let t = changetype<Text>(ref);
  memory.copy(p, t.ptr, t.length);
  return t.length;
}

let connectHandler: usize = 0;
let disconnectHandler: usize = 0;
let wantOnline = false;
let connectIssued = false;

/** Writes a string or a Text at `p` (at most `room` bytes); its length, or -1 when it did not fit. */
function put<T>(v: T, p: usize, room: i32): i32 {
  if (isString<T>()) {
    let s = changetype<string>(v);
    let n = utf8Into(s, p, room);
    return n < s.length ? -1 : n;
  }
  let t = changetype<Text>(v);
  if (t.length > room) return -1;
  memory.copy(p, t.ptr, t.length);
  return t.length;
}

export class Mqtt {
  /** Connects with the config in the store (broker, client id, will...) on the next step, and
   * keeps reconnecting with backoff until disconnect(). */
  static connect(): void { wantOnline = true; connectIssued = false; }

  /** Sends DISCONNECT and stays offline until connect(). */
  static disconnect(): void { wantOnline = false; wq_disconnect(); }

  /** True while connected to the broker. */
  static get connected(): bool { return wq_stat(A.STAT_STATE) == A.ST_CONNECTED; }

  /**
   * Publishes `payload` (a string or a Text) on `topic` (a string or a Text). QoS 1 and 2 are
   * written to flash first and survive resets and lost connections; offline publishes queue.
   * Returns the packet id (QoS 1/2), 0 (QoS 0), or a negative core error: ERR_QUEUE_FULL (-3:
   * the outgoing queue or the store is full, try later), ERR_TOPIC (-6), ERR_TOO_BIG (-2),
   * ERR_STORE_IO (-10), ERR_ARG (-1: QoS not 0..2).
   */
  static publish<T, U>(topic: T, payload: U, qos: i32 = 0, retain: bool = false): i32 {
    let buf = wq_buf();
    let t = put<T>(topic, buf, A.STAGING_SIZE);
    if (t < 0) return A.ERR_TOO_BIG;
    let p = put<U>(payload, buf + <usize>t, A.STAGING_SIZE - t);
    if (p < 0) return A.ERR_TOO_BIG;
    return wq_publish(t, p, qos | (retain ? 4 : 0));
  }

  /**
   * Subscribes to `filter` (a string or a Text, kept by reference: leave that Text unchanged;
   * wildcards + and #) at `qos`, now if connected and
   * again on every connection that has no session for it; `handler` gets each message whose
   * topic it matches (the first matching filter's handler only). Up to 8 filters of 64 bytes;
   * more stops the app with a clear error.
   */
  static subscribe<T>(filter: T, qos: i32, handler: MessageHandler): void {
    if (qos < 0 || qos > 2) fail(E_QOS);
    let n = isString<T>() ? changetype<string>(filter).length : changetype<Text>(filter).length;
    if (n == 0 || n > FILTER_MAX) fail(E_FILTER_SIZE);
    let bytes = put<T>(filter, LINE, LINE_BYTES);
    if (bytes <= 0 || bytes > FILTER_MAX) fail(E_FILTER_SIZE);
    if (checkFilter(LINE, bytes) < 0) fail(E_FILTER_INVALID); // a misplaced + or #, or bad UTF-8
    for (let i = 0; i < SUBS; i++) {
      let s = subAt(i);
      if (load<u32>(s) != 0) continue;
      store<u32>(s, <u32>changetype<usize>(handler));
      store<u32>(s, <u32>changetype<usize>(filter), 4);
      store<u32>(s, (isString<T>() ? 1 : 0) | qos << 8, 8);
      return;
    }
    fail(E_FILTERS_FULL);
  }

  /** Calls `handler` on every connection (with the broker's session-present flag). */
  static onConnect(handler: ConnectHandler): void { connectHandler = changetype<usize>(handler); }

  /** Calls `handler` whenever the connection ends: 0 after disconnect(), else the reason (a
   * negative core error, e.g. ERR_KEEPALIVE -22); the client reconnects by itself. */
  static onDisconnect(handler: DisconnectHandler): void { disconnectHandler = changetype<usize>(handler); }

  /** Appends the client id in use to `into` (default "wasmqtt-" + the chip id); read through
   * wq_config_get, so it overwrites what is staged in wq_buf. */
  static clientId(into: Text): Text { return into.addBytes(wq_buf(), wq_config_get(A.CFG_CLIENT_ID)); }
}

/** The app's step(): connects when asked, sends subscriptions not sent on this connection. */
export function mqttStep(): void {
  if (wantOnline && !connectIssued) { connectIssued = true; wq_connect(); }
  if (wq_stat(A.STAT_STATE) != A.ST_CONNECTED) return;
  let buf = wq_buf();
  let p = buf;
  let n = 0;
  for (let i = 0; i < SUBS; i++) {
    let s = subAt(i);
    if (load<u32>(s) == 0 || load<u8>(s, 10) != 0) continue;
    let len = filterInto(s, p + 2);
    store<u8>(p, 0);
    store<u8>(p + 1, <u8>len);
    store<u8>(p + 2 + <usize>len, load<u8>(s, 9));
    p += 3 + <usize>len;
    n++;
  }
  if (n == 0 || wq_subscribe(n) < 0) return; // (ERR_BUSY: the next step tries again)
  for (let i = 0; i < SUBS; i++) store<u8>(subAt(i), 1, 10);
}

/** The app's side of every core event (core/api/app.ts). */
export function mqttOnEvent(kind: i32, ptr: usize, len: i32): void {
  if (kind == A.EV_MESSAGE) {
    let m = changetype<Message>(ptr);
    for (let i = 0; i < SUBS; i++) {
      let s = subAt(i);
      if (load<u32>(s) == 0 || !topicMatches(LINE, filterInto(s, LINE), m.topicPtr, m.topicLength)) continue;
      changetype<MessageHandler>(<usize>load<u32>(s))(m);
      return;
    }
  } else if (kind == A.EV_CONNECTED) {
    let present = load<u8>(ptr) != 0;
    // the broker kept our subscriptions only with a session; without one, send them all again
    if (!present) for (let i = 0; i < SUBS; i++) store<u8>(subAt(i), 0, 10);
    if (connectHandler != 0) changetype<ConnectHandler>(connectHandler)(present);
  } else if (kind == A.EV_DISCONNECTED) {
    if (disconnectHandler != 0) changetype<DisconnectHandler>(disconnectHandler)(load<i32>(ptr));
  }
}
