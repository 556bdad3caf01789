// The `board` import module NodeDevice gives core.wasm (docs/board-abi.md): time, entropy, UART,
// the NOR store, the retained RAM, the chip id, pins and ADC, and the event sink. Apart from the
// engine as wasm3's m3_bind.c is from its interpreter: NodeDevice owns the state, this file only
// binds it to the ABI's names and checks every pointer against the module's memory.
import { decodeEvent, decodeMessage, EventKind, type CoreEvent } from './abi.ts';
import type { Clock } from './clock.ts';
import { keepImports, type RetainedRam } from './keep.ts';
import type { LinearMemory } from './memory.ts';
import type { ImportFn } from './network.ts';
import type { NodePins } from './pins.ts';
import type { MemoryStore } from './store.ts';

/** What the board imports read and drive; NodeDevice passes its own parts. */
export interface BoardState {
  readonly clock: Clock;
  readonly rand: () => number;
  readonly store: MemoryStore;
  readonly keep: RetainedRam | undefined;
  readonly pins: NodePins;
  /** The 12-byte chip id as hex (`uid`). */
  readonly uid: string;
  /** Bytes the device sent to its console (`uart_write`). */
  readonly uartOut: (bytes: Buffer) => void;
  /** Bytes waiting for the device (`uart_read` takes them from the front). */
  readonly uartIn: number[];
  /** An event the core raised (`event`), decoded. */
  readonly onEvent: (e: CoreEvent) => void;
}

/**
 * The board module's functions. `mem()` is the module's memory, attached after instantiation
 * (imports are bound before it exists); every pointer and length goes through its range check,
 * which traps the call with the import's name when the core passes a bad span.
 * Example: `const board = boardImports(state, () => memory);` then `{ board }` as the import object.
 */
export function boardImports(s: BoardState, mem: () => LinearMemory): Record<string, ImportFn> {
  return {
    millis: () => s.clock.now() >>> 0,
    entropy: () => s.rand() | 0,
    uart_write: (src: number, len: number) => {
      s.uartOut(Buffer.from(mem().range('uart_write', src, len)));
    },
    uart_read: (dst: number, max: number) => {
      const view = mem().range('uart_read', dst, max);
      const n = Math.min(max, s.uartIn.length);
      for (let i = 0; i < n; i++) view[i] = s.uartIn.shift()!;
      return n;
    },
    store_size: () => s.store.size,
    store_page_size: () => s.store.pageSize,
    store_read: (off: number, dst: number, len: number) =>
      s.store.readInto(off, mem().range('store_read', dst, len)),
    store_write: (off: number, src: number, len: number) =>
      s.store.write(off, mem().range('store_write', src, len)),
    store_erase: (off: number) => s.store.erase(off),
    ...keepImports(s.keep, (what, ptr, len) => mem().range(what, ptr, len)),
    uid: (dst: number) => { mem().range('uid', dst, 12).set(Buffer.from(s.uid, 'hex')); },
    gpio_mode: (pin: number, mode: number) => s.pins.mode(pin, mode),
    gpio_write: (pin: number, level: number) => s.pins.write(pin, level),
    gpio_read: (pin: number) => s.pins.read(pin),
    adc_read: (channel: number) => s.pins.adcRead(channel),
    event: (kind: number, ptr: number, len: number) => {
      s.onEvent(kind === EventKind.MESSAGE ? decodeMessage(mem().range('event', ptr, len))
        : decodeEvent(kind, mem().copyOut('event', ptr, len)));
    },
  };
}
