// wasmqtt/app: the API an app is written against (docs/app-api.md). This file is the package's
// "wasmqtt/app" entry (firmware/app/sdk/index.ts); an app imports from it and compiles with the
// core into one module. An app's entry file:
//
//   import { App, Mqtt, Pin, PC13 } from "wasmqtt/app";
//   export * from "wasmqtt/app/exports";        // the core's API, for hosts (NodeDevice...)
//   export function start(): void { App.start(setup); }
//   export function step(): i32 { return App.step(); }
//   function setup(): void { Pin.mode(PC13, Pin.OUTPUT); Mqtt.connect(); }
//
// Static by design: buffers are fixed at build time, Texts are made in setup(), and nothing is
// allocated after it (handlers and timers receive views, never new strings).
export { App } from "./app";
export { Mqtt, Message } from "./mqtt";
export { MessageHandler, ConnectHandler, DisconnectHandler } from "./mqtt";
export * from "./pins";
export { Adc } from "./adc";
export { Timer } from "./timer";
export { log } from "./log";
export { Settings } from "./settings";
export { Chip } from "./chip";
export { Text } from "./text";
// The running config by key (docs/app-api.md, "Config"): costs an app's module bytes only when it calls it.
export { wq_config_get, wq_config_num } from "../../core/app-api";
export { wq_buf } from "../../core/index";
export {
  CFG_CLIENT_ID, CFG_USERNAME, CFG_PASSWORD, CFG_WILL_TOPIC, CFG_WILL_PAYLOAD, CFG_WILL_FLAGS, CFG_KEEPALIVE_S,
  CFG_CLEAN_SESSION, CFG_BROKER_IP, CFG_BROKER_PORT, CFG_MAC, CFG_DEVICE_IP, CFG_GATEWAY, CFG_NETMASK, CFG_RETRY_MS,
  CFG_MAX_RETRIES, CFG_BACKOFF_MIN_MS, CFG_BACKOFF_MAX_MS, CFG_TIMEOUT_MS, CFG_WINDOW, CFG_TRACE, CFG_CONSOLE_QUIET,
  CFG_SPILL_MS, ERR_CONFIG_KEY,
} from "../../core/api/abi";
