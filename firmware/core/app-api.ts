// What an app compiled with the core (docs/app-api.md, "Config") may call besides the wq_*
// exports of index.ts. core.wasm does not export these: an export costs its bytes in every
// module (core_wasm_bytes), while a function here costs only a module whose app calls it.
import { CFG_CONSOLE_QUIET, CFG_SPILL_MS } from "./api/abi";
import { configGet, consoleQuiet, numOf, spillMs, UID } from "./config";
import { BUF } from "./mqtt/client";
import { appLen, appOff, persistApp } from "./mqtt/session";
import { storeReadPayload } from "./store/store";

export { checkFilter, topicMatches } from "./mqtt/topic";

/**
 * Copies config `key`'s running value into the staging buffer (wq_buf) and returns its length:
 * a string key's bytes (0 when empty), CFG_MAC's 6 bytes, a number key's 4 (a little-endian
 * u32, as wq_config takes it). ERR_CONFIG_KEY for a key the core does not hold: CFG_NEXT_PID
 * (wq_stat(STAT_NEXT_PID) has it) and the LAN keys. Overwrites what is staged: the core emits
 * no event while staged bytes wait for their call, so an event handler may call it.
 */
export function wq_config_get(key: i32): i32 { return configGet(key, BUF); }

/**
 * A number key's running value, returned rather than staged, for a read on a hot path: @inline,
 * so a constant key costs one load (the console tests CFG_CONSOLE_QUIET on every event: through
 * wq_config_get, two calls and ~30 instructions each time, it showed in
 * vboard_instr_per_qos1_publish). Number keys only (CFG_WILL_FLAGS..CFG_TRACE but CFG_MAC,
 * CFG_CONSOLE_QUIET, CFG_SPILL_MS): another key reads an unrelated word, so use wq_config_get
 * for any key not known at build time.
 */
@inline export function wq_config_num(key: i32): u32 {
  return key == CFG_CONSOLE_QUIET ? consoleQuiet() : key == CFG_SPILL_MS ? spillMs() : numOf(key);
}

/** The staging buffer's address (wq_buf(), wq_buf_size() bytes): what the client API reads a call's
 * bytes from. An app may use it as scratch between calls, as the SDK's line buffer does. */
export const STAGING_BUF: usize = BUF;

/** The chip's 96-bit unique id: 12 bytes in linear memory, in address order from 0x1FFFF7E8 (read
 * once at start; the default client id and MAC are made from it). Example: `load<u8>(CHIP_UID + 11)`. */
export const CHIP_UID: usize = UID;

/**
 * Saves an app's blob [p, p + len) in the store as its one R_APP record (the previous one becomes
 * garbage); 0 or a negative ERR_* (ERR_NO_STORE, ERR_STORE_IO, ERR_QUEUE_FULL when the store is
 * full). p needs 4 writable bytes on each side of the blob.
 * Example: `wq_app_blob_save(SETTINGS, settingsLen)`.
 */
@inline export function wq_app_blob_save(p: usize, len: i32): i32 { return persistApp(p, len); }

/** Whether the app has a saved blob (wq_app_blob_save); its length is then wq_app_blob_len(). */
@inline export function wq_app_blob_saved(): bool { return appOff != 0xffffffff; }

/** The length of the app's saved blob; meaningful only when wq_app_blob_saved(). */
@inline export function wq_app_blob_len(): i32 { return appLen; }

/**
 * Reads the first `len` bytes of the app's saved blob into dst (len at most wq_app_blob_len());
 * 0 or a store error. Example: `if (wq_app_blob_read(SETTINGS, n) == 0) settingsLen = n;`.
 */
@inline export function wq_app_blob_read(dst: usize, len: i32): i32 { return storeReadPayload(appOff, 0, dst, len); }
