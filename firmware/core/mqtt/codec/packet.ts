// The decoded form of the last packet the decoder accepted: plain globals (no allocation).
// Pointers point into the packet bytes, which stay where they are.

export let dType: i32 = 0;        // packet type 1..14
export let dFlags: i32 = 0;       // fixed-header low nibble
export let dHdrLen: i32 = 0;      // fixed-header bytes
export let dRl: i32 = 0;          // remaining length
export let dPid: i32 = 0;         // packet id (0 when the type has none)
export let dQos: i32 = 0;         // PUBLISH QoS
// Five pointer + length slots shared by the packet types, each type using the few it needs
// (-1 length: field absent). Read and written through the named accessors below, so the code
// that handles a PUBLISH says topic and payload; the accessors are @inline and cost no bytes.
//   slot  PUBLISH   CONNECT       SUBSCRIBE, UNSUBSCRIBE  SUBACK
//   A     topic     client id     entry list (bytes)      return codes (one byte each)
//   B     payload   will topic
//   C               will payload
//   D               user name
//   E               password
// (codec-entry.ts exports the slots as they are, d_a..d_elen, for the codec's unit tests.)
export let dA: usize = 0;
export let dALen: i32 = 0;
export let dB: usize = 0;
export let dBLen: i32 = 0;
export let dC: usize = 0;
export let dCLen: i32 = -1;
export let dD: usize = 0;
export let dDLen: i32 = -1;
export let dE: usize = 0;
export let dELen: i32 = -1;
export let dCount: i32 = 0;       // list entries (SUBSCRIBE, UNSUBSCRIBE, SUBACK)
export let dCode: i32 = 0;        // CONNACK return code / CONNECT flags byte
export let dExtra: i32 = 0;       // CONNACK session present / CONNECT keepalive
export let dErrAt: i32 = 0;       // byte offset in the packet where a decode error was found

function setA(p: usize, len: i32): void { dA = p; dALen = len; }
function setB(p: usize, len: i32): void { dB = p; dBLen = len; }
function setC(p: usize, len: i32): void { dC = p; dCLen = len; }
function setD(p: usize, len: i32): void { dD = p; dDLen = len; }
function setE(p: usize, len: i32): void { dE = p; dELen = len; }

// PUBLISH
@inline export function setTopic(p: usize, len: i32): void { setA(p, len); }
@inline export function setPayload(p: usize, len: i32): void { setB(p, len); }
@inline export function topic(): usize { return dA; }
@inline export function topicLen(): i32 { return dALen; }
@inline export function payload(): usize { return dB; }
@inline export function payloadLen(): i32 { return dBLen; }
// CONNECT (decoded for tests; the client only encodes it)
@inline export function setClientId(p: usize, len: i32): void { setA(p, len); }
@inline export function setWillTopic(p: usize, len: i32): void { setB(p, len); }
@inline export function setWillPayload(p: usize, len: i32): void { setC(p, len); }
@inline export function setUsername(p: usize, len: i32): void { setD(p, len); }
@inline export function setPassword(p: usize, len: i32): void { setE(p, len); }
@inline export function setConnect(flags: i32, keepalive: i32): void { setCode(flags, keepalive); }
// CONNACK
@inline export function setConnack(returnCode: i32, sessionPresent: i32): void { setCode(returnCode, sessionPresent); }
@inline export function connackCode(): i32 { return dCode; }
@inline export function sessionPresent(): i32 { return dExtra; }
// SUBSCRIBE, UNSUBSCRIBE (entries in wire layout) and SUBACK (return codes): dCount entries
@inline export function setList(p: usize, bytes: i32): void { setA(p, bytes); }
@inline export function list(): usize { return dA; }
export function setHeader(type: i32, flags: i32, hdrLen: i32, rl: i32): void {
  dType = type; dFlags = flags; dHdrLen = hdrLen; dRl = rl; dPid = 0; dQos = 0; dCount = 0;
  dCode = 0; dExtra = 0; dErrAt = 0; dBLen = -1; dCLen = -1; dDLen = -1; dELen = -1; dALen = 0;
}
export function setPid(pid: i32): void { dPid = pid; }
export function setQos(q: i32): void { dQos = q; }
export function setCount(n: i32): void { dCount = n; }
function setCode(code: i32, extra: i32): void { dCode = code; dExtra = extra; }
/** Records where a decode error was found and returns the error code (for `return fail(...)`). */
export function fail(code: i32, at: usize, start: usize): i32 { dErrAt = <i32>(at - start); return code; }
