// The ONE transport seam of the MQTT client: a single non-blocking TCP connection, carried by
// the W5500 socket driver (net/w5500) over the board ABI's w5500_* SPI imports.
// Contract:
//   netConnect(ip, port): start connecting (ip u32, 192.168.1.10 = 0xC0A8010A); 0 started, <0 error
//   netState(): NET_CLOSED / NET_CONNECTING / NET_ESTABLISHED / NET_CLOSING; never blocks
//   netSend(src, len): bytes accepted now (0..len), <0 when the connection is gone
//   netRecv(dst, max): bytes read now (0 none yet), <0 when the peer closed and nothing is left
//   netClose(): graceful close (FIN); safe to call in any state
// The chip is brought up from the device config (CFG_MAC, CFG_DEVICE_IP, CFG_GATEWAY,
// CFG_NETMASK) on the first connect, and again if it was reset behind the driver's back.
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
