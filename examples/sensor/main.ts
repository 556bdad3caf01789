// examples/sensor: a blue pill that reports its temperature and obeys a LED topic.
//  - every `period` seconds (default 10): the chip's temperature in C, one decimal, at QoS 1
//    to <prefix>/temp;
//  - QoS 2 messages on <prefix>/led switch the PC13 LED: "on", "off", "toggle" (or 1 / 0);
//  - settings from the store (`prefix`, `period`), provisioned from the project config; the
//    default prefix is the client id (wasmqtt-<chip id>), unique per board.
// In a project made by `wasmqtt init` the import is "wasmqtt/app".
import { App, Adc, Mqtt, Message, Pin, PC13, Settings, Text, Timer, log } from "../../firmware/app/sdk/index";
export * from "../../firmware/app/sdk/exports";

export function start(): void { App.start(setup); }
export function step(): i32 { return App.step(); }

let tempTopic!: Text;
let payload!: Text;

function setup(): void {
  let prefix = new Text(40);
  if (!Settings.get("prefix", prefix)) Mqtt.clientId(prefix);
  tempTopic = new Text(48).addText(prefix).add("/temp");
  let ledTopic = new Text(48).addText(prefix).add("/led");
  payload = new Text(12);

  Pin.mode(PC13, Pin.OUTPUT);
  Pin.write(PC13, true); // the blue pill's LED is active low: high = off
  Mqtt.subscribe(ledTopic, 2, onLed);
  Timer.every(Settings.int("period", 10) * 1000, report);
  Mqtt.connect();
  log(tempTopic);
}

function report(): void {
  payload.clear().addFixed(Adc.temperature(), 1);
  Mqtt.publish(tempTopic, payload, 1);
}

function onLed(msg: Message): void {
  if (msg.payloadIs("on") || msg.payloadIs("1")) Pin.write(PC13, false);
  else if (msg.payloadIs("off") || msg.payloadIs("0")) Pin.write(PC13, true);
  else if (msg.payloadIs("toggle")) Pin.toggle(PC13);
}
