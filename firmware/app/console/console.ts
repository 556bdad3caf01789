// Device console: the UART line protocol of docs/console.md. A person can type it and a program
// can parse it: every reply is one line starting with `ok`, `err` or `evt`, values are
// key=value with %XX escapes, and nothing the peer sends can make the console allocate, trap
// or touch the saved config except `save`. All text lives in words.ts (one ASCII blob).
//
// The app entry (index.ts) calls consoleStep() in every step() and registers consoleOnEvent() as
// the core's app event handler (core/api/app.ts).
import {
  CFG_CLIENT_ID, CFG_USERNAME, CFG_PASSWORD, CFG_WILL_TOPIC, CFG_WILL_PAYLOAD, CFG_WILL_FLAGS,
  CFG_KEEPALIVE_S, CFG_CLEAN_SESSION, CFG_BROKER_IP, CFG_BROKER_PORT, CFG_MAC, CFG_DEVICE_IP,
  CFG_GATEWAY, CFG_NETMASK, CFG_TRACE, CFG_SPILL_MS, CFG_CONSOLE_QUIET,
  STAT_STATE, STAT_INFLIGHT_OUT, STAT_QUEUED_OUT, STAT_INFLIGHT_IN, STAT_TX_PACKETS, STAT_RX_PACKETS,
  STAT_RETRANSMITS, STAT_RECONNECTS, STAT_LAST_ERROR, STAT_STORE_USED, STAT_STORE_CAPACITY,
  EV_DISCONNECTED, EV_MESSAGE, EV_PUBLISH_DONE, EV_LINK, EV_DHCP, ERR_QUEUE_FULL, PACKET_MAX,
} from "../../core/api/abi";
import { millis } from "../../core/api/board";
// The LAN image's part (console-lan.ts: lanSetHost, lanClearHost, lanShowHost, lanShowDns,
// lanTokIsDns, lanNetDns, lanStatus, lanDhcpEvent, lanSave, lanLoad) is @global and named
// only under isDefined(WQ_LAN): asc drops those branches unresolved in device.wasm, which so stays
// byte for byte what it was without them (an import would lay out the LAN services' buffers in it).
import {
  wq_buf, wq_buf_size, wq_config, wq_config_get, wq_config_num, wq_connect, wq_disconnect, wq_publish, wq_subscribe,
  wq_unsubscribe, wq_stat, wq_config_save, wq_config_load,
} from "./core_api";
import { uart_read } from "./uart";
import {
  putByte, putWord, putErr, errWord, putU32, putI32, putIp, putHex, putEscaped, key, endLine, flush,
} from "./out";
import {
  LINE, LINE_MAX, lineLen, setLineLen, beginParse, nextToken, restOfLine, tokIs, tokU32, tokNum, tokBytes,
  tokPtr, tokLen, badEscape, tokIsOption,
} from "./parse";
import {
  W_OK, W_ERR, W_EVT, W_DASH, W_HELP, W_SHOW, W_NET, W_SET, W_SAVE, W_LOAD, W_CONNECT, W_DISCONNECT,
  W_SUB, W_UNSUB, W_PUB, W_STATUS, W_ECHO, W_MAC, W_IP, W_GW, W_MASK, W_HOST, W_PORT, W_ID, W_USER,
  W_PASS, W_KEEPALIVE, W_CLEAN, W_WILL, W_TRACE, W_SPILL, W_QUIET, W_ON, W_OFF, W_COMMANDS, W_DOCS, W_DOCS_CONSOLE_MD,
  W_PID, W_STATE, W_INFLIGHT, W_QUEUED, W_INFLIGHT_IN, W_TX, W_RX, W_RETRANSMITS, W_RECONNECTS,
  W_LAST_ERROR, W_STORE_USED, W_STORE_CAPACITY, W_WILL_QOS, W_WILL_RETAIN, W_WILL_PAYLOAD,
  W_SESSION_PRESENT, W_ERROR, W_RC, W_REASON, W_TOPIC, W_QOS, W_RETAIN, W_DUP, W_LEN, W_PAYLOAD,
  W_CODES, W_CODE, W_PACKET, W_DETAIL, W_KIND, W_DIR, W_TYPE, W_FLAGS, W_EXTRA, W_PACKET_MAX, W_LINK, W_UP, W_ADDR,
  W_NONE, W_REQUESTED,
  W_FAILURE, W_IDLE, W_UNKNOWN, W_MALFORMED_EVENT, W_MESSAGE, W_CONNECT_FAILED, W_DISCONNECTED,
  W_PUBLISH_DONE, W_SUBACK, W_UNSUBACK, W_LINE_TOO_LONG, W_BAD_BYTE, W_BAD_ESCAPE, W_UNKNOWN_COMMAND,
  W_MISSING_ARGUMENT, W_EXTRA_ARGUMENT, W_BAD_FIELD, W_BAD_MAC, W_BAD_IP, W_BAD_NUMBER, W_TOO_LONG,
  W_BAD_QOS, W_BAD_RETAIN, W_BAD_VALUE, W_TOO_BIG, W_CONNECTED,
} from "./words";

// ---- input ----
const RX_CHUNK: i32 = 64;
const RX: usize = memory.data(RX_CHUNK);
// Why the current line is already refused (its err word), 0 while it is fine: a line past
// LINE_MAX is discarded and reported once; a control byte other than TAB/BS/DEL spoils the line.
let lineError = 0;
let echo = false;

/** Reads what the UART has (at most 4 chunks per step, so the MQTT engine keeps running) and
 * executes every complete line. */
export function consoleStep(): void {
  if (pubLeft > 0) { // a `pub -n` run waiting for room in the core
    // A QoS 0 run's room comes from the core sending its queued QoS 0 messages, which no event
    // reports: a slot per packet sent since the run stopped.
    if (pubCredit == 0 && (msgFlags & 3) == 0) pubCredit = wq_stat(STAT_TX_PACKETS) - pubTx;
    if (pubCredit == 0 && <i32>(millis() - pubRetryAt) >= 0) pubCredit = 1; // the timed retry
    if (pubCredit != 0) pubRun();
  }
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
    cmd = W_DASH;
    if (lineError) fail(lineError);
    else if (lineLen > 0) execute();
    lineError = 0;
    setLineLen(0);
    return;
  }
  // Input ends a `pub -n` run (its reply says how many were queued) before it can overwrite the
  // message in the line buffer; so a run that waits for a broker never blocks the console. The
  // line end that sent the command (the LF of CRLF) does not count.
  if (pubLeft > 0) pubEnd(0);
  if (b == 8 || b == 127) { // backspace, for people at a terminal
    if (lineLen > 0 && lineError != W_LINE_TOO_LONG) setLineLen(lineLen - 1);
    return;
  }
  if (b < 32 && b != 9) { if (!lineError) lineError = W_BAD_BYTE; return; }
  if (lineLen >= LINE_MAX) { lineError = W_LINE_TOO_LONG; return; }
  store<u8>(LINE + <usize>lineLen, <u8>b);
  setLineLen(lineLen + 1);
  if (echo) { putByte(b); flush(); }
}

// ---- replies ----
let cmd: i32 = 0; // word id of the command being executed (W_DASH before it is known)

function lineStart(kind: i32, w: i32): void { putWord(kind); putByte(32); putWord(w); }
/** `err <cmd> <code>` without the line end; `code` is an error word. */
function errStart(code: i32): void { lineStart(W_ERR, cmd); putByte(32); putWord(code); }
/** `err <cmd> <code>` for one of the console's own error words. */
export function fail(code: i32): void { errStart(code); endLine(); }
/** The reply to a core call without its line end: `err <cmd> <core error name>` for rc < 0, else
 * `ok <cmd>`, with `pid=rc` when `withPid`. */
function replyStart(rc: i32, withPid: bool): void {
  if (rc < 0) errStart(errWord(rc));
  else {
    lineStart(W_OK, cmd);
    if (withPid) { key(W_PID); putU32(<u32>rc); }
  }
}
export function result(rc: i32): void { replyStart(rc, false); endLine(); }

// ---- commands ----
// Commands that take no argument, as bits (cmd - W_HELP): help, show, save, load, connect,
// disconnect, status.
const NO_ARGS: i32 = 1 << (W_HELP - W_HELP) | 1 << (W_SHOW - W_HELP) | 1 << (W_SAVE - W_HELP)
  | 1 << (W_LOAD - W_HELP) | 1 << (W_CONNECT - W_HELP) | 1 << (W_DISCONNECT - W_HELP) | 1 << (W_STATUS - W_HELP);

/** The word id in first..last equal to the current token, or -1. */
function tokWord(first: i32, last: i32): i32 {
  for (let w = first; w <= last; w++) if (tokIs(w)) return w;
  return -1;
}

function execute(): void {
  beginParse();
  if (!nextToken() || !clean()) return; // (cmd is W_DASH: onByte set it)
  let c = tokWord(W_HELP, W_ECHO);
  if (c < 0) {
    errStart(W_UNKNOWN_COMMAND); putByte(32);
    putEscaped(tokPtr(), tokLen < 32 ? tokLen : 32);
    endLine();
    return;
  }
  cmd = c;
  if ((NO_ARGS >> (c - W_HELP)) & 1 && !noMore()) return;
  let rc: i32;
  switch (c) {
    case W_HELP: cmdHelp(); return;
    case W_SHOW: printLine(W_OK, FMT_SHOW, 0, 0, <i32>wq_config_num(CFG_WILL_FLAGS)); return;
    case W_NET: case W_SET: cmdField(); return;
    case W_SUB: case W_UNSUB: cmdSub(); return;
    case W_PUB: cmdPub(); return;
    case W_STATUS: printLine(W_OK, FMT_STATUS, 0, 0, 0); return;
    case W_ECHO: cmdEcho(); return;
    case W_SAVE: rc = wq_config_save(); if (isDefined(WQ_LAN) && rc >= 0) rc = lanSave(); break;
    case W_LOAD: rc = wq_config_load(); if (isDefined(WQ_LAN)) lanLoad(); break;
    case W_CONNECT: rc = wq_connect(); break;
    default: rc = wq_disconnect();
  }
  result(rc);
}

/** The next token, which must exist and decode cleanly; otherwise an err line. */
export function need(): bool {
  if (!nextToken()) { fail(W_MISSING_ARGUMENT); return false; }
  return clean();
}

/** The current token decoded cleanly; otherwise an err line. */
function clean(): bool {
  if (badEscape) { fail(W_BAD_ESCAPE); return false; }
  return true;
}

/** No further token may follow. */
export function noMore(): bool {
  if (nextToken()) { fail(W_EXTRA_ARGUMENT); return false; }
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

/** Copies len bytes into the core's staging buffer; false (after an err line) when too long. */
function stage(p: usize, len: i32): bool {
  if (len > wq_buf_size()) { fail(W_TOO_LONG); return false; }
  memory.copy(wq_buf(), p, <usize>len);
  return true;
}

// `net` and `set` fields, indexed by word id - W_MAC: the config key, and the value kind in bits 5-7.
const V_IP: u8 = 0 << 5, V_NUM: u8 = 1 << 5, V_STR: u8 = 2 << 5, V_MAC: u8 = 3 << 5, V_WILL: u8 = 4 << 5;
const FIELDS: usize = memory.data<u8>([
  V_MAC | <u8>CFG_MAC, V_IP | <u8>CFG_DEVICE_IP, V_IP | <u8>CFG_GATEWAY, V_IP | <u8>CFG_NETMASK, // net
  V_IP | <u8>CFG_BROKER_IP, V_NUM | <u8>CFG_BROKER_PORT, V_STR | <u8>CFG_CLIENT_ID, V_STR | <u8>CFG_USERNAME, // set
  V_STR | <u8>CFG_PASSWORD, V_NUM | <u8>CFG_KEEPALIVE_S, V_NUM | <u8>CFG_CLEAN_SESSION, V_WILL, V_NUM | <u8>CFG_TRACE,
  V_NUM | <u8>CFG_SPILL_MS, V_NUM | <u8>CFG_CONSOLE_QUIET,
]);

/** `net mac|ip|gw|mask VALUE` and `set host|port|id|user|pass|keepalive|clean|will|trace|spill|quiet ...`. */
function cmdField(): void {
  if (!need()) return;
  let w = cmd == W_NET ? tokWord(W_MAC, W_MASK) : tokWord(W_HOST, W_QUIET);
  if (isDefined(WQ_LAN)) { if (w < 0 && cmd == W_NET && lanTokIsDns()) { lanNetDns(); return; } }
  if (w < 0) { fail(W_BAD_FIELD); return; }
  let f = <i32>load<u8>(FIELDS + <usize>(w - W_MAC));
  let k = f & 31;
  let kind = <u8>(f & 0xe0);
  if (kind == V_WILL) { cmdSetWill(); return; }
  if (kind == V_STR) {
    // No value clears the field (no username / password; an empty client id).
    let p = LINE;
    let n = 0;
    if (nextToken()) {
      if (!clean()) return;
      p = tokPtr();
      n = tokLen;
      if (!noMore()) return;
    }
    if (stage(p, n)) result(wq_config(k, n));
    return;
  }
  if (!need()) return;
  let n = 4;
  if (kind == V_MAC) {
    n = 6;
    if (tokLen != 17 || !tokBytes(wq_buf(), 6, 16, 58, 45, false)) { fail(W_BAD_MAC); return; }
  } else if (kind == V_IP) {
    // Addresses are IPv4; a LAN image also takes the broker by host name (console-lan.ts).
    if (!tokBytes(wq_buf(), 4, 10, 46, 46, true)) {
      if (isDefined(WQ_LAN) && w == W_HOST) {
        let p = tokPtr();
        let len = tokLen;
        if (!noMore()) return;
        let rc = lanSetHost(p, len, wq_buf());
        if (rc != 1) { result(rc); return; }
      }
      fail(W_BAD_IP);
      return;
    }
    if (isDefined(WQ_LAN) && w == W_HOST) {
      if (!noMore()) return;
      let rc = wq_config(k, n);
      if (rc >= 0) lanClearHost();
      result(rc);
      return;
    }
  } else {
    if (!tokU32()) { fail(W_BAD_NUMBER); return; }
    store<u32>(wq_buf(), tokNum);
  }
  if (noMore()) result(wq_config(k, n));
}

/** `set will` clears the will; `set will TOPIC QOS RETAIN [PAYLOAD...]` sets it. */
function cmdSetWill(): void {
  topicLen = 0;
  msgFlags = 0;
  // Without arguments the (empty) current token is the payload.
  if (nextToken() && !(clean() && message())) return;
  // Payload first: staging is a copy, the line buffer keeps the topic for the second call.
  if (!stage(tokPtr(), tokLen)) return;
  let rc = wq_config(CFG_WILL_PAYLOAD, tokLen);
  if (rc >= 0) {
    if (!stage(topicPtr, topicLen)) return;
    rc = wq_config(CFG_WILL_TOPIC, topicLen);
  }
  if (rc >= 0) { store<u8>(wq_buf(), <u8>msgFlags); rc = wq_config(CFG_WILL_FLAGS, 1); }
  result(rc);
}

let topicPtr: usize = 0;
let topicLen: i32 = 0;
let msgFlags: i32 = 0;

/** `TOPIC QOS RETAIN [PAYLOAD...]` with TOPIC the current, clean token: fills topicPtr,
 * topicLen and msgFlags, and leaves the payload (the rest of the line) as the current token;
 * false after an err line. */
function message(): bool {
  topicPtr = tokPtr();
  topicLen = tokLen;
  msgFlags = qosRetain();
  if (msgFlags < 0) return false;
  restOfLine();
  return clean();
}

/** The current token as a number 0..max, or -1 after an err line with `code`. */
function tokUpTo(max: i32, code: i32): i32 {
  if (!tokU32() || tokNum > <u32>max) { fail(code); return -1; }
  return <i32>tokNum;
}

/** QOS (0..2) and RETAIN (0/1) tokens as flag bits, or -1 after an err line. */
function qosRetain(): i32 {
  if (!need()) return -1;
  let q = tokUpTo(2, W_BAD_QOS);
  if (q < 0 || !need()) return -1;
  let r = tokUpTo(1, W_BAD_RETAIN);
  return r < 0 ? -1 : q | (r << 2);
}

/** `sub FILTER [QOS]` and `unsub FILTER`: one entry in the staging buffer. */
function cmdSub(): void {
  if (!need()) return;
  let fp = tokPtr();
  let fl = tokLen;
  let q = 0;
  if (cmd == W_SUB && nextToken()) {
    q = tokUpTo(2, W_BAD_QOS);
    if (q < 0) return;
  }
  if (!noMore()) return;
  if (fl + 3 > wq_buf_size()) { fail(W_TOO_LONG); return; }
  let b = wq_buf();
  store<u8>(b, <u8>(fl >> 8)); // big-endian length
  store<u8>(b + 1, <u8>fl);
  memory.copy(b + 2, fp, <usize>fl);
  store<u8>(b + 2 + <usize>fl, <u8>q);
  replyStart(cmd == W_SUB ? wq_subscribe(1) : wq_unsubscribe(1), true);
  endLine();
}

// `pub -n N ...` run: the message (topic, payload) stays in the line buffer, which no input
// touches while the run lasts (the first input byte ends the run, see onByte).
let pubLeft: u32 = 0;    // publishes still to make; 0 when no run is going on
let pubQueued: u32 = 0;  // accepted by the core so far
let pubRepeat = false;   // `-n` given: wait on queue-full, add queued= to the reply
let pubPid: i32 = 0;     // pid of the last accepted publish (0 for QoS 0)
let payLen: i32 = 0;     // the payload follows the topic in the line buffer (see cmdPub)
// How many more publishes the core can take before a run expects `queue-full` (-1: no limit known,
// publish until refused). A refusal sets it to 0, and only what frees room raises it again: an
// acknowledged publish (PUBLISH_DONE) frees one slot; a link change changes what the core accepts
// (no limit); a QoS 0 run counts packets sent (consoleStep). So a waiting run makes no call bound
// to be refused, in either engine (vboard_instr_per_qos1_publish and its _engine_aot). What else
// frees room (a spill from the RAM log) is found by the timed retry, one call every PUB_RETRY_MS,
// so a run never hangs for want of an event.
let pubCredit: i32 = -1;
let pubRetryAt: u32 = 0; // millis() of the next timed retry while pubCredit is 0
let pubTx: i32 = 0;      // STAT_TX_PACKETS when the run last stopped
const PUB_RETRY_MS: u32 = 100;

/** `pub [-n N] TOPIC QOS RETAIN [PAYLOAD...]`: the payload is the rest of the line. */
function cmdPub(): void {
  if (!need()) return;
  let n: u32 = 1;
  pubRepeat = tokIsOption(110); // -n
  if (pubRepeat) {
    if (!need()) return;
    if (!tokU32() || tokNum == 0) { fail(W_BAD_NUMBER); return; }
    n = tokNum;
    if (!need()) return;
  }
  if (!message()) return;
  if (topicLen + tokLen > wq_buf_size()) { fail(W_TOO_BIG); return; }
  // Topic and payload side by side, as the core wants them staged: one copy per publish.
  payLen = tokLen;
  memory.copy(topicPtr + <usize>topicLen, tokPtr(), <usize>payLen);
  pubLeft = n;
  pubQueued = 0;
  pubPid = 0;
  pubCredit = -1;
  pubRun();
}

/** Publishes until the run is done, the core has no room (a repeat run then waits: pubCredit)
 * or the core refuses the message; then prints the command's one reply line. */
function pubRun(): void {
  let rc = 0;
  while (pubLeft > 0) {
    if (pubCredit == 0) { pubWait(); return; }
    // The core builds the packet in place: stage a fresh copy every time.
    memory.copy(wq_buf(), topicPtr, <usize>(topicLen + payLen));
    rc = wq_publish(topicLen, payLen, msgFlags);
    if (rc < 0) {
      if (rc == ERR_QUEUE_FULL && pubRepeat) { pubCredit = 0; pubWait(); return; }
      break;
    }
    if (pubCredit > 0) pubCredit--;
    pubPid = rc;
    pubQueued++;
    pubLeft--;
  }
  pubEnd(rc);
}

/** A run stops for room: what it waits for is counted from here. */
function pubWait(): void {
  pubTx = wq_stat(STAT_TX_PACKETS);
  pubRetryAt = millis() + PUB_RETRY_MS;
}

/** `ok pub pid=LAST` or `err pub CODE`, plus `queued=N` for a repeat run; ends the run. */
function pubEnd(rc: i32): void {
  cmd = W_PUB; // a run outlives its line: the line end already reset cmd
  replyStart(rc < 0 ? rc : pubPid, true);
  if (pubRepeat) { key(W_QUEUED); putU32(pubQueued); }
  endLine();
  pubLeft = 0;
}

function cmdEcho(): void {
  if (!need()) return;
  let w = tokWord(W_ON, W_OFF);
  if (w < 0) { fail(W_BAD_VALUE); return; }
  if (!noMore()) return;
  echo = w == W_ON;
  result(0);
}

// ---- table-driven reply and event lines ----
// `ok show`, `ok status` and every `evt` line are one format each in LINE_FORMATS: the line's
// word, then (key word, field op, argument) triples, then FMT_END. One small interpreter prints
// them all, which is far smaller than a call sequence per field.
const FMT_END: u8 = 0xff; // no word id, op or argument is 0xff
const F_NUM: u8 = 0;     // putU32(config number `arg`)
const F_IP: u8 = 1;      // config number `arg` as A.B.C.D
const F_STR: u8 = 2;     // config string `arg`, escaped
const F_STAT: u8 = 3;    // wq_stat(arg), signed
const F_U8: u8 = 4;      // event byte at `arg`
const F_U16: u8 = 5;     // event u16 at `arg`
const F_ERR: u8 = 6;     // event i32 at `arg` as an error name; 0 = requested (only a DISCONNECTED
                         // reason is ever 0: the other error fields always hold an ERR_*)
const F_BITS: u8 = 7;    // (bits >> arg) & (arg ? 1 : 3): QoS (bits 0-1), retain (2), dup (3)
const F_RC: u8 = 8;      // event byte at `arg`, 255 = none
const F_DIR: u8 = 9;     // event byte at `arg`: 0 = tx, else rx
const F_TOPIC: u8 = 10;  // message topic (record offset 8, length at 4), escaped
const F_PAYLOAD: u8 = 11;// message payload (after the topic, length at 6), escaped
const F_CODES: u8 = 12;  // suback codes: count at 2, codes from 3 (never past the record)
const F_MAC: u8 = 13;    // config MAC aa:bb:...
const F_PASS: u8 = 14;   // `set` or `none`: the password itself is never printed
const F_WILL: u8 = 15;   // will topic, or `none`
const F_STATE: u8 = 16;  // client state word
const F_STAT_ERR: u8 = 17; // wq_stat(arg) as an error name
const F_LIMIT: u8 = 18;  // the build's MQTT packet limit (PACKET_MAX: a board setting)

// Format index: event kind k (1..10) is k - 1; then show and status.
const FMT_SHOW: i32 = 10;
const FMT_STATUS: i32 = 11;
const LINE_FORMATS: usize = memory.data<u8>([
  <u8>W_CONNECTED, <u8>W_SESSION_PRESENT, F_U8, 0, FMT_END,
  <u8>W_CONNECT_FAILED, <u8>W_ERROR, F_ERR, 0, <u8>W_RC, F_RC, 4, FMT_END,
  <u8>W_DISCONNECTED, <u8>W_REASON, F_ERR, 0, FMT_END,
  <u8>W_MESSAGE, <u8>W_TOPIC, F_TOPIC, 0, <u8>W_QOS, F_BITS, 0, <u8>W_RETAIN, F_BITS, 2, <u8>W_DUP, F_BITS, 3,
  <u8>W_PID, F_U16, 2, <u8>W_LEN, F_U16, 6, <u8>W_PAYLOAD, F_PAYLOAD, 0, FMT_END,
  <u8>W_PUBLISH_DONE, <u8>W_PID, F_U16, 0, <u8>W_QOS, F_U8, 2, FMT_END,
  <u8>W_SUBACK, <u8>W_PID, F_U16, 0, <u8>W_CODES, F_CODES, 0, FMT_END,
  <u8>W_UNSUBACK, <u8>W_PID, F_U16, 0, FMT_END,
  <u8>W_ERROR, <u8>W_CODE, F_ERR, 0, <u8>W_PACKET, F_U8, 4, <u8>W_DETAIL, F_U16, 6, FMT_END,
  <u8>W_TRACE, <u8>W_DIR, F_DIR, 0, <u8>W_TYPE, F_U8, 1, <u8>W_FLAGS, F_U8, 2, <u8>W_EXTRA, F_U8, 3,
  <u8>W_PID, F_U16, 4, <u8>W_LEN, F_U16, 6, FMT_END,
  <u8>W_LINK, <u8>W_UP, F_U8, 0, FMT_END,
  <u8>W_SHOW, <u8>W_MAC, F_MAC, 0, <u8>W_IP, F_IP, <u8>CFG_DEVICE_IP, <u8>W_GW, F_IP, <u8>CFG_GATEWAY,
  <u8>W_MASK, F_IP, <u8>CFG_NETMASK, <u8>W_HOST, F_IP, <u8>CFG_BROKER_IP, <u8>W_PORT, F_NUM, <u8>CFG_BROKER_PORT,
  <u8>W_ID, F_STR, <u8>CFG_CLIENT_ID, <u8>W_USER, F_STR, <u8>CFG_USERNAME, <u8>W_PASS, F_PASS, 0,
  <u8>W_KEEPALIVE, F_NUM, <u8>CFG_KEEPALIVE_S, <u8>W_CLEAN, F_NUM, <u8>CFG_CLEAN_SESSION, <u8>W_WILL, F_WILL, 0,
  <u8>W_WILL_QOS, F_BITS, 0, <u8>W_WILL_RETAIN, F_BITS, 2, <u8>W_WILL_PAYLOAD, F_STR, <u8>CFG_WILL_PAYLOAD,
  <u8>W_SPILL, F_NUM, <u8>CFG_SPILL_MS, <u8>W_QUIET, F_NUM, <u8>CFG_CONSOLE_QUIET, <u8>W_PACKET_MAX, F_LIMIT, 0,
  FMT_END,
  <u8>W_STATUS, <u8>W_STATE, F_STATE, 0, <u8>W_INFLIGHT, F_STAT, <u8>STAT_INFLIGHT_OUT,
  <u8>W_QUEUED, F_STAT, <u8>STAT_QUEUED_OUT, <u8>W_INFLIGHT_IN, F_STAT, <u8>STAT_INFLIGHT_IN,
  <u8>W_TX, F_STAT, <u8>STAT_TX_PACKETS, <u8>W_RX, F_STAT, <u8>STAT_RX_PACKETS,
  <u8>W_RETRANSMITS, F_STAT, <u8>STAT_RETRANSMITS, <u8>W_RECONNECTS, F_STAT, <u8>STAT_RECONNECTS,
  <u8>W_STORE_USED, F_STAT, <u8>STAT_STORE_USED, <u8>W_STORE_CAPACITY, F_STAT, <u8>STAT_STORE_CAPACITY,
  <u8>W_LAST_ERROR, F_STAT_ERR, <u8>STAT_LAST_ERROR, FMT_END,
]);

/** A number key's value (`show`: wq_config_get stages it as a u32; wq_config_num would be
 * inlined at each use). */
function cfgNum(cfgKey: i32): u32 { wq_config_get(cfgKey); return load<u32>(wq_buf()); }
/** Prints a string key's value, escaped. */
function putStr(cfgKey: i32): void { let n = wq_config_get(cfgKey); putEscaped(wq_buf(), n); }

// The last format printed and where it starts: a run of messages prints the same `evt` line
// each time, so the walk over the formats before it is done once.
let lastFmt: i32 = -1;
let lastFmtAt: usize = 0;

/** Prints `<prefix> <word> key=value...` for format `fmt`. `ptr`/`len` are the event record
 * (already checked against its layout), `bits` the flag byte F_BITS reads. */
function printLine(prefix: i32, fmt: i32, ptr: usize, len: i32, bits: i32): void {
  let p = lastFmtAt;
  if (fmt != lastFmt) {
    lastFmt = fmt;
    p = LINE_FORMATS;
    while (fmt > 0) { if (load<u8>(p) == FMT_END) fmt--; p++; }
    lastFmtAt = p;
  }
  lineStart(prefix, <i32>load<u8>(p++));
  for (let k = <i32>load<u8>(p); k != FMT_END; k = <i32>load<u8>(p)) {
    let op = load<u8>(p + 1);
    let arg = <i32>load<u8>(p + 2);
    p += 3;
    key(k);
    switch (op) {
      case F_NUM: putU32(cfgNum(arg)); break;
      case F_IP:
        if (isDefined(WQ_LAN) && arg == CFG_BROKER_IP) lanShowHost(cfgNum(arg)); else putIp(cfgNum(arg));
        break;
      case F_STR: putStr(arg); break;
      case F_STAT: putI32(wq_stat(arg)); break;
      case F_LIMIT: putU32(<u32>PACKET_MAX); break;
      case F_U8: putU32(u8at(ptr, arg)); break;
      case F_U16: putU32(u16at(ptr, arg)); break;
      case F_ERR: { let e = load<i32>(ptr + <usize>arg); if (e == 0) putWord(W_REQUESTED); else putErr(e); break; }
      case F_BITS: putU32((bits >> arg) & (arg ? 1 : 3)); break;
      case F_RC: { let rc = u8at(ptr, arg); if (rc == 255) putWord(W_NONE); else putU32(rc); break; }
      case F_DIR: putWord(u8at(ptr, arg) == 0 ? W_TX : W_RX); break;
      case F_TOPIC: putEscaped(ptr + 8, u16at(ptr, 4)); break;
      case F_PAYLOAD: putEscaped(ptr + 8 + <usize>u16at(ptr, 4), u16at(ptr, 6)); break;
      case F_CODES: {
        let n = u8at(ptr, 2);
        for (let i = 0; i < n && 3 + i < len; i++) {
          if (i > 0) putByte(44);
          let c = u8at(ptr, 3 + i);
          if (c == 0x80) putWord(W_FAILURE); else putU32(c);
        }
        break;
      }
      case F_MAC: {
        wq_config_get(CFG_MAC);
        let m = wq_buf();
        for (let i = 0; i < 6; i++) { if (i > 0) putByte(58); putHex(<i32>load<u8>(m + <usize>i), 87); }
        break;
      }
      case F_PASS: putWord(wq_config_get(CFG_PASSWORD) > 0 ? W_SET : W_NONE); break;
      case F_WILL: {
        let n = wq_config_get(CFG_WILL_TOPIC); if (n > 0) putEscaped(wq_buf(), n); else putWord(W_NONE); break;
      }
      case F_STATE: {
        // ST_IDLE..ST_CONNECTED are 0..4; the words idle, backoff, tcp-connecting,
        // mqtt-connecting, connected follow each other in words.ts.
        let s = wq_stat(STAT_STATE);
        putWord(<u32>s <= 4 ? W_IDLE + s : W_UNKNOWN);
        break;
      }
      default: putErr(wq_stat(arg)); // F_STAT_ERR
    }
  }
  // (lastFmt: the format printed; the walk above counted `fmt` down)
  if (prefix == W_EVT && (lastFmt == 1 || lastFmt == 2)) putTried(ptr, len); // connect-failed, disconnected
  if (isDefined(WQ_LAN)) {
    if (lastFmt == FMT_STATUS) lanStatus();
    else if (lastFmt == FMT_SHOW) lanShowDns();
  }
  endLine();
}

/** `evt connect-failed` / `evt disconnected`: ` addr=A.B.C.D:PORT`, what was tried (the broker's
 * address and port; the DNS or DHCP server asked, for those errors); records shorter than 14
 * bytes carry none. */
function putTried(ptr: usize, len: i32): void {
  if (len < 14) return;
  key(W_ADDR);
  putIp(load<u32>(ptr + 8));
  putByte(58);
  putU32(<u32>load<u16>(ptr + 12));
}

// ---- events ----
@inline function u8at(p: usize, off: i32): i32 { return <i32>load<u8>(p + <usize>off); }
@inline function u16at(p: usize, off: i32): i32 { return <i32>load<u16>(p + <usize>off); }

// Smallest record length per event kind 1..10 (api/abi.ts layouts).
const EVENT_MIN: usize = memory.data<u8>([0, 1, 5, 4, 8, 3, 3, 2, 8, 8, 1]);

/** One `evt` line per core event. A record shorter than its layout is reported, never read;
 * an unknown kind is printed as `evt unknown kind= len=`. */
export function consoleOnEvent(kind: i32, ptr: usize, len: i32): void {
  // Room for a waiting `pub -n` run (pubCredit): an ack frees a slot, a link change may open the core.
  if (kind == EV_PUBLISH_DONE) { if (pubCredit >= 0) pubCredit++; }
  // (kinds 1..3: connected, connect-failed, disconnected)
  else if (kind <= EV_DISCONNECTED || kind == EV_LINK) pubCredit = -1;
  if (wq_config_num(CFG_CONSOLE_QUIET) != 0) return; // the host reads events through the event import instead
  if (isDefined(WQ_LAN) && kind == EV_DHCP) { lanDhcpEvent(ptr, len); return; }
  let known = kind >= 1 && kind <= EV_LINK;
  if (!known || len < <i32>load<u8>(EVENT_MIN + <usize>kind)
    || kind == EV_MESSAGE && 8 + u16at(ptr, 4) + u16at(ptr, 6) > len) {
    lineStart(W_EVT, known ? W_MALFORMED_EVENT : W_UNKNOWN); key(W_KIND); putI32(kind); key(W_LEN); putI32(len);
      endLine();
    return;
  }
  printLine(W_EVT, kind - 1, ptr, len, u8at(ptr, 0));
}
