// The board imports the core uses (docs/board-abi.md). The W5500 driver declares its own SPI
// imports; the transport imports live in net/transport.ts.

// @ts-ignore: decorator
@external("board", "millis") export declare function millis(): u32;
// @ts-ignore: decorator
@external("board", "entropy") export declare function entropy(): u32;
// @ts-ignore: decorator
@external("board", "event") export declare function board_event(kind: i32, ptr: usize, len: i32): void;
// @ts-ignore: decorator
@external("board", "store_size") export declare function store_size(): i32;
// @ts-ignore: decorator
@external("board", "store_page_size") export declare function store_page_size(): i32;
// @ts-ignore: decorator
@external("board", "store_read") export declare function store_read(off: u32, dst: usize, len: i32): i32;
// @ts-ignore: decorator
@external("board", "store_write") export declare function store_write(off: u32, src: usize, len: i32): i32;
// @ts-ignore: decorator
@external("board", "store_erase") export declare function store_erase(off: u32): i32;
// @ts-ignore: decorator
@external("board", "uid") export declare function uid(dst: usize): void;
// @ts-ignore: decorator
@external("board", "keep_size") export declare function keep_size(): i32;
// @ts-ignore: decorator
@external("board", "keep_read") export declare function keep_read(off: u32, dst: usize, len: i32): i32;
// @ts-ignore: decorator
@external("board", "keep_write") export declare function keep_write(off: u32, src: usize, len: i32): i32;
