// PUBACK (4), PUBREC (5), PUBREL (6), PUBCOMP (7), UNSUBACK (11): a packet id and nothing else.
import { ERR_RL_MISMATCH } from "../../api/abi";
import { encodePidPacket } from "../wire";
import { rp, rEnd, readPid, failHere } from "./reader";
import { setPid } from "./packet";

export function encodePuback(dst: usize, pid: i32): i32 { return encodePidPacket(dst, 0x40, pid); }
export function encodePubrec(dst: usize, pid: i32): i32 { return encodePidPacket(dst, 0x50, pid); }
export function encodePubrel(dst: usize, pid: i32): i32 { return encodePidPacket(dst, 0x62, pid); }
export function encodePubcomp(dst: usize, pid: i32): i32 { return encodePidPacket(dst, 0x70, pid); }
export function encodeUnsuback(dst: usize, pid: i32): i32 { return encodePidPacket(dst, 0xb0, pid); }

export function decodePidOnly(): i32 {
  if (rEnd - rp != 2) return failHere(ERR_RL_MISMATCH);
  let pid = readPid();
  if (pid < 0) return pid;
  setPid(pid);
  return 0;
}
