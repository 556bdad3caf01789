// PUBACK (4), PUBREC (5), PUBREL (6), PUBCOMP (7), UNSUBACK (11): a packet id and nothing else.
import { ERR_RL_MISMATCH, PT_PUBACK, PT_PUBREC, PT_PUBREL, PT_PUBCOMP, PT_UNSUBACK } from "../../api/abi";
import { encodePidPacket } from "../wire";
import { rp, rEnd, readPid, failHere } from "./reader";
import { setPid } from "./packet";

export function encodePuback(dst: usize, pid: i32): i32 { return encodePidPacket(dst, PT_PUBACK << 4, pid); }
export function encodePubrec(dst: usize, pid: i32): i32 { return encodePidPacket(dst, PT_PUBREC << 4, pid); }
export function encodePubrel(dst: usize, pid: i32): i32 { return encodePidPacket(dst, PT_PUBREL << 4 | 2, pid); }
export function encodePubcomp(dst: usize, pid: i32): i32 { return encodePidPacket(dst, PT_PUBCOMP << 4, pid); }
export function encodeUnsuback(dst: usize, pid: i32): i32 { return encodePidPacket(dst, PT_UNSUBACK << 4, pid); }

export function decodePidOnly(): i32 {
  if (rEnd - rp != 2) return failHere(ERR_RL_MISMATCH);
  let pid = readPid();
  if (pid < 0) return pid;
  setPid(pid);
  return 0;
}
