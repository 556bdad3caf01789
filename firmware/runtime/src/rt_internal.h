/* Internal structures of wasmqtt's wasm runtime. Everything derived from the module's code
 * (types, function records, branch side table) is read in place from the pre-decoded blob
 * in flash; RAM holds only what changes at run time. */
#ifndef rt_internal_h
#define rt_internal_h

#include <string.h>
#include "wasm3.h"
#include "wasmqtt_rt.h"

#ifndef WQRT_REGFORM
#  define WQRT_REGFORM 0             /* 1: the register form (format 40, rf_engine.c) instead of the stack form */
#endif
#ifndef WQRT_FLOATS
#  define WQRT_FLOATS 0              /* f32/f64 support (off on the bluepill build) */
#endif
#ifndef WQRT_REFTYPES
#  define WQRT_REFTYPES 0            /* table.get/set/size/grow/fill/copy/init, elem.drop, ref.* */
#endif
#ifndef WQRT_MAX_TABLES
#  define WQRT_MAX_TABLES 2
#endif
#ifndef WQRT_MAX_HANDLES
#  define WQRT_MAX_HANDLES 12        /* distinct functions m3_FindFunction can hand out */
#endif
#ifndef WQRT_TABLE_GROW_CAP
#  define WQRT_TABLE_GROW_CAP 0      /* table entries reserved for table.grow beyond the minimum */
#endif
#ifndef WQRT_DEFAULT_FRAMES
#  define WQRT_DEFAULT_FRAMES 64
#endif
#ifndef WQRT_DEFAULT_ARENA           /* bytes of the arena used when wqrt_SetArena is never called */
#  if defined(__arm__)
#    define WQRT_DEFAULT_ARENA (16u * 1024u)    /* linear memory capped to what is left */
#  else
#    define WQRT_DEFAULT_ARENA (1024u * 1024u)
#  endif
#endif

#define WQRT_MAGIC 0x44505157u      /* "WQPD" */

/* Opcodes only the pre-decoder writes (unassigned in Wasm 2.0; host-tools/wasm/predecode.ts OP).
 * Keep one byte value (0xcf) without a case: with all 256 covered GCC peels opcode 0 off the
 * dispatch table and biases every dispatch by one (docs/runtime.md, "Code rewriting"). */
/* Constants: an i32.const / i64.const whose LEB immediate became a fixed-width little-endian one in the
 * same bytes. *_SKIP: after the raw value, a byte n says the next instruction is n bytes on. */
#define WQ_OP_I32_CONST_24      0xd3   /* 3 raw bytes, sign-extended */
#define WQ_OP_I32_CONST_32      0xd4
#define WQ_OP_I32_CONST_32_PAD  0xd5   /* 4 raw bytes + 1 unused */
#define WQ_OP_I64_CONST_8       0xd6
/* (format 16: i64.const with a 2- to 4-byte LEB keeps it; 0xd7-0xda are sequences below) */
#define WQ_OP_I64_CONST_RAW     0xdb   /* i64.const, a 5- to 10-byte LEB (format 35; was 9..10 only): the low word raw,
                                        * then x: bit 0 set (9 or 10 bytes) the high word raw after x, 9 + (x >> 1)
                                        * bytes in all; clear (5..8 bytes, pad = x >> 1 & 3 = bytes - 5) the high word
                                        * is x >> 3 and the pad bytes above it, sign-extended: the last 4 bytes read as
                                        * one word, shifted */
/* Fused sequences: the first instruction's opcode byte replaced, the others left as they are. */
#define WQ_OP_LTEE_STORE        0xdc   /* local.tee a; i32.store (one-byte memarg; format 34, was local.get a; local.get
                                        * b) */
#define WQ_OP_LGET_I64C8_SHR_S_OR 0xdd /* local.get a; WQ_OP_I64_CONST_8 c; i64.shr_s; i64.or (format 20) */
#define WQ_OP_I32C_ADD          0xde   /* i32.const c (one-byte LEB, now a raw signed byte); i32.add, or i32.sub with
                                        * the byte -c (format 29) */
#define WQ_OP_LSET_LGET         0xdf   /* local.set a; local.get b, both i32 or f32: one word each (format 38) */
#define WQ_OP_LSET_LGET64       0xd0   /* the same with either local 64-bit: both words (format 38, was ref.null, now in
                                        * WQ_OP_LOCAL_LEB) */
#define WQ_OP_LSET64            0x3f   /* local.set a (one-byte a) of an i64, f64 or reference local: the plain 0x21
                                        * stores the low word only (format 39, was memory.size, now [0xfc, 18]) */
#define WQ_OP_LTEE64            0x1c   /* local.tee a (one-byte a) of an i64, f64 or reference local: the plain 0x22
                                        * stores the low word only (format 38, was select with a type, now in
                                        * WQ_OP_LOCAL_LEB) */
#define WQ_OP_LGET_I32C_ADD     0xe0   /* local.get a; i32.const c; i32.add (or i32.sub, the const's byte holding -c:
                                        * format 32; also the next three) */
#define WQ_OP_LGET_LGET_ADD     0xe1   /* local.get a; local.get b; i32.add */
/* i32.const c (1-byte LEB, rewritten to a raw signed byte: shift counts masked to 0..31, rotl as
 * a right-rotate count); <op> */
#define WQ_OP_I32C8_SHR_S       0xe2   /* format 29 (format 28 gave 0xe6 to WQ_OP_I64C_U32_AND; i32.const c; i32.sub is
                                        * WQ_OP_I32C_ADD) */
#define WQ_OP_I32C8_AND         0xe3
#define WQ_OP_I32C8_SHL         0xe5
#define WQ_OP_I64C_U32_AND      0xe6   /* i64.const k (a 5-byte LEB, 0 <= k < 2^32: 4 raw bytes + 1 unused); i64.and
                                          (format 28: 64-bit code's 32-bit masks; was i32.const c; i32.shr_s) */
#define WQ_OP_I32C8_SHR_U       0xe7
#define WQ_OP_C16_AND_C8_SHL_C16_ADD_LOAD 0xe8   /* WQ_OP_I32_CONST_16 m; i32.and; i32.const k (0..31); i32.shl;
                                                  * WQ_OP_I32_CONST_16 t; i32.add; i32.load (one-byte memarg): a table
                                                  * of words indexed by x & m (format 33, was i32.const c; i32.rotl, now
                                                  * two dispatches; LGET_C8_ROTL(_XOR) hold a plain i32.const) */
#define WQ_OP_I32C8_MUL         0xe9
#define WQ_OP_I32C8_EQ          0xea   /* the same for comparisons (the result may go on to if / br_if) */
#define WQ_OP_I32C8_NE          0xeb
#define WQ_OP_I32C8_LT_S        0xec
#define WQ_OP_I32C16_LOAD8_U    0xed   /* WQ_OP_I32_CONST_16 c; i32.load8_u (one-byte memarg): a C global byte (format
                                        * 35, was i32.const c; i32.lt_u) */
#define WQ_OP_I32C8_GT_S        0xee
#define WQ_OP_I64C8_ADD_LTEE_I64C8_NE_BR_IF 0xef   /* WQ_OP_I64_CONST_8 c; i64.add (or i64.sub, the byte -c); local.tee
                                                    * a; WQ_OP_I64_CONST_8 k; i64.ne; br_if l (a 64-bit counted loop's
                                                    * back edge; format 33, was the `++p < end` back edge local.get e;
                                                    * local.get a; i32.const c; i32.add; local.tee b; i32.gt_u; br_if
                                                    * l) */
#define WQ_OP_GGET_LT_U         0xf0   /* global.get g (an i32); i32.lt_u (on to if / br_if; format 32, was local.set a;
                                        * local.get b; i32.load8_u) */
#define WQ_OP_LGET_LGET_LT_U     0xf1   /* local.get a; local.get b; i32.lt_u (on to if / br_if; format 33, was
                                         * local.set a; br l) */
#define WQ_OP_LGET_LGET_ADD_LOAD8_U 0xf2   /* local.get a; local.get b; i32.add; i32.load8_u (one-byte memarg): p[i] of
                                            * bytes (format 35, was local.tee a; local.get b) */
#define WQ_OP_LOOP_STEP_BR_IF   0xf3   /* local.get a; i32.const c (one-byte LEB); i32.add (or i32.sub, the const's byte
                                        * -c); local.tee b; br_if l: `while (--n)` (format 33, was local.tee a; br_if
                                        * l) */
#define WQ_OP_LGET_ADD          0xf4   /* local.get a; i32.add */
/* An instruction whose index, block type or label takes two or more LEB bytes (format 6): the
 * plain opcodes then always have a one-byte immediate, read without a check. */
#define WQ_OP_LOCAL_LEB         0xf5   /* local.get / set / tee with a multi-byte index (format 32): n = 2: [kind << 6 |
                                        * i & 63, i >> 6]; n = 3..5: [0xc0 | (n - 3) << 2 | kind, i u16 LE, unused];
                                        * kind 0 get, 1 set, 2 tee. Also if / br_if with a multi-byte immediate (format
                                        * 34, WQ_OP_COND_LEB's 0xfb until 33): n = 2: [0xe0 | kind << 4 | v >> 8, v &
                                        * 255]; n = 3..5: [0xe8 | kind << 4 | (n - 3), v u16 LE, unused]; kind 0 if, 1
                                        * br_if. And (format 38) select with a type, [0xcc, t], and ref.null, [0xcd] or
                                        * [0xce] (funcref, externref) */
#define WQ_OP_BLOCK_RUN         0xf6   /* block/loop, block/loop (one-byte types), then more no-ops: the second opcode
                                        * byte & 63 is where the run ends (format 33) */
#define WQ_OP_I32C32_AND        0xf7   /* WQ_OP_I32_CONST_32_PAD c; i32.and (format 32) */
#define WQ_OP_LGET64            0xf8   /* local.get a (one-byte a) of an i64, f64 or reference local: the plain 0x20
                                        * copies the low word only (format 37, was GGET_LEB) */
#define WQ_OP_GLOBAL64          0xf9   /* global.get / global.set g (one-byte g) of a 64-bit or reference global: [g |
                                        * set << 7] (format 37, was GSET_LEB; a multi-byte global index takes
                                        * WQ_OP_LOCAL_LEB's codes) */
#define WQ_OP_I64_LT_U_SELECT   0xfb   /* i64.lt_u; select (format 34, was WQ_OP_COND_LEB, now in WQ_OP_LOCAL_LEB) */
#define WQ_OP_I32C24_AND        0x06   /* WQ_OP_I32_CONST_24 c; i32.and (format 34, was local.get a; I32C8_SHL k) */
#define WQ_OP_I32_CONST_16      0x09   /* i32.const, 2-byte LEB -> 2 raw bytes (0x41 keeps one-byte LEBs only) */
#define WQ_OP_I32C16_ADD        0x0a   /* i32.const c (I32_CONST_16); i32.add */
#define WQ_OP_LGET_I32C16_ADD   0x12   /* local.get a; i32.const c (I32_CONST_16); i32.add */
#define WQ_OP_ADD_LSET          0x13   /* i32.add; local.set a */
#define WQ_OP_ADD_LTEE          0x14   /* i32.add; local.tee a */
#define WQ_OP_LGET_SHL_LGET_SHR_U_OR 0x15   /* local.get a; I64_CONST_8 c; i64.shl; local.get b; I64_CONST_8 d;
                                             * i64.shr_u; i64.or (c, d 0..63: a funnel shift; format 33, was local.get
                                             * a; I64_CONST_8 c; i64.shl) */
#define WQ_OP_LGET_C8_SHR_U_XOR 0x16   /* local.get a; WQ_OP_I32C8_SHR_U c; i32.xor (format 24) */
#define WQ_OP_LOOP_STEP_NE16_BR_IF 0x17   /* local.get a; i32.const c (one-byte LEB); i32.add (or i32.sub, the byte -c);
                                           * local.tee b; WQ_OP_I32_CONST_16 n; i32.ne; br_if l: `for (...; i != n; i +=
                                           * c)` (format 33, was local.get a; local.get b; i32.add; i32.load8_u) */
#define WQ_OP_I64C8_SHR_U       0x18
#define WQ_OP_LGET_LGET_ADD_LTEE 0x19  /* local.get a; local.get b; i32.add; local.tee c (format 19) */
#define WQ_OP_LGET_I32C16_ADD_I32C_STORE8 0x1d   /* local.get a; WQ_OP_I32_CONST_16 c; i32.add; i32.const v; i32.store8
                                                  * (one-byte memarg; format 22) */
#define WQ_OP_LGET_I64_LTU_EXTU 0x1e   /* local.get b; i64.lt_u or i64.le_u; i64.extend_i32_u: a 64-bit carry or borrow
                                        * as a value (format 34, was WQ_OP_I32_CONST_16 c; i32.lt_u) */
#define WQ_OP_LOOP_LSTEP_LT16_BR_IF 0x1f   /* local.get a; local.get s; i32.add; local.tee b; WQ_OP_I32_CONST_16 n;
                                            * i32.lt_u; br_if l: `for (...; j < n; j += s)` (format 33, was
                                            * WQ_OP_I32_CONST_16 c; i32.ne, which the loop forms took over) */
#define WQ_OP_I32C16_AND        0x27   /* i32.const c (I32_CONST_16); i32.and */
#define WQ_OP_LGET_C8_ROTL      0xc5   /* local.get a; i32.const c (its byte the right-rotate count, 32 - c: format 33);
                                        * i32.rotl */
#define WQ_OP_LGET_C8_SHL_XOR   0xc6   /* local.get a; WQ_OP_I32C8_SHL c; i32.xor (CRC rounds; format 27, was local.get
                                        * a; I32C8_SHR_U c) */
#define WQ_OP_SHL_SHR_S         0xc7   /* I32C8_SHL k; i32.const j (0..31); i32.shr_s: a signed bit field */
#define WQ_OP_LOOP_STEP_LT8_BR_IF 0xc8  /* local.get a; i32.const c (one-byte LEB); i32.add (or i32.sub, the byte -c);
                                         * local.tee b; i32.const n (one-byte LEB); i32.lt_u; br_if l: `for (...; i < n;
                                         * i += c)` (format 34, was local.tee a; I64_CONST_8 c) */
#define WQ_OP_LGET_C8_EQ        0xc9   /* local.get a; I32C8_EQ c (may go on to if / br_if) */
#define WQ_OP_LGET_I32C_ADD_LSET 0xca  /* local.get a; i32.const c; i32.add; local.set b */
#define WQ_OP_LGET_I32C_ADD_LTEE 0xcb  /* local.get a; i32.const c; i32.add; local.tee b */
#define WQ_OP_LTEE_I32C_ADD     0xcc   /* local.tee a; i32.const c; i32.add */
#define WQ_OP_LTEE_C8_SHR_U_LGET_XOR 0xcd   /* local.tee a; i32.const k (0..31: its LEB byte is k); i32.shr_u; local.get
                                             * b; i32.xor (format 32, was local.get a; local.get b; i32.lt_u); format
                                             * 36: k's byte bits 5-6 count the shift-xor terms after it, bit 7 says a
                                             * `local.set c; local.get d; i32.const k0; i32.shl` comes before them */
#define WQ_OP_LGET_LOAD8_U      0xce   /* local.get a; i32.load8_u (one-byte memarg; format 32, was local.get a;
                                        * local.get b; i32.gt_s) */
/* 0xfd..0xff: the SIMD and threads prefixes, never in a module the pre-decoder's validator accepts */
#define WQ_OP_LGET_C8_ROTL_XOR  0xfd   /* local.get a; i32.const c (as above); i32.rotl; i32.xor */
#define WQ_OP_LGET_I32C16_ADD_LOAD16_S 0xfe   /* local.get a; WQ_OP_I32_CONST_16 c; i32.add; i32.load16_s (one-byte
                                               * memarg) */
#define WQ_OP_I32C_STORE8       0xff   /* i32.const c (one-byte LEB); i32.store8 (one-byte memarg) */
/* format 16, on the opcodes of rare constant forms */
#define WQ_OP_MUL_ADD_LSET      0xd7   /* i32.mul; i32.add; local.set a (format 33, was local.get a; WQ_OP_I64_CONST_8
                                        * c; i64.shr_u; i64.or) */
#define WQ_OP_LGET_I64C8_SHL_OR 0xd8   /* local.get a; WQ_OP_I64_CONST_8 c; i64.shl; i64.or */
#define WQ_OP_I32C16_LOAD       0xd9   /* WQ_OP_I32_CONST_16 c; i32.load (one-byte memarg) */
#define WQ_OP_LGET_LOAD         0xda   /* local.get a; i32.load (one-byte memarg); with bit 6 in the load's align byte,
                                        * then local.tee b; br_if l: a list walk (format 34, was WQ_OP_I32_CONST_16 c;
                                        * i32.add; i32.load) */
#define WQ_OP_LGET_I32C16_ADD_LOAD8_U 0xe4   /* local.get a; WQ_OP_I32_CONST_16 c; i32.add; i32.load8_u (one-byte
                                              * memarg) */
/* format 17, on the opcodes of block and loop with multi-byte block types (the plain ones skip any) */
#define WQ_OP_MUL_LGET_ADD      0xfa   /* i32.mul; local.get a; i32.add (format 33, was WQ_OP_I64_CONST_8 c; i64.add) */
#define WQ_OP_LOAD16_S_MUL      0x07   /* i32.load16_s (one-byte memarg); optionally local.tee t; i32.mul (format 33,
                                        * was i64.ne; br_if l) */
#define WQ_OP_MEM_LEB           0x08   /* a load or store whose align or offset has 2+ bytes:
                                          (opcode - 0x28) | align << 5, then a raw u16 offset (format 25:
                                          a one-byte align, a two-byte offset LEB); | 0x80 for any other
                                          form: the rest as it was, except that a multi-byte align's
                                          second byte holds the count of its continuation bytes */

typedef struct { uint16_t canon; uint8_t nparams, nresults; uint16_t params_off, results_off; } WqType;
/* A function record (format 5) is 8 bytes: where its code starts, where its first side entry is, its parameter and
 * result counts, its locals and its frame (locals + operand slots + the WQ_FRAME_SLOTS of a 16-byte call frame, below
 * WQ_SHORT_FRAME_LIMIT: format 36). The first two are relative to the record itself (format 28): the code starts
 * `code_back` bytes before the record, the first side entry is `stp_fwd` bytes after it, so a call needs neither the
 * module's start nor the side table's. The counts are the type's (format 32: a call and a return read no type record;
 * the type index itself, for call_indirect, the API and linking, is the function section's, wq_func_type). A function
 * whose numbers do not fit (code or side entries 64 KiB or more away, a frame byte of WQ_SHORT_FRAME_LIMIT or more) has
 * frame = WQ_FUNC_WIDE and `code_back` indexes a 12-byte WqFuncWide, which holds the code's offset from the module
 * start, the side entry's index and its frame without the frame slots. A call reads the frame byte signed: WQ_FUNC_WIDE
 * is then -1, which fails the room check as no frame can, so one compare sends wide records and imports to the slow
 * path (format 36). An imported function's record holds its type index in `stp_fwd`. */
#if WQRT_REGFORM
/* The register form's function record (format 40, host-tools/wasm/regform/blob.ts): where its code starts,
 * in bytes from the record itself (a call needs no code base), its parameter and result counts, the locals a
 * call zeroes (after the parameters) and its frame: every 64-bit slot it names (parameters, locals, operand
 * slots, a scratch slot). An import's record has code WQ_RF_IMPORT and its type index in nzero | frame << 8:
 * a call tells it apart by the word it loads anyway. */
typedef struct { uint32_t code; uint8_t nparams, nresults, nzero, frame; } WqFunc;
#define WQ_RF_IMPORT 0xffffffffu
#define WQ_RF_CODE(f) ((const uint8_t *)(f) + (f)->code)
#else
typedef struct { uint16_t code_back, stp_fwd; uint8_t nparams, nresults, nlocals, frame; } WqFunc;
#endif
typedef struct { uint32_t code_start, stp_base; uint16_t nlocals, frame; } WqFuncWide;
#define WQ_FUNC_WIDE 0xffu
#define WQ_FRAME_SLOTS 2u
#define WQ_SHORT_FRAME_LIMIT 0x80u
/* an imported function's record (format 26): frame WQ_FUNC_WIDE and this code_back, an index no
 * wide record has, so a call tests for an import only on the wide path */
#define WQ_FUNC_IMPORT_CODE 0xffffu
#define WQ_FUNC_CODE(f) ((const uint8_t *)(f) - (f)->code_back)
#define WQ_FUNC_SIDE(f) ((const WqSide *)(const void *)((const uint8_t *)(f) + (f)->stp_fwd))
/* Record f (module m, not an import) as the code's offset from the module start, the index of
 * the first side entry, the locals and the frame (the loader's checks, a trap's function, the
 * host's entry). */
#define WQ_FUNC_FIELDS(m, f, code_, stpb_, nloc_, frm_) do { \
        (code_) = (uint32_t)(WQ_FUNC_CODE(f) - (m)->bytes); (stpb_) = (uint32_t)(WQ_FUNC_SIDE(f) - wq_side_table(m)); \
        (nloc_) = (f)->nlocals; (frm_) = (f)->frame; \
        if ((frm_) == WQ_FUNC_WIDE) { const WqFuncWide * w_ = &WQ_FUNCS_WIDE(m)[(f)->code_back]; \
            (code_) = w_->code_start; (stpb_) = w_->stp_base; (nloc_) = w_->nlocals; (frm_) = w_->frame; } } while (0)
/* A side entry is relative to its branch: target pc = the address just past the branch opcode
 * + dPc; target entry = this entry + dStp. Format 6 packs it in 16 bits (bit 0 clear): dStp
 * bits 1-6 (signed, -32..31), dPc bits 7-15 (signed, -256..255), nothing dropped (a taken
 * branch that drops nothing moves no values, whatever it keeps). With bit 0 set, bits 1-15
 * index a 6-byte long entry (WqSideLong) for what does not fit (9 in 10 of an AssemblyScript
 * module's branches fit). */
typedef int16_t WqSide;
typedef struct { int16_t pc, stp; uint8_t keep, drop; } WqSideLong;
#define WQ_SIDE_LONG(e)  ((e) & 1)
#define WQ_SIDE_INDEX(e) ((uint32_t)(uint16_t)(e) >> 1)
#define WQ_SIDE_STP(e)   ((int32_t)((uint32_t)(e) << 25) >> 26)
#define WQ_SIDE_PC(e)    ((int32_t)(e) >> 7)

typedef struct { M3RawCall fn; const void * userdata; } WqImport;

typedef struct { uint32_t size, max; uint8_t elem; uint32_t * elems; } WqTable;

/* A call frame: the caller's pc, side-table pointer and fp, and the running function's result
 * count (format 32: the return's one load; it was the type's address, two dependent loads). */
#if WQRT_REGFORM
/* The register form's call frame: where the caller resumes and its slots (a return reads no counts: the callee
 * left its results in its own first slots, which are the caller's argument slots). */
typedef struct { const uint8_t * pc; uint64_t * fp; } WqFrame;
#else
typedef struct { const uint8_t * pc; const WqSide * stp; uint64_t * fp; uint32_t nresults; } WqFrame;
#endif

/* A handle from m3_FindFunction lives in its runtime's handles[]; `slot` finds the runtime
 * again (no module pointer: 8 bytes on Cortex-M3). Import contexts use slot = WQ_NO_SLOT. */
struct M3Function { const char * name; uint16_t index; uint16_t slot; };
#define WQ_NO_SLOT 0xffffu

struct M3Environment {
    uint8_t *   arena;
    uint32_t    arena_size;
    uint32_t    arena_used;
};

/* Section bounds: start/end offsets of the payload of each section the runtime reads after
 * loading (import, table, memory, global, export, start, elem, data), 0/0 when absent. */
typedef struct { uint32_t start, end; } WqSpan;
#define WQ_SEC(id) ((id) == 2 ? 0 : (id) == 4 ? 1 : (id) == 5 ? 2 : (id) == 6 ? 3 \
                    : (id) == 7 ? 4 : (id) == 8 ? 5 : (id) == 9 ? 6 : 7)
extern const int8_t wq_sec_slot[13];

struct M3Module {
    IM3Environment  env;
    IM3Runtime      runtime;
    const uint8_t * bytes;
    uint32_t        len;
    WqSpan          sec[8];
    const WqType *  types;
    const WqFunc *  funcs;              /* then the WqFuncWide records (WQ_FUNCS_WIDE) */
#if WQRT_REGFORM
    uint32_t        ntypes, nfuncs, nimports;   /* format 40: no side table (the records locate the code) */
#else
    const WqSide *  side;
    const WqSideLong * side_long;
    uint32_t        ntypes, nfuncs, nimports, nside;
#endif
    uint32_t        nglobals, ntables, ndata, nelem;
    uint32_t        wide_globals;        /* nonzero when a global is i64, f64 or a reference */
    uint32_t        start_func;          /* UINT32_MAX when none */
    int             has_memory;
    uint32_t        mem_min, mem_max;    /* pages */
    WqImport *      imports;             /* nimports entries in RAM: the link-time binding */
    uint32_t        started;             /* WQ_STARTED | WQ_IMPORTS_BOUND */
};
#define WQ_STARTED        1u
#define WQ_IMPORTS_BOUND  2u

struct M3Runtime {
    IM3Environment  env;
    void *          userdata;
    IM3Module       module;
    uint64_t *      stack;
    uint64_t *      stack_end;
    WqFrame *       frames;              /* the host's frame, the top one: deeper frames go down from it */
    const WqFunc *  records;             /* module->funcs: a call's record is one load from rt (format 32; the
                                          * word held a frame count nothing read) */
    /* mem between the two bounds the hottest accesses test (4-byte and 1-byte): wq_invoke loads base
     * and bound with one ldrd (interp.c, MEM_END4 / MEM_BYTES) */
    uint32_t        mem_end4;            /* a 4-byte access must start below this (0: none fits) */
    uint8_t *       mem;
    uint32_t        mem_bytes;           /* accessible bytes: min(pages * 64 KiB, cap) */
    uint32_t        mem_end2;            /* a 2-byte access must start below this (0: none fits) */
    uint32_t        mem_pages;
#if WQRT_REGFORM
    uint32_t        mem_end8;            /* an 8-byte access must start below this (0: none fits) */
#endif
    uint32_t        mem_cap;             /* bytes reserved for linear memory */
    uint32_t        mem_limit;           /* user cap (wqrt_SetMemoryLimit), 0 = all of the arena */
    uint32_t *      globals;             /* low 32-bit word of each global */
    uint32_t *      globals_hi;          /* high words: globals + nglobals, or globals itself when all are 32-bit */
    WqTable         tables[WQRT_MAX_TABLES];
    uint8_t *       data_dropped;        /* one bit per data segment, then per elem segment, */
    uint8_t *       elem_dropped;        /* in the arena (no limit on the segment count) */
    struct M3Function handles[WQRT_MAX_HANDLES];
    uint32_t        nhandles;
    uint32_t        last_nresults;
    M3Result        trap;
    uint32_t        trap_func, trap_offset;
    int             running;
#ifdef WQRT_FUEL
    uint32_t        fuel;                /* host fuzz builds: branches + calls left, 0 = unlimited */
#endif
};

/* The wide function records follow the 8-byte ones (a function, not a macro: interp.c names
 * m->funcs `funcs`). */
static inline const WqFuncWide * wq_funcs_wide(const struct M3Module * m)
{
    return (const WqFuncWide *)(const void *)(m->funcs + m->nfuncs);
}
#define WQ_FUNCS_WIDE(m) wq_funcs_wide(m)
#if !WQRT_REGFORM
static inline const WqSide * wq_side_table(const struct M3Module * m) { return m->side; }
#endif

/* The blob's header is WQ_BLOB_HEADER bytes, the type records follow it (m->types). Its last
 * word, WQ_FUNC_TYPES, is where the function section's type indices start (from the module
 * start), with WQ_FUNC_TYPES_BYTES set when each is one byte (fewer than 128 types: then a
 * function's type is one load). */
#define WQ_BLOB_HEADER 36u
#define WQ_FUNC_TYPES(m) (((const uint32_t *)(const void *)(m)->types)[-1])
#define WQ_FUNC_TYPES_BYTES 0x80000000u
/* Sets the accessible linear-memory size and the per-width limits the hot loads and stores
 * compare with (one compare instead of three). */
static inline void wq_set_mem_bytes(IM3Runtime rt, uint32_t bytes)
{
    rt->mem_bytes = bytes;
    rt->mem_end2 = bytes >= 2 ? bytes - 1 : 0;
    rt->mem_end4 = bytes >= 4 ? bytes - 3 : 0;
#if WQRT_REGFORM
    rt->mem_end8 = bytes >= 8 ? bytes - 7 : 0;
#endif
}

/* Globals are 32-bit words: global i's low word is globals[i]; its high word is globals_hi[i],
 * which is a second array only when the module has a 64-bit or reference global. When every
 * global is i32/f32, globals_hi == globals: a read then puts the low word in the high half too
 * (stale bits, which i32 readers ignore) and a write stores the high word first so the low word
 * wins. No per-global type lookup at run time, 4 bytes of RAM per i32 global. In code, the plain
 * global.get / global.set are i32/f32 globals and move the low word only (an i32 global's high
 * word is then stale, as in an operand slot); the pre-decoder gives 64-bit and reference globals
 * WQ_OP_GLOBAL64 (and a multi-byte index WQ_OP_LOCAL_LEB's codes), which move both (format 21; 37). */
#define WQ_WIDE(t) ((t) != 0x7f && (t) != 0x7d)
static inline uint64_t wq_global_get(IM3Runtime rt, uint32_t i)
{
    return rt->globals_hi == rt->globals ? rt->globals[i] : ((uint64_t)rt->globals_hi[i] << 32 | rt->globals[i]);
}
static inline void wq_global_set(IM3Runtime rt, uint32_t i, uint64_t v)
{
    rt->globals_hi[i] = (uint32_t)(v >> 32);
    rt->globals[i] = (uint32_t)v;
}

/* Results outside loader.c. wasm3.h's m3Err_X are const pointers to the texts (loader.c
 * defines them), so another file's `return m3Err_X` loads the pointer's address, then the
 * pointer. A file that defines WQ_RESULTS_AS_TEXTS (api.c) uses the texts' addresses themselves,
 * which loader.c also names wq_res_X, and NULL for m3Err_none: one load fewer per result and no
 * pointer kept in flash. These are not more names for embedders: wq_res_X is the value of the
 * public m3Err_X. interp.c keeps the pointers (with texts, GCC merged its trap paths and a
 * divide's zero test took two instructions instead of one: session 14, runtime_flash_bytes and
 * interp_suite). The list: the results api.c returns. */
#define WQ_SHARED_RESULTS(X) \
    X(argumentCountMismatch) \
    X(functionImportMissing) \
    X(functionLookupFailed) \
    X(mallocFailed) \
    X(moduleAlreadyLinked) \
    X(moduleNotLinked) \
    X(trapStackOverflow) \
    X(wasmMalformed)
#ifdef M3_IMPLEMENT_ERROR_STRINGS
#  define WQ_RESULT_NAME(L) extern const char wq_res_##L[sizeof m3ErrText_##L] __attribute__((alias("m3ErrText_" #L)));
#else
#  define WQ_RESULT_NAME(L) extern const char wq_res_##L[];
#endif
WQ_SHARED_RESULTS(WQ_RESULT_NAME)
#ifdef WQ_RESULTS_AS_TEXTS
#  define m3Err_none ((M3Result)0)
#  define m3Err_argumentCountMismatch ((M3Result)wq_res_argumentCountMismatch)
#  define m3Err_functionImportMissing ((M3Result)wq_res_functionImportMissing)
#  define m3Err_functionLookupFailed ((M3Result)wq_res_functionLookupFailed)
#  define m3Err_mallocFailed ((M3Result)wq_res_mallocFailed)
#  define m3Err_moduleAlreadyLinked ((M3Result)wq_res_moduleAlreadyLinked)
#  define m3Err_moduleNotLinked ((M3Result)wq_res_moduleNotLinked)
#  define m3Err_trapStackOverflow ((M3Result)wq_res_trapStackOverflow)
#  define m3Err_wasmMalformed ((M3Result)wq_res_wasmMalformed)
#endif

/* loader.c */
int      wq_read_leb32(const uint8_t ** p, const uint8_t * end, uint32_t * out);
M3Result wq_instantiate(IM3Runtime rt, IM3Module m);
typedef struct {
    uint32_t flags, index, count; uint8_t kind; const uint8_t * offset_expr; const uint8_t * items;
} WqSeg;
M3Result wq_segment(IM3Module m, int data, uint32_t index, WqSeg * o);
/* Function f's type index: an import's record holds it, a defined function's is its function
 * section entry (the rare paths only: call_indirect's check, the API, linking). */
uint32_t wq_func_type(const struct M3Module * m, uint32_t f);
/* A walk through one section's entries: the next byte, the section's end, the entries left. */
typedef struct { const uint8_t * p, * end; uint32_t n; } WqCursor;
int      wq_sec_open(const struct M3Module * m, uint32_t k, WqCursor * c);
/* An import entry: names, kind (0 function, 1 table, 2 memory, 3 global), for a function its
 * type index in min, for a table or memory its limits, for a table or global its type byte. */
typedef struct { const uint8_t * mod, * nm; uint32_t ml, nl, min, max; uint8_t kind, type; } WqImportEntry;
int      wq_import_next(WqCursor * c, WqImportEntry * e);
void *   wq_alloc(IM3Environment env, uint32_t bytes);
/* interp.c (rf_engine.c with WQRT_REGFORM) */
M3Result wq_invoke(IM3Runtime rt, uint32_t func, uint32_t nargs);
M3Result wq_table_init_from_segment(IM3Runtime rt, uint32_t table, uint32_t seg,
                                    uint32_t dst, uint32_t src, uint32_t n);

#endif
