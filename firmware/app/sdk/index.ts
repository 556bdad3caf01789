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
