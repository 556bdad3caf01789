// The ONE transport seam of the MQTT client: a single non-blocking TCP connection, carried by
// the W5500 socket driver (net/w5500) over the board ABI's w5500_* SPI imports.
// Contract:
//   netLinkPoll(now): 1 link up, 0 down, < 0 no chip (brings the chip up; reads PHYCFGR at most
//                     every LINK_POLL_MS: the chip has no link interrupt); netLinkChanged() after it
//   netConnect(ip, port): start connecting (ip u32, 192.168.1.10 = 0xC0A8010A); 0 started, <0 error;
//                         with CFG_BROKER_HOST set, `ip` is ignored: the name is resolved first (DNS)
//   netState(): NET_CLOSED / NET_CONNECTING / NET_ESTABLISHED / NET_CLOSING; never blocks
//   netSend(src, len): bytes accepted now (0..len), <0 when the connection is gone
//   netRecv(dst, max): bytes read now (0 none yet), <0 when the peer closed and nothing is left
//   netClose(): graceful close (FIN); safe to call in any state
//   netError(): after NET_CLOSED while connecting: the ERR_* that says why (DNS failure or ERR_TCP_FAILED)
// The chip is brought up from the device config (CFG_MAC, CFG_DEVICE_IP, CFG_GATEWAY,
// CFG_NETMASK) on the first link poll or connect, and again if it was reset behind the driver's back.
import * as A from "../api/abi";
import { millis } from "../api/board";
import { num, macPtr, lanHook } from "../config";
import { dnsAddr, dnsServerAddr, askedPort } from "./dns";
import { inited, w5Init, w5Link, W5_ERR_BOOTING } from "./w5500/chip";
import { tcpConnect, tcpState, tcpSend, tcpRecv, tcpClose, NET_CLOSED, NET_CONNECTING } from "./w5500/tcp";
export { NET_CLOSED, NET_CONNECTING, NET_ESTABLISHED, NET_CLOSING } from "./w5500/tcp";

/** How often PHYCFGR.LNK is read (one 4-byte frame): the delay before a pulled cable is noticed. */
export const LINK_POLL_MS: i32 = 100;

/** Link state as last read: -1 unknown (never read), 0 down, 1 up; and whether the last poll changed it. */
let link: i32 = -1;
let linkChanged: bool = false;
let linkReadAt: u32 = 0;
/** netLinkPoll()'s answer until the next read is due. */
let linkResult: i32 = 0;
let polled: bool = false;

function chipUp(): i32 {
  if (inited) return 0;
  return w5Init(macPtr(), num(A.CFG_DEVICE_IP), num(A.CFG_GATEWAY), num(A.CFG_NETMASK));
}

/** The link: 1 up, 0 down, < 0 the chip does not answer (W5_ERR_*). Reads the PHY when due. */
export function netLinkPoll(now: u32): i32 {
  linkChanged = false;
  if (polled && <i32>(now - linkReadAt) < LINK_POLL_MS) return linkResult;
  polled = true;
  linkReadAt = now;
  let e = chipUp();
  // just reset: no link yet, and VERSIONR gets one more poll period before "no chip"
  if (e == W5_ERR_BOOTING) e = 0;
  if (e < 0) return linkResult = e;
  let up: i32 = e == 0 && inited && w5Link() ? 1 : 0;
  if (inited) { linkChanged = up != link; link = up; }
  return linkResult = up;
}

/** Whether the last netLinkPoll() saw the link change (or read it for the first time). */
export function netLinkChanged(): bool { return linkChanged; }

/**
 * Name resolution (CFG_BROKER_HOST) through config.ts's lanHook: start (key 0; 2 = no host name,
 * connect to CFG_BROKER_IP), then poll (key -1): 1 done (address in dnsAddr()), 0 pending, < 0 a
 * DNS_ERR_* code. A module has a DNS client only when its entry calls lanEnable() (net/lan.ts):
 * core.wasm has none (there wq_config refuses CFG_BROKER_HOST as an unknown key).
 */
/** Resolving CFG_BROKER_HOST before the TCP connect (to triedPort); the DNS failure (DNS_ERR_*) of the last attempt. */
let resolving: bool = false;
let dnsFailure: i32 = 0;
/** Where the last connect went (for error records): the broker's address and port. */
let triedIp: u32 = 0;
let triedPort: i32 = 0;

export function netConnect(ip: u32, port: i32): i32 {
  let e = chipUp();
  if (e < 0) return e;
  dnsFailure = 0;
  triedIp = ip;
  triedPort = port;
  if (lanHook(0, 0, <i32>millis()) != 2) {
    resolving = true;
    return 0;
  }
  return tcpConnect(ip, port);
}

export function netState(): i32 {
  if (resolving) {
    let r = lanHook(-1, 0, <i32>millis());
    if (r == 0) return NET_CONNECTING;
    resolving = false;
    if (r < 0) { dnsFailure = r; return NET_CLOSED; }
    triedIp = dnsAddr();
    if (tcpConnect(triedIp, triedPort) < 0) return NET_CLOSED;
  }
  return tcpState();
}

/** Why the connect ended (NET_CLOSED while connecting): ERR_DNS_* for a DNS failure, else ERR_TCP_FAILED. */
export function netError(): i32 { return dnsFailure != 0 ? A.ERR_NO_CHIP + dnsFailure : A.ERR_TCP_FAILED; }

/**
 * What the last connect tried, for error records: u32 address (a number, 192.168.1.10 =
 * 0xC0A8010A) at `at`, u16 port at `at + 4`: the DNS server and 53 when the broker's name did not
 * resolve (the DHCP server and 67 when no address was leased), else the broker's address (resolved from CFG_BROKER_HOST, or CFG_BROKER_IP) and port.
 */
export function netTried(at: usize): void {
  store<u32>(at, dnsFailure != 0 ? dnsServerAddr() : triedIp);
  store<u16>(at + 4, <u16>(dnsFailure != 0 ? askedPort : triedPort));
}

export function netSend(src: usize, len: i32): i32 { return tcpSend(src, len); }
export function netRecv(dst: usize, max: i32): i32 { return tcpRecv(dst, max); }
export function netClose(): void { resolving = false; tcpClose(); }

/** Link as last read: 1 up, 0 down, -1 not read yet. */
export function netLinkState(): i32 { return link; }
