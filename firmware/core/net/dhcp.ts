// DHCP client (RFC 2131) on the W5500's UDP socket (socket 1, local port 68, shared with the DNS
// client, which only runs once an address is held). Used when CFG_DEVICE_IP is 0 (0.0.0.0).
// States (A.DHCP_*):
//   SELECTING   OFFER                         → REQUESTING (REQUEST broadcast for the offered address)
//               no OFFER by CFG_TIMEOUT_MS    → FALLBACK when CFG_DHCP_FALLBACK is set (still discovering)
//   REQUESTING  ACK                           → probe: a datagram to the address while the chip has none
//                                               (an ARP probe, RFC 5227); NAK / 4 tries unanswered → SELECTING
//     probe     ARP unanswered (Sn_IR.TIMEOUT) → BOUND (address, gateway, mask on the chip; EV_DHCP bound)
//               ARP answered (no TIMEOUT)     → DECLINE, SELECTING after 10 s (EV_DHCP declined)
//   BOUND       T1 (option 58, else lease/2)  → RENEWING (REQUEST unicast to the leasing server)
//   RENEWING    ACK → BOUND (renewed); NAK → SELECTING (address dropped); T2 (option 59, else 7/8 lease) → REBINDING
//   REBINDING   ACK → BOUND (renewed); NAK or lease end → SELECTING (address dropped: EV_DHCP expired)
//   (link back while an address is held: INIT-REBOOT, a broadcast REQUEST for it (EV_DHCP verifying):
//    ACK → renewed; NAK → SELECTING (address and link dropped); 2 tries unanswered → the lease is kept)
// Retransmits back off 4, 8, 16, 32, 64 s (+ up to 1 s of jitter), never past the next state
// change. All timing is millis() (virtual time on a host); the transaction id is fresh per exchange.
// Non-blocking: dhcpPoll() each step; one static message buffer, no allocation.
import * as A from "../api/abi";
import { entropy, board_event } from "../api/board";
import { appEvent } from "../api/app";
import { num, macPtr } from "../config";
import { udpOpen, udpSendTo, udpRecvFrom, udpFromPort, udpIrTake } from "./w5500/udp";
import { IR_TIMEOUT } from "./w5500/regs";
import { inited, w5Identity } from "./w5500/chip";

const CLIENT_PORT: i32 = 68;
const SERVER_PORT: i32 = 67;
const BROADCAST: u32 = 0xffffffff;
// message types (option 53)
const DISCOVER: u8 = 1;
const OFFER: u8 = 2;
const REQUEST: u8 = 3;
const DECLINE: u8 = 4;
const ACK: u8 = 5;
const NAK: u8 = 6;

/** One DHCP message: 236 fixed bytes, the magic cookie, options (548 = the minimum every host accepts). */
const BUF_SIZE: i32 = 548;
const BUF: usize = memory.data(548);
const OPTS: i32 = 240;
/** EV_DHCP record. */
const EVB: usize = memory.data(28);

let state: i32 = 0; // A.DHCP_STATIC
/** The PHY link at the last poll, and an INIT-REBOOT REQUEST in flight (the link came back with a lease held). */
let linkWas: bool = false;
let verifying: bool = false;
/** An ACKed address being probed with ARP since `probeAt` (state stays REQUESTING meanwhile). */
let probing: bool = false;
let probeAt: u32 = 0;
/** Longest ARP wait: the chip's ARPTO at reset values (RTR 200 ms × (RCR 8 + 1) = 1.8 s) and a margin. */
const PROBE_MS: u32 = 2500;
/** The discard port the probe datagram goes to (nobody needs to listen: the ARP is the test). */
const PROBE_PORT: i32 = 9;
let fallback: bool = false;
let xid: u32 = 0;
let tries: i32 = 0;
let sentAt: u32 = 0;
let waitMs: u32 = 0;
let awaiting: bool = false;
/** When the current round of DISCOVERs began (for CFG_TIMEOUT_MS and the fallback). */
let selectAt: u32 = 0;

// the lease (host order): the offered/leased address and what came with it
let ip: u32 = 0;
let gw: u32 = 0;
let mask: u32 = 0;
let dns: u32 = 0;
let server: u32 = 0;
let leaseS: u32 = 0;
let t1Ms: u32 = 0;
let t2Ms: u32 = 0;
/** When the REQUEST that the lease answers was sent (RFC 2131 4.4.1: times count from there). */
let leaseAt: u32 = 0;
let reqAt: u32 = 0;
let leaseMs: u32 = 0;
/** The failure of the last exchange (ERR_DHCP_*) for the connect attempt waiting on an address; 0 none. */
let failure: i32 = 0;
/** Set when a held address was lost (expiry, NAK): the MQTT link over it must go. Read by dhcpTakeLost(). */
let lost: bool = false;
/** CFG_DHCP_FALLBACK (0 none). */
let fallbackIp: u32 = 0;

/** CFG_DHCP_FALLBACK through the LAN hook: the static address used when no server offers one in time. */
export function dhcpSetFallback(v: u32): void { fallbackIp = v; }
/** CFG_DHCP_FALLBACK as set (lan.ts saves it). */
export function dhcpFallbackIp(): u32 { return fallbackIp; }

/** Whether DHCP is in use: CFG_DEVICE_IP is 0.0.0.0. */
export function dhcpWanted(): bool { return num(A.CFG_DEVICE_IP) == 0; }

/** True when an address is held (a lease, or the fallback): connecting may go ahead. */
export function dhcpReady(): bool { return state >= A.DHCP_BOUND; }

/** The last exchange's failure (ERR_DHCP_*), 0 none. */
export function dhcpFailure(): i32 { return failure; }

/** The DHCP server asked (for error records): the leasing server, or broadcast before one is known. */
export function dhcpServer(): u32 { return server != 0 ? server : BROADCAST; }

/** The lease's DNS server (0 none). */
export function dhcpDns(): u32 { return state >= A.DHCP_BOUND && !fallbackInUse() ? dns : 0; }

/** The gateway in use when an address is held (0 none). */
export function dhcpGateway(): u32 { return <u32>dhcpStat(A.STAT_GATEWAY, 0); }

function fallbackInUse(): bool { return state == A.DHCP_FALLBACK; }

/** True once after the held address was lost. */
export function dhcpTakeLost(): bool { let l = lost; lost = false; return l; }

/** Stat keys STAT_DHCP_STATE..STAT_LEASE_LEFT_S; -1 for others. */
export function dhcpStat(key: i32, now: u32): i32 {
  let lease = state >= A.DHCP_BOUND && state != A.DHCP_FALLBACK;
  let staticIp = !dhcpWanted() || fallbackInUse();
  if (key == A.STAT_DHCP_STATE) return state;
  if (key == A.STAT_IP) return <i32>(staticIp ? (fallbackInUse() ? fallbackIp : num(A.CFG_DEVICE_IP)) : lease ? ip : 0);
  if (key == A.STAT_GATEWAY) return <i32>(staticIp ? num(A.CFG_GATEWAY) : lease ? gw : 0);
  if (key == A.STAT_NETMASK) return <i32>(staticIp ? num(A.CFG_NETMASK) : lease ? mask : 0);
  if (key == A.STAT_LEASE_LEFT_S) return lease ? <i32>(leaseS - (now - leaseAt) / 1000) : -1;
  return -1;
}

function emit(what: i32): void {
  let held = state >= A.DHCP_BOUND;
  let fb = fallbackInUse();
  store<u8>(EVB, <u8>what);
  store<u8>(EVB + 1, <u8>state);
  store<u16>(EVB + 2, 0);
  store<u32>(EVB + 4, held ? (fb ? fallbackIp : ip) : 0);
  store<u32>(EVB + 8, held ? (fb ? num(A.CFG_GATEWAY) : gw) : 0);
  store<u32>(EVB + 12, held ? (fb ? num(A.CFG_NETMASK) : mask) : 0);
  store<u32>(EVB + 16, held && !fb ? dns : 0);
  store<u32>(EVB + 20, held && !fb ? leaseS : 0);
  store<u32>(EVB + 24, held && !fb ? server : 0);
  board_event(A.EV_DHCP, EVB, 28);
  appEvent(A.EV_DHCP, EVB, 28);
}

/** Starts over from SELECTING (first start, NAK, lease lost); the chip has no address meanwhile. */
function restart(now: u32): void {
  state = fallback ? A.DHCP_FALLBACK : A.DHCP_SELECTING;
  verifying = false;
  ip = 0; server = 0; leaseS = 0;
  if (!fallback) w5Identity(0, 0, 0);
  selectAt = now;
  exchange(now);
}

/** A new exchange (fresh xid, first try) sent at once. */
function exchange(now: u32): void {
  xid = entropy();
  tries = 0;
  send(now);
}

function put32(at: usize, v: u32): void { store<u32>(at, bswap<u32>(v)); }
function get32(at: usize): u32 { return bswap<u32>(load<u32>(at)); }

/** Builds and sends the message the state calls for: DISCOVER, REQUEST (3 kinds) or DECLINE. */
function send(now: u32, type: u8 = 0): void {
  if (type == 0) type = state == A.DHCP_SELECTING || state == A.DHCP_FALLBACK ? DISCOVER : REQUEST;
  // REQUEST: SELECTING names the server and address (options 54, 50); RENEWING/REBINDING put
  // the address in ciaddr; only RENEWING is unicast (to the server), and only it can hear a unicast reply
  // INIT-REBOOT (verifying) asks like SELECTING but names no server: any server may answer
  let renewing = state == A.DHCP_RENEWING && !verifying;
  let withCiaddr = type == REQUEST && !verifying && (renewing || state == A.DHCP_REBINDING);
  memory.fill(BUF, 0, BUF_SIZE);
  store<u32>(BUF, 0x00060101); // op 1 (request), htype 1 (Ethernet), hlen 6, hops 0
  put32(BUF + 4, xid);
  if (!withCiaddr && type != DECLINE) store<u8>(BUF + 10, 0x80); // BROADCAST flag: the chip has no address to receive unicast on
  if (withCiaddr) put32(BUF + 12, ip);
  memory.copy(BUF + 28, macPtr(), 6); // chaddr
  put32(BUF + 236, 0x63825363); // magic cookie
  let p = BUF + OPTS;
  store<u8>(p, 53); store<u8>(p + 1, 1); store<u8>(p + 2, type); p += 3;
  if ((type == REQUEST && !withCiaddr) || type == DECLINE) {
    store<u8>(p, 50); store<u8>(p + 1, 4); put32(p + 2, ip); p += 6; // requested (declined) address
    if (!verifying) { store<u8>(p, 54); store<u8>(p + 1, 4); put32(p + 2, server); p += 6; } // server identifier
  }
  if (type != DECLINE) {
    // parameter request list: mask, router, DNS, lease time, T1, T2
    store<u8>(p, 55); store<u8>(p + 1, 6);
    store<u32>(p + 2, 0x33060301); store<u16>(p + 6, 0x3b3a); p += 8;
  }
  store<u8>(p, 255);
  if (udpOpen(CLIENT_PORT) == 0) udpSendTo(renewing ? server : BROADCAST, SERVER_PORT, BUF, 300);
  if (type == REQUEST && tries == 0) reqAt = now;
  sentAt = now;
  // 4, 8, 16, 32, 64 s, + up to 1 s of jitter (RFC 2131 4.1)
  waitMs = (4000 << <u32>(tries < 4 ? tries : 4)) + entropy() % 1000;
  tries++;
  awaiting = type != DECLINE;
}

/** Option `code`'s first byte in the message of n bytes, or 0 when absent. */
function option(code: i32, n: i32): usize {
  let p = OPTS;
  while (p + 2 <= n) {
    let c = <i32>load<u8>(BUF + <usize>p);
    if (c == 255) break;
    if (c == 0) { p++; continue; }
    let len = <i32>load<u8>(BUF + <usize>p + 1);
    if (p + 2 + len > n) break;
    if (c == code) return BUF + <usize>p + 2;
    p += 2 + len;
  }
  return 0;
}

function opt32(code: i32, n: i32, dflt: u32): u32 { let o = option(code, n); return o != 0 ? get32(o) : dflt; }

/** A reply of n bytes in BUF: ours (BOOTREPLY, xid, our MAC, cookie)? Then its type, else 0. */
function replyType(n: i32): u8 {
  if (n < OPTS + 3 || load<u8>(BUF) != 2 || get32(BUF + 4) != xid || get32(BUF + 236) != 0x63825363) return 0;
  let mac = macPtr();
  if (load<u32>(BUF + 28) != load<u32>(mac) || load<u16>(BUF + 32) != load<u16>(mac + 4)) return 0;
  let t = option(53, n);
  return t != 0 ? load<u8>(t) : 0;
}

function receive(n: i32, now: u32): void {
  let type = replyType(n);
  if (type == 0 || udpFromPort() != SERVER_PORT) return;
  if (type == OFFER && (state == A.DHCP_SELECTING || state == A.DHCP_FALLBACK)) {
    ip = get32(BUF + 16); // yiaddr
    server = opt32(54, n, 0);
    if (ip == 0 || server == 0) return;
    if (state == A.DHCP_FALLBACK) fallback = true;
    state = A.DHCP_REQUESTING;
    exchange(now);
    return;
  }
  if (type == NAK && state != A.DHCP_SELECTING && state != A.DHCP_FALLBACK) {
    // (a NAK to a REQUEST in RENEWING/REBINDING takes a held address away)
    let held = state >= A.DHCP_BOUND;
    failure = A.ERR_DHCP_NAK;
    fallback = false;
    restart(now);
    lost = held;
    emit(A.DHCPEV_NAK);
    return;
  }
  if (type != ACK || state < A.DHCP_REQUESTING || state == A.DHCP_FALLBACK) return;
  let yi = get32(BUF + 16);
  let renewed = state != A.DHCP_REQUESTING;
  if (renewed && yi != ip) { lost = true; } // a renewal that moves us: the old connection's address is gone
  ip = yi;
  mask = opt32(1, n, 0xffffff00);
  gw = opt32(3, n, 0);
  dns = opt32(6, n, 0);
  server = opt32(54, n, server);
  leaseS = opt32(51, n, 0xffffffff);
  leaseMs = leaseS > 0x3fffff ? 0xffffffff >> 1 : leaseS * 1000; // (≥ 48 days: "infinite", timers never fire)
  t1Ms = opt32(58, n, 0) * 1000;
  t2Ms = opt32(59, n, 0) * 1000;
  if (t1Ms == 0 || t1Ms >= leaseMs) t1Ms = leaseMs >> 1;
  if (t2Ms == 0 || t2Ms >= leaseMs || t2Ms < t1Ms) t2Ms = leaseMs - (leaseMs >> 3);
  t1Ms = min(t1Ms, t2Ms);
  leaseAt = reqAt;
  if (leaseS > 0x3fffff) leaseAt = now;
  awaiting = false;
  if (!renewed) {
    // a new address: is anyone using it? (the chip has no address yet: the ARP asks from 0.0.0.0)
    probing = true;
    probeAt = now;
    udpIrTake();
    udpSendTo(ip, PROBE_PORT, BUF, 1);
    return;
  }
  bind(true);
}

/** The lease in ip/gw/mask/... is ours: on the chip, BOUND, reported. */
function bind(renewed: bool): void {
  state = A.DHCP_BOUND;
  verifying = false;
  failure = 0;
  fallback = false;
  w5Identity(ip, gw, mask);
  emit(renewed ? A.DHCPEV_RENEWED : A.DHCPEV_BOUND);
}

/** The probe's outcome: ARP unanswered (TIMEOUT) → bound; answered → DECLINE and start over in 10 s. */
function probe(now: u32): void {
  udpRecvFrom(BUF, 0); // (reads and clears Sn_IR)
  if ((udpIrTake() & IR_TIMEOUT) != 0) {
    probing = false;
    lost = fallback; // a connection over the static fallback cannot survive the address changing under it
    bind(false);
    return;
  }
  if (now - probeAt < PROBE_MS) return;
  probing = false;
  send(now, DECLINE);
  failure = A.ERR_DHCP_DECLINED;
  state = fallback ? A.DHCP_FALLBACK : A.DHCP_SELECTING;
  emit(A.DHCPEV_DECLINED);
  ip = 0; server = 0;
  // RFC 2131 3.1.5: wait at least 10 s before DISCOVER again
  xid = entropy();
  tries = 0;
  selectAt = now;
  sentAt = now;
  waitMs = 10000;
  awaiting = true;
}

/**
 * One round: lease timers, the reply if one is waiting, a retransmit when due. `link`: the PHY
 * link is up (nothing is sent without one). Returns ms until it next needs to run.
 */
export function dhcpPoll(now: u32, link: bool): i32 {
  if (!inited || !link) { linkWas = false; return 100; }
  if (state == A.DHCP_STATIC) { linkWas = true; restart(now); return 20; }
  if (!linkWas) {
    // the cable may now be in another network: confirm the address before trusting it (RFC 2131 3.2)
    linkWas = true;
    if (state >= A.DHCP_BOUND && state <= A.DHCP_REBINDING) { verifying = true; exchange(now); emit(A.DHCPEV_VERIFYING); }
  }
  if (probing) { probe(now); return 20; }
  if (state >= A.DHCP_BOUND && state != A.DHCP_FALLBACK) {
    let t = now - leaseAt;
    if (t >= leaseMs) {
      failure = A.ERR_DHCP_LEASE_LOST;
      restart(now);
      lost = true;
      emit(A.DHCPEV_EXPIRED);
      return 20;
    }
    if (state == A.DHCP_BOUND && t >= t1Ms) { state = A.DHCP_RENEWING; verifying = false; exchange(now); emit(A.DHCPEV_RENEWING); }
    else if (state == A.DHCP_RENEWING && t >= t2Ms) { state = A.DHCP_REBINDING; verifying = false; exchange(now); emit(A.DHCPEV_REBINDING); }
  }
  if (awaiting) {
    let n = udpRecvFrom(BUF, BUF_SIZE);
    if (n > 0) receive(n, now);
  }
  if (awaiting && now - sentAt >= waitMs) {
    if (state == A.DHCP_REQUESTING && tries >= 4) { failure = A.ERR_DHCP_NO_ACK; restart(now); }
    else if (verifying && tries >= 2) { verifying = false; awaiting = false; } // no server answers: keep the unexpired lease (RFC 2131 3.2)
    else if (state == A.DHCP_SELECTING && fallbackIp != 0 && now - selectAt >= num(A.CFG_TIMEOUT_MS)) useFallback(now);
    else send(now);
  }
  if (awaiting) return 20;
  if (state == A.DHCP_BOUND || state == A.DHCP_RENEWING || state == A.DHCP_REBINDING) {
    let t = now - leaseAt;
    let next = state == A.DHCP_BOUND ? t1Ms : state == A.DHCP_RENEWING ? t2Ms : leaseMs;
    return <i32>min<u32>(next - t, 1000);
  }
  return 1000;
}

/** No offer within CFG_TIMEOUT_MS and a fallback is set: use it, keep discovering. */
function useFallback(now: u32): void {
  state = A.DHCP_FALLBACK;
  fallback = true;
  failure = 0;
  w5Identity(fallbackIp, num(A.CFG_GATEWAY), num(A.CFG_NETMASK));
  emit(A.DHCPEV_FALLBACK);
  selectAt = now;
  send(now);
}

/**
 * What a connect attempt started at `since` should do: 1 go (an address is held), 0 wait, or an
 * ERR_DHCP_* once it has waited CFG_TIMEOUT_MS less a poll (the phase it is stuck in).
 */
export function dhcpGate(since: u32, now: u32): i32 {
  if (dhcpReady()) return 1;
  // a refusal ends the attempt at once (the next waits for the new exchange)
  if (failure == A.ERR_DHCP_NAK || failure == A.ERR_DHCP_DECLINED) { let f = failure; failure = 0; return f; }
  if (<i32>(now - since) < <i32>num(A.CFG_TIMEOUT_MS) - 200) return 0;
  // the phase it is stuck in (a REQUEST phase that gave up counts: an offer came, no ACK)
  return state == A.DHCP_REQUESTING || failure == A.ERR_DHCP_NO_ACK ? A.ERR_DHCP_NO_ACK : A.ERR_DHCP_NO_OFFER;
}
