// AFIO: event control, remap and EXTI source selection. Stored and read back; the HAL uses the
// default pin mapping, so nothing else depends on these registers yet.
import { readSized, writeSized, type Peripheral } from './peripheral.ts';

export class Afio implements Peripheral {
  readonly name = 'AFIO';
  readonly base = 0x40010000;
  readonly size = 0x400;
  private regs = new Uint32Array(8);
  reset(): void { this.regs.fill(0); }
  read(offset: number, size: number): number { return readSized(this.regs[offset >> 2] ?? 0, offset, size); }
  write(offset: number, size: number, value: number): void {
    const i = offset >> 2;
    if (i < this.regs.length) this.regs[i] = writeSized(this.regs[i]!, offset, size, value);
  }
  get mapr(): number { return this.regs[1]!; }
}
