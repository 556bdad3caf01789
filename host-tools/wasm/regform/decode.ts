// A validated function body as a list of instructions with their immediates, for translate.ts.
// The module was validated already (module.ts), so this reads without checking.

import { Reader } from '../reader.ts';

/** One instruction: `op` is the opcode, or 0xfc00 | sub for the 0xfc prefix. */
export interface Instr {
  op: number;
  /** the first immediate: index, depth, block type, memory offset, ... */
  a?: number;
  /** the second immediate (call_indirect's table, table.copy's source, table.init's table) */
  b?: number;
  /** a constant's bits: i32 / f32 as u32, i64 / f64 as u64 */
  c?: bigint;
  /** br_table: the depths, default last */
  ls?: number[];
}

/** The local types (after the parameters) and the instructions of the body at [start, end], where
 * `end` is the offset of its final `end` (FuncBody.end). */
export function decodeBody(b: Uint8Array, start: number, end: number): { locals: number[]; instrs: Instr[] } {
  const r = new Reader(b, start, end + 1);
  const locals: number[] = [];
  for (let n = r.u32(); n > 0; n--) {
    const k = r.u32();
    const t = r.u8();
    for (let i = 0; i < k; i++) locals.push(t);
  }
  const instrs: Instr[] = [];
  while (!r.eof()) {
    const op = r.u8();
    if (op === 0x02 || op === 0x03 || op === 0x04) instrs.push({ op, a: Number(r.sleb(33)) });
    else if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x26) || op === 0xd2) {
      instrs.push({ op, a: r.u32() });
    } else if (op === 0x0e) {
      const ls: number[] = [];
      for (let n = r.u32(); n >= 0; n--) ls.push(r.u32());
      instrs.push({ op, ls });
    } else if (op === 0x11) {
      const a = r.u32();
      instrs.push({ op, a, b: r.u32() });
    } else if (op === 0x1c) {
      for (let n = r.u32(); n > 0; n--) r.u8();
      instrs.push({ op: 0x1b });
    } else if (op >= 0x28 && op <= 0x3e) {
      r.u32();
      instrs.push({ op, a: r.u32() });
    } else if (op === 0x3f || op === 0x40) {
      r.u8();
      instrs.push({ op });
    } else if (op === 0x41) instrs.push({ op, c: BigInt.asUintN(32, r.sleb(32)) });
    else if (op === 0x42) instrs.push({ op, c: BigInt.asUintN(64, r.sleb(64)) });
    else if (op === 0x43) {
      const v = r.bytes(4);
      instrs.push({ op, c: BigInt(new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true)) });
    } else if (op === 0x44) {
      const v = r.bytes(8);
      instrs.push({ op, c: new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0, true) });
    } else if (op === 0xd0) instrs.push({ op, a: r.u8() });
    else if (op === 0xfc) {
      const sub = r.u32();
      const x = 0xfc00 | sub;
      if (sub <= 7) instrs.push({ op: x });
      else if (sub === 8) {
        const a = r.u32();
        r.u8();
        instrs.push({ op: x, a });
      } else if (sub === 9 || sub === 13 || (sub >= 15 && sub <= 17)) instrs.push({ op: x, a: r.u32() });
      else if (sub === 10) {
        r.u8();
        r.u8();
        instrs.push({ op: x });
      } else if (sub === 11) {
        r.u8();
        instrs.push({ op: x });
      } else {
        // 12 table.init (elem, table), 14 table.copy (dst, src)
        const a = r.u32();
        instrs.push({ op: x, a, b: r.u32() });
      }
    } else instrs.push({ op });
  }
  return { locals, instrs };
}
