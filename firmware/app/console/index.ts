// device.wasm entry: the MQTT core's API (firmware/core/index.ts, docs/core-api.md) plus the
// device console (docs/console.md), the app the firmware images run. The console is a client of
// the core like any host: it calls the wq_* functions, reads UART input on every step() and
// prints one `evt` line per core event through the app seam (core/api/app.ts).
import { setAppEvent } from "../../core/api/app";
import { start as coreStart, step as coreStep } from "../../core/index";
import { consoleStep, consoleOnEvent } from "./console";

export {
  wq_buf, wq_buf_size, wq_config, wq_config_save, wq_config_load, wq_connect, wq_disconnect,
  wq_publish, wq_subscribe, wq_unsubscribe, wq_stat,
} from "../../core/index";

export function start(): void {
  setAppEvent(consoleOnEvent);
  coreStart();
}

/** Console input first (a command's effect is on the wire in the same step), then the core. */
export function step(): i32 {
  consoleStep();
  return coreStep();
}
