// core.wasm entry: the exports of docs/core-api.md. Everything is static; start() only
// initialises buffers and loads config + session from the store.
import * as A from "./api/abi";
import { entropy } from "./api/board";
import { CFG, CONFIG_BYTES, configDefaults, configSet, configValid, readLE } from "./config";
import { storeInit, storeUsed, storeReadPayload, groupSize, compactions, useTier } from "./store/store";
import * as S from "./mqtt/session";
import * as C from "./mqtt/client";
import { getStat } from "./api/stats";
import { checkTopicName } from "./mqtt/topic";
import { checkUtf8 } from "./mqtt/wire";
import { netLinkState } from "./net/transport";

/** Loads the latest saved config into the running config; ERR_NO_CONFIG when none is valid. */
function configLoad(): i32 {
  if (S.cfgOff == 0xffffffff) return A.ERR_NO_CONFIG;
  if (storeReadPayload(S.cfgOff, 0, CFG, CONFIG_BYTES) != 0) { configDefaults(); return A.ERR_STORE_IO; }
  if (!configValid()) { configDefaults(); return A.ERR_NO_CONFIG; }
  return 0;
}

export function start(): void {
  configDefaults();
  useTier(false); // (the flash's: a second start() may find the RAM log selected)
  let e = storeInit();
  if (e < 0) C.emitError(e, 0, 0);
  S.sessionLoad();
  configLoad();
  if (S.nextPid == 1 && S.outEnd() == S.OUT) S.setNextPid(<i32>(entropy() % 65535) + 1);
  C.start();
}

export function step(): i32 { return C.step(); }
export function wq_buf(): usize { return C.BUF; }
export function wq_buf_size(): i32 { return A.STAGING_SIZE; }

export function wq_config(key: i32, len: i32): i32 {
  if (len < 0 || len > A.STAGING_SIZE) return A.ERR_ARG;
  if (key == A.CFG_NEXT_PID) {
    if (<u32>(len - 1) > 3) return A.ERR_CONFIG_VALUE; // 1..4 bytes
    let v = readLE(C.BUF, len);
    if (v - 1 > 65534) return A.ERR_CONFIG_VALUE; // 1..65535
    S.setNextPid(<i32>v);
    return 0;
  }
  // the MQTT rules of the strings (§1.5.3 UTF-8, §4.7 topic names); a too-long one is configSet()'s ERR_CONFIG_VALUE
  if (key == A.CFG_WILL_TOPIC ? len > 0 && checkTopicName(C.BUF, len) < 0
    : (key == A.CFG_CLIENT_ID || key == A.CFG_USERNAME) && checkUtf8(C.BUF, len) < 0) return A.ERR_CONFIG_VALUE;
  return configSet(key, C.BUF, len);
}

/** Saves the running config (a new CONFIG record; the previous one becomes garbage). */
export function wq_config_save(): i32 { return S.persistConfig(); }
export function wq_config_load(): i32 { return configLoad(); }
export function wq_connect(): i32 { return C.connect(); }
export function wq_disconnect(): i32 { return C.disconnect(); }
export function wq_publish(topicLen: i32, payloadLen: i32, flags: i32): i32 { return C.publish(topicLen, payloadLen, flags); }
export function wq_subscribe(count: i32): i32 { return C.subscribe(count, false); }
export function wq_unsubscribe(count: i32): i32 { return C.subscribe(count, true); }

/** The live values by key (one switch: one jump table), then the counters (api/stats.ts). */
export function wq_stat(key: i32): i32 {
  switch (key) {
    case A.STAT_STATE: return C.clientState();
    case A.STAT_INFLIGHT_OUT: S.outTally(); return S.nInflight;
    case A.STAT_QUEUED_OUT: S.outTally(); return S.nFresh;
    case A.STAT_INFLIGHT_IN: return S.inCount();
    case A.STAT_NEXT_PID: return S.nextPid;
    case A.STAT_MEM_HIGH_WATER: return <i32>__heap_base;
    case A.STAT_STORE_USED: useTier(false); return storeUsed(); // (the flash's figures)
    case A.STAT_STORE_COMPACTIONS: return compactions;
    case A.STAT_STORE_CAPACITY: useTier(false); return <i32>groupSize;
    case A.STAT_LINK: return netLinkState();
  }
  return key > 0 && key <= A.STAT_KEY_COUNT ? getStat(key) : A.ERR_ARG;
}

/** Target of `--use abort=`: reports ERR_ABORT instead of importing env.abort. */
function wqAbort(msg: string | null, file: string | null, line: u32, col: u32): void {
  C.emitError(A.ERR_ABORT, 0, <i32>line);
}
