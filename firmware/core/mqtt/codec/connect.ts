// CONNECT (type 1): encode for the client; decode for tests and symmetry.
import { ERR_PROTOCOL_NAME, ERR_PROTOCOL_LEVEL, ERR_CONNECT_FLAGS,
  ERR_QOS3, ERR_RL_MISMATCH, PT_CONNECT } from "../../api/abi";
import { putHeader, putStr, putU16 } from "../wire";
import { rp, rEnd, rLen, readU16, readBytes, failAt, failHere } from "./reader";
import { setClientId, setWillTopic, setWillPayload, setUsername, setPassword, setConnect } from "./packet";

// CONNECT flags (§3.1.2.3); the will's QoS is bits 3-4 and its retain bit 5 (CF_WILL_QOS_SHIFT).
export const CF_RESERVED: i32 = 0x01;  // must be 0
export const CF_CLEAN: i32 = 0x02;     // clean session
export const CF_WILL: i32 = 0x04;      // a will topic and payload follow the client id
export const CF_WILL_QOS_SHIFT: i32 = 3;
export const CF_WILL_BITS: i32 = 0x38; // will QoS and retain: 0 without CF_WILL
export const CF_PASSWORD: i32 = 0x40;  // a password follows (only with CF_USERNAME)
export const CF_USERNAME: i32 = 0x80;  // a user name follows

/**
 * Encodes CONNECT at dst. A length < 0 means the field is absent (user, password, will).
 * willFlags: bits 0-1 QoS, bit 2 retain. Returns the packet length. The caller keeps it under
 * PACKET_MAX (the client's config fields add up to far less).
 */
export function encodeConnect(dst: usize, cid: usize, cidLen: i32, user: usize, userLen: i32,
  pass: usize, passLen: i32, willT: usize, willTLen: i32, willP: usize, willPLen: i32,
  willFlags: i32, clean: i32, keepalive: i32): i32 {
  let rl = 10 + 2 + cidLen;
  let flags = clean != 0 ? CF_CLEAN : 0;
  if (willTLen >= 0) {
    rl += 4 + willTLen + willPLen;
    flags |= CF_WILL | ((willFlags & 7) << CF_WILL_QOS_SHIFT); // will QoS to bits 3-4, will retain to bit 5
  }
  if (userLen >= 0) { rl += 2 + userLen; flags |= CF_USERNAME; }
  if (passLen >= 0) { rl += 2 + passLen; flags |= CF_PASSWORD; }
  let p = putConnectHead(putHeader(dst, PT_CONNECT << 4, rl), flags, keepalive);
  p = putStr(p, cid, cidLen);
  if (willTLen >= 0) { p = putStr(p, willT, willTLen); p = putStr(p, willP, willPLen); }
  if (userLen >= 0) p = putStr(p, user, userLen);
  if (passLen >= 0) p = putStr(p, pass, passLen);
  return <i32>(p - dst);
}

/** Writes CONNECT's variable header (protocol name and level, connect flags, keepalive: 10
 * bytes) at p; returns the pointer after it, where the payload's fields go. */
export function putConnectHead(p: usize, flags: i32, keepalive: i32): usize {
  p = putU16(p, 4);
  store<u32>(p, 0x5454514d); // "MQTT"
  store<u8>(p + 4, 4);        // protocol level 3.1.1
  store<u8>(p + 5, <u8>flags);
  return putU16(p + 6, keepalive);
}

/** Decodes a CONNECT body (reader positioned after the fixed header). */
export function decodeConnect(): i32 {
  let name = readBytes(false);
  if (name == 0) return rLen;
  if (rLen != 4 || load<u32>(name) != 0x5454514d) return failAt(ERR_PROTOCOL_NAME, name);
  if (rp + 4 > rEnd) return failHere(ERR_RL_MISMATCH);
  if (load<u8>(rp) != 4) return failHere(ERR_PROTOCOL_LEVEL);
  let flags = <i32>load<u8>(rp + 1);
  let at = rp + 1;
  rp += 2;
  let wq = (flags >> 3) & 3;
  if ((flags & CF_RESERVED) != 0) return failAt(ERR_CONNECT_FLAGS, at);
  if (wq == 3) return failAt(ERR_QOS3, at);
  if ((flags & CF_WILL) == 0 && (flags & CF_WILL_BITS) != 0) return failAt(ERR_CONNECT_FLAGS, at);
  if ((flags & CF_USERNAME) == 0 && (flags & CF_PASSWORD) != 0) return failAt(ERR_CONNECT_FLAGS, at);
  setConnect(flags, readU16());
  let p = readBytes(true);
  if (p == 0) return rLen;
  setClientId(p, rLen);
  if ((flags & CF_WILL) != 0) {
    p = readBytes(true);
    if (p == 0) return rLen;
    setWillTopic(p, rLen);
    p = readBytes(false);
    if (p == 0) return rLen;
    setWillPayload(p, rLen);
  }
  if ((flags & CF_USERNAME) != 0) {
    p = readBytes(true);
    if (p == 0) return rLen;
    setUsername(p, rLen);
  }
  if ((flags & CF_PASSWORD) != 0) {
    p = readBytes(false);
    if (p == 0) return rLen;
    setPassword(p, rLen);
  }
  if (rp != rEnd) return failHere(ERR_RL_MISMATCH);
  return 0;
}
