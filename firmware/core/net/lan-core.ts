// core-lan.wasm entry (tests, bench, hil --node with LAN services): core.wasm's API with the LAN
// services enabled (net/lan.ts), the way an app entry opts in.
import { start as coreStart } from "../index";
import { lanEnable } from "./lan";

export {
  step, wq_buf, wq_buf_size, wq_config, wq_config_save, wq_config_load, wq_connect, wq_disconnect,
  wq_publish, wq_subscribe, wq_unsubscribe, wq_stat,
} from "../index";

/** Marks a module with the LAN services (hosts check for this export: hil --node-api). */
export function wq_lan(): i32 { return 1; }

export function start(): void {
  lanEnable();
  coreStart();
}
