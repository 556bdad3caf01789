// CONNACK (type 2): acknowledge flags (session present) and return code 0..5.
import { ERR_CONNACK_FLAGS, ERR_CONNACK_CODE, ERR_RL_MISMATCH, ERR_SESSION_PRESENT, PT_CONNACK } from "../../api/abi";
import { rp, rEnd, failAt, failHere } from "./reader";
import { setConnack } from "./packet";

export function encodeConnack(dst: usize, sessionPresent: i32, rc: i32): i32 {
  store<u32>(dst, 0x0002 | (<u32>(sessionPresent & 1) << 16) | (<u32>(rc & 0xff) << 24));
  store<u8>(dst, <u8>(PT_CONNACK << 4));
  store<u8>(dst + 1, 2);
  return 4;
}

export function decodeConnack(): i32 {
  if (rEnd - rp != 2) return failHere(ERR_RL_MISMATCH);
  let ack = <i32>load<u8>(rp);
  let rc = <i32>load<u8>(rp + 1);
  if ((ack & 0xfe) != 0) return failHere(ERR_CONNACK_FLAGS);
  if (rc > 5) return failAt(ERR_CONNACK_CODE, rp + 1);
  if (rc != 0 && ack != 0) return failHere(ERR_SESSION_PRESENT);
  setConnack(rc, ack);
  return 0;
}
