// The decoded form of the last packet the decoder accepted: plain globals (no allocation).
// Pointers point into the packet bytes, which stay where they are.

export let dType: i32 = 0;        // packet type 1..14
export let dFlags: i32 = 0;       // fixed-header low nibble
export let dHdrLen: i32 = 0;      // fixed-header bytes
export let dRl: i32 = 0;          // remaining length
export let dPid: i32 = 0;         // packet id (0 when the type has none)
export let dQos: i32 = 0;         // PUBLISH QoS
export let dA: usize = 0;         // PUBLISH topic / CONNECT client id / list start (SUBSCRIBE, UNSUBSCRIBE, SUBACK)
export let dALen: i32 = 0;        // its length (list: bytes)
export let dB: usize = 0;         // PUBLISH payload / CONNECT will topic
export let dBLen: i32 = 0;        // its length (-1 absent)
export let dC: usize = 0;         // CONNECT will payload
export let dCLen: i32 = -1;
export let dD: usize = 0;         // CONNECT username
export let dDLen: i32 = -1;
export let dE: usize = 0;         // CONNECT password
export let dELen: i32 = -1;
export let dCount: i32 = 0;       // list entries (SUBSCRIBE, UNSUBSCRIBE, SUBACK)
export let dCode: i32 = 0;        // CONNACK return code / CONNECT flags byte
export let dExtra: i32 = 0;       // CONNACK session present / CONNECT keepalive
export let dErrAt: i32 = 0;       // byte offset in the packet where a decode error was found

export function setA(p: usize, len: i32): void { dA = p; dALen = len; }
export function setB(p: usize, len: i32): void { dB = p; dBLen = len; }
export function setC(p: usize, len: i32): void { dC = p; dCLen = len; }
export function setD(p: usize, len: i32): void { dD = p; dDLen = len; }
export function setE(p: usize, len: i32): void { dE = p; dELen = len; }
export function setHeader(type: i32, flags: i32, hdrLen: i32, rl: i32): void {
  dType = type; dFlags = flags; dHdrLen = hdrLen; dRl = rl; dPid = 0; dQos = 0; dCount = 0;
  dCode = 0; dExtra = 0; dErrAt = 0; dBLen = -1; dCLen = -1; dDLen = -1; dELen = -1; dALen = 0;
}
export function setPid(pid: i32): void { dPid = pid; }
export function setQos(q: i32): void { dQos = q; }
export function setCount(n: i32): void { dCount = n; }
export function setCode(code: i32, extra: i32): void { dCode = code; dExtra = extra; }
/** Records where a decode error was found and returns the error code (for `return fail(...)`). */
export function fail(code: i32, at: usize, start: usize): i32 { dErrAt = <i32>(at - start); return code; }
