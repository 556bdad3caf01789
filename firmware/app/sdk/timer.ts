// Timers on the board's millisecond clock (virtual time in NodeDevice and the virtual board):
// `every(ms, fn)` and `after(ms, fn)` run `fn` from the app's step(), never from an interrupt,
// so a timer handler may call the whole API. 8 timers at once; the step() the host calls
// returns the time to the next one, so the device sleeps in between.
import { millis } from "../../core/api/board";
import { fail, E_TIMERS_FULL, E_TIMER_TIME } from "./state";

const SLOTS: i32 = 8;
/** Per timer: [u32 due][u32 period (0: one-shot)][u32 handler (0: free)]. */
const TIMERS: usize = memory.data(SLOTS * 12);

function add(ms: i32, period: i32, fn: () => void): i32 {
  if (ms < 0) fail(E_TIMER_TIME);
  for (let i = 0; i < SLOTS; i++) {
    let t = TIMERS + <usize>(i * 12);
    if (load<u32>(t, 8) != 0) continue;
    store<u32>(t, millis() + <u32>ms);
    store<u32>(t, <u32>period, 4);
    store<u32>(t, <u32>changetype<usize>(fn), 8);
    return i;
  }
  fail(E_TIMERS_FULL);
  return -1;
}

export class Timer {
  /** Runs `fn` every `ms` milliseconds (the first time `ms` from now); returns the timer's id. */
  static every(ms: i32, fn: () => void): i32 { return add(ms, ms > 0 ? ms : 1, fn); }

  /** Runs `fn` once, `ms` milliseconds from now (0: on the next step); returns the timer's id. */
  static after(ms: i32, fn: () => void): i32 { return add(ms, 0, fn); }

  /** Stops timer `id` (from every/after); a timer that already ran is ignored. */
  static cancel(id: i32): void { if (<u32>id < <u32>SLOTS) store<u32>(TIMERS + <usize>(id * 12), 0, 8); }

  /** Milliseconds since the board started (wraps after 49 days). */
  static millis(): u32 { return millis(); }
}

/** Runs every due timer; returns ms until the next one (0x7fffffff: none). */
export function runTimers(): i32 {
  let wait: i32 = 0x7fffffff;
  for (let i = 0; i < SLOTS; i++) {
    let t = TIMERS + <usize>(i * 12);
    let fn = load<u32>(t, 8);
    if (fn == 0) continue;
    let now = millis();
    let left = <i32>(load<u32>(t) - now);
    if (left <= 0) {
      let period = load<u32>(t, 4);
      if (period == 0) store<u32>(t, 0, 8);
      // a periodic timer keeps its rhythm; one that fell a whole period behind restarts from now
      else store<u32>(t, left + <i32>period > 0 ? load<u32>(t) + period : now + period);
      changetype<() => void>(<usize>fn)();
      // (the handler may have cancelled this timer or started a new one in its slot)
      left = load<u32>(t, 8) == 0 ? 0x7fffffff : <i32>(load<u32>(t) - millis());
    }
    if (left < wait) wait = max(left, 0);
  }
  return wait;
}
