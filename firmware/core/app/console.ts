// Device console: the UART line protocol of docs/console.md. A person can type it and a program
// can parse it: every reply is one line starting with `ok`, `err` or `evt`, values are
// key=value with %XX escapes, and nothing the peer sends can make the console allocate, trap
// or touch the saved config except `save`. All text lives in words.ts (one ASCII blob).
//
// The core calls consoleStep() from step() and consoleOnEvent() from its event dispatch.
import {
  CFG_CLIENT_ID, CFG_USERNAME, CFG_PASSWORD, CFG_WILL_TOPIC, CFG_WILL_PAYLOAD, CFG_WILL_FLAGS,
  CFG_KEEPALIVE_S, CFG_CLEAN_SESSION, CFG_BROKER_IP, CFG_BROKER_PORT, CFG_MAC, CFG_DEVICE_IP,
  CFG_GATEWAY, CFG_NETMASK, CFG_TRACE,
  STAT_STATE, STAT_INFLIGHT_OUT, STAT_QUEUED_OUT, STAT_INFLIGHT_IN, STAT_TX_PACKETS, STAT_RX_PACKETS,
  STAT_RETRANSMITS, STAT_RECONNECTS, STAT_LAST_ERROR, STAT_STORE_USED, STAT_STORE_CAPACITY,
  EV_CONNECTED, EV_CONNECT_FAILED, EV_DISCONNECTED, EV_MESSAGE, EV_PUBLISH_DONE, EV_SUBACK,
  EV_UNSUBACK, EV_ERROR, EV_TRACE,
} from "../api/abi";
import { num, strPtr, strLen, macPtr } from "../config";
import {
  wq_buf, wq_buf_size, wq_config, wq_connect, wq_disconnect, wq_publish, wq_subscribe,
  wq_unsubscribe, wq_stat, consoleConfigSave, consoleConfigLoad,
} from "./core_api";
import { uart_read } from "./uart";
import { putByte, putWord, putErr, putU32, putI32, putIp, putHexByte, putEscaped, key, endLine, flush } from "./out";
import {
  LINE, LINE_MAX, lineLen, setLineLen, beginParse, nextToken, restOfLine, tokIs, tokU32, tokIpv4,
  tokMac, tokPtr, tokLen, badEscape,
} from "./parse";
import {
  W_OK, W_ERR, W_EVT, W_DASH, W_HELP, W_SHOW, W_NET, W_SET, W_SAVE, W_LOAD, W_CONNECT, W_DISCONNECT,
  W_SUB, W_UNSUB, W_PUB, W_STATUS, W_ECHO, W_MAC, W_IP, W_GW, W_MASK, W_HOST, W_PORT, W_ID, W_USER,
  W_PASS, W_KEEPALIVE, W_CLEAN, W_WILL, W_TRACE, W_ON, W_OFF, W_COMMANDS, W_DOCS, W_DOCS_CONSOLE_MD,
  W_PID, W_STATE, W_INFLIGHT, W_QUEUED, W_INFLIGHT_IN, W_TX, W_RX, W_RETRANSMITS, W_RECONNECTS,
  W_LAST_ERROR, W_STORE_USED, W_STORE_CAPACITY, W_WILL_QOS, W_WILL_RETAIN, W_WILL_PAYLOAD,
  W_SESSION_PRESENT, W_ERROR, W_RC, W_REASON, W_TOPIC, W_QOS, W_RETAIN, W_DUP, W_LEN, W_PAYLOAD,
  W_CODES, W_CODE, W_PACKET, W_DETAIL, W_KIND, W_DIR, W_TYPE, W_FLAGS, W_EXTRA, W_NONE, W_REQUESTED,
  W_FAILURE, W_IDLE, W_UNKNOWN, W_MALFORMED_EVENT, W_MESSAGE, W_CONNECT_FAILED, W_DISCONNECTED,
  W_PUBLISH_DONE, W_SUBACK, W_UNSUBACK, W_LINE_TOO_LONG, W_BAD_BYTE, W_BAD_ESCAPE, W_UNKNOWN_COMMAND,
  W_MISSING_ARGUMENT, W_EXTRA_ARGUMENT, W_BAD_FIELD, W_BAD_MAC, W_BAD_IP, W_BAD_NUMBER, W_TOO_LONG,
  W_BAD_QOS, W_BAD_RETAIN, W_BAD_VALUE, W_TOO_BIG, W_CONNECTED,
} from "./words";

// ---- input ----
const RX_CHUNK: i32 = 64;
const RX: usize = memory.data(RX_CHUNK);
let overflowed = false; // the current line went past LINE_MAX: discard it, report once
let badByte = false;    // a control byte other than TAB/BS/DEL arrived in the current line
let echo = false;

/** Reads what the UART has (at most 4 chunks per step, so the MQTT engine keeps running) and
 * executes every complete line. */
export function consoleStep(): void {
  for (let round = 0; round < 4; round++) {
    let n = uart_read(RX, RX_CHUNK);
    if (n <= 0) return;
    if (n > RX_CHUNK) n = RX_CHUNK; // a host returning more than asked must not push us past RX
    for (let i = 0; i < n; i++) onByte(<i32>load<u8>(RX + <usize>i));
  }
}

function onByte(b: i32): void {
  if (b == 13 || b == 10) {
    if (echo) endLine();
    if (overflowed) errLine(W_DASH, W_LINE_TOO_LONG);
    else if (badByte) errLine(W_DASH, W_BAD_BYTE);
    else if (lineLen > 0) execute();
    overflowed = false;
    badByte = false;
    setLineLen(0);
    return;
  }
  if (b == 8 || b == 127) { // backspace, for people at a terminal
    if (lineLen > 0 && !overflowed) setLineLen(lineLen - 1);
    return;
  }
  if (b < 32 && b != 9) { badByte = true; return; }
  if (lineLen >= LINE_MAX) { overflowed = true; return; }
  store<u8>(LINE + <usize>lineLen, <u8>b);
  setLineLen(lineLen + 1);
  if (echo) { putByte(b); flush(); }
}

// ---- replies ----
function lineStart(kind: i32, w: i32): void { putWord(kind); putByte(32); putWord(w); }
function okLine(cmd: i32): void { lineStart(W_OK, cmd); endLine(); }
function errLine(cmd: i32, code: i32): void { lineStart(W_ERR, cmd); putByte(32); putWord(code); endLine(); }
function coreErr(cmd: i32, rc: i32): void { lineStart(W_ERR, cmd); putByte(32); putErr(rc); endLine(); }
function result(cmd: i32, rc: i32): void { if (rc < 0) coreErr(cmd, rc); else okLine(cmd); }
function pidResult(cmd: i32, rc: i32): void {
  if (rc < 0) { coreErr(cmd, rc); return; }
  lineStart(W_OK, cmd); key(W_PID); putU32(<u32>rc); endLine();
}

// ---- commands ----
let cmd: i32 = 0;

function execute(): void {
  beginParse();
  if (!nextToken()) return;
  if (badEscape) { errLine(W_DASH, W_BAD_ESCAPE); return; }
  cmd = -1;
  for (let w = W_HELP; w <= W_ECHO; w++) if (tokIs(w)) { cmd = w; break; }
  if (cmd < 0) {
    lineStart(W_ERR, W_DASH); putByte(32); putWord(W_UNKNOWN_COMMAND); putByte(32);
    putEscaped(tokPtr(), tokLen < 32 ? tokLen : 32);
    endLine();
    return;
  }
  if (cmd == W_HELP) { if (noMore()) cmdHelp(); }
  else if (cmd == W_SHOW) { if (noMore()) cmdShow(); }
  else if (cmd == W_NET) cmdNet();
  else if (cmd == W_SET) cmdSet();
  else if (cmd == W_SAVE) { if (noMore()) result(cmd, consoleConfigSave()); }
  else if (cmd == W_LOAD) { if (noMore()) result(cmd, consoleConfigLoad()); }
  else if (cmd == W_CONNECT) { if (noMore()) result(cmd, wq_connect()); }
  else if (cmd == W_DISCONNECT) { if (noMore()) result(cmd, wq_disconnect()); }
  else if (cmd == W_SUB || cmd == W_UNSUB) cmdSub();
  else if (cmd == W_PUB) cmdPub();
  else if (cmd == W_STATUS) { if (noMore()) cmdStatus(); }
  else cmdEcho();
}

/** The next token, which must exist and decode cleanly; otherwise an err line. */
function need(): bool {
  if (!nextToken()) { errLine(cmd, W_MISSING_ARGUMENT); return false; }
  if (badEscape) { errLine(cmd, W_BAD_ESCAPE); return false; }
  return true;
}

/** No further token may follow. */
function noMore(): bool {
  if (nextToken()) { errLine(cmd, W_EXTRA_ARGUMENT); return false; }
  return true;
}

function cmdHelp(): void {
  lineStart(W_OK, W_HELP);
  key(W_COMMANDS);
  for (let w = W_HELP; w <= W_ECHO; w++) { if (w > W_HELP) putByte(44); putWord(w); }
  key(W_DOCS);
  putWord(W_DOCS_CONSOLE_MD);
  endLine();
}

function stage(p: usize, len: i32): bool {
  if (len > wq_buf_size()) return false;
  memory.copy(wq_buf(), p, <usize>len);
  return true;
}

function setNumber(cfgKey: i32, v: u32): void {
  store<u32>(wq_buf(), v);
  result(cmd, wq_config(cfgKey, 4));
}

function setBytes(cfgKey: i32, p: usize, len: i32): void {
  if (!stage(p, len)) { errLine(cmd, W_TOO_LONG); return; }
  result(cmd, wq_config(cfgKey, len));
}

function cmdNet(): void {
  if (!need()) return;
  let field = tokIs(W_MAC) ? CFG_MAC : tokIs(W_IP) ? CFG_DEVICE_IP : tokIs(W_GW) ? CFG_GATEWAY : tokIs(W_MASK) ? CFG_NETMASK : 0;
  if (field == 0) { errLine(cmd, W_BAD_FIELD); return; }
  if (!need()) return;
  if (field == CFG_MAC) {
    if (!tokMac(wq_buf())) { errLine(cmd, W_BAD_MAC); return; }
    if (noMore()) result(cmd, wq_config(CFG_MAC, 6));
    return;
  }
  let ip = tokIpv4();
  if (ip < 0) { errLine(cmd, W_BAD_IP); return; }
  if (noMore()) setNumber(field, <u32>ip);
}

function cmdSet(): void {
  if (!need()) return;
  if (tokIs(W_HOST)) {
    if (!need()) return;
    let ip = tokIpv4(); // the device has no DNS: the broker is an IPv4 address
    if (ip < 0) { errLine(cmd, W_BAD_IP); return; }
    if (noMore()) setNumber(CFG_BROKER_IP, <u32>ip);
  } else if (tokIs(W_PORT) || tokIs(W_KEEPALIVE) || tokIs(W_CLEAN) || tokIs(W_TRACE)) {
    let k = tokIs(W_PORT) ? CFG_BROKER_PORT : tokIs(W_KEEPALIVE) ? CFG_KEEPALIVE_S : tokIs(W_CLEAN) ? CFG_CLEAN_SESSION : CFG_TRACE;
    if (!need()) return;
    let v = tokU32();
    if (v < 0) { errLine(cmd, W_BAD_NUMBER); return; }
    if (noMore()) setNumber(k, <u32>v);
  } else if (tokIs(W_ID) || tokIs(W_USER) || tokIs(W_PASS)) {
    let k = tokIs(W_ID) ? CFG_CLIENT_ID : tokIs(W_USER) ? CFG_USERNAME : CFG_PASSWORD;
    // No value clears the field (no username / password; an empty client id).
    if (!nextToken()) { setBytes(k, LINE, 0); return; }
    if (badEscape) { errLine(cmd, W_BAD_ESCAPE); return; }
    let p = tokPtr();
    let n = tokLen;
    if (noMore()) setBytes(k, p, n);
  } else if (tokIs(W_WILL)) {
    cmdSetWill();
  } else errLine(cmd, W_BAD_FIELD);
}

/** `set will` clears the will; `set will TOPIC QOS RETAIN [PAYLOAD...]` sets it. */
function cmdSetWill(): void {
  let tp: usize = LINE;
  let tl = 0;
  let flags = 0;
  let pp: usize = LINE;
  let pl = 0;
  if (nextToken()) {
    if (badEscape) { errLine(cmd, W_BAD_ESCAPE); return; }
    tp = tokPtr();
    tl = tokLen;
    flags = qosRetain();
    if (flags < 0) return;
    restOfLine();
    if (badEscape) { errLine(cmd, W_BAD_ESCAPE); return; }
    pp = tokPtr();
    pl = tokLen;
  }
  // Payload first: staging is a copy, the line buffer keeps the topic for the second call.
  if (!stage(pp, pl)) { errLine(cmd, W_TOO_LONG); return; }
  let rc = wq_config(CFG_WILL_PAYLOAD, pl);
  if (rc >= 0) rc = stage(tp, tl) ? wq_config(CFG_WILL_TOPIC, tl) : -1;
  if (rc >= 0) { store<u8>(wq_buf(), <u8>flags); rc = wq_config(CFG_WILL_FLAGS, 1); }
  result(cmd, rc);
}

/** QOS (0..2) and RETAIN (0/1) tokens as flag bits, or -1 after an err line. */
function qosRetain(): i32 {
  if (!need()) return -1;
  let q = tokU32();
  if (q < 0 || q > 2) { errLine(cmd, W_BAD_QOS); return -1; }
  if (!need()) return -1;
  let r = tokU32();
  if (r < 0 || r > 1) { errLine(cmd, W_BAD_RETAIN); return -1; }
  return <i32>q | (<i32>r << 2);
}

/** `sub FILTER [QOS]` and `unsub FILTER`: one entry in the staging buffer. */
function cmdSub(): void {
  if (!need()) return;
  let fp = tokPtr();
  let fl = tokLen;
  let q: i64 = 0;
  if (cmd == W_SUB && nextToken()) {
    q = tokU32();
    if (q < 0 || q > 2) { errLine(cmd, W_BAD_QOS); return; }
  }
  if (!noMore()) return;
  if (fl + 3 > wq_buf_size()) { errLine(cmd, W_TOO_LONG); return; }
  let b = wq_buf();
  store<u8>(b, <u8>(fl >> 8));
  store<u8>(b + 1, <u8>fl);
  memory.copy(b + 2, fp, <usize>fl);
  store<u8>(b + 2 + <usize>fl, <u8>q);
  pidResult(cmd, cmd == W_SUB ? wq_subscribe(1) : wq_unsubscribe(1));
}

/** `pub TOPIC QOS RETAIN [PAYLOAD...]`: the payload is the rest of the line. */
function cmdPub(): void {
  if (!need()) return;
  let tp = tokPtr();
  let tl = tokLen;
  let flags = qosRetain();
  if (flags < 0) return;
  restOfLine();
  if (badEscape) { errLine(cmd, W_BAD_ESCAPE); return; }
  if (tl + tokLen > wq_buf_size()) { errLine(cmd, W_TOO_BIG); return; }
  let b = wq_buf();
  memory.copy(b, tp, <usize>tl);
  memory.copy(b + <usize>tl, tokPtr(), <usize>tokLen);
  pidResult(cmd, wq_publish(tl, tokLen, flags));
}

// (key word, stat key) pairs printed by `status` after the state.
const STATUS_KEYS: usize = memory.data<u8>([
  <u8>W_INFLIGHT, <u8>STAT_INFLIGHT_OUT, <u8>W_QUEUED, <u8>STAT_QUEUED_OUT,
  <u8>W_INFLIGHT_IN, <u8>STAT_INFLIGHT_IN, <u8>W_TX, <u8>STAT_TX_PACKETS, <u8>W_RX, <u8>STAT_RX_PACKETS,
  <u8>W_RETRANSMITS, <u8>STAT_RETRANSMITS, <u8>W_RECONNECTS, <u8>STAT_RECONNECTS,
  <u8>W_STORE_USED, <u8>STAT_STORE_USED, <u8>W_STORE_CAPACITY, <u8>STAT_STORE_CAPACITY,
]);
const STATUS_KEY_COUNT: i32 = 9;

function cmdStatus(): void {
  lineStart(W_OK, W_STATUS);
  key(W_STATE);
  let s = wq_stat(STAT_STATE);
  // ST_IDLE..ST_CONNECTED are 0..4; the words idle, backoff, tcp-connecting, mqtt-connecting,
  // connected follow each other in words.ts.
  putWord(s >= 0 && s <= 4 ? W_IDLE + s : W_UNKNOWN);
  for (let i = 0; i < STATUS_KEY_COUNT; i++) {
    key(<i32>load<u8>(STATUS_KEYS + <usize>(2 * i)));
    putI32(wq_stat(<i32>load<u8>(STATUS_KEYS + <usize>(2 * i + 1))));
  }
  key(W_LAST_ERROR);
  putErr(wq_stat(STAT_LAST_ERROR));
  endLine();
}

function cmdEcho(): void {
  if (!need()) return;
  let on = tokIs(W_ON);
  if (!on && !tokIs(W_OFF)) { errLine(cmd, W_BAD_VALUE); return; }
  if (!noMore()) return;
  echo = on;
  okLine(cmd);
}

function putStr(cfgKey: i32): void { putEscaped(strPtr(cfgKey), strLen(cfgKey)); }

function cmdShow(): void {
  lineStart(W_OK, W_SHOW);
  key(W_MAC);
  let m = macPtr();
  for (let i = 0; i < 6; i++) { if (i > 0) putByte(58); putHexByte(<i32>load<u8>(m + <usize>i)); }
  key(W_IP); putIp(num(CFG_DEVICE_IP));
  key(W_GW); putIp(num(CFG_GATEWAY));
  key(W_MASK); putIp(num(CFG_NETMASK));
  key(W_HOST); putIp(num(CFG_BROKER_IP));
  key(W_PORT); putU32(num(CFG_BROKER_PORT));
  key(W_ID); putStr(CFG_CLIENT_ID);
  key(W_USER); putStr(CFG_USERNAME);
  key(W_PASS); putWord(strLen(CFG_PASSWORD) > 0 ? W_SET : W_NONE); // never echo the password
  key(W_KEEPALIVE); putU32(num(CFG_KEEPALIVE_S));
  key(W_CLEAN); putU32(num(CFG_CLEAN_SESSION));
  key(W_WILL); if (strLen(CFG_WILL_TOPIC) > 0) putStr(CFG_WILL_TOPIC); else putWord(W_NONE);
  let wf = num(CFG_WILL_FLAGS);
  key(W_WILL_QOS); putU32(wf & 3);
  key(W_WILL_RETAIN); putU32((wf >> 2) & 1);
  key(W_WILL_PAYLOAD); putStr(CFG_WILL_PAYLOAD);
  endLine();
}

// ---- events ----
@inline function u8at(p: usize, off: i32): i32 { return <i32>load<u8>(p + <usize>off); }
@inline function u16at(p: usize, off: i32): i32 { return <i32>load<u16>(p + <usize>off); }

// Smallest record length per event kind 1..9 (api/abi.ts layouts).
const EVENT_MIN: usize = memory.data<u8>([0, 1, 5, 4, 8, 3, 3, 2, 8, 8]);

/** One `evt` line per core event. A record shorter than its layout is reported, never read. */
export function consoleOnEvent(kind: i32, ptr: usize, len: i32): void {
  let min = kind >= 1 && kind <= 9 ? <i32>load<u8>(EVENT_MIN + <usize>kind) : 0;
  if (len < min || kind == EV_MESSAGE && 8 + u16at(ptr, 4) + u16at(ptr, 6) > len) {
    lineStart(W_EVT, W_MALFORMED_EVENT); key(W_KIND); putI32(kind); key(W_LEN); putI32(len); endLine();
    return;
  }
  putWord(W_EVT);
  putByte(32);
  if (kind == EV_CONNECTED) {
    putWord(W_CONNECTED); key(W_SESSION_PRESENT); putI32(u8at(ptr, 0));
  } else if (kind == EV_CONNECT_FAILED) {
    putWord(W_CONNECT_FAILED); key(W_ERROR); putErr(load<i32>(ptr)); key(W_RC);
    let rc = u8at(ptr, 4);
    if (rc == 255) putWord(W_NONE); else putI32(rc);
  } else if (kind == EV_DISCONNECTED) {
    let reason = load<i32>(ptr);
    putWord(W_DISCONNECTED); key(W_REASON);
    if (reason == 0) putWord(W_REQUESTED); else putErr(reason);
  } else if (kind == EV_MESSAGE) {
    let flags = u8at(ptr, 0);
    let tl = u16at(ptr, 4);
    let pl = u16at(ptr, 6);
    putWord(W_MESSAGE);
    key(W_TOPIC); putEscaped(ptr + 8, tl);
    key(W_QOS); putI32(flags & 3);
    key(W_RETAIN); putI32((flags >> 2) & 1);
    key(W_DUP); putI32((flags >> 3) & 1);
    key(W_PID); putI32(u16at(ptr, 2));
    key(W_LEN); putI32(pl);
    key(W_PAYLOAD); putEscaped(ptr + 8 + <usize>tl, pl);
  } else if (kind == EV_PUBLISH_DONE) {
    putWord(W_PUBLISH_DONE); key(W_PID); putI32(u16at(ptr, 0)); key(W_QOS); putI32(u8at(ptr, 2));
  } else if (kind == EV_SUBACK) {
    let n = u8at(ptr, 2);
    putWord(W_SUBACK); key(W_PID); putI32(u16at(ptr, 0)); key(W_CODES);
    for (let i = 0; i < n && 3 + i < len; i++) {
      if (i > 0) putByte(44);
      let c = u8at(ptr, 3 + i);
      if (c == 0x80) putWord(W_FAILURE); else putI32(c);
    }
  } else if (kind == EV_UNSUBACK) {
    putWord(W_UNSUBACK); key(W_PID); putI32(u16at(ptr, 0));
  } else if (kind == EV_ERROR) {
    putWord(W_ERROR); key(W_CODE); putErr(load<i32>(ptr));
    key(W_PACKET); putI32(u8at(ptr, 4)); key(W_DETAIL); putI32(u16at(ptr, 6));
  } else if (kind == EV_TRACE) {
    putWord(W_TRACE);
    key(W_DIR); putWord(u8at(ptr, 0) == 0 ? W_TX : W_RX);
    key(W_TYPE); putI32(u8at(ptr, 1));
    key(W_FLAGS); putI32(u8at(ptr, 2));
    key(W_EXTRA); putI32(u8at(ptr, 3));
    key(W_PID); putI32(u16at(ptr, 4));
    key(W_LEN); putI32(u16at(ptr, 6));
  } else {
    putWord(W_UNKNOWN); key(W_KIND); putI32(kind); key(W_LEN); putI32(len);
  }
  endLine();
}
