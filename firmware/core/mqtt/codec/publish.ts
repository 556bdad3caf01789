// PUBLISH (type 3). The encoder also works in place: when `topic` is the area right after the
// header room (see client staging), the header, topic move and packet id never overwrite bytes
// that are still to be read, because memory.copy is a memmove.
import { ERR_RL_MISMATCH, PT_PUBLISH } from "../../api/abi";
import { putHeader, putU16, varintLen } from "../wire";
import { checkTopicName } from "../topic";
import { rp, rEnd, rLen, readBytes, readPid, failAt, failHere } from "./reader";
import { setTopic, setPayload, setPid } from "./packet";

/** Bytes of the PUBLISH packet for these sizes (fixed header included). */
export function publishSize(tlen: i32, plen: i32, qos: i32): i32 {
  let rl = 2 + tlen + (qos > 0 ? 2 : 0) + plen;
  return 1 + varintLen(rl) + rl;
}

/** flags = low nibble of the first byte: dup << 3 | qos << 1 | retain. Returns the length
 * (publishSize); the caller has checked it against PACKET_MAX. */
export function encodePublish(dst: usize, flags: i32, topic: usize, tlen: i32, pid: i32,
  payload: usize, plen: i32): i32 {
  let qos = (flags >> 1) & 3;
  let p = putHeader(dst, PT_PUBLISH << 4 | (flags & 0x0f), 2 + tlen + (qos > 0 ? 2 : 0) + plen);
  p = putU16(p, tlen);
  memory.copy(p, topic, tlen);
  p += tlen;
  if (qos > 0) p = putU16(p, pid);
  memory.copy(p, payload, plen);
  return <i32>(p + plen - dst);
}

/** Decodes a PUBLISH body; the fixed-header flags were checked by the dispatcher. */
export function decodePublish(qos: i32): i32 {
  let t = readBytes(false);
  if (t == 0) return rLen;
  let e = checkTopicName(t, rLen);
  if (e < 0) return failAt(e, t);
  setTopic(t, rLen);
  if (qos > 0) {
    let pid = readPid();
    if (pid < 0) return pid;
    setPid(pid);
  }
  if (rp > rEnd) return failHere(ERR_RL_MISMATCH);
  setPayload(rp, <i32>(rEnd - rp));
  return 0;
}
