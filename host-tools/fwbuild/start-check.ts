// The module's start() run once on this machine, before the image is linked: an app's setup()
// allocates its buffers at start (the stub runtime's bump allocator, after the static data), so
// the memory the module really needs on the chip is only known after start(). Node gives a
// module a whole 64 KB page where the chip gives wasm.linearMemoryCapBytes, so a module that
// needs more runs in Node and traps on the board ("out of bounds memory access" in start).
// Here start() runs with board imports that behave like the chip's at boot (a blank store of the
// board's geometry, the board's own pins refused with the HAL's PIN_RESERVED, no network yet),
// then the bytes written past the cap are looked for. A trap in start() (e.g. the app API's
// `evt app-error` for a pin the board uses) is reported with the console line it printed.
import type { Board } from './boards.ts';
import { PIN_RESERVED, reservedPins } from '../sim/host/pins.ts';

export interface StartCheck {
  /** One past the last byte of linear memory start() left non-zero (data, heap headers, buffers written). */
  usedBytes: number;
  /** The trap message when start() trapped. */
  trap?: string;
  /** What the module printed on its console UART during start(). */
  console: string;
}

/** Board imports that behave like the chip's at boot, for running a module on this machine:
 * the store in `store` (the board's geometry), `uid` as the chip id, the board's own pins
 * refused, no network (the W5500 reads as zeros), console output to `print`. */
export function hostBoardImports(
  mod: WebAssembly.Module, board: Board, store: Uint8Array, uid: Uint8Array, mem: () => Uint8Array,
  print: (text: string) => void): Record<string, Record<string, (...a: number[]) => number | void>> {
  const storeSize = store.length;
  const reserved = reservedPins(board);
  const pinCall = (pin: number) => (reserved.has(pin) ? PIN_RESERVED : pin >= 0 && pin < 80 ? 0 : -1);
  const page = board.memory.flashPageBytes;
  const board_: Record<string, (...a: number[]) => number | void> = {
    millis: () => 0,
    entropy: () => 0x2545f491,
    uid: (dst) => { mem().set(uid.subarray(0, 12), dst); },
    uart_write: (src, len) => { print(Buffer.from(mem().subarray(src, src + len)).toString('latin1')); },
    uart_read: () => 0,
    store_size: () => storeSize,
    store_page_size: () => page,
    store_read: (off, dst, len) =>
      { if (off + len > storeSize) return -1; mem().set(store.subarray(off, off + len), dst); return 0; },
    store_write: (off, src, len) =>
      { if (off + len > storeSize) return -1; store.set(mem().subarray(src, src + len), off); return 0; },
    store_erase: (off) =>
      { if (off >= storeSize) return -1; const p = off - (off % page); store.fill(0xff, p, p + page); return 0; },
    gpio_mode: (pin) => pinCall(pin),
    gpio_write: (pin) => pinCall(pin),
    gpio_read: (pin) => pinCall(pin),
    adc_read: (channel) => (channel >= 0 && channel <= 17 ? 1500 : -1),
  };
  const imports: Record<string, Record<string, (...a: number[]) => number | void>> = {};
  for (const imp of WebAssembly.Module.imports(mod)) {
    if (imp.kind !== 'function') continue;
    (imports[imp.module] ??= {})[imp.name] = (imp.module === 'board' ? board_[imp.name] : undefined) ?? (() => 0);
  }
  return imports;
}

const HOST_UID = new Uint8Array([0x57, 0x51, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0]);

export async function runStartOnHost(bytes: Uint8Array, board: Board): Promise<StartCheck> {
  const mod = await WebAssembly.compile(new Uint8Array(bytes));
  const store = new Uint8Array(board.storePages * board.memory.flashPageBytes).fill(0xff);
  let memory: WebAssembly.Memory | undefined;
  const mem = () => new Uint8Array(memory!.buffer);
  let printed = '';
  const imports = hostBoardImports(mod, board, store, HOST_UID, mem, (t) => { printed += t; });
  const instance = await WebAssembly.instantiate(mod, imports);
  memory = instance.exports.memory as WebAssembly.Memory;
  let trap: string | undefined;
  try {
    (instance.exports.start as () => void)();
  } catch (e) {
    trap = e instanceof Error ? e.message : String(e);
  }
  const m = mem();
  let used = m.length;
  while (used > 0 && m[used - 1] === 0) used--;
  // an app on the app API says where its allocations end (zero-filled buffers included)
  const end = instance.exports.wq_app_memory_end as (() => number) | undefined;
  if (!trap && typeof end === 'function') used = Math.max(used, end() >>> 0);
  return { usedBytes: used, trap, console: printed };
}

/** The problems start() shows on this board, each with what to change; empty = fits. */
export function startProblems(r: StartCheck, board: Board, boardFile: string): string[] {
  const problems: string[] = [];
  const cap = board.wasm.linearMemoryCapBytes;
  if (r.trap) {
    const appError = /evt app-error "([^"]*)"/.exec(r.console);
    problems.push(appError
      ? `start() stops on ${board.name}: ${appError[1]} (the app API's check, run here with the board's pins)`
      :
        `start() traps (${r.trap}) when run here with ${board.name}'s pins and a blank store; it would trap on the ` +
        `board too`);
  }
  if (r.usedBytes > cap) {
    problems.push(
      `start() uses linear memory up to byte ` +
      `${r.usedBytes} (static data plus what setup() allocates), but ${board.name} gives a module ${cap} bytes ` +
      `(wasm.linearMemoryCapBytes in ${boardFile}): the board would trap with "out of bounds memory access" in ` +
        `start. ` +
      `Make the app's buffers (Text, arrays) ${r.usedBytes - cap} bytes smaller, or raise the cap if the RAM budget ` +
        `has room`);
  }
  return problems;
}
