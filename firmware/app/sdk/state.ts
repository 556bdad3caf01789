// What every part of the app API shares: whether setup() is over, the console line buffer, and
// the one way the API stops an app that asked for something impossible.
import { uart_write } from "./board";

/** True once setup() has returned: from then on the API allocates nothing. */
export let running = false;
export function setRunning(): void { running = true; }

/** One console line (log(), errors), CR LF included. */
export const LINE_BYTES: i32 = 128;
export const LINE: usize = memory.data(LINE_BYTES + 2);

/** Prints `evt app-error <code>` on the console and stops the app with a trap (on the chip the
 * binding reports it and restarts; in setup() after a 5 s pause). For mistakes in the app itself
 * (a pin the board uses, too many timers...), which no retry can fix. Each code is explained,
 * with its fix, in docs/app-api.md "Errors". */
export function fail(code: string): void { failWith(code, 0, 0); }

/** fail() with `len` bytes from `p` after the code (a pin name). */
export function failWith(code: string, p: usize, len: i32): void {
  let n = 0;
  let head = "evt app-error ";
  for (let i = 0; i < head.length; i++) store<u8>(LINE + n++, <u8>head.charCodeAt(i));
  for (let i = 0; i < code.length; i++) store<u8>(LINE + n++, <u8>code.charCodeAt(i));
  if (len > 0) store<u8>(LINE + n++, 0x20);
  for (let i = 0; i < len; i++) store<u8>(LINE + n++, load<u8>(p + i));
  store<u16>(LINE + n, 0x0a0d);
  uart_write(LINE, n + 2);
  unreachable();
}
