// NodeDevice's pins and ADC1: the board ABI's gpio_mode / gpio_write / gpio_read / adc_read
// (docs/board-abi.md) with the same rules as the chip's HAL (firmware/hal/stm32f103/pins.c,
// adc.c): pins by number (port * 16 + n), the board's own pins refused, inputs at their pull
// unless a test drives them, analog readings from the volts a test sets, converted like the
// virtual board's ADC model (host-tools/sim/board/adc.ts, calibrated and sampled long enough).
import { ADC_CHANNEL_PINS, CHANNEL_TEMP, CHANNEL_VREFINT, VREFINT_V, temperatureVolts } from '../board/adc.ts';
import type { BoardSpec } from '../board/board-spec.ts';

/** gpio_mode's modes (firmware/hal/hal.h HAL_PIN_*). */
export const PinMode = {
  INPUT: 0, INPUT_PULLUP: 1, INPUT_PULLDOWN: 2, OUTPUT: 3, OUTPUT_OPEN_DRAIN: 4, ANALOG: 5 } as const;
export const PIN_NONE = -1;
export const PIN_RESERVED = -2;
const PIN_COUNT = 80; // PA0..PE15

/** "PC13" → 45 (port * 16 + number); throws on anything else. */
export function pinNumber(name: string): number {
  const m = /^P([A-E])(\d{1,2})$/.exec(name);
  const n = m ? Number(m[2]) : NaN;
  if (!m || n > 15) throw new Error(`"${name}" is not a pin name (PA0..PE15)`);
  return (m[1]!.charCodeAt(0) - 65) * 16 + n;
}

export function pinName(pin: number): string { return `P${String.fromCharCode(65 + (pin >> 4))}${pin & 15}`; }

/** The pins the board uses itself (every pin named in its board file but the LED, plus SWD
 * PA13/PA14): an app may not touch them. */
export function reservedPins(spec: Pick<BoardSpec, 'pins'>): Set<number> {
  const out = new Set([pinNumber('PA13'), pinNumber('PA14')]);
  for (const [key, value] of Object.entries(spec.pins)) {
    if (key !== 'led' && typeof value === 'string') out.add(pinNumber(value));
  }
  return out;
}

export class NodePins {
  /** Analog supply (and reference) in volts. */
  vdda = 3.3;
  private readonly modes = new Int8Array(PIN_COUNT).fill(PinMode.INPUT);
  private readonly latch = new Uint8Array(PIN_COUNT);
  private readonly driven = new Map<number, number>();
  private readonly volts = new Float64Array(16);
  private celsius = 25;
  private readonly listeners: Array<(pin: string, level: number) => void> = [];

  constructor(private readonly reserved: Set<number>) {}

  // ---- the board ABI
  mode(pin: number, mode: number): number {
    const r = this.check(pin);
    if (r !== 0) return r;
    if (!(mode >= 0 && mode <= PinMode.ANALOG)) return PIN_NONE;
    const before = this.level(pin);
    this.modes[pin] = mode;
    if (mode === PinMode.INPUT_PULLUP) this.latch[pin] = 1;
    else if (mode === PinMode.INPUT_PULLDOWN) this.latch[pin] = 0;
    this.notify(pin, before);
    return 0;
  }

  write(pin: number, level: number): number {
    const r = this.check(pin);
    if (r !== 0) return r;
    const before = this.level(pin);
    this.latch[pin] = level !== 0 ? 1 : 0;
    this.notify(pin, before);
    return 0;
  }

  read(pin: number): number {
    const r = this.check(pin);
    return r !== 0 ? r : this.level(pin);
  }

  adcRead(channel: number): number {
    if (!(channel >= 0 && channel <= CHANNEL_VREFINT)) return PIN_NONE;
    if (channel === CHANNEL_TEMP) return this.code(temperatureVolts(this.celsius));
    if (channel === CHANNEL_VREFINT) return this.code(VREFINT_V);
    const r = this.check(ADC_CHANNEL_PINS[channel]!);
    return r !== 0 ? r : this.code(this.volts[channel]!);
  }

  // ---- test hooks
  /** Drive an input pin from outside (0/1); undefined lets it float back to its pull. */
  setInput(name: string, level: number | undefined): void {
    const pin = pinNumber(name);
    const before = this.level(pin);
    if (level === undefined) this.driven.delete(pin);
    else this.driven.set(pin, level ? 1 : 0);
    this.notify(pin, before);
  }

  /** The voltage on an analog pin (one of ADC1's channels 0..15). */
  setAnalog(name: string, volts: number): void {
    const channel = ADC_CHANNEL_PINS.indexOf(pinNumber(name) as (typeof ADC_CHANNEL_PINS)[number]);
    if (channel < 0) throw new Error(`${name} has no ADC channel (PA0-PA7, PB0-PB1, PC0-PC5 do)`);
    this.volts[channel] = volts;
  }

  /** The die temperature the internal sensor (channel 16) sees. */
  setTemperature(celsius: number): void { this.celsius = celsius; }

  /** The level a pin is at: an output's latch, else what drives it from outside, else its pull (floating: 0). */
  levelOf(name: string): number { return this.level(pinNumber(name)); }

  /** The mode the app gave a pin (PinMode), or undefined while it is still the reset input. */
  modeOf(name: string): number { return this.modes[pinNumber(name)]!; }

  /** Calls `cb` whenever a pin's level changes (an output written, a mode change, a driven input). */
  onChange(cb: (pin: string, level: number) => void): void { this.listeners.push(cb); }

  private check(pin: number): number {
    if (!(Number.isInteger(pin) && pin >= 0 && pin < PIN_COUNT)) return PIN_NONE;
    return this.reserved.has(pin) ? PIN_RESERVED : 0;
  }

  private level(pin: number): number {
    const m = this.modes[pin];
    if (m === PinMode.OUTPUT) return this.latch[pin]!;
    if (m === PinMode.OUTPUT_OPEN_DRAIN) return this.latch[pin]! === 0 ? 0 : (this.driven.get(pin) ?? 1);
    const ext = this.driven.get(pin);
    if (ext !== undefined) return ext;
    return m === PinMode.INPUT_PULLUP || m === PinMode.INPUT_PULLDOWN ? this.latch[pin]! : 0;
  }

  private notify(pin: number, before: number): void {
    const now = this.level(pin);
    if (now !== before) for (const cb of this.listeners) cb(pinName(pin), now);
  }

  private code(volts: number): number { return Math.max(0, Math.min(4095, Math.round((volts / this.vdda) * 4095))); }
}
