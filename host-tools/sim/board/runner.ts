// Drives a VirtualBoard from the Node event loop: runs it in short virtual-time chunks and yields
// between them so sockets (the W5500 model's TCP), the pty and timers get their turn. `speed`
// caps virtual seconds per wall second (1 = a real board's pace; Infinity = as fast as it goes).
import { EventEmitter } from 'node:events';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { VirtualBoard } from './board.ts';

export interface RunnerOptions {
  speed?: number;
  /** Virtual milliseconds per chunk (default 2). */
  chunkMs?: number;
  /** Stop by itself after this many virtual milliseconds. */
  forMs?: number;
}

/** Events: 'stopped' (reason: 'stop' | 'lockup'). */
export class BoardRunner extends EventEmitter {
  private running = false;
  private done?: Promise<void>;
  readonly speed: number;
  private readonly chunkMs: number;
  private readonly forMs: number;
  /** Wall-clock milliseconds spent running and the virtual milliseconds covered (figures). */
  wallMs = 0;
  virtualMs = 0;

  constructor(readonly board: VirtualBoard, opts: RunnerOptions = {}) {
    super();
    this.speed = opts.speed ?? Infinity;
    this.chunkMs = opts.chunkMs ?? 2;
    this.forMs = opts.forMs ?? Infinity;
  }

  /** Resolves when the runner has stopped (by stop(), forMs, or a lockup). */
  finished(): Promise<void> { return this.done ?? Promise.resolve(); }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  /** Resolves when `cond()` holds (checked between chunks), rejects after `maxVirtualMs`. */
  async until(cond: () => boolean, maxVirtualMs: number, what = 'condition'): Promise<void> {
    const end = this.board.millis() + maxVirtualMs;
    while (!cond()) {
      if (this.board.fault?.kind === 'lockup') {
        throw new Error(`board locked up while waiting for ${what}: ${this.board.fault.reason}`);
      }
      if (this.board.millis() >= end) throw new Error(`${what} did not happen within ${maxVirtualMs} virtual ms`);
      if (!this.running) throw new Error(`runner stopped while waiting for ${what}`);
      await sleep(1);
    }
  }

  private async loop(): Promise<void> {
    const wall0 = performance.now();
    const virt0 = this.board.millis();
    while (this.running) {
      const t = performance.now();
      this.board.runFor(Math.min(this.chunkMs, this.forMs - this.virtualMs));
      this.wallMs += performance.now() - t;
      this.virtualMs = this.board.millis() - virt0;
      if (this.board.fault?.kind === 'lockup') { this.running = false; this.emit('stopped', 'lockup'); return; }
      if (this.virtualMs >= this.forMs - 1e-6) break;
      if (Number.isFinite(this.speed)) {
        const ahead = this.virtualMs / this.speed - (performance.now() - wall0);
        if (ahead > 1) { await sleep(Math.min(ahead, 50)); continue; }
      }
      await yieldToLoop();
    }
    this.running = false;
    this.emit('stopped', 'stop');
  }
}
