// The board imports the app API uses (docs/board-abi.md): the app's pins and ADC1, and the
// console UART for log lines. The chip id comes from the core (config.ts reads board.uid).

// @ts-ignore: decorator
@external("board", "gpio_mode") export declare function gpio_mode(pin: i32, mode: i32): i32;
// @ts-ignore: decorator
@external("board", "gpio_write") export declare function gpio_write(pin: i32, level: i32): i32;
// @ts-ignore: decorator
@external("board", "gpio_read") export declare function gpio_read(pin: i32): i32;
// @ts-ignore: decorator
@external("board", "adc_read") export declare function adc_read(channel: i32): i32;
// @ts-ignore: decorator
@external("board", "uart_write") export declare function uart_write(src: usize, len: i32): void;
