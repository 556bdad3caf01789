// Turns OpenOCD's `program` output into progress: OpenOCD prints phase markers but no
// byte counts while writing, so within the write phase progress is estimated from elapsed
// time at a nominal ST-Link/V2 rate and held below the phase end until OpenOCD confirms it.

export type FlashPhase = 'connecting' | 'programming' | 'verifying' | 'resetting' | 'done';

/** Share of the bar each phase ends at. */
const PHASE_END: Record<FlashPhase,
  number> = { connecting: 0.05, programming: 0.75, verifying: 0.95, resetting: 1, done: 1 };
const PHASE_START: Record<FlashPhase,
  number> = { connecting: 0, programming: 0.05, verifying: 0.75, resetting: 0.95, done: 1 };
/** Nominal write speed (erase + program) of an ST-Link/V2 on an STM32F1 at 1 MHz SWD, bytes/s. */
export const NOMINAL_WRITE_BYTES_PER_S = 12 * 1024;
const NOMINAL_VERIFY_BYTES_PER_S = 40 * 1024;

export interface ProgressState {
  phase: FlashPhase;
  /** 0..1 */
  fraction: number;
  /** Write/verify speed OpenOCD reported, KiB/s. */
  reportedKiBps?: number;
}

export class FlashProgressTracker {
  private phase: FlashPhase = 'connecting';
  private phaseStartedAt: number;
  private reportedKiBps: number | undefined;

  constructor(private readonly imageBytes: number, now: number) {
    this.phaseStartedAt = now;
  }

  /** Feeds one line of OpenOCD output; returns true when the phase changed. */
  line(text: string, now: number): boolean {
    const next: FlashPhase | undefined =
      /\*\* Programming Started \*\*/.test(text) ? 'programming'
      : /\*\* Verify Started \*\*/.test(text) ? 'verifying'
      : /\*\* Resetting Target \*\*/.test(text) ? 'resetting'
      : undefined;
    const speed = /\(([\d.]+) KiB\/s\)/.exec(text);
    if (speed) this.reportedKiBps = Number(speed[1]);
    // phases only move forward: with a store image OpenOCD programs and verifies twice
    if (next && PHASE_START[next] > PHASE_START[this.phase]) {
      this.phase = next;
      this.phaseStartedAt = now;
      return true;
    }
    return false;
  }

  finish(): void {
    this.phase = 'done';
  }

  state(now: number): ProgressState {
    const start = PHASE_START[this.phase];
    const end = PHASE_END[this.phase];
    let within = 0;
    const elapsed = (now - this.phaseStartedAt) / 1000;
    if (this.phase === 'programming') within = (elapsed * NOMINAL_WRITE_BYTES_PER_S) / Math.max(1, this.imageBytes);
    else if (this.phase === 'verifying') within = (elapsed * NOMINAL_VERIFY_BYTES_PER_S) / Math.max(1, this.imageBytes);
    else if (this.phase === 'connecting') within = elapsed / 2;
    // Never claim a phase is complete before OpenOCD says so.
    const fraction = this.phase === 'done' ? 1 : start + (end - start) * Math.min(0.95, within);
    return { phase: this.phase, fraction, reportedKiBps: this.reportedKiBps };
  }
}
