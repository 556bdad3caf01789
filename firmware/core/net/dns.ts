// DNS client (RFC 1035): one A query at a time over the W5500 UDP socket, resent after 1, 2
// and 4 s (then DNS_ERR_TIMEOUT), the answer cached for its TTL (one name: the broker's).
// Non-blocking: dnsStart() then dnsPoll() each step. No allocation: one static packet buffer.
// It also holds its two config keys (CFG_BROKER_HOST, CFG_DNS_SERVER: lanConfigSet), so a module
// without the DNS client keeps the core's config blob as it is.
import * as A from "../api/abi";
import { entropy } from "../api/board";
import { num, readLE } from "../config";
import { udpOpen, udpSendTo, udpRecvFrom, udpFromIp, udpFromPort } from "./w5500/udp";

export const DNS_PENDING: i32 = 0;
export const DNS_DONE: i32 = 1;
// Failures (negative), mapped to ERR_DNS_* by the client:
export const DNS_ERR_NAME: i32 = -1;    // the server says the name does not exist (NXDOMAIN) or has no A record
export const DNS_ERR_TIMEOUT: i32 = -2; // no answer after every retry (server address, UDP port 53 reachable?)
export const DNS_ERR_SERVER: i32 = -3;  // the server failed or refused (SERVFAIL, REFUSED, ...)
export const DNS_ERR_BAD: i32 = -4;     // the name is not a valid host name, or no DNS server is known
/** From the resolver when no host name is configured: connect to CFG_BROKER_IP. */
export const DNS_NO_NAME: i32 = 2;

const BUF_SIZE: i32 = 300;
const BUF: usize = memory.data(300);
/** CFG_BROKER_HOST: the name resolved and cached (length-prefixed, ≤ 63 bytes). */
const NAME: usize = memory.data(64);
/** CFG_DNS_SERVER (0: the gateway). */
let dnsServer: u32 = 0;
const TRIES: i32 = 3;

let server: u32 = 0;
let id: i32 = 0;
let tries: i32 = 0;
let sentAt: u32 = 0;
let qLen: i32 = 0;
let state: i32 = 1; // DNS_DONE (a literal: a constant here costs a start function)
let addr: u32 = 0;
/** Cache: valid while `now` is before this (ms); the TTL answered, 0 = no caching. */
let expires: u32 = 0;
let cached: bool = false;

/** CFG_BROKER_HOST as set: its length byte, then the bytes (the console's `show`, lan.ts's save). */
export function dnsName(): usize { return NAME; }
/** CFG_DNS_SERVER as set (0: the lease's or the gateway). */
export function dnsServerCfg(): u32 { return dnsServer; }

/** The address found by the last DNS_DONE. */
export function dnsAddr(): u32 { return addr; }
/** The DNS server the last query went to (or the DHCP server, after a DHCP failure: lan.ts). */
export function dnsServerAddr(): u32 { return server; }
/** Its port, for error records: 53 (67 after a DHCP failure). Never written in a module without the LAN services. */
export let askedPort: i32 = 53;
/** The DNS server when CFG_DNS_SERVER is 0: the lease's (lan.ts), else the gateway. */
export let dnsDefault: u32 = 0;

/** For lan.ts: a connect that waited for DHCP goes to `ip` (no host name to resolve). */
export function dnsUse(ip: u32): void { addr = ip; askedPort = 53; }
/** For lan.ts: the attempt failed asking `ip`:`port` (a DHCP server). */
export function dnsAsked(ip: u32, port: i32): void { server = ip; askedPort = port; }
/** The DNS server a lookup would ask now. */
export function dnsServerNow(): u32 { return dnsServer != 0 ? dnsServer : dnsDefault != 0 ? dnsDefault : num(A.CFG_GATEWAY); }
/** For lan.ts: the lease's DNS server (or gateway), used when CFG_DNS_SERVER is 0. */
export function dnsSetDefault(ip: u32): void { dnsDefault = ip; }

/** The config keys this module holds (through config.ts's LanHook); a new host name drops the cache. */
export function lanConfigSet(key: i32, src: usize, len: i32): i32 {
  if (key == A.CFG_BROKER_HOST) {
    if (len > 63) return A.ERR_CONFIG_VALUE;
    store<u8>(NAME, <u8>len);
    memory.copy(NAME + 1, src, len);
    cached = false;
    return 0;
  }
  if (key != A.CFG_DNS_SERVER) return A.ERR_CONFIG_KEY;
  if (len < 1 || len > 4) return A.ERR_CONFIG_VALUE;
  dnsServer = readLE(src, len);
  return 0;
}

/**
 * Starts resolving NAME through `dns` (UDP port 53). A fresh cached answer makes dnsPoll()
 * return DNS_DONE at once.
 */
export function dnsStart(dns: u32, now: u32): void {
  if (cached && <i32>(expires - now) > 0) { state = DNS_DONE; return; }
  cached = false;
  server = dns;
  let len = <i32>load<u8>(NAME);
  state = encode(len) ? DNS_PENDING : DNS_ERR_BAD;
  if (server == 0) state = DNS_ERR_BAD;
  tries = 0;
  id = <i32>(entropy() & 0xffff);
  if (state == DNS_PENDING && udpOpen(49152 + (id & 0x3fff)) < 0) state = DNS_ERR_TIMEOUT;
  if (state == DNS_PENDING) send(now);
}

/** The query for NAME in BUF: header (id, RD, one question), the name as labels, type A, class IN. */
function encode(len: i32): bool {
  if (len < 1 || len > 63) return false;
  memory.fill(BUF, 0, 12);
  store<u8>(BUF + 2, 1); // RD
  store<u8>(BUF + 5, 1); // QDCOUNT 1
  let lab = BUF + 12; // the length byte of the current label
  let p = lab + 1;
  for (let i = 0; i <= len; i++) {
    let c = i < len ? load<u8>(NAME + 1 + i) : <u8>0x2e;
    if (c == 0x2e) { // '.' ends a label: 1..63 bytes
      let n = <i32>(p - lab - 1);
      if (n == 0) { if (i == len && i > 0) break; return false; } // a trailing dot is the root
      store<u8>(lab, <u8>n);
      lab = p++;
    } else store<u8>(p++, c);
  }
  store<u8>(lab, 0);
  store<u32>(lab + 1, 0x01000100); // QTYPE A, QCLASS IN (big-endian 0x0001, 0x0001)
  qLen = <i32>(lab + 5 - BUF);
  return true;
}

function send(now: u32): void {
  encode(<i32>load<u8>(NAME)); // (again: a stray datagram may have overwritten BUF)
  store<u8>(BUF, <u8>(id >> 8));
  store<u8>(BUF + 1, <u8>id);
  udpSendTo(server, 53, BUF, qLen);
  sentAt = now;
  tries++;
}

/** DNS_DONE (address in dnsAddr()), DNS_PENDING, or a DNS_ERR_*. */
export function dnsPoll(now: u32): i32 {
  if (state != DNS_PENDING) return state;
  let n = udpRecvFrom(BUF, BUF_SIZE);
  if (n >= 12 && udpFromIp() == server && udpFromPort() == 53
    && ((<i32>load<u8>(BUF) << 8) | <i32>load<u8>(BUF + 1)) == id && (load<u8>(BUF + 2) & 0x80) != 0) {
    state = answer(n, now);
    return state;
  }
  if (<i32>(now - sentAt) >= 1000 << (tries - 1)) {
    if (tries >= TRIES) { state = DNS_ERR_TIMEOUT; return state; }
    send(now);
  }
  return DNS_PENDING;
}

/** Skips a (possibly compressed) name at p; returns the offset after it, or past n if malformed. */
function skipName(p: i32, n: i32): i32 {
  while (p < n) {
    let b = <i32>load<u8>(BUF + <usize>p);
    if (b == 0) return p + 1;
    if (b >= 0xc0) return p + 2;
    p += b + 1;
  }
  return n + 1;
}

/** Reads the first A record of the response (n bytes in BUF). */
function answer(n: i32, now: u32): i32 {
  let rcode = load<u8>(BUF + 3) & 15;
  if (rcode == 3) return DNS_ERR_NAME;
  if (rcode != 0) return DNS_ERR_SERVER;
  let an = <i32>load<u8>(BUF + 7); // ANCOUNT (low byte: a handful at most here)
  let p = skipName(12, n) + 4;
  for (; an > 0 && p + 10 <= n; an--) {
    p = skipName(p, n);
    if (p + 10 > n) break;
    let rr = BUF + <usize>p;
    let rdlen = (<i32>load<u8>(rr + 8) << 8) | <i32>load<u8>(rr + 9);
    // TYPE A (1), CLASS IN (1), 4 bytes of address
    if (load<u32>(rr) == 0x01000100 && rdlen == 4 && p + 14 <= n) {
      addr = bswap<u32>(load<u32>(rr + 10));
      let ttl = bswap<u32>(load<u32>(rr + 4));
      if (ttl > 86400) ttl = 86400;
      expires = now + ttl * 1000;
      cached = ttl > 0;
      return DNS_DONE;
    }
    p += 10 + rdlen;
  }
  return DNS_ERR_NAME; // no A record (e.g. only AAAA or a CNAME left unresolved)
}

/**
 * config.ts's LanHook: this module's config keys (key > 0), and the transport's resolution of
 * CFG_BROKER_HOST through CFG_DNS_SERVER or the gateway (key 0 start, -1 poll; `now` = millis()).
 */
export function lanHookDns(key: i32, src: usize, now: i32): i32 {
  if (key > 0) return lanConfigSet(key, src, now);
  if (key == 0) {
    if (load<u8>(NAME) == 0) return DNS_NO_NAME;
    askedPort = 53;
    dnsStart(dnsServerNow(), <u32>now);
  }
  return dnsPoll(<u32>now);
}
