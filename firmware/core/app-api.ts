// What an app compiled with the core (docs/app-api.md, "Config") may call besides the wq_*
// exports of index.ts. core.wasm does not export these: an export costs its bytes in every
// module (core_wasm_bytes), while a function here costs only a module whose app calls it.
import { CFG_CONSOLE_QUIET, CFG_SPILL_MS } from "./api/abi";
import { configGet, consoleQuiet, numOf, spillMs } from "./config";
import { BUF } from "./mqtt/client";

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
