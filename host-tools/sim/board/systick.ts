// SysTick (0xE000E010): a 24-bit down-counter on the core clock (or core clock / 8). Reaching
// zero reloads from RVR, sets COUNTFLAG and, with TICKINT, pends exception 15. The value is
// computed from virtual time on every read, so busy-waits on CVR see exact counts.
import { readSized, type Peripheral, type TimeSource } from './peripheral.ts';

const CSR = 0x0, RVR = 0x4, CVR = 0x8, CALIB = 0xc;
const CSR_ENABLE = 1, CSR_TICKINT = 2, CSR_CLKSOURCE = 4, CSR_COUNTFLAG = 1 << 16;

export class SysTick implements Peripheral {
  readonly name = 'SysTick';
  readonly base = 0xe000e010;
  readonly size = 0x10;
  private csr = 0;
  private rvr = 0;
  private cvrAtStart = 0;
  private startCycles = 0;
  private countflag = false;
  private nextZero = Infinity;
  /** Number of times the counter reached zero (tests, figures). */
  wraps = 0;
  onInterrupt: () => void = () => {};

  constructor(private readonly time: TimeSource) {}

  reset(): void {
    this.csr = 0; this.rvr = 0; this.cvrAtStart = 0; this.countflag = false;
    this.nextZero = Infinity; this.startCycles = 0;
  }

  private get divider(): number { return (this.csr & CSR_CLKSOURCE) ? 1 : 8; }
  private get running(): boolean { return (this.csr & CSR_ENABLE) !== 0; }

  /** Current counter value (0..RVR). */
  value(now = this.time.cycles()): number {
    if (!this.running) return this.cvrAtStart;
    this.tick(now);
    const ticks = Math.floor((now - this.startCycles) / this.divider);
    if (ticks <= this.cvrAtStart) return this.cvrAtStart - ticks;
    const period = this.rvr + 1;
    const since = (ticks - this.cvrAtStart - 1) % period; // ticks after the first reload
    return this.rvr - since;
  }

  // (with TICKINT off the wrap still sets COUNTFLAG, so a running counter always has an event)
  nextEvent(): number { return this.running ? this.nextZero : Infinity; }

  tick(cycles: number): void {
    if (!this.running || cycles < this.nextZero) return;
    if (this.rvr === 0) { this.nextZero = Infinity; return; } // RVR 0: the counter stops at 0
    const period = (this.rvr + 1) * this.divider;
    const missed = Math.floor((cycles - this.nextZero) / period);
    this.nextZero += (missed + 1) * period;
    this.wraps += missed + 1;
    this.countflag = true;
    if (this.csr & CSR_TICKINT) this.onInterrupt(); // one pending bit, however many were missed
  }

  read(offset: number, size: number): number {
    let v: number;
    switch (offset) {
      case CSR:
        this.tick(this.time.cycles());
        v = (this.csr & 7) | (this.countflag ? CSR_COUNTFLAG : 0);
        this.countflag = false;
        break;
      case RVR: v = this.rvr; break;
      case CVR: v = this.value(); break;
      case CALIB: v = 0x40002328; break; // NOREF, 9000 ticks of HCLK/8 = 1 ms at 72 MHz
      default: v = 0;
    }
    return readSized(v, offset, size);
  }

  write(offset: number, _size: number, value: number): void {
    const now = this.time.cycles();
    switch (offset) {
      case CSR: {
        const wasRunning = this.running;
        const cur = this.value(now);
        this.csr = value & 7;
        if (this.running) this.restart(now, wasRunning ? cur : this.cvrAtStart);
        else this.cvrAtStart = cur;
        return;
      }
      case RVR: this.rvr = value & 0xffffff; if (this.running) this.restart(now, this.value(now)); return;
      case CVR: // any write clears the counter and COUNTFLAG
        this.countflag = false;
        this.restart(now, 0);
        return;
      default: return;
    }
  }

  private restart(now: number, current: number): void {
    this.cvrAtStart = current;
    this.startCycles = now;
    if (!this.running) { this.nextZero = Infinity; return; }
    // From `current`, zero is reached after `current` ticks; from 0 the next zero is a full period away.
    const ticksToZero = current === 0 ? this.rvr + 1 : current;
    this.nextZero = now + ticksToZero * this.divider;
  }
}
