// The console's UART imports (docs/board-abi.md). Only the console talks to the UART.

// @ts-ignore: decorator
@external("board", "uart_write") export declare function uart_write(src: usize, len: i32): void;
// @ts-ignore: decorator
@external("board", "uart_read") export declare function uart_read(dst: usize, max: i32): i32;
