// The LAN services of the core's network layer (DHCP and DNS): linked into a module only when
// its entry calls lanEnable() before the core's start() and lanStep() in its step(), so core.wasm
// (the MQTT client alone, with its size budget) carries none of it and an app on a LAN opts in
// (docs/w5500.md, "LAN services").
import * as A from "../api/abi";
import { setLanHook, num, readLE } from "../config";
import { appOff, appLen, persistApp } from "../mqtt/session";
import { storeReadPayload } from "../store/store";
import { lanHookDns, lanConfigSet, dnsUse, dnsAsked, dnsSetDefault, dnsServerNow, dnsName, dnsServerCfg, DNS_NO_NAME, DNS_DONE } from "./dns";
import { dhcpWanted, dhcpGate, dhcpPoll, dhcpSetFallback, dhcpFallbackIp, dhcpTakeLost, dhcpFailure, dhcpDns, dhcpStat, dhcpServer, dhcpGateway } from "./dhcp";
import { netLinkState } from "./transport";
import { w5EnsureConfigured } from "./w5500/chip";

/** A connect is waiting for DHCP to hold an address (since `waitSince`, millis()). */
let waiting: bool = false;
let waitSince: u32 = 0;

/**
 * config.ts's LanHook: the LAN keys (key > 0), and the transport's name resolution (key 0 start,
 * -1 poll; `len` = millis()). With DHCP (CFG_DEVICE_IP 0) a connect first waits for an address:
 * pending (0) until one is held, or a DHCP failure, as the DNS failures are, once CFG_TIMEOUT_MS
 * has nearly passed (the transport reports ERR_NO_CHIP + the code: ERR_DHCP_*). A chip that
 * stopped answering (or lost its setup and is not back) gets neither: a DHCP wait or a DNS query
 * over it would end as their timeouts (ERR_DHCP_NO_OFFER, ERR_DNS_TIMEOUT, "check the server").
 * The start call then answers "no host name", and the transport's TCP connect, which checks the
 * chip the same way, fails: ERR_NO_CHIP, as in a module without LAN services.
 */
function lanHook(key: i32, src: usize, len: i32): i32 {
  if (key == A.CFG_DHCP_FALLBACK) {
    if (len < 1 || len > 4) return A.ERR_CONFIG_VALUE;
    dhcpSetFallback(readLE(src, len));
    return 0;
  }
  if (key > 0) return lanConfigSet(key, src, len);
  let now = <u32>len;
  if (key == 0 && w5EnsureConfigured() < 0) return DNS_NO_NAME;
  // (the transport takes any answer but 2 from the start call as "pending" and polls: results come from polls)
  if (key == 0 && dhcpWanted()) { waiting = true; waitSince = now; return 0; }
  if (waiting) {
    let g = dhcpGate(waitSince, now);
    if (g == 0) return 0;
    waiting = false;
    if (g < 0) { dnsAsked(dhcpServer(), 67); return g - A.ERR_NO_CHIP; }
    // an address is held: resolve (or not) as a connect starting now would
    dnsSetDefault(dhcpDns() != 0 ? dhcpDns() : dhcpGateway());
    let r = lanHookDns(0, src, len);
    if (r == DNS_NO_NAME) { dnsUse(num(A.CFG_BROKER_IP)); return DNS_DONE; }
    return r;
  }
  return lanHookDns(key, src, len);
}

/** From now on the LAN keys are config keys, DHCP runs when CFG_DEVICE_IP is 0 and host names are resolved by DNS. */
export function lanEnable(): void { setLanHook(lanHook); }

/**
 * The DHCP client's round, for the entry's step() while the client is not idle (`active`):
 * returns ms until it next needs to run.
 */
export function lanStep(now: u32, active: bool): i32 {
  if (!active || !dhcpWanted()) return 1000;
  return dhcpPoll(now, netLinkState() == 1);
}

/** After lanStep(): the ERR_* the MQTT link must be dropped with (the address it ran over is gone), or 0. */
export function lanLost(): i32 {
  if (!dhcpTakeLost()) return 0;
  let f = dhcpFailure();
  return f != 0 ? f : A.ERR_DHCP_LEASE_LOST;
}

/** LAN stat keys (STAT_DHCP_STATE..STAT_LEASE_LEFT_S); ERR_ARG for others. */
export function lanStat(key: i32, now: u32): i32 {
  if (key == A.STAT_DNS) {
    dnsSetDefault(dhcpDns() != 0 ? dhcpDns() : dhcpGateway());
    return <i32>dnsServerNow();
  }
  if (key < A.STAT_DHCP_STATE || key > A.STAT_LEASE_LEFT_S) return A.ERR_ARG;
  return dhcpStat(key, now);
}

// The LAN keys' saved copy: the config blob (config.ts) has no room left for them (an app's 8 KB
// of linear memory), so a module with the LAN services keeps them in the store's app record
// (R_APP), which neither the console nor core-lan.wasm otherwise uses. Layout: u8 LAN_TAG (not
// a "key=value" settings blob), the host name as dns.ts holds it (u8 length, 63 bytes), u32
// CFG_DNS_SERVER, u32 CFG_DHCP_FALLBACK; 4 bytes of room on each side for persistApp().
const LAN_TAG: u8 = 0xa1;
const LAN_BYTES: i32 = 73;
const LAN_REC: usize = memory.data(LAN_BYTES + 8) + 4;

/** Saves CFG_BROKER_HOST, CFG_DNS_SERVER and CFG_DHCP_FALLBACK (the entry's wq_config_save, after the config blob's). */
export function lanSave(): i32 {
  store<u8>(LAN_REC, LAN_TAG);
  memory.copy(LAN_REC + 1, dnsName(), 64);
  store<u32>(LAN_REC + 65, dnsServerCfg());
  store<u32>(LAN_REC + 69, dhcpFallbackIp());
  return persistApp(LAN_REC, LAN_BYTES);
}

/** Loads the saved LAN keys (after the core's start() or wq_config_load()); none saved: all cleared. */
export function lanLoad(): void {
  memory.fill(LAN_REC, 0, LAN_BYTES);
  if (appOff != 0xffffffff && appLen == LAN_BYTES) storeReadPayload(appOff, 0, LAN_REC, LAN_BYTES);
  if (load<u8>(LAN_REC) != LAN_TAG) memory.fill(LAN_REC, 0, LAN_BYTES);
  lanConfigSet(A.CFG_BROKER_HOST, LAN_REC + 2, <i32>load<u8>(LAN_REC + 1) & 63);
  lanConfigSet(A.CFG_DNS_SERVER, LAN_REC + 65, 4);
  dhcpSetFallback(load<u32>(LAN_REC + 69));
}
