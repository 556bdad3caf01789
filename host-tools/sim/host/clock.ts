// Time sources for NodeDevice. The core sees time only through `board.millis()` (u32 ms,
// wrapping), so a test can own time completely with VirtualClock and never wait for luck.

/** A monotonic millisecond source. */
export interface Clock {
  /** Milliseconds since the clock started; monotonic, never negative. */
  now(): number;
  /** True when time moves only when a test calls advance() (NodeDevice then never arms timers). */
  readonly virtual: boolean;
}

/** Time that moves only when told to: keepalive, retry and backoff tests use this. */
export class VirtualClock implements Clock {
  readonly virtual = true;
  private t: number;

  constructor(startMs = 0) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  /** Moves time forward by `ms` (≥ 0). Prefer NodeDevice.advance(), which also runs the core's deadlines. */
  advance(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(
      `VirtualClock.advance: ms must be a finite number ≥ 0, got ${ms}`);
    this.t += ms;
  }
}

/** Wall-clock time (performance.now), for the demo, the bench and interactive use. */
export class RealClock implements Clock {
  readonly virtual = false;
  private readonly origin = performance.now();

  now(): number {
    return Math.floor(performance.now() - this.origin);
  }
}
