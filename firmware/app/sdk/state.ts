// What every part of the app API shares: whether setup() is over, the console line buffer, and
// the one way the API stops an app that asked for something impossible.
import { uart_write } from "./board";
import { STAGING_BUF } from "../../core/app-api";

/** True once setup() has returned: from then on the API allocates nothing. */
export let running = false;
export function setRunning(): void { running = true; }

/** One console line (log(), errors) or filter, CR LF included: the core's staging buffer, free
 * whenever the app runs (the core reads it only inside an API call, and each call stages anew). */
export const LINE_BYTES: i32 = 128;
export const LINE: usize = STAGING_BUF;

// Error codes (docs/app-api.md "Errors"), kept as ASCII bytes: as string literals they would
// take four times the linear memory.
export const E_PIN_RESERVED: i32 = 0; // "pin-reserved"
export const E_PIN_INVALID: i32 = 1; // "pin-invalid"
export const E_PIN_NO_ADC: i32 = 2; // "pin-no-adc"
export const E_ADC_TIMEOUT: i32 = 3; // "adc-timeout"
export const E_TIMERS_FULL: i32 = 4; // "timers-full"
export const E_TIMER_TIME: i32 = 5; // "timer-time"
export const E_FILTERS_FULL: i32 = 6; // "filters-full"
export const E_FILTER_SIZE: i32 = 7; // "filter-size"
export const E_QOS: i32 = 8; // "qos"
export const E_TEXT_AFTER_SETUP: i32 = 9; // "text-after-setup"
export const E_FILTER_INVALID: i32 = 10; // "filter-invalid"
/** "evt app-error ", then the codes above, each ended by a 0. */
const TEXT: usize = memory.data<u8>([101, 118, 116, 32, 97, 112, 112, 45, 101, 114, 114, 111, 114, 32,
  112, 105, 110, 45, 114, 101, 115, 101, 114, 118, 101, 100, 0, 112, 105, 110, 45, 105, 110, 118, 97, 108, 105, 100, 0,
  112, 105, 110, 45, 110, 111, 45, 97, 100, 99, 0, 97, 100, 99, 45, 116, 105, 109, 101, 111, 117, 116, 0, 116, 105, 109,
  101, 114, 115, 45, 102, 117, 108, 108, 0, 116, 105, 109, 101, 114, 45, 116, 105, 109, 101, 0, 102, 105, 108, 116, 101,
  114, 115, 45, 102, 117, 108, 108, 0, 102, 105, 108, 116, 101, 114, 45, 115, 105, 122, 101, 0, 113, 111, 115, 0, 116,
  101, 120, 116, 45, 97, 102, 116, 101, 114, 45, 115, 101, 116, 117, 112, 0,
  102, 105, 108, 116, 101, 114, 45, 105, 110, 118, 97, 108, 105, 100, 0]);
const HEAD_LEN: i32 = 14;

/** Prints `evt app-error <code>` on the console and stops the app with a trap (on the chip the
 * binding reports it and restarts; in setup() after a 5 s pause). For mistakes in the app itself
 * (a pin the board uses, too many timers...), which no retry can fix. Each code is explained,
 * with its fix, in docs/app-api.md "Errors". */
export function fail(code: i32): void { failWith(code, 0, 0); }

/** fail() with `len` bytes from `p` after the code (a pin name). */
export function failWith(code: i32, p: usize, len: i32): void {
  memory.copy(LINE, TEXT, HEAD_LEN);
  let n = HEAD_LEN;
  let c = TEXT + <usize>HEAD_LEN;
  for (let k = code; k > 0; c++) if (load<u8>(c) == 0) k--;
  while (load<u8>(c) != 0) { store<u8>(LINE + <usize>n, load<u8>(c++)); n++; }
  if (len > 0) { store<u8>(LINE + <usize>n, 0x20); n++; }
  memory.copy(LINE + <usize>n, p, len);
  n += len;
  store<u16>(LINE + <usize>n, 0x0a0d);
  uart_write(LINE, n + 2);
  unreachable();
}
