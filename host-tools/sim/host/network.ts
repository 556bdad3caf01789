// The one network seam of NodeDevice. A backend contributes wasm imports (the W5500 model's
// `board.w5500_*` functions, host-tools/sim/host/w5500-backend.ts) and tells
// the device when the network has news so the core is stepped early. NodeDevice knows nothing
// else about the network, so the W5500 model (host-tools/sim/w5500) slots in here unchanged.
import type { Clock } from './clock.ts';
import type { LinearMemory } from './memory.ts';

// Import functions take and return wasm i32 values.
export type ImportFn = (...args: number[]) => number | void;
export type ImportModules = Record<string, Record<string, ImportFn>>;

export interface NetworkBackend {
  /** Imports this backend provides, by wasm module name; merged with the `board` imports. */
  imports(memory: LinearMemory, clock: Clock): ImportModules;
  /** Registers the callback to run whenever data, a connection or a close arrives. */
  setWake(wake: () => void): void;
  /** Called after every step(): flush batched output. */
  afterStep?(): void;
  /** Drops every connection at once, as a power loss would (no FIN, no DISCONNECT). */
  destroy(): void;
}

/** "192.168.1.10" → 0xC0A8010A (the order the board ABI passes IPs in). */
export function ipv4ToU32(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`not an IPv4 address: "${ip}" (expected four numbers 0-255 separated by dots)`);
  }
  return parts.reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
}

/** 0xC0A8010A → "192.168.1.10". */
export function u32ToIpv4(ip: number): string {
  return [24, 16, 8, 0].map((s) => (ip >>> s) & 0xff).join('.');
}
