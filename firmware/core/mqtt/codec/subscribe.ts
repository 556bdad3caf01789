// SUBSCRIBE (8): packet id + entries (u16 length, filter, requested QoS byte).
// The entry list has exactly the layout of the API's staging format, so it is copied as is.
import { ERR_TOO_BIG, PACKET_MAX, ERR_EMPTY_LIST, ERR_SUB_OPTIONS, ERR_QOS3 } from "../../api/abi";
import { putHeader, putU16, varintLen } from "../wire";
import { checkFilter } from "../topic";
import { rp, rEnd, rStart, rLen, readBytes, readPid } from "./reader";
import { fail, setA, setPid, setCount } from "./packet";
import * as R from "./reader";

/** list = entries in wire layout, listLen bytes. Returns the packet length or ERR_TOO_BIG. */
export function encodeSubscribe(dst: usize, pid: i32, list: usize, listLen: i32): i32 {
  return encodeList(dst, 0x82, pid, list, listLen);
}

/** SUBSCRIBE (first = 0x82) or UNSUBSCRIBE (0xA2): header, packet id, entry list. */
export function encodeList(dst: usize, first: i32, pid: i32, list: usize, listLen: i32): i32 {
  let rl = 2 + listLen;
  if (1 + varintLen(rl) + rl > PACKET_MAX) return ERR_TOO_BIG;
  let p = putHeader(dst, first, rl);
  p = putU16(p, pid);
  memory.copy(p, list, listLen);
  return <i32>(p + listLen - dst);
}

/** Decodes SUBSCRIBE (withQos) or UNSUBSCRIBE entries after the packet id. */
export function decodeSubList(withQos: bool): i32 {
  let pid = readPid();
  if (pid < 0) return pid;
  setPid(pid);
  setA(rp, <i32>(rEnd - rp));
  let n = 0;
  while (R.rp < rEnd) {
    let f = readBytes(true);
    if (f == 0) return rLen;
    let e = checkFilter(f, rLen);
    if (e < 0) return fail(e, f, rStart);
    if (withQos) {
      if (R.rp >= rEnd) return fail(ERR_SUB_OPTIONS, R.rp, rStart);
      let q = load<u8>(R.rp);
      if ((q & 0xfc) != 0) return fail(ERR_SUB_OPTIONS, R.rp, rStart);
      if (q == 3) return fail(ERR_QOS3, R.rp, rStart);
      R.readerInit(rStart, R.rp + 1, rEnd);
    }
    n++;
  }
  if (n == 0) return fail(ERR_EMPTY_LIST, R.rp, rStart);
  setCount(n);
  return 0;
}
