// SPI frame helpers over the board ABI: one call = one W5500 VDM frame (3 header bytes + data).
// A small static scratch area carries register values; no allocation anywhere.
import { regBlock, SN_CR } from "./regs";

// @ts-ignore: decorator
@external("board", "w5500_read") declare function w5500_read(addr: i32, block: i32, dst: usize, len: i32): void;
// @ts-ignore: decorator
@external("board", "w5500_write") declare function w5500_write(addr: i32, block: i32, src: usize, len: i32): void;
// @ts-ignore: decorator
@external("board", "w5500_reset") export declare function w5500_reset(): void;
// @ts-ignore: decorator
@external("board", "w5500_irq") export declare function w5500_irq(): i32;

/** Scratch for register frames (≤ 32 bytes: the 18-byte network identity burst is the largest). */
export const SCRATCH: usize = memory.data(32);

export function readBuf(addr: i32, block: i32, dst: usize, len: i32): void { w5500_read(addr, block, dst, len); }
export function writeBuf(addr: i32, block: i32, src: usize, len: i32): void { w5500_write(addr, block, src, len); }

export function r8(addr: i32, block: i32): u8 {
  w5500_read(addr, block, SCRATCH, 1);
  return load<u8>(SCRATCH);
}

export function w8(addr: i32, block: i32, v: u8): void {
  store<u8>(SCRATCH, v);
  w5500_write(addr, block, SCRATCH, 1);
}

/** One 2-byte frame (big-endian), 0..65535. Not atomic on the chip: see stable16. */
export function r16(addr: i32, block: i32): i32 {
  w5500_read(addr, block, SCRATCH, 2);
  return be16(SCRATCH);
}

/** The big-endian (chip order) u16 at p. i32 in and out here: u16 values cost a mask per use. */
export function be16(p: usize): i32 { return (<i32>load<u8>(p) << 8) | <i32>load<u8>(p + 1); }

/** Writes the low 16 bits of v big-endian (chip order) at p. */
export function putBe16(p: usize, v: i32): void {
  store<u8>(p, <u8>(v >> 8));
  store<u8>(p + 1, <u8>v);
}

/** One 2-byte frame: the low 16 bits of v. */
export function w16(addr: i32, block: i32, v: i32): void {
  putBe16(SCRATCH, v);
  w5500_write(addr, block, SCRATCH, 2);
}

/**
 * A 16-bit register the chip updates on its own (Sn_TX_FSR, Sn_RX_RSR): read until two reads
 * agree (datasheet note). Bounded; -1 if it never settles (the chip is misbehaving).
 */
export function stable16(addr: i32, block: i32): i32 {
  let a = r16(addr, block);
  for (let i = 0; i < 8; i++) {
    let b = r16(addr, block);
    if (a == b) return a;
    a = b;
  }
  return -1;
}

/** Longest spin on Sn_CR before a chip is declared unresponsive (each spin is one 4-byte frame). */
const CR_SPIN_MAX: i32 = 1000;

/** Spins until Sn_CR reads 0 (the previous command was taken). False if it never does. */
export function waitCommandTaken(sn: i32): bool {
  for (let i = 0; i < CR_SPIN_MAX; i++) {
    if (r8(SN_CR, regBlock(sn)) == 0) return true;
  }
  return false;
}
