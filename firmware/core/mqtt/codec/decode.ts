// The strict decoder's entry points: fixed header (framing) and per-type dispatch.
import { ERR_RL_TOO_LONG, ERR_OVERSIZE, ERR_TYPE_RESERVED, ERR_FLAGS, ERR_QOS3, ERR_RL_MISMATCH,
  PACKET_MAX } from "../../api/abi";
import { readerInit } from "./reader";
import { setHeader, setQos, fail } from "./packet";
import { decodeConnect } from "./connect";
import { decodeConnack } from "./connack";
import { decodePublish } from "./publish";
import { decodePidOnly } from "./ack";
import { decodeSubList } from "./subscribe";
import { decodeSuback } from "./suback";
import { decodeUnsubscribe } from "./unsubscribe";

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
  if (t == 0 || t == 15) return ERR_TYPE_RESERVED;
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

/**
 * Validates and decodes the framed packet at p (total bytes). Returns its type (1..14) or an
 * ERR_* code; on success the fields are in codec/packet.ts. Never reads outside [p, p+total).
 */
export function decodeFramed(p: usize, total: i32): i32 {
  let first = <i32>load<u8>(p);
  let type = first >> 4;
  let flags = first & 15;
  setHeader(type, flags, hdrLen, remLen);
  readerInit(p, p + hdrLen, p + total);
  let e = 0;
  if (type == 3) {
    let qos = (flags >> 1) & 3;
    if (qos == 3) return fail(ERR_QOS3, p, p);
    if (qos == 0 && (flags & 8) != 0) return fail(ERR_FLAGS, p, p);
    setQos(qos);
    e = decodePublish(qos);
  } else {
    let want = (type == 6 || type == 8 || type == 10) ? 2 : 0;
    if (flags != want) return fail(ERR_FLAGS, p, p);
    switch (type) {
      case 1: e = decodeConnect(); break;
      case 2: e = decodeConnack(); break;
      case 4: case 5: case 6: case 7: case 11: e = decodePidOnly(); break;
      case 8: e = decodeSubList(true); break;
      case 9: e = decodeSuback(); break;
      case 10: e = decodeUnsubscribe(); break;
      default: if (remLen != 0) return fail(ERR_RL_MISMATCH, p + 1, p); // 12, 13, 14
    }
  }
  return e < 0 ? e : type;
}

/** frame + decodeFramed for a buffer that must hold exactly one whole packet (tests). */
export function decodeOne(p: usize, len: i32): i32 {
  let total = frame(p, len);
  if (total < 0) return total;
  if (total == 0 || total != len) return fail(ERR_RL_MISMATCH, p, p);
  return decodeFramed(p, total);
}
