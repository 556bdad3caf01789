// GPIO port (A..E): CRL/CRH pin configuration, IDR/ODR, BSRR/BRR. Output changes are reported
// to listeners (chip select, reset lines, LED); inputs come from a per-pin provider. Without its
// RCC clock (APB2ENR.IOPxEN) a port ignores writes and reads 0, as on the chip.
import { readSized, writeSized, type Peripheral } from './peripheral.ts';

const CRL = 0x00, CRH = 0x04, IDR = 0x08, ODR = 0x0c, BSRR = 0x10, BRR = 0x14, LCKR = 0x18;

export class GpioPort implements Peripheral {
  readonly name: string;
  readonly base: number;
  readonly size = 0x400;
  private crl = 0x44444444;
  private crh = 0x44444444;
  private odr = 0;
  private lckr = 0;
  private readonly inputs = new Map<number, () => number>();
  private readonly listeners: Array<(pin: number, level: number) => void> = [];
  /** Called once per kind of misuse (the board prints it as a warning). */
  onWarning: (text: string) => void = () => {};

  /** `clockOn`: the port's RCC clock enable (default: always on, for a port tested alone). */
  constructor(readonly port: number, private readonly clockOn: () => boolean = () => true) {
    this.name = `GPIO${'ABCDEFG'[port]}`;
    this.base = 0x40010800 + 0x400 * port;
  }

  reset(): void {
    const before = this.odr;
    this.crl = 0x44444444; this.crh = 0x44444444; this.odr = 0; this.lckr = 0;
    this.notify(before);
  }

  /** Drive input `pin` from outside (level 0/1, read at every IDR access). */
  connectInput(pin: number, level: () => number): void { this.inputs.set(pin, level); }

  onOutput(cb: (pin: number, level: number) => void): void { this.listeners.push(cb); }

  /** The 4-bit CNF/MODE nibble of `pin`. */
  pinConfig(pin: number): number { return ((pin < 8 ? this.crl : this.crh) >>> ((pin & 7) * 4)) & 0xf; }

  isOutput(pin: number): boolean { return (this.pinConfig(pin) & 3) !== 0; }

  /** Level the pin is at: the driven output, the external input, or the pull resistor. */
  level(pin: number): number {
    if (this.isOutput(pin)) return (this.odr >>> pin) & 1;
    const ext = this.inputs.get(pin);
    if (ext) return ext() ? 1 : 0;
    if ((this.pinConfig(pin) >>> 2) === 2) return (this.odr >>> pin) & 1; // input with pull-up/down
    return 0;
  }

  get outputLatch(): number { return this.odr; }

  read(offset: number, size: number): number {
    if (!this.clockOn()) return 0;
    let v = 0;
    switch (offset & ~3) {
      case CRL: v = this.crl; break;
      case CRH: v = this.crh; break;
      case IDR: for (let p = 0; p < 16; p++) v |= this.level(p) << p; break;
      case ODR: v = this.odr; break;
      case LCKR: v = this.lckr; break;
      default: v = 0;
    }
    return readSized(v, offset, size);
  }

  write(offset: number, size: number, value: number): void {
    if (!this.clockOn()) {
      this.onWarning(`${this.name} written with its clock off (RCC_APB2ENR.IOP${this.name[4]}EN = 0): ` +
        'the write is lost, as on the chip');
      return;
    }
    const before = this.odr;
    switch (offset & ~3) {
      case CRL: this.crl = writeSized(this.crl, offset, size, value); break;
      case CRH: this.crh = writeSized(this.crh, offset, size, value); break;
      case ODR: this.odr = writeSized(this.odr, offset, size, value) & 0xffff; break;
      case BSRR: {
        const v = writeSized(0, offset, size, value);
        this.odr = ((this.odr & ~(v >>> 16)) | (v & 0xffff)) & 0xffff; // set wins over reset
        break;
      }
      case BRR: this.odr &= ~(writeSized(0, offset, size, value) & 0xffff); break;
      case LCKR: this.lckr = value >>> 0; break;
      default: break;
    }
    this.notify(before);
  }

  private notify(before: number): void {
    const changed = before ^ this.odr;
    if (changed === 0) return;
    for (let p = 0; p < 16; p++) {
      if (changed & (1 << p)) for (const cb of this.listeners) cb(p, (this.odr >>> p) & 1);
    }
  }
}
