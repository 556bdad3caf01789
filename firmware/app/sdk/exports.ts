// What an app module exports besides its own start()/step(): the core's client API
// (docs/core-api.md), so NodeDevice and other hosts can drive and configure it, and
// wq_app_settings, which replaces the app settings (settings.ts) and saves them.
// An app entry re-exports this file: `export * from "wasmqtt/app/exports"` (in this repo:
// firmware/app/sdk/exports).
import { wq_buf } from "../../core/index";
import { SETTINGS, settingsLen, settingsReplace } from "./settings";
import { wq_app_blob_save } from "../../core/app-api";
import { ERR_ARG } from "../../core/api/abi";
import { memoryEnd } from "./app";

export {
  wq_buf, wq_buf_size, wq_config, wq_config_save, wq_config_load, wq_connect, wq_disconnect,
  wq_publish, wq_subscribe, wq_unsubscribe, wq_stat,
} from "../../core/index";

/** End of the linear memory in use after setup() (static data and setup()'s Texts): a host
 * checks it against the board's linear-memory cap, which the device enforces by trapping. */
export function wq_app_memory_end(): i32 { return <i32>memoryEnd; }

/** Replaces the app settings with the `len` bytes staged in wq_buf ("key=value\n" lines, at
 * most 128 bytes) and saves them; 0, ERR_ARG (too long) or a store error. They are read at the
 * next start(). */
export function wq_app_settings(len: i32): i32 {
  if (settingsReplace(wq_buf(), len) != 0) return ERR_ARG;
  return wq_app_blob_save(SETTINGS, settingsLen);
}
