// Log lines on the console UART (USART1 on the chip; NodeDevice's 'uart' event; the virtual
// board's UART output): one line per call, ended with CR LF.
import { uart_write } from "./board";
import { Text, utf8Into } from "./text";
import { LINE, LINE_BYTES } from "./state";

/** Writes `line` (a string or a Text) and CR LF to the console; longer than 128 bytes is cut. */
export function log<T>(line: T): void {
  let n: i32;
  if (isString<T>()) n = utf8Into(changetype<string>(line), LINE, LINE_BYTES);
  else {
    let t = changetype<Text>(line);
    n = min(t.length, LINE_BYTES);
    memory.copy(LINE, t.ptr, n);
  }
  store<u16>(LINE + n, 0x0a0d);
  uart_write(LINE, n + 2);
}
