// ADC1 (RM0008 chapter 11): power-up (ADON, t_STAB), calibration (RSTCAL, CAL), the sample time
// per channel (SMPR1/2), single regular conversions started by SWSTART (EXTSEL = 111 and EXTTRIG)
// or by writing ADON = 1 again, EOC and DR (right or left aligned), the temperature sensor and
// VREFINT behind TSVREFE. Conversions take (sample time + 12.5) ADC clocks of virtual time, the
// ADC clock being PCLK2 / ADCPRE from RCC_CFGR; without its RCC clock the ADC ignores writes.
//
// Where silicon gives a wrong reading, so does the model (each once with a warning):
// - no calibration since power-up: +CAL_ERROR_LSB (the capacitor-bank error calibration removes);
// - the temperature sensor or VREFINT sampled for less than 17.1 us (datasheet T_S_temp): the
//   sampling capacitor does not charge, the reading is scaled by sample time / 17.1 us;
// - TSVREFE clear: channels 16 and 17 are disconnected and read 0;
// - an ADC clock above 14 MHz: the reading is off by OVERCLOCK_ERROR_LSB.
// Test hooks: setInput(channel, volts), setTemperature(celsius), vdda.
import { readSized, writeSized, type Peripheral, type TimeSource } from './peripheral.ts';

const SR = 0x00, CR1 = 0x04, CR2 = 0x08, SMPR1 = 0x0c, SMPR2 = 0x10, SQR1 = 0x2c, SQR3 = 0x34, DR = 0x4c;
const SR_EOC = 1 << 1, SR_STRT = 1 << 4;
const CR2_ADON = 1 << 0, CR2_CAL = 1 << 2, CR2_RSTCAL = 1 << 3, CR2_ALIGN = 1 << 11, CR2_EXTTRIG = 1 << 20,
  CR2_SWSTART = 1 << 22, CR2_TSVREFE = 1 << 23;
const CR2_EXTSEL_SWSTART = 7 << 17;
const RCC_CFGR = 0x04, APB2ENR_ADC1EN_BIT = 9;
/** ADC clocks per sample-time code SMPx (RM0008 11.12.4). */
const SAMPLE_CYCLES = [1.5, 7.5, 13.5, 28.5, 41.5, 55.5, 71.5, 239.5];
/** t_STAB: power-up to the first calibration or conversion (datasheet: 1 us max). */
const STAB_NS = 1000;
/** Calibration takes 83 ADC clocks (RM0008 11.4); RSTCAL a few. */
const CAL_CYCLES = 83, RSTCAL_CYCLES = 4;
export const CAL_ERROR_LSB = 32;
export const OVERCLOCK_ERROR_LSB = 64;
export const ADC_MAX_HZ = 14_000_000;
/** Datasheet typicals (STM32F103x8 5.3.19/5.3.4): V25, Avg_Slope, VREFINT, T_S_temp. */
export const TEMP_V25 = 1.43, TEMP_SLOPE_V_PER_C = 0.0043, VREFINT_V = 1.2, TEMP_MIN_SAMPLE_NS = 17_100;
export const CHANNEL_TEMP = 16, CHANNEL_VREFINT = 17;
/** The pin of each external channel 0..15 (port * 16 + number): PA0-PA7, PB0-PB1, PC0-PC5. */
export const ADC_CHANNEL_PINS = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 32, 33, 34, 35, 36, 37] as const;

/** Volts the temperature sensor puts out at `celsius` (datasheet V25 and Avg_Slope). */
export function temperatureVolts(celsius: number): number { return TEMP_V25 - (celsius - 25) * TEMP_SLOPE_V_PER_C; }

/** What the RCC model tells the ADC: its clock enable and the clocks it derives from. */
export interface AdcClock {
  enabled(): boolean;
  /** RCC_CFGR (PPRE2, ADCPRE). */
  cfgr(): number;
}

export class Adc implements Peripheral {
  readonly name = 'ADC1';
  readonly base = 0x40012400;
  readonly size = 0x400;
  /** Analog supply (and reference) in volts. */
  vdda = 3.3;
  /** Called once per kind of misuse (the board prints it as a warning). */
  onWarning: (text: string) => void = () => {};
  private regs = new Uint32Array(0x50 / 4);
  private inputs = new Float64Array(16);
  private celsius = 25;
  private poweredAt = -1;
  private calibrated = false;
  private calDoneAt = Infinity;
  private calGood = false;
  private rstcalDoneAt = Infinity;
  private convDoneAt = Infinity;
  private convChannel = 0;
  private convResult = 0;

  constructor(private readonly time: TimeSource, private readonly clock: AdcClock) {}

  reset(): void {
    this.regs.fill(0);
    this.poweredAt = -1;
    this.calibrated = false;
    this.calDoneAt = this.rstcalDoneAt = this.convDoneAt = Infinity;
  }

  /** Test hook: the voltage on the pin of `channel` (0..15). */
  setInput(channel: number, volts: number): void {
    if (!(channel >= 0 && channel < 16)) {
      throw new Error(`ADC1 channel ${channel}: the pins are channels 0..15 ` +
        '(16 is the temperature sensor, 17 VREFINT)');
    }
    this.inputs[channel] = volts;
  }

  /** Test hook: the die temperature the internal sensor sees. */
  setTemperature(celsius: number): void { this.celsius = celsius; }

  /** The 12-bit code an ideal, calibrated conversion of `volts` gives. */
  code(volts: number): number { return Math.max(0, Math.min(4095, Math.round((volts / this.vdda) * 4095))); }

  /** The ADC clock in Hz: PCLK2 (sysclk / PPRE2) / ADCPRE. */
  adcHz(): number {
    const cfgr = this.clock.cfgr();
    const ppre2 = (cfgr >>> 11) & 7;
    const pclk2 = this.time.hz() / (ppre2 < 4 ? 1 : 2 << (ppre2 - 4));
    return pclk2 / (2 * (((cfgr >>> 14) & 3) + 1));
  }

  private adcToCycles(adcCycles: number): number { return Math.ceil((adcCycles * this.time.hz()) / this.adcHz()); }

  private get powered(): boolean { return this.poweredAt >= 0; }

  nextEvent(): number { return Math.min(this.calDoneAt, this.rstcalDoneAt, this.convDoneAt); }

  tick(cycles: number): void {
    if (cycles >= this.rstcalDoneAt) { this.rstcalDoneAt = Infinity; this.regs[CR2 >> 2]! &= ~CR2_RSTCAL; }
    if (cycles >= this.calDoneAt) {
      this.calDoneAt = Infinity; this.calibrated = this.calGood; this.regs[CR2 >> 2]! &= ~CR2_CAL;
    }
    if (cycles >= this.convDoneAt) {
      this.convDoneAt = Infinity;
      const aligned = (this.regs[CR2 >> 2]! & CR2_ALIGN) ? this.convResult << 4 : this.convResult;
      this.regs[DR >> 2] = aligned;
      this.regs[SR >> 2]! |= SR_EOC;
    }
  }

  read(offset: number, size: number): number {
    if (!this.clock.enabled()) return 0;
    this.tick(this.time.cycles());
    const idx = offset >> 2;
    const v = this.regs[idx] ?? 0;
    if ((offset & ~3) === DR) this.regs[SR >> 2]! &= ~SR_EOC; // reading DR clears EOC
    return readSized(v, offset, size);
  }

  write(offset: number, size: number, value: number): void {
    if (!this.clock.enabled()) {
      this.onWarning('ADC1 written with its clock off (RCC_APB2ENR.ADC1EN = 0): the write is lost, as on the chip');
      return;
    }
    this.tick(this.time.cycles());
    const idx = offset >> 2;
    if (idx >= this.regs.length) return;
    const reg = offset & ~3;
    const before = this.regs[idx]!;
    const v = writeSized(before, offset, size, value);
    switch (reg) {
      case SR: this.regs[idx] = before & v & 0x1f; return; // rc_w0
      case DR: return; // read-only
      case CR2: this.writeCr2(before, v); return;
      default: this.regs[idx] = v;
    }
  }

  private writeCr2(before: number, v: number): void {
    const now = this.time.cycles();
    // CAL and RSTCAL are set by software and cleared by hardware: a 0 written leaves them alone.
    let next = (v & ~(CR2_CAL | CR2_RSTCAL | CR2_SWSTART)) | (before & (CR2_CAL | CR2_RSTCAL));
    if (!(before & CR2_ADON) && (v & CR2_ADON)) {
      this.poweredAt = now;
    } else if ((before & CR2_ADON) && !(v & CR2_ADON)) {
      this.poweredAt = -1;
      this.calibrated = false;
      this.calDoneAt = this.rstcalDoneAt = this.convDoneAt = Infinity;
      next &= ~(CR2_CAL | CR2_RSTCAL);
    } else if ((before & CR2_ADON) && (v & CR2_ADON) && ((before ^ v) & ~CR2_ADON) === 0) {
      this.startConversion(); // ADON written 1 again with nothing else changed
    }
    if ((v & CR2_RSTCAL) && !(before & CR2_RSTCAL)) {
      next |= CR2_RSTCAL;
      if (this.powered) { this.calibrated = false; this.rstcalDoneAt = now + this.adcToCycles(RSTCAL_CYCLES); }
      else this.onWarning('ADC1 RSTCAL set while the ADC is off (ADON = 0): it never clears');
    }
    if ((v & CR2_CAL) && !(before & CR2_CAL)) {
      next |= CR2_CAL;
      if (!this.powered) {
        this.onWarning('ADC1 CAL set while the ADC is off (ADON = 0): calibration never runs and CAL stays set');
      }
      else {
        // Calibration needs the ADC stable (t_STAB) and at least 2 ADC clocks after ADON.
        const early = now - this.poweredAt < Math.max(this.nsToCycles(STAB_NS), this.adcToCycles(2));
        if (early) {
          this.onWarning('ADC1 calibration started before t_STAB (1 us) after power-up: the calibration is wrong');
        }
        this.calGood = !early;
        this.calDoneAt = now + this.adcToCycles(CAL_CYCLES);
      }
    }
    this.regs[CR2 >> 2] = next >>> 0;
    if ((v & CR2_SWSTART) && (next & CR2_EXTTRIG) && (next & CR2_EXTSEL_SWSTART) === CR2_EXTSEL_SWSTART) {
      this.startConversion();
    }
    else if (v & CR2_SWSTART) this.onWarning('ADC1 SWSTART without EXTTRIG = 1 and EXTSEL = 111: no conversion starts');
  }

  private nsToCycles(ns: number): number { return Math.ceil((ns * this.time.hz()) / 1e9); }

  private startConversion(): void {
    const now = this.time.cycles();
    if (!this.powered) { this.onWarning('ADC1 conversion started while the ADC is off'); return; }
    if (now - this.poweredAt < this.nsToCycles(STAB_NS)) {
      this.onWarning('ADC1 conversion started before t_STAB (1 us) after power-up');
    }
    const channel = this.regs[SQR3 >> 2]! & 0x1f;
    if (((this.regs[SQR1 >> 2]! >>> 20) & 0xf) !== 0) {
      this.onWarning('ADC1: the model converts only SQ1 (SQR1.L = 0, one conversion)');
    }
    const smpr = channel < 10 ? this.regs[SMPR2 >> 2]! >>> (3 * channel)
      : this.regs[SMPR1 >> 2]! >>> (3 * (channel - 10));
    const sample = SAMPLE_CYCLES[smpr & 7]!;
    this.convChannel = channel;
    this.convResult = this.convert(channel, (sample * 1e9) / this.adcHz());
    this.convDoneAt = now + this.adcToCycles(sample + 12.5);
    this.regs[SR >> 2]! |= SR_STRT;
    this.regs[SR >> 2]! &= ~SR_EOC;
  }

  private convert(channel: number, sampleNs: number): number {
    const cr2 = this.regs[CR2 >> 2]!;
    let volts: number;
    if (channel < 16) volts = this.inputs[channel]!;
    else if (channel > CHANNEL_VREFINT) { this.onWarning(`ADC1 channel ${channel} does not exist (0..17)`); volts = 0; }
    else if (!(cr2 & CR2_TSVREFE)) {
      this.onWarning('ADC1 channel 16/17 converted with TSVREFE = 0: the sensor is disconnected, the reading is 0');
      volts = 0;
    }
    else {
      volts = channel === CHANNEL_TEMP ? temperatureVolts(this.celsius) : VREFINT_V;
      if (sampleNs < TEMP_MIN_SAMPLE_NS) {
        this.onWarning(`ADC1 channel ${channel} sampled for ${sampleNs.toFixed(0)} ns (< 17.1 us): the reading is low`);
        volts *= sampleNs / TEMP_MIN_SAMPLE_NS;
      }
    }
    let code = this.code(volts);
    if (!this.calibrated) {
      this.onWarning('ADC1 converted without calibration since power-up: readings are off');
      code += CAL_ERROR_LSB;
    }
    if (this.adcHz() > ADC_MAX_HZ) {
      this.onWarning(`ADC1 clock ${this.adcHz() / 1e6} MHz is above 14 MHz: readings are off`);
      code += OVERCLOCK_ERROR_LSB;
    }
    return Math.max(0, Math.min(4095, code));
  }

  /** The channel of the last conversion started (for tests). */
  get lastChannel(): number { return this.convChannel; }
}

export const AdcRegs = { SR, CR1, CR2, SMPR1, SMPR2, SQR1, SQR3, DR, RCC_CFGR, APB2ENR_ADC1EN_BIT };
