// The W5500 behind a pipe: hosts one W5500 model for a native program (the POSIX host build of
// the firmware, firmware/hal/posix/hal_posix.c) and answers its SPI frames. The program starts
// this as a child with stdin/stdout on one end of a socketpair (requests/replies) and fd 3 on a
// pipe (INTn news), so the real core.wasm in our C interpreter reaches Mosquitto through the
// same register model the Node host and the virtual board use.
//
// Requests (8-byte header, little-endian): op u8, block u8, addr u16, len u32, then for 'W' the
// len data bytes. Replies: 'R' → len bytes; 'W', 'X' (RSTn pulse) → one byte 0; 'Q' (INTn) →
// one byte, 1 while asserted. Whenever the chip may have something new (data, connect, close,
// a timeout due) one byte is written to fd 3 so the program can leave its idle wait; at most one
// is outstanding until the next request.
//
// Clock: the program runs on the real CLOCK_MONOTONIC, so the model's clock is real time too
// (ms since this process started). RTR/RCR timeouts are armed as real timers.
//
// Options: --route DEVICE=HOST:PORT (repeatable; DEVICE as in AddressMap, "*:*" allowed;
// default "*:*" → 127.0.0.1 on the same port, which is what the old hostnet seam did),
// --trace FILE (SPI frame trace).
import { createWriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { AddressMap } from './address-map.ts';
import { OM_VDM, controlByte } from './registers.ts';
import { FrameTrace } from './trace.ts';
import { W5500 } from './w5500.ts';

const HEADER = 8;

export interface BridgeOptions {
  routes: string[];
  traceFile?: string;
}

/** Parses argv; exits with a message naming the bad option. */
function options(argv: string[]): BridgeOptions {
  try {
    const { values } = parseArgs(
      { args: argv, options: { route: { type: 'string', multiple: true }, trace: { type: 'string' } } });
    return { routes: values.route ?? ['*:*=127.0.0.1:0'], traceFile: values.trace };
  } catch (err) {
    process.stderr.write(
      `spi-bridge: ${(err as Error).message} (usage: spi-bridge.ts [--route DEVICE=HOST:PORT]... [--trace FILE])\n`);
    process.exit(2);
  }
}

/** Runs the bridge on stdin/stdout (frames) and fd 3 (INTn news) until stdin closes. */
export function runBridge(opts: BridgeOptions): void {
  const map = new AddressMap();
  for (const r of opts.routes) {
    const i = r.indexOf('=');
    if (i <= 0) { process.stderr.write(
      `spi-bridge: --route ${r}: write it as DEVICE=HOST:PORT, e.g. 192.168.1.10:1883=127.0.0.1:18830\n`);
      process.exit(2); }
    map.add(r.slice(0, i), r.slice(i + 1));
  }
  const t0 = performance.now();
  const clock = (): number => Math.floor(performance.now() - t0);
  const model = new W5500(
    { clock, addressMap: map, trace: opts.traceFile ? new FrameTrace(opts.traceFile) : undefined });

  const events = createWriteStream('', { fd: 3 });
  events.on('error', () => process.exit(0)); // the program is gone
  let eventPending = false;
  const notify = (): void => {
    if (eventPending) return;
    eventPending = true;
    events.write(Buffer.of(1));
  };
  model.onNetworkEvent(notify);

  // A timeout the chip must apply (RTR/RCR, ARP) even when no frame comes: wake the program then.
  let deadlineTimer: NodeJS.Timeout | null = null;
  const armDeadline = (): void => {
    if (deadlineTimer) clearTimeout(deadlineTimer);
    deadlineTimer = null;
    const due = model.nextDeadline();
    if (due < 0) return;
    deadlineTimer = setTimeout(
      () => { deadlineTimer = null; model.poll(); notify(); armDeadline(); }, Math.max(0, due - clock()) + 1);
  };

  let pending: Buffer = Buffer.alloc(0);
  process.stdin.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const replies: Buffer[] = [];
    while (pending.length >= HEADER) {
      const op = String.fromCharCode(pending[0]!);
      const block = pending[1]!;
      const addr = pending.readUInt16LE(2);
      const len = pending.readUInt32LE(4);
      const need = HEADER + (op === 'W' ? len : 0);
      if (pending.length < need) break;
      eventPending = false;
      switch (op) {
        case 'R':
          replies.push(Buffer.from(model.frame(addr, controlByte(block, false, OM_VDM), len)));
          break;
        case 'W':
          model.frame(addr, controlByte(block, true, OM_VDM), new Uint8Array(pending.subarray(HEADER, need)));
          replies.push(Buffer.of(0));
          break;
        case 'X':
          model.hardwareReset();
          replies.push(Buffer.of(0));
          break;
        case 'Q':
          replies.push(Buffer.of(model.intAsserted ? 1 : 0));
          break;
        default:
          process.stderr.write(
            `spi-bridge: unknown request op 0x${pending[0]!.toString(16)} (the program and bridge disagree on the ` +
            `protocol)\n`);
          process.exit(2);
      }
      pending = pending.subarray(need);
    }
    if (replies.length > 0) process.stdout.write(replies.length === 1 ? replies[0]! : Buffer.concat(replies));
    armDeadline();
  });
  process.stdin.on('end', () => {
    setTimeout(() => process.exit(0), 500).unref();
    void model.close().finally(() => process.exit(0));
  });
  process.stdout.on('error', () => process.exit(0));
  // Ready: the program waits for this byte before its first frame.
  process.stdout.write(Buffer.of(0x57));
}

if (import.meta.url === `file://${process.argv[1]}`) runBridge(options(process.argv.slice(2)));
