// The console's LAN part (docs/console.md, "LAN images"): compiled only into the LAN image
// (build/core/device-lan*.wasm, entry index-lan.ts, asc `--use WQ_LAN=1`), where console.ts calls
// it from branches under isDefined(WQ_LAN); device.wasm, the bluepill's image, stays byte for
// byte what it was. Its words live here, not in words.ts, for the same reason.
import {
  STAT_LINK, STAT_DHCP_STATE, STAT_IP, STAT_LEASE_LEFT_S, CFG_BROKER_HOST, CFG_DNS_SERVER,
} from "../../core/api/abi";
import { dnsName, dnsServerCfg } from "../../core/net/dns";
import { lanSave as lanCoreSave, lanLoad as lanCoreLoad } from "../../core/net/lan";
import { wq_stat } from "../../core/net/lan-core"; // (core/index's wq_stat without the LAN keys)
import { wq_config, wq_buf } from "./core_api";
import { need, noMore, fail, result } from "./console";
import { tokPtr, tokLen, tokBytes } from "./parse";
import { putByte, putWord, putU32, putI32, putIp, putEscaped, key, endLine } from "./out";
import { W_EVT, W_STATE, W_IP, W_GW, W_MASK, W_LINK, W_BAD_IP } from "./words";

// Words, bit 7 ending each: dhcp dns lease server event, then the DHCPEV_* names 1..9
// (bound renewed renewing rebinding expired nak declined fallback verifying).
const L_DHCP = 0, L_DNS = 1, L_LEASE = 2, L_SERVER = 3, L_EVENT = 4, L_DHCPEV = 4;
// (inside a function: a top-level memory.data would be laid out in device.wasm too, which imports this file)
function lanWords(): usize {
  return memory.data<u8>([
  100, 104, 99, 240, 100, 110, 243, 108, 101, 97, 115, 229, 115, 101, 114, 118, 101, 242,
  101, 118, 101, 110, 244, 98, 111, 117, 110, 228, 114, 101, 110, 101, 119, 101, 228, 114, 101, 110, 101, 119,
  105, 110, 231, 114, 101, 98, 105, 110, 100, 105, 110, 231, 101, 120, 112, 105, 114, 101, 228, 110, 97, 235,
  100, 101, 99, 108, 105, 110, 101, 228, 102, 97, 108, 108, 98, 97, 99, 235, 118, 101, 114, 105, 102, 121,
  105, 110, 231,
  ]);
}
const LAN_WORD_COUNT = 14;

function putLanWord(w: i32): void {
  let p = lanWords();
  for (let k = w; k > 0; p++) if (load<u8>(p) & 0x80) k--;
  let b: i32;
  do { b = <i32>load<u8>(p++); putByte(b & 0x7f); } while (b < 0x80);
}

/** " key=" for a LAN word. */
function lanKey(w: i32): void { putByte(32); putLanWord(w); putByte(61); }

/** `save`, after the config blob: the LAN keys (core/net/lan.ts). */
@global export function lanSave(): i32 { return lanCoreSave(); }
/** `load`, after the config blob. */
@global export function lanLoad(): void { lanCoreLoad(); }

/** `set host NAME`: a host name (anything but digits and dots, which is a mistyped IPv4 address)
 * goes to CFG_BROKER_HOST, resolved by DNS before each connect; returns the core's answer, or 1
 * when the token looks like an IPv4 address (the caller reports bad-ip). */
@global export function lanSetHost(p: usize, len: i32, stage: usize): i32 {
  let name = false;
  for (let i = 0; i < len; i++) { let c = <i32>load<u8>(p + <usize>i); if (c != 46 && (c < 48 || c > 57)) name = true; }
  if (!name) return 1;
  memory.copy(stage, p, <usize>len);
  return wq_config(CFG_BROKER_HOST, len);
}

/** After `set host A.B.C.D`: the address is what the device connects to, so no name is kept. */
@global export function lanClearHost(): void { wq_config(CFG_BROKER_HOST, 0); }

/** `show`'s host=: the name when one is set, else the address. */
@global export function lanShowHost(ip: u32): void {
  let n = <i32>load<u8>(dnsName());
  if (n > 0) putEscaped(dnsName() + 1, n);
  else putIp(ip);
}

/** The current token is `dns` (typed as is). */
@global export function lanTokIsDns(): bool {
  let p = tokPtr();
  return tokLen == 3 && load<u8>(p) == 100 && load<u8>(p + 1) == 110 && load<u8>(p + 2) == 115;
}

/** `net dns A.B.C.D`: the DNS server (CFG_DNS_SERVER; 0.0.0.0: the lease's, else the gateway). */
@global export function lanNetDns(): void {
  if (!need()) return;
  if (!tokBytes(wq_buf(), 4, 10, 46, 46, true)) { fail(W_BAD_IP); return; }
  if (noMore()) result(wq_config(CFG_DNS_SERVER, 4));
}

/** `show`'s ` dns=`: CFG_DNS_SERVER as set (0.0.0.0: the lease's DNS server, else the gateway). */
@global export function lanShowDns(): void {
  lanKey(L_DNS);
  putIp(dnsServerCfg());
}

/** `status`'s LAN fields: ` link= ip= dhcp= lease=` (STAT_LINK, STAT_IP, STAT_DHCP_STATE, STAT_LEASE_LEFT_S). */
@global export function lanStatus(): void {
  key(W_LINK); putI32(wq_stat(STAT_LINK));
  key(W_IP); putIp(<u32>wq_stat(STAT_IP));
  lanKey(L_DHCP); putI32(wq_stat(STAT_DHCP_STATE));
  lanKey(L_LEASE); putI32(wq_stat(STAT_LEASE_LEFT_S));
}

/** EV_DHCP: `evt dhcp event=NAME state=N ip= gw= mask= dns= lease= server=` (api/abi.ts layout). */
@global export function lanDhcpEvent(ptr: usize, len: i32): void {
  if (len < 28) return;
  putWord(W_EVT); putByte(32); putLanWord(L_DHCP);
  lanKey(L_EVENT);
  let e = <i32>load<u8>(ptr);
  if (e >= 1 && e <= LAN_WORD_COUNT - 1 - L_DHCPEV) putLanWord(L_DHCPEV + e); else putU32(<u32>e);
  key(W_STATE); putU32(<u32>load<u8>(ptr + 1));
  key(W_IP); putIp(load<u32>(ptr + 4));
  key(W_GW); putIp(load<u32>(ptr + 8));
  key(W_MASK); putIp(load<u32>(ptr + 12));
  lanKey(L_DNS); putIp(load<u32>(ptr + 16));
  lanKey(L_LEASE); putU32(load<u32>(ptr + 20));
  lanKey(L_SERVER); putIp(load<u32>(ptr + 24));
  endLine();
}
