// ADC1: 12-bit readings of a pin's channel, and the two internal channels every STM32F103 has,
// so a bare blue pill has a real sensor: the temperature sensor (channel 16) and VREFINT (17,
// 1.20 V), which also gives the supply voltage the readings are relative to.
import { adc_read, gpio_mode } from "./board";
import { checkPin, pinName, PIN_NAME } from "./pins";
import { fail, failWith, E_ADC_TIMEOUT, E_PIN_NO_ADC } from "./state";

/** Channel of each pin (port * 16 + number) that has one: PA0-PA7 = 0-7, PB0-PB1 = 8-9, PC0-PC5 = 10-15. */
function channelOf(pin: i32): i32 {
  if (pin >= 0 && pin < 8) return pin;
  if (pin == 16 || pin == 17) return pin - 8;
  if (pin >= 32 && pin < 38) return pin - 22;
  return -1;
}

/** Pins already switched to analog mode (one bit per channel). */
let analogPins: i32 = 0;

function convert(channel: i32, pin: i32): i32 {
  let r = adc_read(channel);
  if (r == -3) fail(E_ADC_TIMEOUT);
  return checkPin(r, pin);
}

export class Adc {
  static readonly TEMPERATURE: i32 = 16;
  static readonly VREFINT: i32 = 17;

  /** The 12-bit reading (0..4095 = 0..VDDA) of a pin with an ADC channel; sets it to analog first. */
  static read(pin: i32): i32 {
    let ch = channelOf(pin);
    if (ch < 0) failWith(E_PIN_NO_ADC, PIN_NAME, pinName(pin));
    if ((analogPins & (1 << ch)) == 0) { checkPin(gpio_mode(pin, 5), pin); analogPins |= 1 << ch; }
    return convert(ch, pin);
  }

  /** The 12-bit reading of channel 0..17 (16: temperature sensor, 17: VREFINT). */
  static readChannel(channel: i32): i32 { return convert(channel, -1); }

  /** The analog supply VDDA in millivolts, measured against VREFINT (1.20 V typical). */
  static vdda(): i32 { return <i32>(<i64>1200 * 4095 / <i64>max(1, convert(17, -1))); }

  /** A pin's voltage in millivolts. */
  static millivolts(pin: i32): i32 { return <i32>(<i64>Adc.read(pin) * <i64>Adc.vdda() / 4095); }

  /**
   * The die temperature in tenths of a degree Celsius (235 = 23.5 C), from the internal sensor
   * with the datasheet's typical V25 = 1.43 V and slope 4.3 mV/C, against VREFINT. Uncalibrated
   * parts are within a few degrees; it reads the chip, which runs a little above the room.
   */
  static temperature(): i32 {
    let sense = <i64>convert(16, -1);
    let ref = <i64>max(1, convert(17, -1));
    let uv = sense * 1200000 / ref; // VSENSE in microvolts (VDDA cancels out)
    let t = (<i64>1430000 - uv) * 10;
    return <i32>((t + (t >= 0 ? 2150 : -2150)) / 4300) + 250;
  }
}
