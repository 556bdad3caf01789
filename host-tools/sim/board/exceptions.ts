// Exception bookkeeping shared by the NVIC and SCB register models and the board's exception
// entry/return: pending, active and enabled state, priorities (4 implemented bits on the F103),
// PRIGROUP, and the choice of which exception is taken next.

export const Exc = {
  Reset: 1, NMI: 2, HardFault: 3, MemManage: 4, BusFault: 5, UsageFault: 6,
  SVCall: 11, DebugMonitor: 12, PendSV: 14, SysTick: 15, IRQ0: 16,
} as const;
export const IRQ_COUNT = 68; // STM32F103 connectivity line has 68; smaller parts use fewer
export const EXC_COUNT = 16 + IRQ_COUNT;
/** Implemented priority bits: STM32F1 keeps the upper 4 bits of each priority byte. */
export const PRIORITY_MASK = 0xf0;

export class ExceptionState {
  readonly pending = new Uint8Array(EXC_COUNT);
  readonly active = new Uint8Array(EXC_COUNT);
  readonly enabled = new Uint8Array(EXC_COUNT); // IRQs: ISER; faults: SHCSR enables
  readonly priority = new Uint8Array(EXC_COUNT);
  /** Active exceptions, innermost last (for nesting and return). */
  readonly stack: number[] = [];
  prigroup = 0;

  reset(): void {
    this.pending.fill(0); this.active.fill(0); this.enabled.fill(0); this.priority.fill(0);
    this.stack.length = 0; this.prigroup = 0;
  }

  /** Priority value used for preemption (negative for Reset/NMI/HardFault). */
  groupPriority(n: number): number {
    if (n === Exc.Reset) return -3;
    if (n === Exc.NMI) return -2;
    if (n === Exc.HardFault) return -1;
    const mask = (0xff << (this.prigroup + 1)) & 0xff;
    return this.priority[n]! & mask;
  }

  /** Whether exception `n` can be taken when pending (IRQs need ISER; others are always enabled). */
  isEnabled(n: number): boolean {
    if (n >= Exc.IRQ0) return this.enabled[n] === 1;
    return true;
  }

  /** Execution priority from active exceptions and the PRIMASK/FAULTMASK/BASEPRI masks. */
  executionPriority(primask: number, faultmask: number, basepri: number): number {
    let p = 256;
    for (const n of this.stack) p = Math.min(p, this.groupPriority(n));
    if ((basepri & PRIORITY_MASK) !== 0) {
      p = Math.min(p, basepri & PRIORITY_MASK & ((0xff << (this.prigroup + 1)) & 0xff));
    }
    if (primask & 1) p = Math.min(p, 0);
    if (faultmask & 1) p = Math.min(p, -1);
    return p;
  }

  /** Highest-priority pending, enabled exception (lowest priority value, then lowest number), or 0. */
  highestPending(): number {
    let best = 0;
    let bestPrio = Infinity;
    for (let n = 2; n < EXC_COUNT; n++) {
      if (!this.pending[n] || !this.isEnabled(n)) continue;
      const p = n <= 3 ? this.groupPriority(n) : this.priority[n]!;
      if (p < bestPrio) { best = n; bestPrio = p; }
    }
    return best;
  }

  /** The exception to take now, or 0 if none can preempt at this execution priority. */
  toTake(primask: number, faultmask: number, basepri: number): number {
    const n = this.highestPending();
    if (n === 0) return 0;
    return this.groupPriority(n) < this.executionPriority(primask, faultmask, basepri) ? n : 0;
  }

  /** True when an enabled exception is pending, whatever the masks say (WFI wakes on it). */
  anyPendingEnabled(): boolean { return this.highestPending() !== 0; }

  setPending(n: number): void { this.pending[n] = 1; }
}
