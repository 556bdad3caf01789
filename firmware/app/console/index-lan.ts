// device-lan.wasm entry: the device console (index.ts) on the core with the LAN services (DHCP,
// DNS: firmware/core/net/lan-core.ts), for boards with the room (bluepill128, stm32f103rc,
// stm32f103ze: mk/firmware.mk). Built with `--use WQ_LAN=1`, which turns on the console's LAN
// part (console-lan.ts): `set host NAME`, `evt dhcp`, what a failed connect tried, LAN `status`.
import { setAppEvent } from "../../core/api/app";
import { start as lanStart, step as lanCoreStep } from "../../core/net/lan-core";
import { consoleStep, consoleOnEvent } from "./console";
import "./console-lan"; // the console's LAN part (its functions are @global: console.ts names them)

export {
  wq_buf, wq_buf_size, wq_config, wq_config_save, wq_config_load, wq_connect, wq_disconnect,
  wq_publish, wq_subscribe, wq_unsubscribe, wq_stat, wq_lan,
} from "../../core/net/lan-core";

export function start(): void {
  setAppEvent(consoleOnEvent);
  lanStart();
}

/** Console input first (a command's effect is on the wire in the same step), then the LAN services and the core. */
export function step(): i32 {
  consoleStep();
  return lanCoreStep();
}
