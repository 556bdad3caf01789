// A bounds-checked cursor over one packet's body: every read checks the end first.
import { ERR_PID_ZERO, ERR_STRING_OVERRUN, ERR_RL_MISMATCH } from "../../api/abi";
import { getU16, checkUtf8 } from "../wire";
import { fail } from "./packet";

export let rp: usize = 0;    // cursor
export let rEnd: usize = 0;  // end of the packet
export let rStart: usize = 0;// start of the packet (for error offsets)
export let rLen: i32 = 0;    // length of the last string read

export function readerInit(start: usize, body: usize, end: usize): void { rStart = start; rp = body; rEnd = end; }

/** fail() for an error found at `at` in the packet being read (offset from rStart). */
export function failAt(code: i32, at: usize): i32 { return fail(code, at, rStart); }
/** fail() for an error found at the cursor. */
export function failHere(code: i32): i32 { return fail(code, rp, rStart); }

/** Reads a u16; returns it or ERR_RL_MISMATCH when the packet ends first. */
export function readU16(): i32 {
  if (rp + 2 > rEnd) return failHere(ERR_RL_MISMATCH);
  let v = getU16(rp);
  rp += 2;
  return v;
}

/** Reads a non-zero packet id; returns it or an error. */
export function readPid(): i32 {
  let v = readU16();
  if (v == 0) return failAt(ERR_PID_ZERO, rp - 2);
  return v;
}

/** Reads a length-prefixed field; returns its start pointer (length in rLen) or 0 on error (code in rLen). */
export function readBytes(utf8: bool): usize {
  let n = readU16();
  if (n < 0) { rLen = n; return 0; }
  if (rp + <usize>n > rEnd) { rLen = failAt(ERR_STRING_OVERRUN, rp - 2); return 0; }
  let p = rp;
  if (utf8) {
    let e = checkUtf8(p, n);
    if (e < 0) { rLen = failAt(e, p); return 0; }
  }
  rp += n;
  rLen = n;
  return p;
}
