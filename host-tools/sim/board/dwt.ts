// DWT (0xE0001000): the cycle counter CYCCNT (enabled by CTRL.CYCCNTENA once DEMCR.TRCENA is
// set) counting core cycles in virtual time. Comparators and profiling counters are not modelled.
import { readSized, type Peripheral, type TimeSource } from './peripheral.ts';

const CTRL = 0x0, CYCCNT = 0x4;

export class Dwt implements Peripheral {
  readonly name = 'DWT';
  readonly base = 0xe0001000;
  readonly size = 0x1000;
  private ctrl = 0x40000000; // NUMCOMP = 4
  private base0 = 0;
  private held = 0;

  constructor(private readonly time: TimeSource) {}

  reset(): void { this.ctrl = 0x40000000; this.base0 = 0; this.held = 0; }

  private get counting(): boolean { return (this.ctrl & 1) !== 0; }

  cyccnt(): number {
    return this.counting ? (this.held + Math.floor(this.time.cycles() - this.base0)) >>> 0 : this.held >>> 0;
  }

  read(offset: number, size: number): number {
    switch (offset & ~3) {
      case CTRL: return readSized(this.ctrl, offset, size);
      case CYCCNT: return readSized(this.cyccnt(), offset, size);
      default: return 0;
    }
  }

  write(offset: number, _size: number, value: number): void {
    switch (offset & ~3) {
      case CTRL: {
        const now = this.cyccnt();
        this.ctrl = (this.ctrl & 0xf0000000) | (value & 0x0fffffff);
        this.held = now; this.base0 = this.time.cycles();
        return;
      }
      case CYCCNT: this.held = value >>> 0; this.base0 = this.time.cycles(); return;
      default: return;
    }
  }
}
