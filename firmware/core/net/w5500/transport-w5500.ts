// The transport seam (net/transport.ts) switched to the W5500 driver: drop this file in as
// firmware/core/net/transport.ts (the integration step; see docs/w5500.md). Same five functions
// and constants as the hostnet version; the chip is brought up from the device config (MAC,
// device IP, gateway, netmask) on the first connect, and again if it was reset behind our back.
import * as A from "../api/abi";
import { num, macPtr } from "../config";
import { inited, w5Init } from "./w5500/chip";
import {
  netConnect as w5Connect, netState as w5State, netSend as w5Send, netRecv as w5Recv, netClose as w5Close,
} from "./w5500/tcp";

export { NET_CLOSED, NET_CONNECTING, NET_ESTABLISHED, NET_CLOSING } from "./w5500/tcp";

export function netConnect(ip: u32, port: i32): i32 {
  if (!inited) {
    let e = w5Init(macPtr(), num(A.CFG_DEVICE_IP), num(A.CFG_GATEWAY), num(A.CFG_NETMASK));
    if (e < 0) return e;
  }
  return w5Connect(ip, port);
}
export function netState(): i32 { return w5State(); }
export function netSend(src: usize, len: i32): i32 { return w5Send(src, len); }
export function netRecv(dst: usize, max: i32): i32 { return w5Recv(dst, max); }
export function netClose(): void { w5Close(); }
