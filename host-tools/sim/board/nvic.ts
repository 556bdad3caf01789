// NVIC register window (0xE000E100..0xE000E4EF): set/clear enable and pending, active bits,
// priority bytes. The state itself is in ExceptionState, shared with SCB and the board.
import { EXC_COUNT, Exc, PRIORITY_MASK, type ExceptionState } from './exceptions.ts';
import { readSized, type Peripheral } from './peripheral.ts';

const ISER = 0x000, ICER = 0x080, ISPR = 0x100, ICPR = 0x180, IABR = 0x200, IPR = 0x300;

export class Nvic implements Peripheral {
  readonly name = 'NVIC';
  readonly base = 0xe000e100;
  readonly size = 0x400;
  /** Called when an enable or pending bit changes (the board re-evaluates at once). */
  onChange: () => void = () => {};

  constructor(private readonly exc: ExceptionState) {}

  reset(): void { /* ExceptionState is reset by the board */ }

  read(offset: number, size: number): number {
    if (offset >= IPR && offset < IPR + 0x50) {
      let v = 0;
      for (let i = size - 1; i >= 0; i--) v = (v << 8) | (this.exc.priority[Exc.IRQ0 + offset - IPR + i] ?? 0);
      return v >>> 0;
    }
    const group = offset & ~0x7f;
    const word = (offset & 0x7f) >> 2;
    let arr: Uint8Array | undefined;
    if (group === ISER || group === ICER) arr = this.exc.enabled;
    else if (group === ISPR || group === ICPR) arr = this.exc.pending;
    else if (group === IABR) arr = this.exc.active;
    if (!arr) return 0;
    let v = 0;
    for (let b = 0; b < 32; b++) {
      const n = Exc.IRQ0 + word * 32 + b;
      if (n < EXC_COUNT && arr[n]) v |= 1 << b;
    }
    return readSized(v >>> 0, offset, size);
  }

  write(offset: number, size: number, value: number): void {
    if (offset >= IPR && offset < IPR + 0x50) {
      for (let i = 0; i < size; i++) {
        const n = Exc.IRQ0 + offset - IPR + i;
        if (n < EXC_COUNT) this.exc.priority[n] = (value >>> (8 * i)) & PRIORITY_MASK;
      }
      return;
    }
    const group = offset & ~0x7f;
    const word = (offset & 0x7f) >> 2;
    const v = size >= 4 ? value >>> 0 : (value << ((offset & 3) * 8)) >>> 0;
    for (let b = 0; b < 32; b++) {
      if (!(v & (1 << b))) continue;
      const n = Exc.IRQ0 + word * 32 + b;
      if (n >= EXC_COUNT) continue;
      if (group === ISER) this.exc.enabled[n] = 1;
      else if (group === ICER) this.exc.enabled[n] = 0;
      else if (group === ISPR) this.exc.pending[n] = 1;
      else if (group === ICPR) this.exc.pending[n] = 0;
    }
    this.onChange();
  }
}
