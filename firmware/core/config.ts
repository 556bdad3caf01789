// Runtime configuration: one static blob that is also the CONFIG store record's payload.
// Layout (version CONFIG_VERSION): u16 version, then string fields [u8 len][max bytes],
// then u32 number fields (numOffset()); defaults and limits in NUM_DEFAULTS / NUM_MAX, as documented in api/abi.ts.
import { CFG_CLIENT_ID, CFG_WILL_FLAGS, CFG_MAC,
  CFG_TRACE, CFG_CONSOLE_QUIET, CFG_SPILL_MS, ERR_CONFIG_KEY, ERR_CONFIG_VALUE, WINDOW_MAX } from "./api/abi";
import { uid } from "./api/board";

export const CONFIG_VERSION: u16 = 1;
export const CONFIG_BYTES: i32 = 464;
/** The blob; 4 bytes of room on each side let the store append it in place. */
export const CFG: usize = memory.data(CONFIG_BYTES + 8) + 4;

// string fields: offset of the length byte, and max length
const S_CLIENT_ID: i32 = 2;    // 64
const S_USERNAME: i32 = 67;    // 64
const S_PASSWORD: i32 = 132;   // 64
const S_WILL_TOPIC: i32 = 197; // 96
const S_WILL_PAYLOAD: i32 = 294; // 96
const S_MAC: i32 = 391;        // 6 (fixed)
const N_SPILL: i32 = 398;      // u16 CFG_SPILL_MS (0 in a blob saved before the key existed: flash-first)
const N_BASE: i32 = 400;       // u32 numbers: key CFG_WILL_FLAGS.. at N_BASE + 4 * (index)

/** Offset of a number key's u32, or -1. */
function numOffset(key: i32): i32 {
  // number keys are CFG_WILL_FLAGS..CFG_TRACE minus CFG_MAC, stored in key order, then
  // CFG_CONSOLE_QUIET in the last 4 bytes (a config saved before it existed reads 0 there: not quiet)
  if (key == CFG_CONSOLE_QUIET) return N_CONSOLE_QUIET;
  if (key < CFG_WILL_FLAGS || key > CFG_TRACE || key == CFG_MAC) return -1;
  return numAt(key);
}
/** Offset of number key CFG_WILL_FLAGS..CFG_TRACE (not CFG_MAC); a constant for a constant key. */
@inline function numAt(key: i32): i32 { return N_BASE + 4 * (key - CFG_WILL_FLAGS - (key > CFG_MAC ? 1 : 0)); }

/** Longest client id, user name and password; longest will topic and will payload. */
const STR_MAX_ID: i32 = 64;
const STR_MAX_WILL: i32 = 96;
/** Every CONNECT payload string at its maximum, each with its 2-byte length (sendConnect() builds them all in the TX buffer). */
export const CONNECT_PAYLOAD_MAX: i32 = 3 * (2 + STR_MAX_ID) + 2 * (2 + STR_MAX_WILL);

/** Per string key CFG_CLIENT_ID..CFG_WILL_PAYLOAD (1..5): offset of its length byte << 8 | max length. */
const STR_FIELDS: usize = memory.data<u32>([<u32>(S_CLIENT_ID << 8 | STR_MAX_ID), <u32>(S_USERNAME << 8 | STR_MAX_ID),
  <u32>(S_PASSWORD << 8 | STR_MAX_ID), <u32>(S_WILL_TOPIC << 8 | STR_MAX_WILL), <u32>(S_WILL_PAYLOAD << 8 | STR_MAX_WILL)]);

/** [offset of length byte] << 8 | max length, for string keys; -1 otherwise. */
function strField(key: i32): i32 {
  return <u32>(key - CFG_CLIENT_ID) < 5 ? load<i32>(STR_FIELDS + (<usize>(key - CFG_CLIENT_ID) << 2)) : -1;
}

/** A number key's value; CFG_SPILL_MS (a u16 of its own) included, so the console's `show` reads it like the others. */
export function num(key: i32): u32 { return key == CFG_SPILL_MS ? spillMs() : load<u32>(CFG + <usize>numOffset(key)); }
/** num() for a constant key CFG_WILL_FLAGS..CFG_TRACE (not CFG_MAC): one load, no call, for what
 * runs on every publish (a call to num() costs the device's interpreter more than the load). */
@inline export function numOf(key: i32): u32 { return load<u32>(CFG + <usize>numAt(key)); }
/** Where CFG_CONSOLE_QUIET is kept: the last 4 bytes. */
const N_CONSOLE_QUIET: i32 = CONFIG_BYTES - 4;
/** CFG_CONSOLE_QUIET with one load: the console tests it on every event, and a host may set it
 * through wq_config at any time (nothing to cache). */
@inline export function consoleQuiet(): u32 { return load<u32>(CFG + <usize>N_CONSOLE_QUIET); }
/** CFG_SPILL_MS: 0 = flash-first. */
export function spillMs(): u32 { return <u32>load<u16>(CFG + N_SPILL); }

// Per number field, in stored order (CFG_WILL_FLAGS..CFG_TRACE without CFG_MAC, CFG_CONSOLE_QUIET): default and
// largest value; NUM_MIN1 has a bit per field whose smallest value is 1 (else 0).
const NUM_COUNT: i32 = 16;
const NUM_DEFAULTS: usize = memory.data<u32>([0, 60, 0, 0x7f000001, 1883, 0xc0a80132, 0xc0a80101,
  0xffffff00, 0, 5, 500, 30000, 10000, 8, 0, 0]);
const NUM_MAX: usize = memory.data<u32>([6, 65535, 1, 0xffffffff, 65535, 0xffffffff, 0xffffffff,
  0xffffffff, 0xffffffff, 255, 3600000, 3600000, 3600000, WINDOW_MAX, 1, 1]);
const NUM_MIN1: i32 = 0b011110000010000; // BROKER_PORT, BACKOFF_MIN/MAX, TIMEOUT, WINDOW

/** Pointer to a string field's bytes; its length via strLen (0 when empty: a length byte, never negative). */
export function strPtr(key: i32): usize { return CFG + <usize>(strField(key) >> 8) + 1; }
export function strLen(key: i32): i32 { return <i32>load<u8>(CFG + <usize>(strField(key) >> 8)); }
export function macPtr(): usize { return CFG + S_MAC; }

/** The chip's 96-bit unique id (board `uid` import), read by configDefaults(). */
export const UID: usize = memory.data(12);

/**
 * Defaults, with the identity taken from the chip's unique id so no two boards share one:
 * client id "wasmqtt-" + the 12 id bytes as 24 hex digits (address order), and a locally
 * administered unicast MAC 02:xx:xx:xx:xx:xx whose 5 bytes are the id folded (byte i xors into
 * byte 1 + i % 5). Chips of one wafer and lot share id bytes 4..11, so their die coordinates
 * (bytes 0..3, which land on distinct MAC bytes) keep their MACs apart.
 */
export function configDefaults(): void {
  memory.fill(CFG, 0, CONFIG_BYTES);
  store<u16>(CFG, CONFIG_VERSION);
  uid(UID);
  let id = CFG + S_CLIENT_ID;
  store<u8>(id, 32);
  store<u64>(id + 1, 0x2d7474716d736177); // "wasmqtt-"
  let mac = CFG + S_MAC;
  store<u8>(mac, 0x02);
  for (let i: usize = 0; i < 24; i++) {
    let b = <i32>load<u8>(UID + (i >> 1));
    let d = (i & 1) != 0 ? b & 15 : b >> 4;
    store<u8>(id + 9 + i, <u8>(d < 10 ? 48 + d : 87 + d));
    if ((i & 1) == 0) { let at = mac + 1 + (i >> 1) % 5; store<u8>(at, load<u8>(at) ^ <u8>b); }
  }
  memory.copy(CFG + N_BASE, NUM_DEFAULTS, NUM_COUNT * 4);
  store<u16>(CFG + N_SPILL, 1000);
}


/** The little-endian number in [src, src+len) (len 1..4, checked by the callers). */
export function readLE(src: usize, len: i32): u32 {
  let v: u32 = 0;
  for (let i = len - 1; i >= 0; i--) v = (v << 8) | <u32>load<u8>(src + i);
  return v;
}

/** Sets `key` from [src, src+len) (strings: bytes; numbers: little-endian 1..4 bytes); len >= 0
 * (wq_config, the only caller, refuses a negative one, and checks the MQTT rules of the client id,
 * user name and will topic, so this file needs no MQTT). */
export function configSet(key: i32, src: usize, len: i32): i32 {
  let sf = strField(key);
  if (sf >= 0) {
    if (len > (sf & 0xff)) return ERR_CONFIG_VALUE;
    let at = CFG + <usize>(sf >> 8);
    store<u8>(at, <u8>len);
    memory.copy(at + 1, src, len);
    return 0;
  }
  if (key == CFG_MAC) {
    if (len != 6) return ERR_CONFIG_VALUE;
    memory.copy(CFG + S_MAC, src, 6);
    return 0;
  }
  let off = numOffset(key);
  if (off < 0 && key != CFG_SPILL_MS) return lanHook(key, src, len);
  if (<u32>(len - 1) > 3) return ERR_CONFIG_VALUE; // 1..4 bytes
  let v = readLE(src, len);
  if (off < 0) {
    if (v > 65535) return ERR_CONFIG_VALUE;
    store<u16>(CFG + N_SPILL, <u16>v);
    return 0;
  }
  let f = (off - N_BASE) >> 2;
  if (v > load<u32>(NUM_MAX + (<usize>f << 2)) || (v == 0 && ((NUM_MIN1 >> f) & 1) != 0)) return ERR_CONFIG_VALUE;
  if (key == CFG_WILL_FLAGS && (v & 3) == 3) return ERR_CONFIG_VALUE;
  store<u32>(CFG + <usize>off, v);
  return 0;
}

/** Copies key's running value to dst: a number as a little-endian u32 (returns 4), a string's
 * bytes (returns its length, 0 when empty), CFG_MAC's 6 bytes (returns 6); ERR_CONFIG_KEY for a
 * key this blob does not hold (app-api.ts wq_config_get). */
export function configGet(key: i32, dst: usize): i32 {
  let sf = strField(key);
  let src = CFG + <usize>(sf >> 8) + 1; // (sf -1: CFG, read but not used)
  let n = <i32>load<u8>(src - 1);
  if (sf < 0) {
    if (key != CFG_MAC) {
      if (numOffset(key) < 0 && key != CFG_SPILL_MS) return ERR_CONFIG_KEY;
      store<u32>(dst, num(key));
      return 4;
    }
    src = CFG + S_MAC;
    n = 6;
  }
  memory.copy(dst, src, n);
  return n;
}

/**
 * The LAN services' hook (net/lan.ts lanEnable()), one function for two jobs so a module without
 * them pays for one function reference: config keys this blob does not hold (key > 0: returns
 * like configSet; CFG_BROKER_HOST, CFG_DNS_SERVER), and the transport's name resolution (key 0:
 * start, -1: poll; `len` = millis(); net/transport.ts). Without LAN services: ERR_CONFIG_KEY, and
 * 2 ("no host name") for resolution. The blob, and bluepill's 8 KB of linear memory, stay as they are.
 */
export type LanHook = (key: i32, src: usize, len: i32) => i32;
function noLan(key: i32, src: usize, len: i32): i32 { return key > 0 ? ERR_CONFIG_KEY : 2; }
export let lanHook: LanHook = noLan;
export function setLanHook(h: LanHook): void { lanHook = h; }

/** True when the blob at CFG has this build's version (after loading from the store). */
export function configValid(): bool { return load<u16>(CFG) == CONFIG_VERSION; }
