// The LAN services of the core's network layer (DNS today): linked into a module only when its
// entry calls lanEnable() before the core's start(), so core.wasm (the MQTT client alone, with
// its size budget) carries none of it and an app on a LAN opts in (docs/w5500.md, "LAN").
import { setLanHook } from "../config";
import { lanHookDns } from "./dns";

/** From now on CFG_BROKER_HOST and CFG_DNS_SERVER are config keys and host names are resolved by DNS. */
export function lanEnable(): void { setLanHook(lanHookDns); }
