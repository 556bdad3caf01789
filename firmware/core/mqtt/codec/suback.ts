// SUBACK (9): packet id + one return code per filter (0, 1, 2 granted QoS; 0x80 failure).
import { ERR_EMPTY_LIST, ERR_SUBACK_CODE, PT_SUBACK } from "../../api/abi";
import { putHeader, putU16 } from "../wire";
import { rp, rEnd, readPid, failAt, failHere } from "./reader";
import { setList, setPid, setCount } from "./packet";

export function encodeSuback(dst: usize, pid: i32, codes: usize, n: i32): i32 {
  let p = putHeader(dst, PT_SUBACK << 4, 2 + n);
  p = putU16(p, pid);
  memory.copy(p, codes, n);
  return <i32>(p + n - dst);
}

export function decodeSuback(): i32 {
  let pid = readPid();
  if (pid < 0) return pid;
  setPid(pid);
  let n = <i32>(rEnd - rp);
  if (n <= 0) return failHere(ERR_EMPTY_LIST);
  for (let i = 0; i < n; i++) {
    let c = load<u8>(rp + i);
    if (c > 2 && c != 0x80) return failAt(ERR_SUBACK_CODE, rp + i);
  }
  setList(rp, n);
  setCount(n);
  return 0;
}
