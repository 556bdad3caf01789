// The app's life cycle on top of the core (docs/architecture.md "Core and apps"): start()
// brings up the core (config, store, session), loads the app settings, runs the app's setup();
// step() runs due timers and pending subscriptions, then the core's step().
import { setAppEvent } from "../../core/api/app";
import { start as coreStart, step as coreStep } from "../../core/index";
import { mqttOnEvent, mqttStep } from "./mqtt";
import { settingsLoad } from "./settings";
import { setRunning } from "./state";
import { runTimers } from "./timer";

/** End of the linear memory the app uses (statics and setup()'s allocations), set after setup(). */
export let memoryEnd: usize = 0;

export class App {
  /** The module's start(): the core, the settings, then `setup` (make pins, Texts, timers and
   * subscriptions there; the API allocates nothing after it returns). */
  static start(setup: () => void): void {
    setAppEvent(mqttOnEvent);
    coreStart();
    settingsLoad();
    setup();
    setRunning();
    memoryEnd = changetype<usize>(heap.alloc(0));
  }

  /** The module's step(): returns ms until something is due (the host sleeps until then or an interrupt). */
  static step(): i32 {
    let timers = runTimers();
    mqttStep();
    let core = coreStep();
    return core < timers ? core : timers;
  }
}
