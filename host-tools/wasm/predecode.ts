// Build-time pre-decoder of the stack form (format 39, for a runtime built with WQRT_REGFORM=0: interp.c):
// validates a module and appends the custom section "wasmqtt.predecoded" that lets firmware/runtime execute the
// module in place from flash. The default engine, the register form, reads format 40: regform/blob.ts writes it.
// Usage: node --import tsx host-tools/wasm/predecode.ts in.wasm out.wasm
//
// Section payload: name, pad-length byte, pad zeros (so the blob starts 4-byte aligned in
// the module), then the blob (little-endian). The section must be the module's last one.
//   0 magic "WQPD"   4 version   8 module hash (FNV-1a of every module byte before this section)
//   12 blob hash (FNV-1a of blob bytes 16..end)   16 ntypes u16   18 nwide u16
//   20 nfuncs (imports included)   24 nimported funcs   28 nside
//   32 funcTypes (where the function section's first type index is, from the module start;
//      bit 31 set when every index there is one byte: a function's type is then one load)
//   36 ntypes x { canon u16, nparams u8, nresults u8, paramsOff u16, resultsOff u16 }
//      nfuncs x { codeBack u16, stpFwd u16, nParams u8, nResults u8, nLocals u8, frame u8 }
//      (format 5: 8 bytes; format 32: the type's counts instead of its index, so a call and a
//      return read no type record; an import's stpFwd is its type index)
//      nwide x { codeStart u32, stpBase u32, nLocals u16, frame u16 }
//      nside x u16 side entry, then nlong x { dPc i16, dStp i16, keep u8, drop u8 }
//      (6 bytes each; nlong = the bytes left / 6)
// canon: the first type index with the same signature (call_indirect compares canon ids).
// paramsOff, resultsOff and codeStart are byte offsets from the module start, stpBase the index
// of the function's first side entry. A function record holds both relative to the record
// itself (format 28), so a call finds them without the module's base addresses: the function's
// instructions start codeBack bytes before the record (its final `end` is its body's last
// byte), its first side entry stpFwd bytes after it. frame = nLocals + the most operand slots
// it uses + 2, the slots of a 16-byte call frame (format 36: the call's one compare bounds both,
// and reads the byte signed, so an 8-byte record's frame is below 128 and 255 reads -1). A
// function whose numbers do not fit (code or side entries 64 KiB or more from its record, the
// frame byte 128 or more) has frame = 255 and codeBack = the index of its wide record, whose
// frame is nLocals + the most operand slots (no frame slots). An imported function has frame = 255 and codeBack =
// 0xffff, an index no wide record has (format 26: a call tests for an import only on the wide path), stpFwd = its type
// index, nLocals = 0.
// A side entry is relative to its branch: target pc = the address just past the branch opcode
// + dPc; target entry = this entry's index + dStp.
// Side entry (format 6, 2 bytes): bit 0 clear = short form, nothing dropped (so nothing moves,
// whatever is kept), bits 1-6 dStp (signed, -32..31), bits 7-15 dPc (signed, -256..255); bit 0
// set = bits 1-15 index a long entry. 9 in 10 of an AssemblyScript module's branches are short;
// long entries keep loops over 256 bytes and the spec suite's large functions working.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseModule, WasmError, type ParsedModule, type SideEntry } from './module.ts';

export const SECTION_NAME = 'wasmqtt.predecoded';
export const BLOB_VERSION = 39;
/** Blob versions whose code was rewritten in place with today's opcodes (undoRewrite puts the original back): format 39
 * only. Formats 4 to 38 gave some of today's opcodes other meanings or used other function records (format 38 (session
 * 17): 0x3f was memory.size, now LSET64 (format 39, session 18; 0x40, memory.grow's, is spare), and the plain local.set
 * moved both words of any local; format 37 (session 17): 0x1c and 0xd0 were `select` with a type and `ref.null`, now
 * LTEE64 and LSET_LGET64, and the plain local.tee and LSET_LGET moved both words of any local; format 36 (session 15)
 * and 35: 0xf8 and 0xf9 were GGET_LEB and GSET_LEB, now LGET64 and GLOBAL64 (session 17), and a 64-bit local's
 * local.get was the plain 0x20; format 35 (session 14): 0xdb was `i64.const` with a 9- or 10-byte LEB only (8 raw bytes
 * and a skip), now I64_CONST_RAW (5 to 10 bytes); 0xed was `i32.const c; i32.lt_u` (I32C8_LT_U), now I32C16_LOAD8_U;
 * 0xf2 `local.tee a; local.get b` (LTEE_LGET), now LGET_LGET_ADD_LOAD8_U; format 34 (session 13): 0xda was
 * `I32_CONST_16; i32.add; i32.load`, now LGET_LOAD; 0x06 `local.get; I32C8_SHL`, now I32C24_AND; 0x1e `i32.const;
 * i32.lt_u`, now LGET_I64_LTU_EXTU; 0xfb COND_LEB, now I64_LT_U_SELECT (if / br_if in LOCAL_LEB's codes); 0xc8
 * `local.tee; I64_CONST_8`, now LOOP_STEP_LT8_BR_IF; 0xdc `local.get; local.get`, now LTEE_STORE; format 33 (session
 * 12): 0xf6 was `local.tee; i32.const; i32.shl; i32.xor`, now BLOCK_RUN; 0xf3 was `local.tee; br_if`, 0x17 `local.get;
 * local.get; i32.add; i32.load8_u`, 0x1f `i32.const; i32.ne`, 0xe8 `i32.const; i32.rotl`; 0xef was the `++p < end` back
 * edge, 0x07 `i64.ne; br_if`, 0xfa `i64.const; i64.add`, 0x15 `local.get; i64.const; i64.shl`, 0xd7 `local.get;
 * i64.const; i64.shr_u; i64.or`, 0xf1 `local.set; br`; format 32 (session 11): the records hold parameter and result
 * counts, not the type index; 0xce was `local.get; local.get; i32.gt_s`, 0xef `local.tee; i32.const; i32.lt_u`, 0xf0
 * `local.set; local.get; i32.load8_u`, 0xcd `local.get; local.get; i32.lt_u`, 0xf6 and 0xf7 local.set and local.tee
 * with a multi-byte index, now LOCAL_LEB's; format 31: 0xf1 was a function's final `end`, now `return`; format 30:
 * records relative to themselves and format 29's fused forms, both from session 10; format 27: 0xc6 was `local.get;
 * i32.const; i32.shr_u`): refused. */
// format 39 gave 0x3f a new meaning (LSET64) and moved memory.size and memory.grow behind 0xfc
const REWRITTEN_VERSIONS = [39];
const OLDER_REWRITTEN_VERSIONS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
  27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38];
const MAGIC = 0x44505157; // "WQPD"
const WIDE_FRAME = 0xff; // a function record's frame byte: see its wide record
/** format 36: an 8-byte record's frame byte counts a 16-byte call frame's 2 slots too and is below
 * this (the call reads it signed: the wide marker is then -1) */
const FRAME_SLOTS = 2, SHORT_FRAME_LIMIT = 0x80;
const IMPORT_CODE = 0xffff; // an imported function's record: frame WIDE_FRAME, this code
export const BLOB_HEADER = 36; // the blob's header bytes (format 32: + funcTypes)

export function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** Removes an existing wasmqtt.predecoded section so a module can be pre-decoded again, and
 * undoes the code rewriting it describes (rewriteCode), so the result is the original module. */
export function stripOwnSection(b: Uint8Array): Uint8Array {
  let blob: Uint8Array | undefined;
  const stripped = stripSection(b, (payload) => { blob = payload; });
  return blob ? undoRewrite(stripped, blob) : stripped;
}

function stripSection(b: Uint8Array, found: (blob: Uint8Array) => void): Uint8Array {
  if (b.length < 8) return b;
  const parts: Uint8Array[] = [b.subarray(0, 8)];
  let p = 8;
  while (p < b.length) {
    const start = p;
    p++;
    let size = 0, shift = 0, byte: number;
    do {
      if (p >= b.length) return b; // malformed: leave it for the validator to report
      byte = b[p++]!;
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    const end = p + size;
    if (end > b.length) return b;
    let own = false;
    if (b[start] === 0) {
      let q = p, n = 0, sh = 0;
      do {
        byte = b[q++]!;
        n += (byte & 0x7f) * 2 ** sh;
        sh += 7;
      } while (byte & 0x80 && q < end);
      own = q + n <= end && new TextDecoder().decode(b.subarray(q, q + n)) === SECTION_NAME;
      if (own && q + n < end) found(b.subarray(q + n + 1 + b[q + n]!, end));
    }
    if (!own) parts.push(b.subarray(start, end));
    p = end;
  }
  const out = new Uint8Array(parts.reduce((a, x) => a + x.length, 0));
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

/** Opcodes that only the pre-decoder writes (unassigned in Wasm 2.0), with the C names in
 * rt_internal.h. Each replaces an instruction in place, in the same number of bytes, so
 * branch targets, side entries and trap offsets stay where they were. */
export const OP = {
  I32_CONST_24: 0xd3, // i32.const, 3-byte LEB -> 3 raw bytes (sign-extended)
  I32_CONST_32: 0xd4, // i32.const, 4-byte LEB -> 4 raw bytes
  I32_CONST_32_PAD: 0xd5, // i32.const, 5-byte LEB -> 4 raw bytes + 1 unused
  I64_CONST_8: 0xd6, // i64.const, 1-byte LEB -> 1 raw byte (sign-extended); 2- to 8-byte LEBs stay as they are
  // (format 16: their opcodes, rare in the suite, went to the sequences below)
  MUL_ADD_LSET: 0xd7, // i32.mul; i32.add; local.set a: a multiply-accumulate, `acc += x * y` with acc pushed first
  // (format 33; was local.get a; I64_CONST_8 c; i64.shr_u; i64.or, which only mont64 ran, now inside
  // LGET_SHL_LGET_SHR_U_OR)
  LGET_I64C8_SHL_OR: 0xd8, // local.get a; I64_CONST_8 c; i64.shl; i64.or
  I32C16_LOAD: 0xd9, // I32_CONST_16 c; i32.load (one-byte memarg): a C global
  // local.get a; i32.load (one-byte memarg): `p->field`, the address never on the stack (format 34; was I32_CONST_16 c;
  // i32.add; i32.load, 0.13% of the kernel's dispatches, now I32C16_ADD + i32.load). Followed by `local.tee b; br_if l`
  // (`p = p->next; while (p)`, a list walk) the load's align byte gets bit 6 (LGET_LOAD_WALK) and the handler stores,
  // tests and branches too
  LGET_LOAD: 0xda,
  // i64.const, a 5- to 10-byte LEB (format 35; was 9..10 bytes only, 8 raw bytes and a skip): the low word raw, then a
  // byte x; bit 0 set (9 or 10 bytes; x is 1 or 3): the high word raw after x, 9 + (x >> 1) bytes; clear (5..8 bytes,
  // pad = x >> 1 & 3 = bytes - 5): the high word is x >> 3 and the pad bytes above it, sign-extended (7n bits fit in 8n
  // - 35). clang merges two adjacent int constant stores into one i64.store of such a constant (Embench ud: 5.3% of its
  // instructions went to decoding them)
  I64_CONST_RAW: 0xdb,
  // Sequences: only the first opcode byte changes; the handler reads the rest as they are.
  // local.tee a; i32.store (one-byte memarg): `*p = x` of a value also kept (format 34; was local.get a; local.get b,
  // which saved no instruction on Cortex-M: 12 against two local.get of 6, and a branch to it missed the target's
  // local.get peek)
  LTEE_STORE: 0xdc,
  LGET_I64C8_SHR_S_OR: 0xdd, // local.get a; I64_CONST_8 c; i64.shr_s; i64.or (format 20; was local.get a; i32.const c)
  I32C_ADD: 0xde, // i32.const c (one-byte LEB, now a raw signed byte); i32.add, or i32.sub with the byte -c (format 29;
  // undone through the op after it)
  LSET_LGET: 0xdf, // local.set a; local.get b, both i32 or f32: one word each way (format 38)
  // the same with either local 64-bit (i64, f64, a reference): both words (format 38; 0xd0 was `ref.null`, now in
  // LOCAL_LEB's codes). mont64's are all of this kind.
  LSET_LGET64: 0xd0,
  LGET_I32C_ADD: 0xe0, // local.get a; i32.const c (one-byte LEB); i32.add
  LGET_LGET_ADD: 0xe1, // local.get a; local.get b; i32.add
  // i32.const c (one-byte LEB); <binary op>: the LEB byte becomes the operand as a raw signed
  // byte (shift counts masked to 0..31, rotl stored as a right-rotate count)
  I32C8_SHR_S: 0xe2, // format 29 (was i32.const c; i32.sub, now I32C_ADD with -c)
  I32C8_AND: 0xe3,
  LGET_I32C16_ADD_LOAD8_U: 0xe4, // local.get a; I32_CONST_16 c; i32.add; i32.load8_u (one-byte memarg); not an I32C8 op
  // format 17, on the opcodes of block and loop with multi-byte block types
  MUL_LGET_ADD: 0xfa, // i32.mul; local.get a; i32.add: a multiply-accumulate, `acc + x * y` (format 33; was I64_CONST_8
  // c; i64.add / i64.sub, which only aha-mont64's back edge ran, now I64C8_ADD_LTEE_I64C8_NE_BR_IF)
  LOAD16_S_MUL: 0x07, // i32.load16_s (one-byte memarg); (local.tee t;) i32.mul: x * a[i] of 16-bit samples (format 33;
  // was i64.ne; br_if l, which only aha-mont64's back edge ran)
  I32C8_SHL: 0xe5,
  I64C_U32_AND: 0xe6, // i64.const k, a 5-byte LEB with 0 <= k < 2^32 -> 4 raw bytes + 1 unused; i64.and
  // (format 28: the 32-bit masks of 64-bit C code, which decoded a 5-byte LEB; was i32.const c; i32.shr_s)
  I32C8_SHR_U: 0xe7,
  // I32_CONST_16 m; i32.and; i32.const k (0..31, its LEB byte kept); i32.shl; I32_CONST_16 t; i32.add; i32.load
  // (one-byte memarg): `T[x & 0xff]` of words, the table-driven CRC's and hash's lookup (format 33, was i32.const c;
  // i32.rotl)
  C16_AND_C8_SHL_C16_ADD_LOAD: 0xe8,
  I32C8_MUL: 0xe9,
  // i32.const c (one-byte LEB, now a raw signed byte); <comparison>: the result goes on to a
  // following if / br_if as the plain comparison's does
  I32C8_EQ: 0xea,
  I32C8_NE: 0xeb,
  I32C8_LT_S: 0xec,
  // I32_CONST_16 c; i32.load8_u (one-byte memarg): a C global byte, a flag or a state variable (format 35; was
  // I32C8_LT_U, `i32.const c; i32.lt_u`, at most 0.65% of a workload's dispatches (Embench huffbench) and 7.8 a
  // publish); a following `local.tee` is taken as i32.load8_u takes it
  I32C16_LOAD8_U: 0xed,
  I32C8_GT_S: 0xee,
  I64C8_ADD_LTEE_I64C8_NE_BR_IF: 0xef, // I64_CONST_8 c; i64.add (or i64.sub, the raw byte -c); local.tee a; I64_CONST_8
  // k; i64.ne; br_if l: a 64-bit counted loop's back edge, `while (--n != k)` (format 33; was local.get e; local.get a;
  // i32.const c; i32.add; local.tee b; i32.gt_u; br_if l, the store's CRC-16 back edge, which no workload runs since
  // session 11's core change)
  GGET_LT_U: 0xf0, // global.get g; i32.lt_u (on to if / br_if; format 32, was local.set a; local.get b; i32.load8_u,
  // now local.set + LGET_LOAD8_U)
  // local.get a; local.get b; i32.lt_u (on to a following if / br_if): `p < end`, `i < n` with both in locals (format
  // 33, was local.set a; br l, 39 a publish at 4 instructions saved each, 0.2% of CoreMark's dispatches)
  LGET_LGET_LT_U: 0xf1,
  // local.get a; local.get b; i32.add; i32.load8_u (one-byte memarg): p[i] of bytes, base and index in locals, the
  // address never on the stack (format 35; was LTEE_LGET, `local.tee a; local.get b`, which saved 1-2 instructions a
  // dispatch)
  LGET_LGET_ADD_LOAD8_U: 0xf2,
  // local.get a; i32.const c (one-byte LEB; i32.sub as I32C_ADD, the byte -c); i32.add; local.tee b; br_if l: a counted
  // loop's back edge, `while (--n)` (clang -O2's count-down latch; format 33, was local.tee a; br_if l)
  LOOP_STEP_BR_IF: 0xf3,
  LGET_ADD: 0xf4, // local.get a; i32.add
  // An index, block type or label of two or more LEB bytes gets an opcode of its own, so the
  // plain opcodes always have a one-byte immediate, which the interpreter reads without a check.
  // local.get, local.set and local.tee share one (format 32; no workload runs them): the index's
  // n LEB bytes become a kind (0 get, 1 set, 2 tee) and the index, raw: n = 2, [kind << 6 | idx
  // & 63, idx >> 6] (a 2-byte LEB holds 14 bits); n = 3..5, [0xc0 | (n - 3) << 2 | kind, idx u16
  // LE, the rest unused] (a function has at most 65535 locals). Undone through n, byte for byte.
  // `if` and `br_if` with a multi-byte immediate share it too (format 34; COND_LEB's 0xfb until
  // format 33): neither reads its value at run time (the side entry decides), only its length and
  // which it is (kind 0 if, 1 br_if), in the codes the locals leave (0xc0 | bit 5): n = 2, [0xe0 |
  // kind << 4 | v >> 8, v & 255] (v below 2048); n = 3..5, [0xe8 | kind << 4 | (n - 3), v u16 LE,
  // unused] (v below 65536). A larger label or block type is refused, saying so.
  // global.get and global.set with a multi-byte index (format 37; GGET_LEB and GSET_LEB until format 36) take the
  // codes the locals leave: n = 2, [0xd0 | g >> 8 << 1 | set, g & 255] (g below 2048); n = 3..5, the locals' long form
  // with kind 3, [0xc3 | (n - 3) << 2, g << 1 | set u16 LE, unused] (g below 32768). Either moves both words of the
  // global. `select` with a type, [0x1c, 1, t], and `ref.null t` take codes nothing else uses (format 38, their opcodes
  // went to LTEE64 and LSET_LGET64; no workload has either): [LOCAL_LEB, 0xcc, t] and [LOCAL_LEB, 0xcd] (funcref) or
  // [LOCAL_LEB, 0xce] (externref).
  LOCAL_LEB: 0xf5,
  // a run of two or more no-ops run in sequence: `block` / `loop` (one-byte block types) twice, then any
  // more `block`, `loop` and inner `end`: a C switch's block nest before its br_table (CoreMark's
  // state machine), AssemblyScript's `switch` and loops in blocks. [BLOCK_RUN, bt1, x, bt2]: the
  // second opcode byte x is where the run ends (x & 63: bytes from BLOCK_RUN), bit 6 set when the
  // first was `loop`, bit 7 when the second was. No branch lands inside a run (side entries land
  // past every no-op). Format 33; was `local.tee a; i32.const k; i32.shl; i32.xor` (the store's
  // CRC-16 only).
  BLOCK_RUN: 0xf6,
  I32C32_AND: 0xf7, // I32_CONST_32_PAD c (a 5-byte LEB); i32.and: a 32-bit mask (CRC and hash code, the publish path's
  // flags; format 32)
  // local.get a (one-byte a) of a 64-bit local (i64, f64, a reference): the plain 0x20 copies the low word only, an
  // i32's or f32's value, one instruction fewer on Cortex-M (format 37; was GGET_LEB, whose forms GLOBAL64 and
  // LOCAL_LEB took). local.set keeps one opcode, which moves the whole slot.
  LGET64: 0xf8,
  // local.tee a (one-byte a) of a 64-bit local: the plain 0x22 stores the low word only, as 0x20 (format 38; 0x1c was
  // `select` with a type, now in LOCAL_LEB's codes)
  LTEE64: 0x1c,
  // local.set a (one-byte a) of a 64-bit local: the plain 0x21 stores the low word only, as 0x20 and 0x22 (format 39;
  // 0x3f was memory.size, now [0xfc, 18] at its length, and memory.grow [0xfc, 19]: no workload has either)
  LSET64: 0x3f,
  // global.get / global.set g (one-byte g) of a 64-bit or reference global: [GLOBAL64, g | set << 7] (format 37; was
  // GSET_LEB). A global index of two or more LEB bytes (any type) takes LOCAL_LEB's codes.
  GLOBAL64: 0xf9,
  // (block and loop keep a multi-byte block type: the plain handlers skip any; format 17)
  // I32_CONST_24 c; i32.and: a 16- to 20-bit mask, `x & 0xffff` (C's uint16_t arithmetic, CRCs, protocol fields; format
  // 34, was local.get a; I32C8_SHL k, 0.3-0.5% of edn's, sha256's and the kernel's dispatches, now local.get +
  // I32C8_SHL)
  I32C24_AND: 0x06,
  // a load or store whose align or offset takes two or more bytes: the align's first byte
  // becomes (opcode - 0x28) | align << 5 | 0x80 when the align LEB goes on
  MEM_LEB: 0x08,
  I32_CONST_16: 0x09, // i32.const, 2-byte LEB -> 2 raw bytes (so 0x41 always has a one-byte LEB)
  I32C16_ADD: 0x0a, // i32.const c (I32_CONST_16); i32.add
  LGET_I32C16_ADD: 0x12, // local.get a; i32.const c (I32_CONST_16); i32.add
  ADD_LSET: 0x13, // i32.add; local.set a
  ADD_LTEE: 0x14, // i32.add; local.tee a
  // i64 shifts by a constant 0..63 (an I64_CONST_8): 64-bit arithmetic from C (mont64)
  LGET_SHL_LGET_SHR_U_OR: 0x15, // local.get a; I64_CONST_8 c; i64.shl; local.get b; I64_CONST_8 d; i64.shr_u; i64.or: a
  // funnel shift, a << c | b >> d (a multiword shift, 128-bit `x << c`; format 33, was local.get a; i64.const c;
  // i64.shl, which only mont64 ran, in this funnel)
  LGET_C8_SHR_U_XOR: 0x16, // local.get a; I32C8_SHR_U c; i32.xor (hash rounds; format 24, was local.get a; i64.const c;
  // i64.shr_u)
  // the same with the test `I32_CONST_16 n; i32.ne` before the br_if: `for (...; i != n; i += c)`, clang -O2's latch of
  // a loop with a constant trip count (format 33, was local.get a; local.get b; i32.add; i32.load8_u: 0.7% of the
  // codec's dispatches)
  LOOP_STEP_NE16_BR_IF: 0x17,
  I64C8_SHR_U: 0x18, // i64.const c; i64.shr_u
  LGET_LGET_ADD_LTEE: 0x19, // local.get a; local.get b; i32.add; local.tee c (format 19; was local.tee a; i32.const c)
  LGET_I32C16_ADD_I32C_STORE8: 0x1d, // local.get a; I32_CONST_16 c; i32.add; i32.const v; i32.store8 (one-byte memarg;
  // format 22, was local.tee a; I32_CONST_16 c)
  // local.get b; i64.lt_u or i64.le_u; i64.extend_i32_u: `(uint64_t)(x < b)`, a carry or borrow in multiword
  // arithmetic (format 34; was I32_CONST_16 c; i32.lt_u: 0.1% of edn's dispatches, 3 a publish)
  LGET_I64_LTU_EXTU: 0x1e,
  // i64.lt_u; select: `a < b ? x : y` on 64-bit a, b, clang's branch-free conditional subtract (Montgomery and
  // modular reduction: `x - (x < m ? 0 : m)`), min and max (format 34; was COND_LEB, whose codes LOCAL_LEB took)
  I64_LT_U_SELECT: 0xfb,
  // local.get a; local.get s; i32.add; local.tee b; I32_CONST_16 n; i32.lt_u; br_if l: `for (...; j < n; j += s)`, a
  // stride kept in a local (format 33, was I32_CONST_16 c; i32.ne, whose loop latches LOOP_STEP_NE16_BR_IF took)
  LOOP_LSTEP_LT16_BR_IF: 0x1f,
  I32C16_AND: 0x27, // i32.const c (I32_CONST_16); i32.and
  LGET_C8_ROTL: 0xc5, // local.get a; i32.const c; i32.rotl, the const's byte the right-rotate count (format 33: the
  // inner opcode stays 0x41)
  LGET_C8_SHL_XOR: 0xc6, // local.get a; I32C8_SHL c; i32.xor (CRC-16 rounds on the publish path; format 27, was
  // local.get a; I32C8_SHR_U c)
  SHL_SHR_S: 0xc7, // I32C8_SHL k; i32.const j (0..31, its LEB byte is j); i32.shr_s (sign extension of a bit field)
  // local.get a; i32.const c; i32.add (or i32.sub, the byte -c); local.tee b; i32.const n; i32.lt_u; br_if l, both
  // constants one byte: `for (...; i < n; i += c)` with a small bound (format 34; was local.tee a; I64_CONST_8 c, which
  // only mont64 ran, at 1 instruction saved a dispatch)
  LOOP_STEP_LT8_BR_IF: 0xc8,
  LGET_C8_EQ: 0xc9, // local.get a; I32C8_EQ c (the result may go on to if / br_if)
  LGET_I32C_ADD_LSET: 0xca, // local.get a; i32.const c; i32.add; local.set b (i++)
  LGET_I32C_ADD_LTEE: 0xcb, // local.get a; i32.const c; i32.add; local.tee b
  LTEE_I32C_ADD: 0xcc, // local.tee a; i32.const c; i32.add
  // (format 36: then up to three `local.tee c; i32.const k; i32.shl; i32.xor`, `local.get c; ...` on the same c, their
  // count in bits 5-6 of k's byte: `y ^= x << k1 ^ x << k2 ...`, the rest of a table-less CRC-16's byte step; with bit
  // 7 set `local.set c; local.get d; i32.const k0; i32.shl` comes first and the one to three terms `local.get c; ...`
  // after it)
  LTEE_C8_SHR_U_LGET_XOR: 0xcd, // local.tee a; i32.const k (0..31, its LEB byte kept); i32.shr_u; local.get b; i32.xor:
  // `x ^= x >> k` on a value just stored (the store's CRC-16 on the publish path; format 32, was local.get a; local.get
  // b; i32.lt_u, 10 a publish and none in the suite)
  LGET_LOAD8_U: 0xce, // local.get a; i32.load8_u (one-byte memarg; format 32, was local.get a; local.get b; i32.gt_s,
  // run by no workload)
  // 0xfd..0xff: the SIMD and threads prefixes, never in a module the validator accepts
  LGET_C8_ROTL_XOR: 0xfd, // local.get a; i32.const c; i32.rotl; i32.xor (hash rounds; the const's byte as in
  // LGET_C8_ROTL)
  LGET_I32C16_ADD_LOAD16_S: 0xfe, // local.get a; I32_CONST_16 c; i32.add; i32.load16_s (one-byte memarg)
  I32C_STORE8: 0xff, // i32.const c (one-byte LEB); i32.store8 (one-byte memarg)
} as const;

/** `i32.const c; i32.rotl` alone has no fused form (format 33); after a local.get the const keeps its opcode and its
 * byte becomes the right-rotate count (LGET_C8_ROTL, LGET_C8_ROTL_XOR read it). */
const ROTL_INNER = 0x41;
/** local.get a followed by these i32.const c (one byte); <op> pairs: fused opcode. */
const LGET_CONST8: Record<number, number> = { [ROTL_INNER]: OP.LGET_C8_ROTL, [OP.I32C8_EQ]: OP.LGET_C8_EQ };
/** local.get a; i32.const c (one byte); <op>; i32.xor: fused opcode (hash and CRC rounds). */
const LGET_CONST8_XOR: Record<number, number> = {
  [ROTL_INNER]: OP.LGET_C8_ROTL_XOR, [OP.I32C8_SHR_U]: OP.LGET_C8_SHR_U_XOR, [OP.I32C8_SHL]: OP.LGET_C8_SHL_XOR };
/** Fused heads of `x; i32.const c; i32.add ...` that also take `i32.sub` with the const's byte
 * holding -c (format 32, as I32C_ADD since format 29): undone through the opcode after it. */
const SUB_AS_ADD = new Set<number>([OP.LGET_I32C_ADD, OP.LGET_I32C_ADD_LSET, OP.LGET_I32C_ADD_LTEE, OP.LTEE_I32C_ADD,
  OP.LOOP_STEP_BR_IF, OP.LOOP_STEP_NE16_BR_IF, OP.LOOP_STEP_LT8_BR_IF]);
/** Fused heads whose first instruction is an I32_CONST_16 (undone through it). */
const C16_HEADS = new Set<number>(
  [OP.I32C16_ADD, OP.I32C16_AND, OP.I32C16_LOAD, OP.I32C16_LOAD8_U, OP.C16_AND_C8_SHL_C16_ADD_LOAD]);
/** LGET_LOAD's load align byte: bit 6 set when `local.tee b; br_if l` follows (an i32.load's align is 0..2). */
const LGET_LOAD_WALK = 0x40;

/** Global types whose value is one 32-bit word. */
const THIN_GLOBALS = new Set([0x7f, 0x7d]);
/** Local types whose value is one 32-bit word (the plain local.get copies that word only: format 37). */
const THIN_LOCALS = THIN_GLOBALS;
/** memory.size and memory.grow behind the 0xfc prefix, [0xfc, sub] (format 39: 0x3f went to LSET64, 0x40 is spare);
 * sub-opcodes Wasm 2.0 leaves unassigned, below 32 (usedOpcodesHeader's WQRT_OPS_FC) */
const MEMORY_SIZE_FC = 18, MEMORY_GROW_FC = 19;

/** Plain opcode -> its opcode when the immediate takes two or more bytes (and, for globals, when
 * the global is 64-bit or a reference). */
const LEB_FORMS: Record<number, number> = {
  0x20: OP.LOCAL_LEB, 0x21: OP.LOCAL_LEB, 0x22: OP.LOCAL_LEB, 0x23: OP.LOCAL_LEB, 0x24: OP.LOCAL_LEB, // (format 37:
  // globals too)
  0x04: OP.LOCAL_LEB, 0x0d: OP.LOCAL_LEB, // if / br_if: LOCAL_LEB's cond codes (format 34)
};

/** i32.const c; <op> pairs with a one-byte c: the binary op's opcode -> [fused opcode, the raw
 * operand byte the handler reads]. */
const CONST8_BINOPS: Record<number, [number, (c: number) => number]> = {
  0x6a: [OP.I32C_ADD, (c) => c],
  0x6b: [OP.I32C_ADD, (c) => -c], // x - c as x + -c (-63..64 fits the signed byte)
  0x75: [OP.I32C8_SHR_S, (c) => c & 31],
  0x71: [OP.I32C8_AND, (c) => c],
  0x74: [OP.I32C8_SHL, (c) => c & 31],
  0x76: [OP.I32C8_SHR_U, (c) => c & 31],
  0x77: [ROTL_INNER, (c) => (32 - (c & 31)) & 31],
  0x6c: [OP.I32C8_MUL, (c) => c],
  0x46: [OP.I32C8_EQ, (c) => c],
  0x47: [OP.I32C8_NE, (c) => c],
  0x48: [OP.I32C8_LT_S, (c) => c],
  0x4a: [OP.I32C8_GT_S, (c) => c],
};
/** The shifts among them: counts only 0..31 are fused, so the masking keeps the rewrite invertible. */
const SHIFT_CONST8 = new Set<number>([OP.I32C8_SHL, OP.I32C8_SHR_S, OP.I32C8_SHR_U, ROTL_INNER]);

/** Whether the instruction at q does nothing at run time: `block` or `loop` (read from the original
 * opcodes: BLOCK_RUN rewrites theirs) or a block's `end` (the function's final one is 0x0f, `return`, in
 * the rewritten code). BLOCK_RUN folds runs of them; branches land past them (predecode). */
function isNoop(original: Uint8Array, rewritten: Uint8Array, q: number): boolean {
  return original[q] === 0x02 || original[q] === 0x03 || rewritten[q] === 0x0b;
}

/** 'c', 'k', 'w', 's': constants (see rewriteCode); 'M2e' and the like: that load or store
 * opcode with a one-byte align and offset. */
type Pat = number | 'c' | 'm' | 'n' | 'k' | 'w' | 'v' | 'W' | 's' | 'M28' | 'M2d' | 'M2e' | 'M36' | 'M3a';

/** The counted loop's back edges: `i += c` (or `i -= c`), then the test. */
const LOOP_FORMS: Array<[readonly Pat[], number]> = [
  [[0x20, 'c', 0x6a, 0x22, 'w', 0x47, 0x0d], OP.LOOP_STEP_NE16_BR_IF],
  [[0x20, 'm', 0x6b, 0x22, 'w', 0x47, 0x0d], OP.LOOP_STEP_NE16_BR_IF],
  [[0x20, 0x20, 0x6a, 0x22, 'w', 0x49, 0x0d], OP.LOOP_LSTEP_LT16_BR_IF],
  [[0x20, 'c', 0x6a, 0x22, 'c', 0x49, 0x0d], OP.LOOP_STEP_LT8_BR_IF],
  [[0x20, 'm', 0x6b, 0x22, 'c', 0x49, 0x0d], OP.LOOP_STEP_LT8_BR_IF],
  [[0x20, 'c', 0x6a, 0x22, 0x0d], OP.LOOP_STEP_BR_IF], [[0x20, 'm', 0x6b, 0x22, 0x0d], OP.LOOP_STEP_BR_IF],
];

/**
 * `local.tee a; i32.const k; i32.shr_u; local.get b; i32.xor`: LTEE_C8_SHR_U_LGET_XOR, alone (FUSE) or with a scatter
 * (formsAt).
 */
const XORSHIFT: readonly Pat[] = [0x22, 'n', 0x76, 0x20, 0x73];
/** `local.tee a; local.get a; i32.const k; i32.shr_u; i32.xor`, the same `v ^ v >> k` with the xor's operands the other
 * way
 * round (how wasm-opt orders the store's CRC-16 since session 15's core work), a the same local in both: written as
 * XORSHIFT's bytes with the i32.shr_u's byte XORSHIFT_SWAPPED, which the handler does not read, so undoRewrite puts the
 * original order back (session 16). */
const XORSHIFT_OTHER_ORDER: readonly Pat[] = [0x22, 0x20, 'n', 0x76, 0x73];
const XORSHIFT_SWAPPED = 0x01;
/** The first scatter term's i32.shl byte when three terms are followed by `local.tee t; i32.const k; i32.shr_u;
 * i32.xor`,
 * which the handler then runs too (session 16); undoRewrite puts 0x74 back. */
const XORSHIFT_TAIL = 0x01;

/** Opcode sequences fused into one dispatch, longest first; 'c' is an i32.const with a one-byte
 * LEB (the plain opcode's only form; longer ones became I32_CONST_*). Chosen from the
 * interpreter suite's executed-sequence counts (bench/interp-suite.bench.ts). */
const FUSE: Array<[readonly Pat[], number]> = [
  ...LOOP_FORMS,
  [[0x20, 'w', 0x6a, 'M2e'], OP.LGET_I32C16_ADD_LOAD16_S],
  [['c', 'M3a'], OP.I32C_STORE8],
  [[0x20, 'w', 0x6a, 'M2d'], OP.LGET_I32C16_ADD_LOAD8_U],
  [[0x20, 'w', 0x6a, 'c', 'M3a'], OP.LGET_I32C16_ADD_I32C_STORE8],
  [[0x20, 's', 0x86, 0x20, 's', 0x88, 0x84], OP.LGET_SHL_LGET_SHR_U_OR],
  [[0x20, 's', 0x86, 0x84], OP.LGET_I64C8_SHL_OR],
  [[0x20, 's', 0x87, 0x84], OP.LGET_I64C8_SHR_S_OR],
  [['w', 0x71, 'n', 0x74, 'w', 0x6a, 'M28'], OP.C16_AND_C8_SHL_C16_ADD_LOAD],
  [['w', 'M28'], OP.I32C16_LOAD],
  [['w', 'M2d'], OP.I32C16_LOAD8_U],
  [[0x20, 'c', 0x6a, 0x21], OP.LGET_I32C_ADD_LSET],
  [[0x20, 'm', 0x6b, 0x21], OP.LGET_I32C_ADD_LSET],
  [[0x20, 'c', 0x6a, 0x22], OP.LGET_I32C_ADD_LTEE],
  [[0x20, 'm', 0x6b, 0x22], OP.LGET_I32C_ADD_LTEE],
  [[0x22, 'c', 0x6a], OP.LTEE_I32C_ADD],
  [[0x22, 'm', 0x6b], OP.LTEE_I32C_ADD],
  [XORSHIFT, OP.LTEE_C8_SHR_U_LGET_XOR],
  [[0x20, 'w', 0x6a], OP.LGET_I32C16_ADD],
  [['w', 0x6a], OP.I32C16_ADD],
  [['w', 0x71], OP.I32C16_AND],
  [['W', 0x71], OP.I32C32_AND],
  [['v', 0x71], OP.I32C24_AND],
  [['k', 0x7c, 0x22, 'k', 0x52, 0x0d], OP.I64C8_ADD_LTEE_I64C8_NE_BR_IF],
  [['k', 0x7d, 0x22, 'k', 0x52, 0x0d], OP.I64C8_ADD_LTEE_I64C8_NE_BR_IF],
  [['M2e', 0x6c], OP.LOAD16_S_MUL],
  [[0x6c, 0x20, 0x6a], OP.MUL_LGET_ADD],
  [[0x6c, 0x6a, 0x21], OP.MUL_ADD_LSET],
  [['s', 0x88], OP.I64C8_SHR_U],
  [[0x20, 0x54, 0xad], OP.LGET_I64_LTU_EXTU],
  [[0x54, 0x1b], OP.I64_LT_U_SELECT],
  [[0x20, 0x58, 0xad], OP.LGET_I64_LTU_EXTU],
  [[0x20, 'c', 0x6a], OP.LGET_I32C_ADD],
  [[0x20, 'm', 0x6b], OP.LGET_I32C_ADD],
  [[0x20, 0x20, 0x49], OP.LGET_LGET_LT_U],
  [[0x20, 0x20, 0x6a, 0x22], OP.LGET_LGET_ADD_LTEE],
  [[0x20, 0x20, 0x6a, 'M2d'], OP.LGET_LGET_ADD_LOAD8_U],
  [[0x20, 0x20, 0x6a], OP.LGET_LGET_ADD],
  [[0x22, 'M36'], OP.LTEE_STORE],
  [[0x21, 0x20], OP.LSET_LGET],
  [[0x20, 0x6a], OP.LGET_ADD],
  [[0x20, 'M2d'], OP.LGET_LOAD8_U],
  [[0x20, 'M28', 0x22, 0x0d], OP.LGET_LOAD],
  [[0x20, 'M28'], OP.LGET_LOAD],
  [[0x23, 0x49], OP.GGET_LT_U],
  [[0x6a, 0x21], OP.ADD_LSET],
  [[0x6a, 0x22], OP.ADD_LTEE],
];

/** The module with its constants' LEB immediates replaced by fixed-width little-endian ones
 * (see OP). The interpreter's LEB decoder costs ~40 instructions on a 3- to 5-byte constant
 * (CRC and hash constants, masks, 64-bit values); the raw form is one load. Where the LEB was
 * longer than the raw value plus one byte, that byte says how far the next instruction is. */
function rewriteCode(original: Uint8Array, m: ParsedModule): Uint8Array {
  const out = original.slice();
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (const f of m.bodies) {
    for (const c of f.consts) {
      const imm = c.at + 1, n = c.lebLen;
      if (!c.wide) {
        if (n < 2) continue; // a one-byte LEB is the plain opcode's only form
        const v = Number(BigInt.asIntN(32, c.value));
        if (n === 2) { out[c.at] = OP.I32_CONST_16; dv.setInt16(imm, v, true); continue; }
        out[c.at] = n === 3 ? OP.I32_CONST_24 : n === 4 ? OP.I32_CONST_32 : OP.I32_CONST_32_PAD;
        if (n === 3) { out[imm] = v & 0xff; out[imm + 1] = (v >> 8) & 0xff; out[imm + 2] = (v >> 16) & 0xff; }
        else dv.setInt32(imm, v, true);
        continue;
      }
      const v = BigInt.asIntN(64, c.value);
      if (n === 1) {
        out[c.at] = OP.I64_CONST_8;
        out[imm] = Number(v) & 0xff;
      } else if (n >= 5) {
        out[c.at] = OP.I64_CONST_RAW;
        dv.setUint32(imm, Number(BigInt.asUintN(32, v)), true);
        const hi = v >> 32n;
        if (n >= 9) { out[imm + 4] = 1 | (n - 9) << 1; dv.setUint32(imm + 5, Number(BigInt.asUintN(32, hi)), true); }
        else { // x = hi << 3 | pad << 1, then the pad bytes: hi's higher bits
          const pad = n - 5, t = BigInt.asUintN(8 * (pad + 1), hi << 3n | BigInt(pad << 1));
          for (let j = 0; j <= pad; j++) out[imm + 4 + j] = Number((t >> BigInt(8 * j)) & 0xffn);
        }
      }
      // 2- to 4-byte LEBs keep their LEB (rare in the suite; format 16 gave their opcodes to sequences)
    }
    // a function's final `end` becomes `return` (so a block's `end` needs no check); a valid
    // body never ends in `return` itself, so undoRewrite knows which to put back
    out[f.end] = 0x0f;
    for (let k = 0; k + 1 < f.instrs.length; k++) {
      const at = f.instrs[k]!, long = LEB_FORMS[original[at]!];
      // the plain global.get / global.set move the low word only (i32, f32: format 21); a 64-bit
      // or reference global takes the other form, which moves both
      const wideGlobal = (original[at] === 0x23 || original[at] === 0x24) &&
        !THIN_GLOBALS.has(m.globals[original[at + 1]! & 0x7f]?.t ?? 0);
      if (long !== undefined && f.instrs[k + 1]! - at > 2) out[at] = long;
      else if (wideGlobal) { out[at] = OP.GLOBAL64; out[at + 1]! |= (original[at]! - 0x23) << 7; }
      const cond = original[at] === 0x04 || original[at] === 0x0d;
      if (cond && out[at] === long) {
        const n = f.instrs[k + 1]! - at - 1, kind = original[at] === 0x0d ? 1 : 0;
        let v = 0;
        for (let j = n - 1; j >= 0; j--) v = v * 128 + (original[at + 1 + j]! & 0x7f);
        if (v > 0xffff) throw new WasmError(
          'invalid', `a branch label or block type ${v} at byte ${at}; the pre-decoded form allows 65535`);
        if (n === 2 && v > 0x7ff) throw new WasmError('invalid',
          `a branch label or block type ${v} in two bytes at byte ${at}; the pre-decoded form allows 2047 there`);
        if (n === 2) { out[at + 1] = 0xe0 | kind << 4 | v >> 8; out[at + 2] = v & 0xff; }
        else { out[at + 1] = 0xe8 | kind << 4 | (n - 3); dv.setUint16(at + 2, v, true); }
      }
      if (!cond && long === OP.LOCAL_LEB && out[at] === long) {
        const n = f.instrs[k + 1]! - at - 1, kind = original[at]! - 0x20;
        let idx = 0;
        for (let j = n - 1; j >= 0; j--) idx = idx * 128 + (original[at + 1 + j]! & 0x7f);
        if (kind >= 3) { // global.get / global.set (format 37)
          const set = kind - 3;
          if (n === 2 && idx > 0x7ff) throw new WasmError(
            'invalid', `a global index ${idx} in two bytes at byte ${at}; the pre-decoded form allows 2047 there`);
          if (n === 2) { out[at + 1] = 0xd0 | (idx >> 8) << 1 | set; out[at + 2] = idx & 0xff; }
          else if (idx > 0x7fff) throw new WasmError(
            'invalid', `a global index ${idx} at byte ${at}; the pre-decoded form allows 32767`);
          else { out[at + 1] = 0xc3 | (n - 3) << 2; dv.setUint16(at + 2, idx << 1 | set, true); }
        } else if (n === 2) { out[at + 1] = kind << 6 | (idx & 63); out[at + 2] = idx >> 6; }
        else { out[at + 1] = 0xc0 | (n - 3) << 2 | kind; dv.setUint16(at + 2, idx, true); }
      }
      const op = original[at]!;
      if (op === 0x1c) { out[at] = OP.LOCAL_LEB; out[at + 1] = 0xcc; } // select with a type: [0xcc, t] (format 38)
      if (op === 0xd0) { out[at] = OP.LOCAL_LEB; out[at + 1] = original[at + 1] === 0x6f ? 0xce : 0xcd; } // ref.null
      // (format 38)
      // (format 39; the memory index byte is 0)
      if (op === 0x3f || op === 0x40) { out[at] = 0xfc; out[at + 1] = op === 0x3f ? MEMORY_SIZE_FC : MEMORY_GROW_FC; }
      if (op >= 0x28 && op <= 0x3e && f.instrs[k + 1]! - at > 3) {
        // format 25: a one-byte align and a two-byte offset (struct fields and statics at 128+:
        // a third of the loads and stores on the publish path) become a raw 16-bit offset,
        // read with one load; anything longer keeps its LEB (bit 7 set, and a multi-byte
        // align's first continuation byte holds the count of its continuation bytes)
        let alignLen = 1;
        while (original[at + alignLen]! & 0x80) alignLen++;
        out[at] = OP.MEM_LEB;
        out[at + 1] = (op - 0x28) | ((original[at + 1]! & 3) << 5);
        if (alignLen === 1 && f.instrs[k + 1]! - at === 4) {
          dv.setUint16(at + 2, (original[at + 2]! & 0x7f) | (original[at + 3]! << 7), true);
        } else {
          out[at + 1]! |= 0x80;
          if (alignLen > 1) out[at + 2] = alignLen - 1;
        }
      }
    }
    // Runs of no-ops executed in sequence (BLOCK_RUN): two `block` / `loop` with one-byte block types,
    // then any more of them and inner `end`s, up to 63 bytes
    for (let k = 0; k + 2 < f.instrs.length; k++) {
      const at = f.instrs[k]!, second = f.instrs[k + 1]!;
      const opener = (j: number) => (original[f.instrs[j]!] === 0x02 || original[f.instrs[j]!] === 0x03) &&
        f.instrs[j + 1]! - f.instrs[j]! === 2;
      if (!opener(k) || !opener(k + 1)) continue;
      let j = k + 2;
      while (j < f.instrs.length && isNoop(original, out, f.instrs[j]!) && f.instrs[j + 1] !== undefined &&
        f.instrs[j + 1]! - at <= 63) j++;
      out[at] = OP.BLOCK_RUN;
      out[second] = (f.instrs[j]! - at) | (original[at] === 0x03 ? 0x40 : 0) | (original[second] === 0x03 ? 0x80 : 0);
      k = j - 1;
    }
    // Sequences, on the original opcodes. A branch into the middle of one lands on an
    // unchanged instruction, so only fall-through enters the fused form.
    const ins = f.instrs;
    // 'c': an i32.const with a one-byte LEB; 'k': an i64.const with a one-byte LEB
    const matches = (k: number, pat: readonly Pat[]) =>
      pat.every((want, j) => {
        const at = ins[k + j];
        if (at === undefined || ins[k + j + 1] === undefined) return false;
        if (want === 'c') return original[at] === 0x41 && ins[k + j + 1]! - at === 2;
        // -c fits the 7-bit byte (c = -64 does not)
        if (want === 'm') return original[at] === 0x41 && ins[k + j + 1]! - at === 2 && original[at + 1]! !== 0x40;
        if (want === 'n') return original[at] === 0x41 && ins[k + j + 1]! - at === 2 && original[at + 1]! <= 31; // a
        // shift count 0..31, read as it is
        if (want === 'k') return original[at] === 0x42 && ins[k + j + 1]! - at === 2;
        if (want === 's') return original[at] === 0x42 && ins[k + j + 1]! - at === 2 && original[at + 1]! < 64; // a
        // shift count
        if (want === 'w') return original[at] === 0x41 && ins[k + j + 1]! - at === 3; // now I32_CONST_16
        if (want === 'W') return original[at] === 0x41 && ins[k + j + 1]! - at === 6; // now I32_CONST_32_PAD
        if (want === 'v') return original[at] === 0x41 && ins[k + j + 1]! - at === 4; // now I32_CONST_24
        if (want === 'M28' || want === 'M2d' || want === 'M2e' || want === 'M36' ||
          want === 'M3a') return original[at] === parseInt(want.slice(1), 16) && ins[k + j + 1]! - at === 3;
        // the fused handlers read one-byte indices and labels
        if (LEB_FORMS[want] !== undefined && ins[k + j + 1]! - at !== 2) return false;
        return original[at] === want;
      });
    // i32.const c (one-byte LEB) then a binary op of CONST8_BINOPS, at instruction k
    const const8 = (k: number) => {
      const at = ins[k], next = ins[k + 1];
      if (at === undefined || next === undefined || ins[k + 2] === undefined || original[at] !== 0x41 ||
        next - at !== 2) return undefined;
      const fused = CONST8_BINOPS[original[next]!];
      // shift counts only 0..31, so the masking keeps the rewrite invertible (undoRewrite)
      if (fused && SHIFT_CONST8.has(fused[0]) && original[at + 1]! > 31) return undefined;
      return fused;
    };
    // local.get a; i32.const k (one byte); shl / shr_u / rotl; i32.xor at instruction j (LGET_CONST8_XOR), or a rotate
    // without the xor (LGET_C8_ROTL: `i32.const; i32.rotl` alone is two dispatches since format 33)
    const lgetConst8Xor = (j: number) => {
      if (original[ins[j]!] !== 0x20 || ins[j + 1]! - ins[j]! !== 2 || ins[j + 3] === undefined) return false;
      const c8 = const8(j + 1);
      if (c8 === undefined) return false;
      return (ins[j + 4] !== undefined && original[ins[j + 3]!] === 0x73 && LGET_CONST8_XOR[c8[0]] !== undefined) ||
        c8[0] === ROTL_INNER;
    };
    const wideConst = new Map(f.consts.filter((c) => c.wide).map((c) => [c.at, c]));
    // Every rewrite that can start at instruction k: how many instructions it takes and the bytes
    // it writes. `pick` is the one the hand-tuned order takes there (its rules below); `others`
    // are the forms it passes over, for the tiling below.
    type Form = { len: number; op: number; apply: () => void };
    const formsAt = (k: number): { pick?: Form; others: Form[] } => {
      const forms: Form[] = [];
      let pick: Form | undefined;   // the hand-tuned order's choice
      // i64.const k (a 5-byte LEB, 0 <= k < 2^32); i64.and: the mask as 4 raw bytes (one load, no LEB)
      const wc = wideConst.get(ins[k]!);
      if (wc && wc.lebLen === 5 && wc.value >= 0n && wc.value <= 0xffffffffn && ins[k + 2] !== undefined &&
          original[ins[k + 1]!] === 0x83) {
        const at = ins[k]!;
        forms.push(pick = { len: 2, op: OP.I64C_U32_AND,
          apply: () => { out[at] = OP.I64C_U32_AND; dv.setUint32(at + 1, Number(wc.value), true); out[at + 5] = 0; } });
      }
      const c8 = const8(k);
      if (c8 && c8[0] !== ROTL_INNER) {
        const at = ins[k]!;
        const pair = () => { out[at] = c8[0]; out[at + 1] = c8[1](((original[at + 1]! << 25) >> 25)) & 0xff; };
        const two: Form = { len: 2, op: c8[0], apply: pair };
        forms.push(two);
        const at2 = ins[k + 2], at3 = ins[k + 3];
        if (c8[0] === OP.I32C8_SHL && at2 !== undefined && at3 !== undefined && ins[k + 4] !== undefined &&
          original[at2] === 0x41 && at3 - at2 === 2
          && original[at2 + 1]! <= 31 && original[at3] === 0x75) { // x << k >> j: one dispatch (j stays a plain
          // i32.const)
          forms.push(pick = { len: 4, op: OP.SHL_SHR_S, apply: () => { pair(); out[at] = OP.SHL_SHR_S; } });
        } else pick = two;
      }
      // local.get before a rotate or shift by a constant: one dispatch for the three
      const lc8 = original[ins[k]!] === 0x20 && ins[k + 1]! - ins[k]! === 2 ? const8(k + 1) : undefined;
      if (lc8) {
        const at = ins[k + 1]!;
        const form = (op: number, len: number): Form => ({ len, op, apply: () =>
          { out[ins[k]!] = op; out[at] = lc8[0]; out[at + 1] = lc8[1](((original[at + 1]! << 25) >> 25)) & 0xff; } });
        const xorForm = ins[k + 4] !== undefined && original[ins[k + 3]!] === 0x73 &&
          LGET_CONST8_XOR[lc8[0]] !== undefined ? form(LGET_CONST8_XOR[lc8[0]]!, 4) : undefined;
        const plain3 = LGET_CONST8[lc8[0]] !== undefined ? form(LGET_CONST8[lc8[0]]!, 3) : undefined;
        // (`x << k >> j` keeps its SHL_SHR_S: a signed bit field in one dispatch after the local.get)
        const bitField = lc8[0] === OP.I32C8_SHL && ins[k + 5] !== undefined && original[ins[k + 3]!] === 0x41 &&
          ins[k + 4]! - ins[k + 3]! === 2
          && original[ins[k + 3]! + 1]! <= 31 && original[ins[k + 4]!] === 0x75;
        if (xorForm) forms.push(xorForm);
        if (plain3) forms.push(plain3);
        pick = xorForm ?? (bitField ? undefined : plain3);
      }
      // a local.get or local.tee before such a pair (or before a fused constant) stays on its
      // own: the pair saves more than the local op + const
      const constHead = (j: number) => const8(j) || matches(j, ['c', 0x6a]) || matches(j, ['c', 'M3a']) || FUSE.some(
        ([pat]) => (pat[0] === 'w' || pat[0] === 's' || pat[0] === 'k') && pat.length === 2 && matches(j, pat));
      // likewise a pair ending in a local.get that LGET_LOAD8_U or the funnel shift would take
      // (format 32: `local.set; local.get; i32.load8_u` is local.set + LGET_LOAD8_U, 24
      // instructions on the publish path against 27 as LSET_LGET + i32.load8_u)
      // (session 12: and a local.get that starts `local.get; i32.const k; <shift or rotate>; i32.xor`,
      // crc32's `crc ^ x >> 16`: lget + LGET_C8_SHR_U_XOR, 2 dispatches against LGET_LGET (until format 33),
      // I32C8_SHR_U, xor; or `local.get; i32.const k; i32.rotl`)
      // (format 33: and a local.get that starts the funnel's seven instructions in one dispatch)
      const preferred = (pat: readonly Pat[]) => !((pat[0] === 0x20 || pat[0] === 0x22) && (pat[1] === 'c' ||
        pat[1] === 'w' || (pat[1] === 'k' && pat[0] === 0x22)) && pat.length === 2 && constHead(k + 1))
        &&
          !(
          pat.length === 2 && pat[1] === 0x20 &&
          (
          matches(k + 1, [0x20, 'M2d']) || matches(k + 1, [0x20, 'M28']) || matches(k + 1, [0x20, 0x20, 0x49]) ||
          lgetConst8Xor(k + 1) || LOOP_FORMS.some(([pat]) => matches(k + 1, pat)) || matches(k + 1, [0x20, 's', 0x86,
          0x20, 's', 0x88, 0x84]) || matches(k + 1, [0x20, 0x54, 0xad]) || matches(k + 1, [0x20, 0x58, 0xad])));
      const fuse = (hit: [readonly Pat[], number]): Form => ({ len: hit[0].length, op: hit[1], apply: () => {
        out[ins[k]!] = hit[1];
        // x - c as x + -c
        if (SUB_AS_ADD.has(hit[1]) && original[ins[k + 2]!] === 0x6b) out[ins[k + 1]! + 1] = -(
          (original[ins[k + 1]! + 1]! << 25) >> 25) & 0x7f;
        if (hit[1] === OP.LGET_LOAD && hit[0].length === 4) out[ins[k + 1]! + 1]! |= LGET_LOAD_WALK;
        // x - c as x + -c
        if (hit[1] === OP.I64C8_ADD_LTEE_I64C8_NE_BR_IF && original[ins[k + 1]!] === 0x7d) out[ins[k]! + 1] = -(
          (out[ins[k]! + 1]! << 24) >> 24) & 0xff;
      } });
      // LTEE_C8_SHR_U_LGET_XOR and the scatter after it (session 15): `local.tee c; i32.const k; i32.shl; i32.xor`,
      // then up to two `local.get c; i32.const k; i32.shl; i32.xor` on the same c, counted in bits 5-6 of the first
      // const's byte
      const swapped = !matches(k, XORSHIFT) && matches(k, XORSHIFT_OTHER_ORDER) &&
        original[ins[k]! + 1] === original[ins[k + 1]! + 1];
      if (matches(k, XORSHIFT) || swapped) {
        // the other order's bytes as XORSHIFT's (tee a; const k; shr_u, marked; get a; xor): the handler reads a, k and
        // b there
        const order = () => { if (swapped) { const p = ins[k]!, a = original[p + 1]!;
          out.set([0x22, a, 0x41, original[p + 5]!, XORSHIFT_SWAPPED, 0x20, a, 0x73], p); } };
        if (swapped) forms.push({
          len: 5, op: OP.LTEE_C8_SHR_U_LGET_XOR, apply: () => { order(); out[ins[k]!] = OP.LTEE_C8_SHR_U_LGET_XOR; } });
        let n = 0;
        const c = original[ins[k + 5]! + 1];
        if (matches(k + 5, [0x22, 'n', 0x74, 0x73])) {
          n = 1;
          while (n < 3 && matches(k + 5 + 4 * n, [0x20, 'n', 0x74, 0x73]) &&
            original[ins[k + 5 + 4 * n]! + 1] === c) n++;
        }
        for (let j = n; j >= 1; j--) {
          const terms = j, at = ins[k]! + 3;
          forms.push({ len: 5 + 4 * terms, op: OP.LTEE_C8_SHR_U_LGET_XOR,
            apply: () => { order(); out[ins[k]!] = OP.LTEE_C8_SHR_U_LGET_XOR; out[at] = out[at]! | terms << 5; } });
        }
        // three terms, then `local.tee t; i32.const k; i32.shr_u; i32.xor` (the CRC's second byte's start: the sum kept
        // in t, its top byte xored into the byte below it), the first term's shl byte XORSHIFT_TAIL (session 16)
        if (n === 3 && matches(k + 17, [0x22, 'n', 0x76, 0x73])) {
          const at = ins[k]! + 3;
          forms.push({ len: 21, op: OP.LTEE_C8_SHR_U_LGET_XOR, apply: () => { order(); out[ins[k]!] =
            OP.LTEE_C8_SHR_U_LGET_XOR; out[at] = out[at]! | 3 << 5; out[ins[k]! + 12] = XORSHIFT_TAIL; } });
        }
        // or `local.set c; local.get d; i32.const k0; i32.shl` first, the terms on c after it (bit 7: the byte step's
        // second half)
        let m = 0;
        const s = original[ins[k + 5]! + 1];
        if (matches(k + 5, [0x21, 0x20, 'n', 0x74])) while (m < 3 && matches(k + 9 + 4 * m, [0x20, 'n', 0x74, 0x73]) &&
          original[ins[k + 9 + 4 * m]! + 1] === s) m++;
        for (let j = m; j >= 1; j--) {
          const terms = j, at = ins[k]! + 3;
          forms.push({ len: 9 + 4 * terms, op: OP.LTEE_C8_SHR_U_LGET_XOR, apply: () =>
            { order(); out[ins[k]!] = OP.LTEE_C8_SHR_U_LGET_XOR; out[at] = out[at]! | terms << 5 | 0x80; } });
        }
      }
      const hits = FUSE.filter(([pat]) => matches(k, pat));
      const fused = hits.map(fuse);
      if (!pick) { const i = hits.findIndex(([pat]) => preferred(pat)); if (i >= 0) pick = fused[i]; }
      return { pick, others: [...forms, ...fused].filter((x) => x !== pick) };
    };
    // The tiling: the rewrites that leave the fewest dispatches over the body, the hand-tuned
    // choice where it is one of the fewest (its rules prefer the form that costs fewer
    // instructions among equal counts). Greedy left to right took `local.set a; local.get b`
    // where `local.set a` alone, then `local.get b; i32.const c; i32.add; local.set b`, was one
    // dispatch fewer (session 13: Embench's ud and matmult-int loops).
    // (session 14) Among tilings of as few dispatches, the one of the fewest Thumb instructions by
    // HANDLER_COST wins; the hand-tuned pick where it is one of those.
    const options = ins.map((_, k) => formsAt(k));
    const plainCost = (k: number) => {
      const o = original[ins[k]!]!, prev = k > 0 ? original[ins[k - 1]!]! : -1;
      if ((o === 0x0d || o === 0x04) && prev >= 0x45 && prev <= 0x4f) return 0; // taken in the comparison's own handler
      // (format 37)
      if (o === 0x20 && out[ins[k]!] === 0x20 &&
        !THIN_LOCALS.has(f.localTypes[original[ins[k]! + 1]!] ?? 0)) return HANDLER_COST[OP.LGET64]!;
      // (format 38)
      if (o === 0x22 && out[ins[k]!] === 0x22 &&
        !THIN_LOCALS.has(f.localTypes[original[ins[k]! + 1]!] ?? 0)) return HANDLER_COST[OP.LTEE64]!;
      // (format 39)
      if (o === 0x21 && out[ins[k]!] === 0x21 &&
        !THIN_LOCALS.has(f.localTypes[original[ins[k]! + 1]!] ?? 0)) return HANDLER_COST[OP.LSET64]!;
      return HANDLER_COST[out[ins[k]!]!] || 10;
    };
    const best = new Array<number>(ins.length + 1).fill(0), cost = new Array<number>(ins.length + 1).fill(0);
    const choice = new Array<Form | undefined>(ins.length);
    const better = (d: number, c: number, k: number, orEqual: boolean) => d < best[k]! ||
      (d === best[k]! && (c < cost[k]! || (orEqual && c === cost[k]!)));
    for (let k = ins.length - 1; k >= 0; k--) {
      const { pick, others } = options[k]!;
      best[k] = 1 + best[k + 1]!; cost[k] = plainCost(k) + cost[k + 1]!;
      const take = (o: Form, orEqual: boolean) => {
        const d = 1 + best[k + o.len]!, c = (HANDLER_COST[o.op] || 10) + cost[k + o.len]!;
        if (better(d, c, k, orEqual)) { best[k] = d; cost[k] = c; choice[k] = o; }
      };
      if (pick) take(pick, true);
      for (const o of others) take(o, false);
    }
    for (let k = 0; k < ins.length; k++) {
      const o = choice[k];
      if (!o) continue;
      o.apply();
      k += o.len - 1;
    }
    // format 37: the plain local.get copies the low word (an i32's or f32's whole value); a 64-bit
    // local's takes LGET64, inside fused forms too (a branch may land there, and the walk undoes it)
    for (let k = 0; k + 1 < ins.length; k++) {
      const at = ins[k]!;
      if (out[at] === 0x20 && original[at] === 0x20 && ins[k + 1]! - at === 2 &&
        !THIN_LOCALS.has(f.localTypes[original[at + 1]!] ?? 0)) out[at] = OP.LGET64;
      // format 38: local.tee likewise (LTEE64), and LSET_LGET when either local is 64-bit (LSET_LGET64)
      if (out[at] === 0x22 && original[at] === 0x22 && ins[k + 1]! - at === 2 &&
        !THIN_LOCALS.has(f.localTypes[original[at + 1]!] ?? 0)) out[at] = OP.LTEE64;
      // format 39: local.set likewise (LSET64)
      if (out[at] === 0x21 && original[at] === 0x21 && ins[k + 1]! - at === 2 &&
        !THIN_LOCALS.has(f.localTypes[original[at + 1]!] ?? 0)) out[at] = OP.LSET64;
      if (out[at] === OP.LSET_LGET && (!THIN_LOCALS.has(f.localTypes[original[at + 1]!] ?? 0) ||
        !THIN_LOCALS.has(f.localTypes[original[at + 3]!] ?? 0))) out[at] = OP.LSET_LGET64;
    }
  }
  return out;
}

/** Thumb instructions per dispatch of each opcode (0: never dispatched there), measured (session 14,
 * format 35, after the merge of its three forms: every suite and Embench program on the bench's
 * Cortex-M3 build, a unicorn hook on the dispatch's table jump); a comparison's includes the branch
 * it hands its result to. The tiling's tie-break among equally few dispatches; measure again when an
 * opcode changes meaning (a stale entry only moves ties). Session 15: 0xcd 12 -> 14, its plain form's two
 * instructions more for the scatter's test (CoreMark, the one workload that runs it: +1,184 instructions over its 592
 * a run; its scatter forms, which only the publish path runs, ~36 and ~45 with three terms; session 16: ~32 and ~33,
 * ~39
 * with the tail, on the console image). Session 16 also: 0x2c (i32.load8_s) 26 -> 13 and 0x3b (i32.store16) 26 -> 14,
 * handlers of their own (measured on depthconv, picojpeg and edn); 0x45 (i32.eqz) 20 -> 17, its br_if / if taken in its
 * own handler (mean over the seven programs that run the most of it but xgboost, 14-20 each). Format 38: local.tee 6 ->
 * 5
 * and LSET_LGET 11 -> 9 (one word each way, as local.get's 6 -> 5 in format 37), LTEE64 6 and LSET_LGET64 11 (the
 * two-word handlers as they were). Format 39 (session 18), set from the handlers' shapes, not measured again: local.set
 * 7 -> 6 (one word; GCC keeps the pop apart from the load), LSET64 7 (the old handler), i64.load32_s 26 -> 13 (its own
 * handler, as i32.load16_s). */
const HANDLER_COST: readonly number[] = [
  0, 0, 5, 5, 12, 8, 7, 16, 24, 4, 6, 2, 15, 13, 26, 12, 40, 79, 8, 9, 14, 31, 10, 21, 12, 11, 3, 6, 6, 18, 14, 20,
  5, 6, 5, 6, 7, 0, 0, 6, 13, 26, 0, 0, 13, 17, 13, 13, 0, 0, 0, 0, 13, 0, 14, 27, 0, 0, 14, 14, 25, 0, 0, 7,
  0, 5, 28, 0, 0, 17, 21, 23, 21, 16, 17, 19, 20, 20, 25, 21, 9, 10, 11, 0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 7, 7, 12, 11, 15, 12, 7, 13, 7, 8, 8, 8, 9, 0, 0, 0, 0, 8, 8, 11, 0,
  0, 0, 0, 8, 8, 8, 15, 18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 5, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 8, 0, 9, 21, 21, 10, 11, 10, 14, 18, 164, 11, 0, 0, 6, 4, 4, 6, 9, 20, 13, 18, 16, 16, 17, 6, 9,
  10, 10, 6, 6, 21, 6, 8, 6, 20, 6, 15, 24, 17, 17, 19, 28, 0, 20, 21, 18, 8, 0, 6, 6, 6, 0, 10, 10, 134, 10, 17, 15,
];

/** Bytes of the immediates of the (original or rewritten) instruction at p, for walking code. */
export function immediateBytes(b: Uint8Array, p: number): number {
  const leb = (q: number) => { while (b[q]! & 0x80) q++; return q + 1; };
  const op = b[p]!, q = p + 1;
  switch (op) {
    case 0x02: case 0x03: case 0x04: return (b[q] === 0x40 || (b[q]! >= 0x6f && b[q]! <= 0x7f) ? q + 1 : leb(q)) - q;
    case 0x0e: {
      let n = 0, sh = 0, r = q, x: number;
      do { x = b[r++]!; n += (x & 0x7f) * 2 ** sh; sh += 7; } while (x & 0x80);
      for (let i = 0; i <= n; i++) r = leb(r);
      return r - q;
    }
    case 0x11: return leb(leb(q)) - q;
    case OP.LTEE64: return 1; // (a plain module's 0x1c, `select` with a type, is never walked: see LOCAL_LEB)
    case 0x43: return 4;
    case 0x44: return 8;
    case OP.LSET_LGET64: return 1; // (a plain module's 0xd0, `ref.null t`, has one byte too)
    case 0xfc: {
      const sub = b[q]!, r = leb(q);
      if (sub === 8 || sub === 14 || sub === 12) return (sub === 8 ? leb(r) + 1 : leb(leb(r))) - q;
      if (sub === 10) return r + 2 - q;
      if (sub === 11) return r + 1 - q;
      if (sub >= 9 && sub <= 17) return leb(r) - q;
      return r - q;
    }
    case OP.I32_CONST_16: case OP.I32C16_ADD: case OP.I32C16_AND: case OP.I32C16_LOAD: case OP.I32C16_LOAD8_U:
    case OP.C16_AND_C8_SHL_C16_ADD_LOAD: return 2;
    case OP.I64C8_SHR_U: case OP.SHL_SHR_S: case OP.I64C8_ADD_LTEE_I64C8_NE_BR_IF: case OP.I32C_STORE8: return 1;
    case OP.MUL_LGET_ADD: case OP.MUL_ADD_LSET: case OP.I64_LT_U_SELECT: return 0;
    case OP.LOAD16_S_MUL: return 2; // a one-byte align and offset
    case OP.BLOCK_RUN: return 3; // the first block type, the second opcode's byte (the run's end) and its block type
    case OP.ADD_LSET: case OP.ADD_LTEE: return 0;
    case OP.I32_CONST_24: case OP.I32C24_AND: return 3;
    case OP.I32_CONST_32: return 4;
    case OP.I32_CONST_32_PAD: case OP.I32C32_AND: return 5;
    case OP.I64_CONST_8: return 1;
    case OP.I64C_U32_AND: return 5;
    case OP.I64_CONST_RAW: return b[q + 4]! & 1 ? 9 + (b[q + 4]! >> 1) : 5 + ((b[q + 4]! >> 1) & 3);
    // (and if / br_if's codes: format 34; globals': format 37; typed select and ref.null: 38)
    case OP.LOCAL_LEB: return b[q]! >> 6 !== 3 ? 2 : b[q]! & 0x20 ? (b[q]! & 8 ? 3 + (b[q]! & 3) : 2) : b[q]! >= 0xd0 ?
      2 : b[q]! >= 0xcc ? (b[q]! === 0xcc ? 2 : 1) : ((b[q]! >> 2) & 3) + 3;
    case OP.LGET64: case OP.GLOBAL64: return 1;
    case OP.MEM_LEB: return b[q]! & 0x80 ? leb(b[q + 1]! < 0x80 ? q + 1 + b[q + 1]! : q + 1) - q : 3;
    default:
      if (op >= OP.I32C8_SHR_S && op <= OP.I32C8_GT_S && op !== OP.LGET_I32C16_ADD_LOAD8_U &&
        op !== OP.I32C16_LOAD8_U) return 1;
      if (op === OP.I32C_ADD) return 1; // a raw byte, not a LEB
      if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x26) || op === 0xd2 || op === 0x41 ||
        op === 0x42 || op === 0x3f || op === 0x40) return leb(q) - q;
      if (op >= OP.LTEE_STORE && op <= OP.LGET_LGET_ADD) return leb(q) - q;
      if (op === OP.GGET_LT_U || op === OP.LGET_LGET_LT_U || op === OP.LGET_LGET_ADD_LOAD8_U ||
        op === OP.LOOP_STEP_BR_IF || op === OP.LGET_ADD) return leb(q) - q;
      if (op === OP.LGET_I32C16_ADD || op === OP.LGET_SHL_LGET_SHR_U_OR || op === OP.LGET_C8_SHR_U_XOR
        || op === OP.LGET_LGET_ADD_LTEE || op === OP.LGET_I32C16_ADD_I32C_STORE8 || op === OP.LGET_C8_ROTL ||
          op === OP.LGET_C8_SHL_XOR || op === OP.LOOP_STEP_LT8_BR_IF
        || (op >= OP.LGET_C8_EQ && op <= OP.LGET_LOAD8_U) || op === OP.LGET_C8_ROTL_XOR ||
          op === OP.LGET_I32C16_ADD_LOAD16_S
        || op === OP.LGET_I32C16_ADD_LOAD8_U || op === OP.LGET_I64C8_SHL_OR || op === OP.LGET_LOAD
        || op === OP.LOOP_STEP_NE16_BR_IF || op === OP.LOOP_LSTEP_LT16_BR_IF ||
          op === OP.LGET_I64_LTU_EXTU) return leb(q) - q;
      if (op >= 0x28 && op <= 0x3e) return leb(leb(q)) - q;
      return 0;
  }
}

/** A signed LEB of exactly n bytes (the encoding of a value in a given length is unique). */
function slebFixed(v: bigint, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(Number(v & 0x7fn) | (i < n - 1 ? 0x80 : 0));
    v >>= 7n;
  }
  return out;
}

/** Each function body's [first instruction, final `end`] in a module, from its code section. */
function bodyRanges(b: Uint8Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const leb = (q: number): [number, number] => {
    let v = 0, sh = 0, x: number;
    do { x = b[q++]!; v += (x & 0x7f) * 2 ** sh; sh += 7; } while (x & 0x80 && q < b.length);
    return [v, q];
  };
  for (let p = 8; p < b.length; ) {
    const id = b[p]!;
    const [size, s] = leb(p + 1);
    if (id === 10) {
      let [n, q] = leb(s);
      while (n-- > 0 && q < s + size) {
        const [bodySize, bs] = leb(q);
        const end = bs + bodySize;
        let [groups, r] = leb(bs);
        while (groups-- > 0) r = leb(r)[1] + 1;
        out.push([r, end - 1]);
        q = end;
      }
      break;
    }
    p = s + size;
  }
  return out;
}

/** The inverse of rewriteCode (blob formats 4 to 14): walks each body and puts back the original
 * opcodes and LEB immediates, byte for byte. */
function undoRewrite(module: Uint8Array, blob: Uint8Array): Uint8Array {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (blob.length >= 32 && OLDER_REWRITTEN_VERSIONS.includes(dv.getUint32(4, true))) {
    throw new WasmError('malformed',
      `pre-decoded by an older version of this tool (format ${dv.getUint32(4, true)}); pre-decode the original module`);
  }
  if (blob.length < 32 || !REWRITTEN_VERSIONS.includes(dv.getUint32(4, true))) return module; // formats 1-3 did not
  // rewrite
  const out = module.slice();
  const mv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const undoFirst: Record<number, number> = {
    [OP.LTEE_STORE]: 0x22, [OP.LGET_I64C8_SHR_S_OR]: 0x20, [OP.LGET_I32C_ADD]: 0x20, [OP.LGET_LGET_ADD]: 0x20,
    [OP.GGET_LT_U]: 0x23,
    [OP.LSET_LGET]: 0x21, [OP.LGET_LGET_LT_U]: 0x20, [OP.LGET_LGET_ADD_LOAD8_U]: 0x20, [OP.LOOP_STEP_BR_IF]: 0x20,
    [OP.LGET_ADD]: 0x20,
    [OP.LGET_I32C16_ADD]: 0x20, [OP.ADD_LSET]: 0x6a, [OP.ADD_LTEE]: 0x6a, [OP.LGET_SHL_LGET_SHR_U_OR]: 0x20,
    [OP.LGET_C8_SHR_U_XOR]: 0x20,
    [OP.LGET_LGET_ADD_LTEE]: 0x20, [OP.LGET_I32C16_ADD_I32C_STORE8]: 0x20, [OP.LOOP_STEP_LT8_BR_IF]: 0x20,
    [OP.LGET_C8_EQ]: 0x20, [OP.LGET_I32C_ADD_LSET]: 0x20, [OP.LGET_I32C_ADD_LTEE]: 0x20, [OP.LTEE_I32C_ADD]: 0x22,
    [OP.LTEE_C8_SHR_U_LGET_XOR]: 0x22, [OP.LGET_LOAD8_U]: 0x20, [OP.LGET_C8_ROTL]: 0x20, [OP.LGET_C8_SHL_XOR]: 0x20,
    [OP.LGET_C8_ROTL_XOR]: 0x20, [OP.LGET_I32C16_ADD_LOAD16_S]: 0x20, [OP.I32C_STORE8]: 0x41,
    [OP.LGET_I32C16_ADD_LOAD8_U]: 0x20, [OP.LGET_LOAD]: 0x20, [OP.MUL_LGET_ADD]: 0x6c, [OP.LOAD16_S_MUL]: 0x2e,
    [OP.MUL_ADD_LSET]: 0x6c, [OP.LGET_I64C8_SHL_OR]: 0x20,
    [OP.LOOP_STEP_NE16_BR_IF]: 0x20, [OP.LOOP_LSTEP_LT16_BR_IF]: 0x20, [OP.LGET_I64_LTU_EXTU]: 0x20,
    [OP.I64_LT_U_SELECT]: 0x54,
    [OP.LGET64]: 0x20, [OP.LTEE64]: 0x22, [OP.LSET_LGET64]: 0x21, [OP.LSET64]: 0x21,
  };
  const unC8 = Object.fromEntries(
    Object.entries(CONST8_BINOPS).filter(([, [fused]]) => fused !== ROTL_INNER).map(([, [fused]]) => [fused, true]));
  for (const [start, end] of bodyRanges(module)) {
    for (let p = start; p <= end && p < out.length; ) {
      let op = out[p]!;
      const len = 1 + immediateBytes(out, p);
      if (p === end && op === 0x0f) { out[p] = 0x0b; break; } // the final `end` (rewriteCode)
      if (C16_HEADS.has(op)) out[p] = op = OP.I32_CONST_16; // then as a plain I32_CONST_16
      if (op === OP.I64C8_ADD_LTEE_I64C8_NE_BR_IF && out[p + 2] === 0x7d) out[p + 1] =
        -((out[p + 1]! << 24) >> 24) & 0xff;
      if (op === OP.I64C8_SHR_U || op === OP.I64C8_ADD_LTEE_I64C8_NE_BR_IF) out[p] = op = OP.I64_CONST_8;
      if (op === OP.SHL_SHR_S) out[p] = op = OP.I32C8_SHL;
      if (op === OP.LGET_LOAD) out[p + 3]! &= ~LGET_LOAD_WALK; // the load's align byte
      if (op === OP.LTEE_C8_SHR_U_LGET_XOR) {
        if ((out[p + 3]! & 0xe0) === 3 << 5 && out[p + 12] === XORSHIFT_TAIL) out[p + 12] = 0x74; // the first term's
        // i32.shl
        out[p + 3]! &= 31; // the scatter's term count and kind (its shift count is 0..31)
        if (out[p + 4] === XORSHIFT_SWAPPED) out.set([0x20, out[p + 1]!, 0x41, out[p + 3]!, 0x76], p + 2); // the xor's
        // operands the other way round
      }
      if (op === OP.I32C32_AND) out[p] = op = OP.I32_CONST_32_PAD;
      if (op === OP.I32C24_AND) out[p] = op = OP.I32_CONST_24;
      if (op === OP.LGET_C8_ROTL || op === OP.LGET_C8_ROTL_XOR) out[p + 3] = (32 - out[p + 3]!) & 31; // the left-rotate
      // count back
      if (SUB_AS_ADD.has(op) && out[p + 4] === 0x6b) out[p + 3] = -((out[p + 3]! << 25) >> 25) & 0x7f;
      const imm = p + 1;
      if (op === OP.I32_CONST_24) {
        const v = BigInt(((out[imm]! | (out[imm + 1]! << 8) | (out[imm + 2]! << 16)) << 8) >> 8);
        out[p] = 0x41;
        out.set(slebFixed(v, 3), imm);
      } else if (op === OP.I32_CONST_32 || op === OP.I32_CONST_32_PAD) {
        const v = BigInt(mv.getInt32(imm, true));
        out[p] = 0x41;
        out.set(slebFixed(v, len - 1), imm);
      } else if (op === OP.I32_CONST_16) {
        out[p] = 0x41;
        out.set(slebFixed(BigInt(mv.getInt16(imm, true)), 2), imm);
      } else if (op === OP.I64_CONST_8) {
        out[p] = 0x42;
        out.set(slebFixed(BigInt((out[imm]! << 24) >> 24), 1), imm);
      } else if (op === OP.I64C_U32_AND) {
        out[p] = 0x42;
        out.set(slebFixed(BigInt(mv.getUint32(imm, true)), 5), imm);
      } else if (op === OP.I64_CONST_RAW) {
        const x = out[imm + 4]!, lo = BigInt(mv.getUint32(imm, true));
        let hi: bigint;
        if (x & 1) hi = BigInt(mv.getInt32(imm + 5, true));
        else { // x and the pad bytes, little-endian, sign-extended, less x's three low bits
          const pad = (x >> 1) & 3;
          let t = 0n;
          for (let j = pad; j >= 0; j--) t = t << 8n | BigInt(out[imm + 4 + j]!);
          hi = BigInt.asIntN(8 * (pad + 1), t) >> 3n;
        }
        out[p] = 0x42;
        out.set(slebFixed(hi << 32n | lo, len - 1), imm);
      } else if (unC8[op]) {
        const raw = (out[imm]! << 24) >> 24;
        const c = op === OP.I32C_ADD && out[p + 2] === 0x6b ? -raw : raw;
        out[p] = 0x41;
        out[imm] = c & 0x7f;
      } else if (op === OP.LOCAL_LEB && out[imm]! >> 6 === 3 && out[imm]! & 0x20) { // if / br_if
        const x = out[imm]!, n = len - 1, v = x & 8 ? mv.getUint16(imm + 1, true) : (x & 7) << 8 | out[imm + 1]!;
        out[p] = x & 0x10 ? 0x0d : 0x04;
        for (let j = 0, w = v; j < n; j++, w >>= 7) out[imm + j] = (w & 0x7f) | (j < n - 1 ? 0x80 : 0);
      } else if (op === OP.LOCAL_LEB && out[imm]! >= 0xcc && out[imm]! < 0xd0) { // typed select, ref.null (format 38)
        if (out[imm] === 0xcc) { out[p] = 0x1c; out[imm] = 1; } else { out[p] = 0xd0;
          out[imm] = out[imm] === 0xce ? 0x6f : 0x70; }
      } else if (op === OP.LOCAL_LEB && (out[imm]! >= 0xd0 || (out[imm]! >> 6 === 3 && (out[imm]! & 3) === 3))) { // a
      // global (format 37)
        const x = out[imm]!, n = len - 1, w = x >= 0xd0 ? 0 : mv.getUint16(imm + 1, true);
        const idx = x >= 0xd0 ? (x & 0xe) << 7 | out[imm + 1]! : w >> 1;
        out[p] = 0x23 + (x >= 0xd0 ? x & 1 : w & 1);
        for (let j = 0, v = idx; j < n; j++, v >>= 7) out[imm + j] = (v & 0x7f) | (j < n - 1 ? 0x80 : 0);
      } else if (op === OP.GLOBAL64) {
        out[p] = 0x23 + (out[imm]! >> 7);
        out[imm]! &= 0x7f;
      } else if (op === OP.LOCAL_LEB) {
        const x = out[imm]!, n = len - 1;
        const kind = x >> 6 !== 3 ? x >> 6 : x & 3,
          idx = x >> 6 !== 3 ? (x & 63) | (out[imm + 1]! << 6) : mv.getUint16(imm + 1, true);
        out[p] = 0x20 + kind;
        for (let j = 0, v = idx; j < n; j++, v >>= 7) out[imm + j] = (v & 0x7f) | (j < n - 1 ? 0x80 : 0);
      } else if (op === OP.MEM_LEB) {
        const x = out[imm]!, align = (x >> 5) & 3;
        out[p] = 0x28 + (x & 31);
        if (!(x & 0x80)) {
          const v = mv.getUint16(imm + 1, true);
          out[imm] = align; out[imm + 1] = (v & 0x7f) | 0x80; out[imm + 2] = v >> 7;
        } else if (out[imm + 1]! < 0x80) {   // a multi-byte align: 0x80 | a, 0x80 ..., 0x00
          const n = out[imm + 1]!;
          out[imm] = align | 0x80;
          for (let j = 1; j <= n; j++) out[imm + j] = j < n ? 0x80 : 0x00;
        } else out[imm] = align;
      } else if (op === 0xfc && (out[imm] === MEMORY_SIZE_FC || out[imm] === MEMORY_GROW_FC)) { // (format 39)
        out[p] = out[imm] === MEMORY_SIZE_FC ? 0x3f : 0x40;
        out[imm] = 0;
      } else if (op === OP.BLOCK_RUN) {
        const x = out[p + 2]!;
        out[p] = x & 0x40 ? 0x03 : 0x02;
        out[p + 2] = x & 0x80 ? 0x03 : 0x02;
      } else if (undoFirst[op] !== undefined) {
        out[p] = undoFirst[op]!;
      }
      p += len;
    }
  }
  return out;
}

/** The opcodes in a pre-decoded module's code: the first byte of every instruction as the
 * original module delimits them (so a fused sequence's head and the instructions inside it
 * alike: a superset of what the interpreter dispatches, as a branch or a fused handler only ever
 * lands on such a boundary), and the 0xfc sub-opcodes below 32. */
export function usedOpcodes(predecoded: Uint8Array): { ops: Set<number>; fc: Set<number> } {
  const ops = new Set<number>(), fc = new Set<number>();
  for (const [start, end] of bodyRanges(predecoded)) {
    for (let p = start; p <= end && p < predecoded.length; p += 1 + immediateBytes(predecoded, p)) {
      const op = predecoded[p]!;
      ops.add(op);
      if (op === 0xfc && predecoded[p + 1]! < 32) fc.add(predecoded[p + 1]!);
    }
  }
  return { ops, fc };
}

/** wq_used_ops.h for a per-image interpreter (interp.c built with -DWQRT_OPCODE_MASK): the
 * opcodes of usedOpcodes() as eight 32-bit words and the 0xfc sub-opcodes as one. A handler
 * outside the mask is not compiled; if it ever runs, it traps (wqrt_Err_opcodeNotBuilt). */
export function usedOpcodesHeader(predecoded: Uint8Array, sourceName: string): string {
  const { ops, fc } = usedOpcodes(predecoded);
  const words = new Array<number>(8).fill(0);
  for (const op of ops) words[op >> 5]! |= 1 << (op & 31);
  const hex = (w: number) => `0x${(w >>> 0).toString(16).padStart(8, '0')}u`;
  let fcWord = 0;
  for (const sub of fc) fcWord |= 1 << sub;
  return [
    `/* Generated by host-tools/wasm/predecode.ts from ${sourceName}; do not edit. The opcodes its`,
    ` * code holds (${ops.size} of 256): interp.c compiles only their handlers. */`,
    ...words.map((w, i) => `#define WQRT_OPS_W${i} ${hex(w)}`),
    `#define WQRT_OPS_FC ${hex(fcWord)}`,
    '',
  ].join('\n');
}

export interface PredecodeResult {
  wasm: Uint8Array;
  module: ParsedModule;
  blobBytes: number;
  sideEntries: number;
  /** side entries that needed the 6-byte long form */
  longEntries: number;
}

/** Branch threading (session 15): a branch that lands on `i32.const K` (one byte), then only block
 * `end`s, then a plain `if` or `br_if` goes straight on to where that `if` / `br_if` goes with K:
 * AssemblyScript writes `a && b` in a condition as `a; if (result i32) b else i32.const 0 end; if`,
 * and when `a` is false the interpreter ran the constant, the `end` and the `if` only to jump again
 * (~17 instructions and three dispatches, ~16 times a publish). The constant's push and the
 * if's pop cancel, and the `end`s do nothing, so the stack where the branch lands is the one the
 * second jump leaves, provided the first branch moves no values (drop 0; the second one's keep and
 * drop then apply as they are; an `if`'s or `else`'s jump moves none, so it takes no target that
 * drops). Forward only: a fuel build counts backward branches in do_branch, and an `if`'s or
 * `else`'s jump (do_jump) counts none. Repeated while the target is another such run. `skipNoops`
 * moves a target past no-ops, as every target. */
function threadBranch(original: Uint8Array, side: readonly SideEntry[], sideOf: ReadonlyMap<number, number>,
  skipNoops: (t: number) => number,
  e: SideEntry): { targetPc: number; targetStp: number; keep: number; drop: number } {
  let at = { targetPc: skipNoops(e.targetPc), targetStp: e.targetStp, keep: e.keep, drop: e.drop };
  const jumpOnly = original[e.originPc - 1] === 0x04 || original[e.originPc - 1] === 0x05; // an if's or else's jump
  // (do_jump) moves no values
  for (let hop = 0; hop < 8 && at.drop === 0; hop++) {
    const t = at.targetPc;
    if (original[t] !== 0x41 || original[t + 1]! & 0x80) break;
    const q = skipNoops(t + 2), op = original[q];
    if ((op !== 0x04 && op !== 0x0d) || original[q + 1]! & 0x80) break; // one-byte block type or label (the plain
    // opcodes)
    const j = sideOf.get(q + 1);
    if (j === undefined) break;
    const s = side[j]!, taken = (original[t + 1]! !== 0) === (op === 0x0d); // br_if with K != 0, or if with K == 0
    const next = taken ? { targetPc: skipNoops(s.targetPc), targetStp: s.targetStp, keep: s.keep, drop: s.drop }
      : { targetPc: skipNoops(q + 2), targetStp: j + 1, keep: at.keep, drop: 0 };
    if (next.targetPc <= t || (next.drop && jumpOnly)) break;
    at = next;
  }
  return at;
}

/** Validates `input` and returns it with the pre-decoded section appended. Throws WasmError. */
export function predecode(input: Uint8Array): PredecodeResult {
  const original = stripOwnSection(input);
  const m = parseModule(original);
  const base = rewriteCode(original, m);
  const ntypes = m.types.length;
  const nfuncs = m.funcs.length;
  const nside = m.bodies.reduce((a, f) => a + f.side.length, 0);
  // A branch that lands on a block's `end` or on `block` / `loop` (no-ops at run time, with no
  // side entries) lands past them instead: one dispatch fewer per taken branch there. The
  // function's final `end` (now 0x0f, `return`) stops it; plain block openers have a one-byte block type.
  // (format 33: read from the original opcodes, so a branch also lands past a whole BLOCK_RUN, never
  // inside one; the final `end` is 0x0f in the rewritten code only.)
  const skipNoops = (t: number): number => {
    while (isNoop(original, base, t)) t += 1 + immediateBytes(original, t);
    return t;
  };
  const entries = m.bodies.flatMap((f, bi) => {
    const sideOf = new Map(f.side.map((e, k) => [e.originPc, k]));
    return f.side.map((e, k) => {
      const t = threadBranch(original, f.side, sideOf, skipNoops, e);
      if (t.keep > 0xff || t.drop > 0xff) throw new WasmError(
        'invalid', `a branch keeps ${t.keep} and drops ${t.drop} values; the pre-decoded form allows 255 each`);
      // relative to the branch itself, so the interpreter needs no per-function base registers
      const dPc = t.targetPc - e.originPc, dStp = t.targetStp - k;
      if (dPc < -0x8000 || dPc > 0x7fff || dStp < -0x8000 || dStp > 0x7fff)
        throw new WasmError(
          'invalid',
          `function ${m.importedFuncs + bi} branches ${dPc} bytes and ${dStp} branches away; the pre-decoded form ` +
          `allows 32767 each way (split the function)`);
      return { dPc, dStp, keep: t.keep, drop: t.drop };
    });
  });
  // 16-bit short entry: nothing dropped (then whatever is kept stays where it is), dStp in 6
  // bits, dPc in 9 (signed)
  const fitsShort = (e: { dPc: number; dStp: number; keep: number; drop: number }) =>
    e.drop === 0 && e.dStp >= -32 && e.dStp <= 31 && e.dPc >= -256 && e.dPc <= 255;
  const nlong = entries.filter((e) => !fitsShort(e)).length;
  if (nlong > 0x7fff) throw new WasmError(
    'invalid',
    `${nlong} branches need long side entries; the pre-decoded form allows 32767 (split the module's largest ` +
    `functions)`);
  if (ntypes > 0xffff) throw new WasmError('invalid', `${ntypes} types; the pre-decoded form allows 65535`);
  // function records: 8 bytes, or a wide record for what does not fit (see the header comment).
  // A record's offsets are relative to the record itself, so they depend on where the blob
  // lands in the module (fixed by the blob's length) and, for the side entries, on how many wide
  // records sit between: start with none and repeat until the count stops growing.
  const funcs = m.funcs.map((_typeIdx, i) => {
    if (i < m.importedFuncs) return undefined;
    const f = m.bodies[i - m.importedFuncs]!;
    const frame = f.localCount + f.maxStack;
    if (f.localCount > 0xffff || frame > 0xffff) throw new WasmError('invalid',
      `function ${i} needs ${f.localCount} locals and ${frame} slots in all; the pre-decoded form allows 65535`);
    return { codeStart: f.codeStart, nLocals: f.localCount, frame, nside: f.side.length };
  });
  let wide: Array<{ codeStart: number; stp: number; nLocals: number; frame: number }> = [];
  let records: Array<{ code: number; stp: number; type: number; nLocals: number; frame: number }>;
  const counts = (typeIdx: number) => [m.types[typeIdx]!.params.length, m.types[typeIdx]!.results.length];
  let blobLen: number, layout: ReturnType<typeof sectionLayout>;
  for (let nwide = 0; ; nwide = wide.length) {
    blobLen = BLOB_HEADER + ntypes * 8 + nfuncs * 8 + nwide * 12 + nside * 2 + nlong * 6;
    layout = sectionLayout(base.length, blobLen);
    const sideAt = BLOB_HEADER + ntypes * 8 + nfuncs * 8 + nwide * 12;
    let stp = 0;
    wide = [];
    records = m.funcs.map((typeIdx, i) => {
      const f = funcs[i];
      if (!f) return { code: IMPORT_CODE, stp: typeIdx, type: typeIdx, nLocals: 0, frame: WIDE_FRAME };
      const recAt = BLOB_HEADER + ntypes * 8 + i * 8;
      const back = layout.blobOffset + recAt - f.codeStart, fwd = sideAt + stp * 2 - recAt;
      const rec = { code: back, stp: fwd, type: typeIdx, nLocals: f.nLocals, frame: f.frame + FRAME_SLOTS };
      stp += f.nside;
      if (back <= 0xffff && fwd <= 0xffff && rec.frame < SHORT_FRAME_LIMIT) return rec;
      wide.push({ codeStart: f.codeStart, stp: stp - f.nside, nLocals: f.nLocals, frame: f.frame });
      if (wide.length > IMPORT_CODE) throw new WasmError('invalid', 'more than 65535 functions need wide records');
      return { code: wide.length - 1, stp: 0, type: typeIdx, nLocals: 0, frame: WIDE_FRAME };
    });
    if (wide.length === nwide) break;
  }
  const blob = new Uint8Array(blobLen);
  const dv = new DataView(blob.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, BLOB_VERSION, true);
  dv.setUint32(8, fnv1a(base), true);
  dv.setUint16(16, ntypes, true);
  dv.setUint16(18, wide.length, true);
  dv.setUint32(20, nfuncs, true);
  dv.setUint32(24, m.importedFuncs, true);
  dv.setUint32(28, nside, true);
  dv.setUint32(32, m.funcTypes ? (m.funcTypes.start | (m.funcTypes.oneByte ? 0x80000000 : 0)) >>> 0 : 0, true);
  let o = writeTypeRecords(m, dv, BLOB_HEADER);
  for (const r of records) {
    dv.setUint16(o, r.code, true);
    dv.setUint16(o + 2, r.stp, true);
    const [np, nr] = counts(r.type);
    dv.setUint8(o + 4, np!);
    dv.setUint8(o + 5, nr!);
    dv.setUint8(o + 6, r.nLocals);
    dv.setUint8(o + 7, r.frame);
    o += 8;
  }
  for (const w of wide) {
    dv.setUint32(o, w.codeStart, true);
    dv.setUint32(o + 4, w.stp, true);
    dv.setUint16(o + 8, w.nLocals, true);
    dv.setUint16(o + 10, w.frame, true);
    o += 12;
  }
  let longAt = o + nside * 2, nextLong = 0;
  for (const e of entries) {
    if (fitsShort(e)) {
      dv.setUint16(o, ((e.dPc & 0x1ff) << 7) | ((e.dStp & 0x3f) << 1), true);
    } else {
      dv.setUint16(o, (nextLong++ << 1) | 1, true);
      dv.setInt16(longAt, e.dPc, true);
      dv.setInt16(longAt + 2, e.dStp, true);
      dv.setUint8(longAt + 4, e.keep);
      dv.setUint8(longAt + 5, e.drop);
      longAt += 6;
    }
    o += 2;
  }
  dv.setUint32(12, fnv1a(blob.subarray(16)), true);

  const out = withSection(base, blob, layout);
  return { wasm: out, module: m, blobBytes: blobLen, sideEntries: nside, longEntries: nlong };
}

/** Writes the type records (8 bytes each: canon u16, nparams u8, nresults u8, paramsOff u16, resultsOff u16; see the
 * header comment) at `at`; returns where they end. Formats 39 and 40 (regform/blob.ts) share them. */
export function writeTypeRecords(m: ParsedModule, dv: DataView, at: number): number {
  let o = at;
  const sigKey = m.types.map((t) => `${t.params.join(',')}>${t.results.join(',')}`);
  m.types.forEach((t, i) => {
    if (t.params.length > 0xff || t.results.length > 0xff) throw new WasmError(
      'invalid',
      `type ${i} has ${t.params.length} parameters and ${t.results.length} results; the pre-decoded form allows 255 ` +
      `each`);
    const offs = m.typeOffsets[i]!;
    if (offs.params > 0xffff || offs.results > 0xffff) throw new WasmError(
      'invalid', 'the type section ends beyond the module\'s first 64 KiB (move custom sections after it)');
    dv.setUint16(o, sigKey.indexOf(sigKey[i]!), true);
    dv.setUint8(o + 2, t.params.length);
    dv.setUint8(o + 3, t.results.length);
    dv.setUint16(o + 4, offs.params, true);
    dv.setUint16(o + 6, offs.results, true);
    o += 8;
  });
  return o;
}

/** `base` with the section appended: id 0, size, name, pad byte, pad, `blob` (at layout.blobOffset, 4-byte aligned). */
export function withSection(base: Uint8Array, blob: Uint8Array,
  layout: ReturnType<typeof sectionLayout>): Uint8Array {
  const name = new TextEncoder().encode(SECTION_NAME);
  const out = new Uint8Array(layout.blobOffset + blob.length);
  out.set(base, 0);
  let q = base.length;
  out[q++] = 0;
  for (const x of layout.sizeBytes) out[q++] = x;
  for (const x of uleb(name.length)) out[q++] = x;
  out.set(name, q);
  q += name.length;
  out[q] = layout.pad;
  out.set(blob, layout.blobOffset);
  return out;
}

/** Where a blob of blobLen bytes starts in the module: the section (id 0, size, name, pad byte,
 * pad) after the moduleLen bytes, with the pad that puts the blob 4-byte aligned. */
export function sectionLayout(moduleLen: number, blobLen: number):
{ pad: number; sizeBytes: number[]; blobOffset: number } {
  const nameLen = new TextEncoder().encode(SECTION_NAME).length;
  for (let pad = 0; pad < 8; pad++) {   // 8: a size LEB that grows by a byte skips a remainder
    const sizeBytes = uleb(uleb(nameLen).length + nameLen + 1 + pad + blobLen);
    const blobOffset = moduleLen + 1 + sizeBytes.length + uleb(nameLen).length + nameLen + 1 + pad;
    if (blobOffset % 4 === 0) return { pad, sizeBytes, blobOffset };
  }
  throw new Error('internal: could not align the pre-decoded blob');
}

function main(argv: string[]) {
  if (argv.length !== 2) {
    console.error('usage: predecode.ts IN.wasm OUT.wasm  (validates IN and writes it with the wasmqtt.predecoded ' +
      'section, format 39, for the stack form\'s runtime (WQRT_REGFORM=0); the default runtime, the register form, ' +
      'reads format 40: host-tools/wasm/regform/blob.ts)');
    process.exit(2);
  }
  let input: Uint8Array;
  try {
    input = readFileSync(argv[0]!);
  } catch (e) {
    console.error(`predecode: cannot read ${argv[0]}: ${(e as Error).message}`);
    process.exit(1);
  }
  try {
    const r = predecode(input);
    writeFileSync(argv[1]!, r.wasm);
    console.log(
      `predecode: ${argv[0]} -> ${argv[1]}: ${r.module.bodies.length} functions, ${r.sideEntries} side-table entries ` +
      `(${r.longEntries} long), ${r.blobBytes} bytes of flash added`);
  } catch (e) {
    if (e instanceof WasmError) {
      console.error(`predecode: ${argv[0]} is not a valid module (${e.kind}): ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
