// {{name}}: the app that runs on the board (AssemblyScript, compiled with wasmqtt's MQTT core
// into one module by `npx wasmqtt build`). The API is documented in node_modules/wasmqtt/docs/app-api.md.
//  - every `period` seconds (setting, default 10) it publishes the chip's temperature in C at
//    QoS 1 to <prefix>/temp;
//  - QoS 2 messages on <prefix>/led switch the LED on PC13: "on", "off", "toggle";
//  - <prefix> is the `prefix` setting, default the client id (wasmqtt-<chip id>).
import { App, Adc, Mqtt, Message, Pin, PC13, Settings, Text, Timer, log } from "wasmqtt/app";
export * from "wasmqtt/app/exports";

export function start(): void { App.start(setup); }
export function step(): i32 { return App.step(); }

let tempTopic!: Text;
let payload!: Text;

function setup(): void {
  let prefix = new Text(48);
  if (!Settings.get("prefix", prefix)) Mqtt.clientId(prefix);
  tempTopic = new Text(64).addText(prefix).add("/temp");
  let ledTopic = new Text(64).addText(prefix).add("/led");
  payload = new Text(16);

  Pin.mode(PC13, Pin.OUTPUT);
  Pin.write(PC13, true); // the blue pill's LED is active low: high = off
  Mqtt.subscribe(ledTopic, 2, onLed);
  Timer.every(Settings.int("period", 10) * 1000, report);
  Mqtt.connect();
  log("{{name}} started"); // a string literal: no buffer, unlike a Text
}

function report(): void {
  payload.clear().addFixed(Adc.temperature(), 1);
  Mqtt.publish(tempTopic, payload, 1);
}

function onLed(msg: Message): void {
  if (msg.payloadIs("on")) Pin.write(PC13, false);
  else if (msg.payloadIs("off")) Pin.write(PC13, true);
  else if (msg.payloadIs("toggle")) Pin.toggle(PC13);
}
