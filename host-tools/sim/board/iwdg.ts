// Independent watchdog on the ~40 kHz LSI: KR 0xCCCC starts it, 0x5555 unlocks PR/RLR, 0xAAAA
// reloads. A starved watchdog resets the board (the board sets RCC_CSR.IWDGRSTF). Once started
// it cannot be stopped, except by a power cut.
import { readSized, type Peripheral, type TimeSource } from './peripheral.ts';
import { nsToCycles } from './flash.ts';

const KR = 0x0, PR = 0x4, RLR = 0x8, SR = 0xc;
export const LSI_HZ = 40_000;

export class Iwdg implements Peripheral {
  readonly name = 'IWDG';
  readonly base = 0x40003000;
  readonly size = 0x400;
  private pr = 0;
  private rlr = 0xfff;
  private unlocked = false;
  private started = false;
  private expiresAt = Infinity;
  /** Called when the counter reaches zero. */
  onExpire: () => void = () => {};
  /** Longest time between two reloads (start counts as one) since the last clearFeedStats(), in
   * ns at the current core clock: how close the firmware came to a watchdog reset. */
  maxUnfedNs = 0;
  private lastReloadAt?: number;

  constructor(private readonly time: TimeSource) {}

  /** A system reset does not stop the IWDG on real silicon only with the hardware option; we
   * follow the default (software watchdog: reset stops it). */
  reset(): void {
    this.pr = 0; this.rlr = 0xfff; this.unlocked = false; this.started = false;
    this.expiresAt = Infinity; this.lastReloadAt = undefined;
  }

  get running(): boolean { return this.started; }

  /** Watchdog period in ns at the current PR/RLR. */
  periodNs(): number { return ((4 << this.pr) * (this.rlr + 1) * 1e9) / LSI_HZ; }

  nextEvent(): number { return this.expiresAt; }

  /** Start a new measurement of maxUnfedNs (from now). */
  clearFeedStats(): void { this.maxUnfedNs = 0; if (this.started) this.lastReloadAt = this.time.cycles(); }

  tick(cycles: number): void {
    if (this.started && cycles >= this.expiresAt) {
      this.expiresAt = Infinity;
      this.onExpire();
    }
  }

  read(offset: number, size: number): number {
    switch (offset & ~3) {
      case PR: return readSized(this.pr, offset, size);
      case RLR: return readSized(this.rlr, offset, size);
      case SR: return 0; // updates complete at once
      default: return 0;
    }
  }

  write(offset: number, _size: number, value: number): void {
    switch (offset & ~3) {
      case KR:
        switch (value & 0xffff) {
          case 0xcccc: this.started = true; this.unlocked = false; this.reload(); break;
          case 0xaaaa: this.unlocked = false; if (this.started) this.reload(); break;
          case 0x5555: this.unlocked = true; break;
          default: this.unlocked = false;
        }
        return;
      case PR: if (this.unlocked) this.pr = value & 7; return;
      case RLR: if (this.unlocked) this.rlr = value & 0xfff; return;
      default: return;
    }
  }

  private reload(): void {
    const now = this.time.cycles();
    if (this.lastReloadAt !== undefined) {
      this.maxUnfedNs = Math.max(this.maxUnfedNs, ((now - this.lastReloadAt) * 1e9) / this.time.hz());
    }
    this.lastReloadAt = now;
    this.expiresAt = this.time.cycles() + nsToCycles(this.periodNs(), this.time.hz());
  }
}
