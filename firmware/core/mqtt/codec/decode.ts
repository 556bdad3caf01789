// The strict decoder's entry points: fixed header (framing) and per-type dispatch.
import { ERR_RL_TOO_LONG, ERR_OVERSIZE, ERR_TYPE_RESERVED, ERR_FLAGS, ERR_QOS3, ERR_RL_MISMATCH,
  PACKET_MAX, ERR_UNEXPECTED, PT_CONNECT, PT_CONNACK, PT_PUBLISH, PT_PUBACK, PT_PUBCOMP, PT_PUBREL, PT_SUBSCRIBE, PT_SUBACK,
  PT_UNSUBSCRIBE, PT_UNSUBACK, PT_PINGREQ, PT_PINGRESP, PT_DISCONNECT } from "../../api/abi";
import { readerInit, failAt } from "./reader";
import { setHeader, setQos, fail, dQos } from "./packet";
import { decodeConnect } from "./connect";
import { decodeConnack } from "./connack";
import { decodePublish } from "./publish";
import { decodePidOnly } from "./ack";
import { decodeSubList } from "./subscribe";
import { decodeSuback } from "./suback";
import { decodeUnsubscribe } from "./unsubscribe";

/** The packet types MQTT 3.1.1 reserves (§2.2.1, "Forbidden"): a first byte of 0x0? or 0xF?. */
const PT_RESERVED_LOW: i32 = 0;
const PT_RESERVED_HIGH: i32 = 15;

export let hdrLen: i32 = 0;
export let remLen: i32 = 0;

/**
 * Frames one packet from [p, p+avail). Returns its total length when complete, 0 when more
 * bytes are needed, or an error (ERR_TYPE_RESERVED, ERR_RL_TOO_LONG, ERR_OVERSIZE) as soon as
 * the bytes present prove it. Sets hdrLen and remLen.
 */
export function frame(p: usize, avail: i32): i32 {
  if (avail < 1) return 0;
  let t = load<u8>(p) >> 4;
  if (t == PT_RESERVED_LOW || t == PT_RESERVED_HIGH) return ERR_TYPE_RESERVED;
  let rl = 0;
  let shift = 0;
  for (let i = 1; i <= 4; i++) {
    if (i >= avail) return 0;
    let b = <i32>load<u8>(p + i);
    rl |= (b & 0x7f) << shift;
    shift += 7;
    if ((b & 0x80) == 0) {
      hdrLen = i + 1;
      remLen = rl;
      let total = hdrLen + rl;
      if (total > PACKET_MAX) return ERR_OVERSIZE;
      return total <= avail ? total : 0;
    }
  }
  return ERR_RL_TOO_LONG;
}

/** Types whose fixed-header flags must be 0b0010 (§2.2.2), a bit per type; the others' are 0. */
const RESERVED_0010: i32 = 1 << PT_PUBREL | 1 << PT_SUBSCRIBE | 1 << PT_UNSUBSCRIBE;

/** Sets up the decoded header and reader; checks the fixed-header flags. Returns the type or an error. */
function header(p: usize, total: i32): i32 {
  let first = <i32>load<u8>(p);
  let type = first >> 4;
  let flags = first & 15;
  setHeader(type, flags, hdrLen, remLen);
  readerInit(p, p + hdrLen, p + total);
  if (type == PT_PUBLISH) {
    let qos = (flags >> 1) & 3;
    if (qos == 3) return failAt(ERR_QOS3, p);
    if (qos == 0 && (flags & 8) != 0) return failAt(ERR_FLAGS, p);
    setQos(qos);
  } else if (flags != ((RESERVED_0010 >> type) & 1) << 1) return failAt(ERR_FLAGS, p);
  return type;
}

/** Body of a packet a broker may send to a client; ERR_UNEXPECTED for the other types. */
function brokerBody(type: i32, p: usize): i32 {
  if (type == PT_PUBLISH) return decodePublish(dQos);
  if (<u32>(type - PT_PUBACK) < <u32>(PT_PUBCOMP - PT_PUBACK + 1) || type == PT_UNSUBACK) return decodePidOnly();
  if (type == PT_CONNACK) return decodeConnack();
  if (type == PT_SUBACK) return decodeSuback();
  if (type == PT_PINGRESP) return remLen != 0 ? failAt(ERR_RL_MISMATCH, p + 1) : 0;
  return ERR_UNEXPECTED;
}

/**
 * Validates and decodes a framed packet received by the client (p, total bytes). Returns its
 * type or an ERR_* code (ERR_UNEXPECTED for CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ,
 * DISCONNECT); on success the fields are in codec/packet.ts. Never reads outside [p, p+total).
 */
export function decodeFromBroker(p: usize, total: i32): i32 {
  let t = header(p, total);
  if (t < 0) return t;
  let e = brokerBody(t, p);
  return e < 0 ? e : t;
}

/** Like decodeFromBroker but for all 14 types (codec tests; a broker-side user). */
export function decodeFramed(p: usize, total: i32): i32 {
  let t = header(p, total);
  if (t < 0) return t;
  let e = 0;
  switch (t) {
    case PT_CONNECT: e = decodeConnect(); break;
    case PT_SUBSCRIBE: e = decodeSubList(true); break;
    case PT_UNSUBSCRIBE: e = decodeUnsubscribe(); break;
    case PT_PINGREQ: case PT_DISCONNECT: e = remLen != 0 ? failAt(ERR_RL_MISMATCH, p + 1) : 0; break;
    default: e = brokerBody(t, p);
  }
  return e < 0 ? e : t;
}

/** frame + decodeFramed for a buffer that must hold exactly one whole packet (tests). */
export function decodeOne(p: usize, len: i32): i32 {
  let total = frame(p, len);
  if (total < 0) return total;
  if (total == 0 || total != len) return fail(ERR_RL_MISMATCH, p, p);
  return decodeFramed(p, total);
}
