// GPIO by the pin names printed on the board: PA0..PE15 (port * 16 + number), in the modes of
// the STM32F103's CRL/CRH. The pins the board uses itself (SPI1 and the W5500's CS/RST/INT,
// USART1, SWD PA13/PA14) are refused with a clear error the first time the app touches them.
import { gpio_mode, gpio_write, gpio_read } from "./board";
import { failWith, E_PIN_INVALID, E_PIN_RESERVED } from "./state";

export const PA0: i32 = 0;
export const PA1: i32 = 1;
export const PA2: i32 = 2;
export const PA3: i32 = 3;
export const PA4: i32 = 4;
export const PA5: i32 = 5;
export const PA6: i32 = 6;
export const PA7: i32 = 7;
export const PA8: i32 = 8;
export const PA9: i32 = 9;
export const PA10: i32 = 10;
export const PA11: i32 = 11;
export const PA12: i32 = 12;
export const PA13: i32 = 13;
export const PA14: i32 = 14;
export const PA15: i32 = 15;
export const PB0: i32 = 16;
export const PB1: i32 = 17;
export const PB2: i32 = 18;
export const PB3: i32 = 19;
export const PB4: i32 = 20;
export const PB5: i32 = 21;
export const PB6: i32 = 22;
export const PB7: i32 = 23;
export const PB8: i32 = 24;
export const PB9: i32 = 25;
export const PB10: i32 = 26;
export const PB11: i32 = 27;
export const PB12: i32 = 28;
export const PB13: i32 = 29;
export const PB14: i32 = 30;
export const PB15: i32 = 31;
export const PC0: i32 = 32;
export const PC1: i32 = 33;
export const PC2: i32 = 34;
export const PC3: i32 = 35;
export const PC4: i32 = 36;
export const PC5: i32 = 37;
export const PC6: i32 = 38;
export const PC7: i32 = 39;
export const PC8: i32 = 40;
export const PC9: i32 = 41;
export const PC10: i32 = 42;
export const PC11: i32 = 43;
export const PC12: i32 = 44;
export const PC13: i32 = 45;
export const PC14: i32 = 46;
export const PC15: i32 = 47;
export const PD0: i32 = 48;
export const PD1: i32 = 49;
export const PD2: i32 = 50;
export const PD3: i32 = 51;
export const PD4: i32 = 52;
export const PD5: i32 = 53;
export const PD6: i32 = 54;
export const PD7: i32 = 55;
export const PD8: i32 = 56;
export const PD9: i32 = 57;
export const PD10: i32 = 58;
export const PD11: i32 = 59;
export const PD12: i32 = 60;
export const PD13: i32 = 61;
export const PD14: i32 = 62;
export const PD15: i32 = 63;
export const PE0: i32 = 64;
export const PE1: i32 = 65;
export const PE2: i32 = 66;
export const PE3: i32 = 67;
export const PE4: i32 = 68;
export const PE5: i32 = 69;
export const PE6: i32 = 70;
export const PE7: i32 = 71;
export const PE8: i32 = 72;
export const PE9: i32 = 73;
export const PE10: i32 = 74;
export const PE11: i32 = 75;
export const PE12: i32 = 76;
export const PE13: i32 = 77;
export const PE14: i32 = 78;
export const PE15: i32 = 79;

export const PIN_NAME: usize = memory.data(4);

/** "PA5" for pin 5, written at NAME; returns its length. */
export function pinName(pin: i32): i32 {
  store<u8>(PIN_NAME, 0x50);
  store<u8>(PIN_NAME + 1, 0x41 + (pin >> 4));
  let n = pin & 15;
  if (n < 10) { store<u8>(PIN_NAME + 2, 48 + n); return 3; }
  store<u8>(PIN_NAME + 2, 0x31);
  store<u8>(PIN_NAME + 3, 38 + n);
  return 4;
}

/** Stops the app when the board refused `pin` (r < 0). */
export function checkPin(r: i32, pin: i32): i32 {
  if (r == -2) failWith(E_PIN_RESERVED, PIN_NAME, pinName(pin));
  else if (r < 0) failWith(E_PIN_INVALID, PIN_NAME, pin >= 0 && pin < 80 ? pinName(pin) : 0);
  return r;
}

export class Pin {
  /** Input, no pull (floating). */
  static readonly INPUT: i32 = 0;
  static readonly INPUT_PULLUP: i32 = 1;
  static readonly INPUT_PULLDOWN: i32 = 2;
  /** Push-pull output (2 MHz). */
  static readonly OUTPUT: i32 = 3;
  static readonly OUTPUT_OPEN_DRAIN: i32 = 4;
  /** For the ADC (Adc.read sets it itself). */
  static readonly ANALOG: i32 = 5;

  /** Sets the pin's mode (Pin.INPUT ... Pin.ANALOG). */
  static mode(pin: i32, mode: i32): void { checkPin(gpio_mode(pin, mode), pin); }

  /** Drives an output high (true / 1) or low. */
  static write(pin: i32, high: bool): void { checkPin(gpio_write(pin, high ? 1 : 0), pin); }

  /** The level at the pin: true = high. */
  static read(pin: i32): bool { return checkPin(gpio_read(pin), pin) != 0; }

  /** Inverts an output; returns the new level. */
  static toggle(pin: i32): bool {
    let high = !Pin.read(pin);
    Pin.write(pin, high);
    return high;
  }
}
