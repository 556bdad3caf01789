// core-lan.wasm entry (tests, bench, hil --node-api with LAN services): core.wasm's API with the
// LAN services enabled (net/lan.ts), the way an app entry opts in: lanEnable() before start(),
// lanStep() in step() (and the link dropped when the address it ran over is gone), lanStat() in wq_stat,
// and the LAN keys saved and loaded with the config (lanSave, lanLoad). The console's LAN image
// (firmware/app/console/index-lan.ts) is this entry plus the console.
import * as A from "../api/abi";
import { millis } from "../api/board";
import { start as coreStart, step as coreStep, wq_stat as coreStat, wq_config_save as coreSave, wq_config_load as coreLoad } from "../index";
import { clientState, dropLink } from "../mqtt/client";
import { lanEnable, lanStep, lanLost, lanStat, lanSave, lanLoad } from "./lan";

export {
  wq_buf, wq_buf_size, wq_config, wq_connect, wq_disconnect,
  wq_publish, wq_subscribe, wq_unsubscribe,
} from "../index";

/** Marks a module with the LAN services (hosts check for this export: hil --node-api). */
export function wq_lan(): i32 { return 1; }

export function start(): void {
  lanEnable();
  coreStart();
  lanLoad();
}

/** The config blob, then the LAN keys (lan.ts: they live in a record of their own). */
export function wq_config_save(): i32 {
  let r = coreSave();
  return r < 0 ? r : lanSave();
}

/** The saved config blob and LAN keys back (the LAN keys cleared when none were saved). */
export function wq_config_load(): i32 {
  let r = coreLoad();
  lanLoad();
  return r;
}

export function step(): i32 {
  let st = clientState();
  let wait = lanStep(millis(), st != A.ST_IDLE);
  let lost = lanLost();
  if (lost != 0 && st >= A.ST_TCP_CONNECTING) dropLink(lost);
  return min(wait, coreStep());
}

export function wq_stat(key: i32): i32 {
  return key >= A.STAT_DHCP_STATE && key <= A.STAT_LEASE_LEFT_S ? lanStat(key, millis()) : coreStat(key);
}
