// SCB (0xE000ED00..): CPUID, ICSR (PendSV/SysTick set/clear, VECTACTIVE), VTOR, AIRCR
// (PRIGROUP, SYSRESETREQ), SCR, CCR, system handler priorities, SHCSR, and the fault status
// registers the board fills in on a fault. CoreDebug DEMCR lives at 0xEDFC in the same window.
import { Exc, PRIORITY_MASK, type ExceptionState } from './exceptions.ts';
import { readSized, writeSized, type Peripheral } from './peripheral.ts';

const CPUID = 0x00, ICSR = 0x04, VTOR = 0x08, AIRCR = 0x0c, SCR = 0x10, CCR = 0x14, SHPR1 = 0x18,
  SHCSR = 0x24, CFSR = 0x28, HFSR = 0x2c, DFSR = 0x30, MMFAR = 0x34, BFAR = 0x38, AFSR = 0x3c, DEMCR = 0xfc;
export const CFSR_BITS = {
  IBUSERR: 1 << 8, PRECISERR: 1 << 9, STKERR: 1 << 12, BFARVALID: 1 << 15,
  UNDEFINSTR: 1 << 16, INVSTATE: 1 << 17, INVPC: 1 << 18, UNALIGNED: 1 << 24, DIVBYZERO: 1 << 25,
} as const;
export const HFSR_FORCED = 1 << 30;

export class Scb implements Peripheral {
  readonly name = 'SCB';
  readonly base = 0xe000ed00;
  readonly size = 0x100;
  vtor = 0;
  scr = 0;
  ccr = 0x200; // STKALIGN
  shcsr = 0;
  cfsr = 0;
  hfsr = 0;
  mmfar = 0;
  bfar = 0;
  demcr = 0;
  /** Called on AIRCR.SYSRESETREQ (the board performs the system reset after this instruction). */
  onSystemReset: () => void = () => {};
  onChange: () => void = () => {};

  constructor(private readonly exc: ExceptionState) {}

  reset(): void {
    this.vtor = 0; this.scr = 0; this.ccr = 0x200; this.shcsr = 0;
    this.cfsr = 0; this.hfsr = 0; this.mmfar = 0; this.bfar = 0; this.demcr = 0;
  }

  /** Whether the configurable fault `n` (4..6) is enabled in SHCSR (else it escalates to HardFault). */
  faultEnabled(n: number): boolean {
    const bit = n === Exc.MemManage ? 16 : n === Exc.BusFault ? 17 : n === Exc.UsageFault ? 18 : -1;
    return bit >= 0 && (this.shcsr & (1 << bit)) !== 0;
  }

  read(offset: number, size: number): number {
    let v = 0;
    switch (offset & ~3) {
      case CPUID: v = 0x411fc231; break; // Cortex-M3 r1p1, as on the STM32F103
      case ICSR: {
        const stack = this.exc.stack;
        v = stack.length ? stack[stack.length - 1]! : 0;
        const pend = this.exc.highestPending();
        v |= (pend & 0x1ff) << 12;
        if (pend >= Exc.IRQ0) v |= 1 << 22;
        if (this.exc.pending[Exc.SysTick]) v |= 1 << 26;
        if (this.exc.pending[Exc.PendSV]) v |= 1 << 28;
        if (stack.length <= 1) v |= 1 << 11; // RETTOBASE
        break;
      }
      case VTOR: v = this.vtor; break;
      case AIRCR: v = 0xfa050000 | (this.exc.prigroup << 8); break;
      case SCR: v = this.scr; break;
      case CCR: v = this.ccr; break;
      case SHPR1: case SHPR1 + 4: case SHPR1 + 8: {
        const first = 4 + (offset & ~3) - SHPR1;
        for (let i = 3; i >= 0; i--) v = (v << 8) | this.exc.priority[first + i]!;
        break;
      }
      case SHCSR: v = this.shcsr; break;
      case CFSR: v = this.cfsr; break;
      case HFSR: v = this.hfsr; break;
      case DFSR: v = 0; break;
      case MMFAR: v = this.mmfar; break;
      case BFAR: v = this.bfar; break;
      case AFSR: v = 0; break;
      case DEMCR: v = this.demcr; break;
      default: v = 0;
    }
    return readSized(v >>> 0, offset, size);
  }

  write(offset: number, size: number, value: number): void {
    const aligned = offset & ~3;
    switch (aligned) {
      case ICSR:
        if (value & (1 << 28)) this.exc.pending[Exc.PendSV] = 1;
        if (value & (1 << 27)) this.exc.pending[Exc.PendSV] = 0;
        if (value & (1 << 26)) this.exc.pending[Exc.SysTick] = 1;
        if (value & (1 << 25)) this.exc.pending[Exc.SysTick] = 0;
        if (value & (1 << 31)) this.exc.pending[Exc.NMI] = 1;
        this.onChange();
        return;
      case VTOR: this.vtor = value & 0x3fffff80; return;
      case AIRCR:
        if (size === 4 && (value >>> 16) === 0x05fa) {
          this.exc.prigroup = (value >>> 8) & 7;
          if (value & (1 << 2)) this.onSystemReset();
        }
        return;
      case SCR: this.scr = value & 0x16; return;
      case CCR: this.ccr = value & 0x31b; return;
      case SHPR1: case SHPR1 + 4: case SHPR1 + 8:
        for (let i = 0; i < size; i++) {
          const n = 4 + aligned - SHPR1 + (offset & 3) + i;
          if (n >= 4 && n < 16) this.exc.priority[n] = (value >>> (8 * i)) & PRIORITY_MASK;
        }
        this.onChange();
        return;
      case SHCSR: this.shcsr = writeSized(this.shcsr, offset, size, value) & 0x70fff; return;
      case CFSR: this.cfsr &= ~(writeSized(0, offset, size, value)); return; // write 1 to clear
      case HFSR: this.hfsr &= ~value; return;
      case MMFAR: this.mmfar = value >>> 0; return;
      case BFAR: this.bfar = value >>> 0; return;
      case DEMCR: this.demcr = writeSized(this.demcr, offset, size, value); return;
      default: return;
    }
  }
}
