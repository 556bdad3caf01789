// RCC: clock enables, HSE/PLL start-up (ready at once), the system clock switch, and reset flags.
// Reports the clock the firmware set up (sysclkHz) so virtual time runs at that rate.
import { readSized, writeSized, type Peripheral } from './peripheral.ts';

const CR = 0x00, CFGR = 0x04, CIR = 0x08, APB2RSTR = 0x0c, APB1RSTR = 0x10, AHBENR = 0x14,
  APB2ENR = 0x18, APB1ENR = 0x1c, BDCR = 0x20, CSR = 0x24;

export const HSI_HZ = 8_000_000;
/** RCC_CSR reset-cause flags. */
export const ResetFlag = { PIN: 1 << 26, POR: 1 << 27, SFT: 1 << 28, IWDG: 1 << 29 } as const;

export class Rcc implements Peripheral {
  readonly name = 'RCC';
  readonly base = 0x40021000;
  readonly size = 0x400;
  private regs = new Uint32Array(11);
  private resetFlags: number = ResetFlag.POR | ResetFlag.PIN;

  /** `hseHz` 0 models a board whose crystal does not start (HSERDY never sets). */
  constructor(private readonly hseHz: number, private readonly onClockChange: (hz: number) => void = () => {}) {
    this.reset();
  }

  reset(): void {
    this.regs.fill(0);
    this.regs[CR >> 2] = 0x83; // HSION | HSIRDY, HSITRIM 16
    this.regs[AHBENR >> 2] = 0x14; // SRAM and FLITF clocks on
    this.regs[CSR >> 2] = this.resetFlags;
    this.onClockChange(this.sysclkHz);
  }

  /** Record why the chip (re)started; read back by firmware through RCC_CSR (cleared by RMVF). */
  setResetCause(flags: number): void {
    this.resetFlags = flags;
    this.regs[CSR >> 2] = (this.regs[CSR >> 2]! & 0x00ffffff) | flags;
  }

  get sysclkHz(): number {
    const cfgr = this.regs[CFGR >> 2]!;
    switch ((cfgr >>> 2) & 3) {
      case 1: return this.hseHz;
      case 2: {
        const mulBits = (cfgr >>> 18) & 0xf;
        const mul = mulBits === 15 ? 16 : mulBits + 2;
        const src = (cfgr & (1 << 16)) ? this.hseHz / ((cfgr & (1 << 17)) ? 2 : 1) : HSI_HZ / 2;
        return src * mul;
      }
      default: return HSI_HZ;
    }
  }

  /** Whether the peripheral clock enable bit `bit` of APB2ENR is set. */
  apb2Enabled(bit: number): boolean { return (this.regs[APB2ENR >> 2]! & (1 << bit)) !== 0; }

  read(offset: number, size: number): number {
    return readSized(this.regs[offset >> 2] ?? 0, offset, size);
  }

  write(offset: number, size: number, value: number): void {
    const idx = offset >> 2;
    if (idx >= this.regs.length) return;
    const before = this.sysclkHz;
    let v = writeSized(this.regs[idx]!, offset, size, value);
    switch (idx << 2) {
      case CR:
        v = (v & ~((1 << 1) | (1 << 17) | (1 << 25))) >>> 0;
        if (v & 1) v |= 1 << 1; // HSIRDY
        if ((v & (1 << 16)) && this.hseHz > 0) v |= 1 << 17; // HSERDY
        if (v & (1 << 24)) v |= 1 << 25; // PLLRDY
        break;
      case CFGR: v = ((v & ~0xc) | ((v & 3) << 2)) >>> 0; break; // SWS follows SW
      case CSR:
        if (v & (1 << 24)) v &= 0x00ffffff; // RMVF clears the reset flags
        else v = (v & 0x00ffffff) | (this.regs[idx]! & 0xff000000);
        if (v & 1) v |= 2; // LSIRDY
        break;
      default: break;
    }
    this.regs[idx] = v >>> 0;
    if (this.sysclkHz !== before) this.onClockChange(this.sysclkHz);
  }
}
export const RccRegs = { CR, CFGR, CIR, APB2RSTR, APB1RSTR, AHBENR, APB2ENR, APB1ENR, BDCR, CSR };
