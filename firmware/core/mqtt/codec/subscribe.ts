// SUBSCRIBE (8): packet id + entries (u16 length, filter, requested QoS byte).
// The entry list has exactly the layout of the API's staging format, so it is copied as is.
import { ERR_EMPTY_LIST, ERR_SUB_OPTIONS, ERR_QOS3, PT_SUBSCRIBE } from "../../api/abi";
import { putHeader, putU16 } from "../wire";
import { checkFilter } from "../topic";
import { rp, rEnd, rLen, readBytes, readPid, failAt, failHere } from "./reader";
import { setList, setPid, setCount } from "./packet";
import * as R from "./reader";

/** list = entries in wire layout, listLen bytes. Returns the packet length (the caller keeps it
 * under PACKET_MAX). */
export function encodeSubscribe(dst: usize, pid: i32, list: usize, listLen: i32): i32 {
  return encodeList(dst, PT_SUBSCRIBE << 4 | 2, pid, list, listLen);
}

/** SUBSCRIBE or UNSUBSCRIBE (`first`: the type << 4 | 2, §3.8.1 / §3.10.1): header, packet id, entry list. */
export function encodeList(dst: usize, first: i32, pid: i32, list: usize, listLen: i32): i32 {
  let p = putHeader(dst, first, 2 + listLen);
  p = putU16(p, pid);
  memory.copy(p, list, listLen);
  return <i32>(p + listLen - dst);
}

/** Decodes SUBSCRIBE (withQos) or UNSUBSCRIBE entries after the packet id. */
export function decodeSubList(withQos: bool): i32 {
  let pid = readPid();
  if (pid < 0) return pid;
  setPid(pid);
  setList(rp, <i32>(rEnd - rp));
  let n = 0;
  while (R.rp < rEnd) {
    let f = readBytes(true);
    if (f == 0) return rLen;
    let e = checkFilter(f, rLen);
    if (e < 0) return failAt(e, f);
    if (withQos) {
      if (R.rp >= rEnd) return failHere(ERR_SUB_OPTIONS);
      let q = load<u8>(R.rp);
      if ((q & 0xfc) != 0) return failHere(ERR_SUB_OPTIONS);
      if (q == 3) return failHere(ERR_QOS3);
      R.readerInit(R.rStart, R.rp + 1, rEnd);
    }
    n++;
  }
  if (n == 0) return failHere(ERR_EMPTY_LIST);
  setCount(n);
  return 0;
}
