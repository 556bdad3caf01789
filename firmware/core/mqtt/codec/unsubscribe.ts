// UNSUBSCRIBE (10): packet id + entries (u16 length, filter), the staging layout as is.
import { PT_UNSUBSCRIBE } from "../../api/abi";
import { encodeList, decodeSubList } from "./subscribe";

export function encodeUnsubscribe(dst: usize, pid: i32, list: usize, listLen: i32): i32 {
  return encodeList(dst, PT_UNSUBSCRIBE << 4 | 2, pid, list, listLen);
}

export function decodeUnsubscribe(): i32 { return decodeSubList(false); }
