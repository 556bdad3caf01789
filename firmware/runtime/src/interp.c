/* The interpreter: executes the module's original bytecode in place (flash), using the
 * pre-decoded blob for everything derived from the code: function records (locals, max
 * operand height) and the branch side table (target pc, target side-table index, values to
 * keep and drop). Values are 64-bit slots (wasm3's raw-call layout); locals sit below the
 * operand stack in the same array. Every memory access is checked against mem_bytes. */
#include <stddef.h>
#include "rt_internal.h"
#if !WQRT_REGFORM   /* the register form's engine is rf_engine.c */

#ifdef WQRT_COUNT_OPS
uint64_t wqrt_op_count;          /* host profiling builds: wasm instructions executed */
uint64_t wqrt_fused_count;        /* of them, executed without a dispatch of their own */
uint64_t wqrt_op_hist[256];
#endif

#define TRAP(res) do { err = (res); goto trap; } while (0)

/* A fused pair executes its second instruction without a dispatch; profiling builds still
 * count it, so instructions-per-op figures stay per wasm instruction. */
#ifdef WQRT_COUNT_OPS
#  define COUNT_FUSED() (wqrt_op_count++, wqrt_fused_count++, wqrt_op_hist[*pc]++)
#  define COUNT_EXTRA(n) (wqrt_op_count += (n), wqrt_fused_count += (n))   /* pre-decoder-fused instructions */
#else
#  define COUNT_FUSED() ((void)0)
#  define COUNT_EXTRA(n) ((void)0)
#endif

/* LEB128 readers. The hot path (one byte) is a macro on the interpreter's own pc so pc stays
 * in a register; longer encodings go to an out-of-line helper that returns the value in the
 * low word and the bytes consumed in the high word. */
static __attribute__((noinline)) uint64_t leb_u32_slow(const uint8_t * p)
{
    uint32_t v = 0, b; unsigned shift = 0, n = 0;
    do { b = p[n++]; v |= (b & 0x7f) << shift; shift += 7; } while ((b & 0x80) && shift < 35);
    return (uint64_t)v | ((uint64_t)n << 32);
}
/* GCC reads `*pc` and increments pc as two instructions even where a post-indexed load does
 * both; on Cortex-M the load is written out (local.get/set/tee, globals and calls all read an
 * index: `interp_thumb_instructions`, docs/runtime.md "Figures", session 4). */
#if defined(__arm__)
#  define FETCH_BYTE(dst) __asm__("ldrb %0, [%1], #1" : "=r"(dst), "+r"(pc) : "m"(*pc))
#else
#  define FETCH_BYTE(dst) ((dst) = *pc++)
#endif
#define READ_U32(dst) do { uint32_t b_; FETCH_BYTE(b_); \
        if (b_ < 0x80) { (dst) = b_; } \
        else { uint64_t r_ = leb_u32_slow(pc - 1); pc += (uint32_t)(r_ >> 32) - 1; (dst) = (uint32_t)r_; } } while (0)
/* local.*, global.* indices, block types and br_if labels: the pre-decoder gives the ones of
 * two or more bytes opcodes of their own (WQ_OP_*_LEB), so these opcodes always have one byte,
 * read without a check (-2 instructions each on Cortex-M3) */
#define READ_IDX(dst) FETCH_BYTE(dst)
/* a raw byte's low 7 bits, signed: the one-byte constants the pre-decoder leaves in fused forms */
#define S7(b) ((uint32_t)((int32_t)((uint32_t)(b) << 25) >> 25))
/* i32.const: the pre-decoder leaves 0x41 only on one-byte LEBs (longer ones get fixed-width
 * raw immediates, WQ_OP_I32_CONST_16 and up), so the value is the byte's low 7 bits, signed */
#define READ_S7(dst) do { uint32_t b_; FETCH_BYTE(b_); (dst) = S7(b_); } while (0)
#define SKIP_U32() do { if (*pc++ & 0x80) { while (*pc++ & 0x80) {} } } while (0)
/* i64.const with a 2- to 8-byte LEB (the pre-decoder leaves those; clang merges two adjacent int
 * constant stores into one such i64.store): decoded in 32-bit halves, the first four bytes into the
 * low word, a fifth and on into the high one (a loop of 64-bit shifts was ~100 instructions) */
static const uint8_t * leb_s64(const uint8_t * p, uint64_t * out)
{
    uint32_t lo = 0, hi, b, s = 0;
    do { b = *p++; lo |= (b & 0x7f) << s; s += 7; } while ((b & 0x80) && s < 28);
    if (b & 0x80) {
        b = *p++; lo |= b << 28; hi = (b >> 4) & 7; s = 3;
        while ((b & 0x80) && s < 38) { b = *p++; hi |= (b & 0x7f) << s; s += 7; }
        if (s < 32 && (b & 0x40)) hi |= ~0u << s;
    } else {
        if (b & 0x40) lo |= ~0u << s;
        hi = (uint32_t)((int32_t)lo >> 31);
    }
    *out = (uint64_t)hi << 32 | lo;
    return p;
}

#include "rt_values.h"

/* i32 results are stored as the low 32 bits of their slot; every i32 reader truncates, so the
 * high half may hold stale bits (little-endian hosts and targets only). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#  error "wasmqtt runtime: little-endian targets only"
#endif
#define SET32(slot, v) (*(u32_u *)(void *)(slot) = (uint32_t)(v))

/* Handlers end with `break` back to the one dispatch switch. A direct-threaded variant
 * (computed goto) was measured: on Cortex-M3 at -Os GCC folds the jumps back into one, and at
 * -O2 the instructions it saved cost more `runtime_flash_bytes` than the budget has, so it was
 * removed. The Cortex-M build copies the dispatch into the handlers on the assembly instead
 * (WQRT_DISPATCH_TABLE below; docs/runtime.md "A replicated dispatch"). */
#define DISPATCH break
/* A comparison's taken br_if, pc just past the br_if's opcode: do_br moves by a short side entry
 * itself and leaves long ones to do_branch (a fuel build counts every branch there). The other
 * conditional branches go to do_branch: through do_br, GCC's register allocation made the
 * comparisons' path 2 instructions longer again (measured). */
#ifdef WQRT_FUEL
#  define TAKEN_BRANCH do_branch
#else
#  define TAKEN_BRANCH do_br
#endif

/* A per-image interpreter: the firmware build passes -DWQRT_OPCODE_MASK and a generated
 * wq_used_ops.h (host-tools/wasm/predecode.ts, usedOpcodesHeader) with the opcodes the embedded
 * module's code holds, as eight 32-bit words (WQRT_OPS_W0..W7) and the 0xfc sub-opcodes below 32
 * (WQRT_OPS_FC). A handler no instruction of the module uses starts with a jump to a trap, so GCC
 * drops its body (and what only it calls: the LEB decoder of i64.const, libgcc's 64-bit
 * division). Without the define (spec tests, bench, host builds, wasm3-API users) every handler
 * is built. The table keeps its 256 entries, so the dispatch check stays removable. */
#ifdef WQRT_OPCODE_MASK
#  include "wq_used_ops.h"
#  define WQ_OPS_WORD(w) ((w) == 0 ? WQRT_OPS_W0 : (w) == 1 ? WQRT_OPS_W1 : (w) == 2 ? WQRT_OPS_W2 : (w) == 3 ? WQRT_OPS_W3 \
        : (w) == 4 ? WQRT_OPS_W4 : (w) == 5 ? WQRT_OPS_W5 : (w) == 6 ? WQRT_OPS_W6 : WQRT_OPS_W7)
#  define WQ_USED(x) ((WQ_OPS_WORD((x) >> 5) >> ((x) & 31)) & 1u)
/* lo..hi within one 32-bit word */
#  define WQ_USED_RANGE(lo, hi) ((WQ_OPS_WORD((lo) >> 5) >> ((lo) & 31)) & ((2u << ((hi) - (lo))) - 1u))
#  define WQ_USED_FC(sub) ((WQRT_OPS_FC >> (sub)) & 1u)
#else
#  define WQ_USED(x) 1
#  define WQ_USED_RANGE(lo, hi) 1
#  define WQ_USED_FC(sub) 1
#endif
#define GATE(used) if (!(used)) goto op_not_built;
/* a handler's case label: `OP(0x20) body` */
#define OP(x) case x: GATE(WQ_USED(x))

/* A long side entry e (bit 0 set) names side_long[e >> 1], 6 bytes each. Its fields are read from
 * q = side_long + 3e, 3 bytes past the entry's start (e is odd): one `add q, e, e, lsl #1` where the index's
 * shift and GCC's multiply by 6 (a constant load and a `muls` at -Os) were three instructions a long
 * branch (`interp_suite.coremark`, `interp_embench.slre`; docs/runtime-log.md, the suite, session 19) */
#define SIDE_LONG_Q(e) ((const uint8_t *)m->side_long + (uint32_t)(uint16_t)(e) * 3u)
#define LONG_PC(q) (*(const int16_t *)(const void *)((q) - 3))
#define LONG_STP(q) (*(const int16_t *)(const void *)((q) - 1))
#define LONG_KEEP(q) ((q)[1])
#define LONG_DROP(q) ((q)[2])
_Static_assert(offsetof(WqSideLong, pc) == 0 && offsetof(WqSideLong, stp) == 2 && offsetof(WqSideLong, keep) == 4
               && offsetof(WqSideLong, drop) == 5 && sizeof(WqSideLong) == 6, "SIDE_LONG_Q's field offsets");

/* The host frame's return address, and where wq_invoke starts (its default case then makes the
 * host's call): each one byte of the one opcode validated code never holds. */
static const uint8_t wq_host_return[1] = { 0xcf }, wq_host_call[1] = { 0xcf };

#if defined(__arm__)
/* The call's and the return's asm (below) address the record's and the frame's fields by
 * offset: a change of either layout must fail the build, not the calls. */
_Static_assert(offsetof(WqFunc, code_back) == 0 && offsetof(WqFunc, stp_fwd) == 2 && offsetof(WqFunc, nparams) == 4
               && offsetof(WqFunc, nresults) == 5 && offsetof(WqFunc, nlocals) == 6,
               "the call's asm reads WqFunc by these offsets");
_Static_assert(offsetof(WqFrame, pc) == 0 && offsetof(WqFrame, stp) == 4 && offsetof(WqFrame, fp) == 8
               && offsetof(WqFrame, nresults) == 12 && sizeof(WqFrame) == 16 && sizeof(WqFrame) == WQ_FRAME_SLOTS * 8u,
               "the call's and the return's asm use this frame layout, and a record's frame byte counts its slots");
/* a memory access loads base and bound with one ldrd only while they are adjacent (MEM_END4, MEM_BYTES) */
_Static_assert(offsetof(struct M3Runtime, mem) == offsetof(struct M3Runtime, mem_end4) + 4
               && offsetof(struct M3Runtime, mem_bytes) == offsetof(struct M3Runtime, mem) + 4,
               "rt->mem must sit between mem_end4 and mem_bytes (wq_invoke's accesses load each pair with one ldrd)");
#endif

static inline int dropped(const uint8_t * bits, uint32_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }

/* Calls the imported function of record `rec` with its arguments on top of the operand stack at
 * `sp` (wasm3's raw-call layout: result slots first, then the arguments). Returns the new stack
 * top, or NULL with the trap in rt->trap. One copy for call, call_indirect and a host entry, for
 * flash. The caller has the record (no index to scale back); `frame` bounds the stack. The
 * context the import gets (`ctx`, naming `fn`) is wq_invoke's, whose constant fields it set once:
 * a call writes only the function's index and the userdata. Inlined into its one call site
 * (out of line it cost instructions a host call and `runtime_flash_bytes`: docs/runtime-log.md
 * "The publish path", session 17; session 9 had kept it out because inlined it spilled the
 * frame pointer, pinned since) */
static inline __attribute__((always_inline))
uint64_t * call_host(IM3Runtime rt, const WqFunc * rec, uint64_t * sp, const WqFrame * frame,
                     M3ImportContext * ctx, struct M3Function * fn)
{
    IM3Module m = rt->module;
    uint32_t f = (uint32_t)(rec - m->funcs), nresults = rec->nresults;
    uint64_t * args = sp - rec->nparams;
    WqImport * imp = &m->imports[f];
    M3Result r;
    /* the error strings are loaded on the failure paths only (GCC hoisted them into the call's
     * path when one variable held either) */
    if (sp + nresults > (const uint64_t *)frame) { r = m3Err_trapStackOverflow; goto fail; }
    if (!imp->fn) { r = m3Err_functionImportMissing; goto fail; }
    /* slide the arguments up over the result slots, top first (they overlap); a slot
     * loop instead of memmove: most imports take one or two arguments */
    if (nresults && sp != args) { uint64_t * s_ = sp, * d_ = sp + nresults; do *--d_ = *--s_; while (s_ != args); }
    fn->index = (uint16_t)f;
    ctx->userdata = (void *)imp->userdata;
    r = (M3Result)imp->fn(rt, ctx, args, rt->mem);
    if (!r) return args + nresults;
fail:
    rt->trap = r;
    return NULL;
}

/* Runs function `func` with its `nargs` arguments in stack[0..nargs); leaves its results in
 * stack[0..nresults). Not reentrant (a host function must not call back into wasm). */
M3Result wq_invoke(IM3Runtime rt, uint32_t func, uint32_t nargs)
{
    IM3Module m = rt->module;
    /* Cold values are read through m and rt where used: fewer locals competing for the
     * Cortex-M3's registers keeps the hot ones (pc, sp, fp, stp) out of the stack frame. */
#define base (m->bytes)
#define types (m->types)
#define funcs (m->funcs)
#define side (m->side)
    /* Frames grow down from the top of the area the value stack grows up in (loader.c), so one
     * compare bounds both: the callee's locals and operand slots must end below its frame. */
#if defined(__arm__)
    /* the every-handler build (bench, size object, wasm3-API programs) spilled the frame pointer
     * (a load on every call and return). The per-image one kept it in a register by itself until
     * format 32 (pinned, GCC then spilled the module pointer: more `vboard_instr_per_qos1_publish`);
     * since a call finds its record through rt, pinning it takes two moves off a return there
     * and shrinks `app_sdk.console_flash_bytes.bluepill` (docs/runtime-log.md "The publish
     * path", session 11's calls and returns) */
    /* Never pin a variable to r7, Thumb's frame pointer: GCC then takes the value for non-zero and
     * what it points at for this function's own frame, so `if (x)` folds and stores through it can
     * vanish (docs/runtime.md "Next: a register form"; test/runtime/interp-dispatch.test.ts) */
    register WqFrame * frame __asm__("r8") = rt->frames + 1;   /* the host's call pushes rt->frames */
#else
    WqFrame * frame = rt->frames + 1;   /* the host's call below pushes rt->frames */
#endif
    /* Linear memory's base is read with the access's bound (MEM_END4 and MEM_BYTES set mem_ first):
     * rt_internal.h keeps mem between mem_end4 and mem_bytes, so GCC loads the pair with one ldrd on
     * Cortex-M3, one instruction fewer per access (`interp_suite.geomean_vs_wasm3`; docs/runtime.md
     * "The loop's code generation"). rt->mem never changes while wq_invoke runs, so
     * mem_ is right on every path; the initial value only matters to a use no bound precedes. */
    uint8_t * mem_ = rt->mem;
#define MEM mem_
#define MEM_BYTES (mem_ = rt->mem, rt->mem_bytes)
#define MEM_END4 (mem_ = rt->mem, rt->mem_end4)
#define MEM_END2 (mem_ = rt->mem, rt->mem_end2)
    uint32_t * const globals = rt->globals;
    uint32_t * const globals_hi = rt->globals_hi;
    /* set by every TRAP on its way to `trap:`. Not initialised to m3Err_none (an extern, so a
     * load) and `done:` returns NULL: GCC had kept that load in a callee-saved register across
     * the whole loop for `done:`'s return value, and the frame pointer spilled to the stack */
    M3Result err;
    const uint8_t * pc = wq_host_call;   /* the loop starts with the host's call */
#if defined(__arm__)
    /* GCC at -Os spills the frame pointer and the side-table pointer to the stack (an extra
     * load on every local.get and branch); pinning them to callee-saved registers keeps them
     * out (`interp_thumb_instructions`; docs/runtime.md "Figures", session 2). */
    register uint64_t * fp __asm__("r10") = rt->stack;
    register const WqSide * stp __asm__("r11") = NULL;
#else
    uint64_t * fp = rt->stack;
    const WqSide * stp = NULL;
#endif
    uint64_t * sp = rt->stack + nargs;

    rt->trap = NULL;
    /* The host's entry is a call from wq_host_return, made by the default case (the loop starts
     * at wq_host_call): rt->frames, the top frame, holds it, and returning to it ends the run
     * (wq_host_return's opcode only the default case handles, so a return tests nothing). Each
     * frame holds the running function's result count (its return reads it there; a trap
     * finds the function from pc, wqrt_GetTrapInfo) and its caller's pc, stp and fp. */
    const WqFunc * callee;
    /* an import's context and the function it names (wasm3's API): set here once, call_host
     * writes the index and the userdata of each call */
    struct M3Function import_fn = { NULL, 0, WQ_NO_SLOT };
    M3ImportContext import_ctx = { NULL, &import_fn };
    uint32_t cond;                     /* an if / br_if condition (the multi-byte-immediate forms), a load's address */
    uint32_t off;                      /* a load's or store's offset */


    /* The next opcode is fetched at the bottom of the loop: with the fetch at the top GCC kept
     * pc in two registers and paid two moves per instruction (`interp_thumb_instructions`;
     * docs/runtime.md "Figures", session 2). */
    uint32_t op;
#if defined(__arm__) && defined(WQRT_DISPATCH_TABLE)
    /* The Cortex-M build (host-tools/fwbuild/interp-dispatch.ts) turns GCC's one `tbh` dispatch into
     * a word table, wq_dispatch_table, and gives every handler that branched back to it a copy of
     * the dispatch, `ldrb op, [pc], #1; ldr pc, [r9, op, lsl #2]`: one instruction fewer per
     * dispatch. The table's address must be in r9 wherever the dispatch runs; the empty asm at
     * the loop head makes GCC keep it there. */
    extern const uint32_t wq_dispatch_table[256];
    register const uint32_t * dispatch_table __asm__("r9") = wq_dispatch_table;
#  define KEEP_DISPATCH_TABLE() __asm__ volatile("" :: "r"(dispatch_table))
#else
#  define KEEP_DISPATCH_TABLE() ((void)0)
#endif
next:
    op = *pc++;
    for (;;) {
        KEEP_DISPATCH_TABLE();
#ifdef WQRT_COUNT_OPS
        wqrt_op_count++;
        wqrt_op_hist[op]++;
#  ifdef WQRT_PC_PROFILE   /* host profiling: dispatches per code offset (choosing sequences to fuse) */
        { extern uint32_t wqrt_pc_hist[]; wqrt_pc_hist[pc - 1 - base]++; }
#  endif
#endif
        switch (op) {
        case 0x00: TRAP(m3Err_trapUnreachable);
        case 0x01: case 0x0b: GATE(WQ_USED(0x01) || WQ_USED(0x0b)) __asm__ volatile(""); break;   /* nop and a block's `end` (the
            function's final `end` is 0x0f, `return`: format 31): a body of their own, as an empty case would
            target the loop head, before the jump table, and GCC then needs a word table (adr +
            ldr pc) instead of tbh: one instruction more per dispatch and 512 bytes more */
        case 0x02: case 0x03: GATE(WQ_USED(0x02) || WQ_USED(0x03)) SKIP_U32(); DISPATCH;   /* a block type is one byte (0x40, a
            value type, a type index below 64) or a multi-byte LEB; branches land past them */
        OP(WQ_OP_BLOCK_RUN) { pc += (pc[1] & 63) - 1; DISPATCH; }   /* no-ops in a row: on to where they end */
        OP(0x04)   /* the pop in each path: popped first, GCC kept sp in another register (2 moves) */
            if ((uint32_t)sp[-1]) { sp--; stp++; pc++; DISPATCH; }
            sp--; goto do_jump;
        OP(0x05)
        do_jump: {   /* if (not taken) and else: no values move */
            int32_t e = *stp;
            if (WQ_SIDE_LONG(e)) {
                const uint8_t * q = SIDE_LONG_Q(e); pc += LONG_PC(q); stp += LONG_STP(q); DISPATCH;
            }
            pc += WQ_SIDE_PC(e); stp += WQ_SIDE_STP(e);
            DISPATCH;
        }
        OP(0x0d)   /* br_if (a one-byte label); the fused forms that end in one test their condition
                    * themselves and go to do_branch when taken (through a shared do_br_if, GCC kept sp
                    * in another register in do_branch: one move more per taken branch) */
            if ((uint32_t)sp[-1]) { sp--; goto do_branch; }
            sp--; pc++; stp++; DISPATCH;
        OP(0x0e) {   /* side entries are relative to just past the opcode: pc stays there (read through
                      * a copy moved past the count, GCC kept a second pc: a move a br_table) */
            uint32_t n = *pc;
            if (n >= 0x80) n = (uint32_t)leb_u32_slow(pc);
            uint32_t i = (uint32_t)sp[-1]; sp--;
            stp += i < n ? i : n;
            goto do_branch;
        }
        OP(0x0c) {   /* br: its own copy of a short entry's move (since the comparisons share one
                      * tail, GCC keeps sp in another register in do_branch: +3 instructions per br) */
#ifdef WQRT_FUEL
            goto do_branch;   /* which counts the branch */
#else
        do_br: ;   /* a taken branch (br, a comparison's br_if, the loop forms' back edges), pc just past its
                    * opcode: a short entry moves here */
            int32_t e = *stp;
            if (WQ_SIDE_LONG(e)) goto do_branch_long;   /* past do_branch's test of the same bit */
            pc += WQ_SIDE_PC(e); stp += WQ_SIDE_STP(e);
            DISPATCH;
#endif
        }
        do_branch: {
            int32_t e = *stp;
#ifdef WQRT_FUEL
            if (rt->fuel && --rt->fuel == 0) TRAP(wqrt_Err_trapFuelExhausted);
#endif
            /* short entry, nothing dropped (loop back-edges, most forward exits): just move */
            if (!WQ_SIDE_LONG(e)) { pc += WQ_SIDE_PC(e); stp += WQ_SIDE_STP(e); goto branched; }
        }
        do_branch_long: __attribute__((unused));   /* do_br's long entries (a fuel build sends them to do_branch) */
        {
            const uint8_t * q = SIDE_LONG_Q(*stp);
            uint32_t keep = LONG_KEEP(q), drop = LONG_DROP(q);
            if (drop) {
                uint64_t * d_ = sp - keep - drop, * s_ = sp - keep; for (uint32_t k = 0; k < keep; k++) d_[k] = s_[k];
                sp -= drop;
            }
            pc += LONG_PC(q); stp += LONG_STP(q);
        branched:
            DISPATCH;
        }
        OP(0x0f) {   /* also every function's final `end` (format 31) */
            const WqFrame * fr = frame;
            uint32_t nr = fr->nresults;
            /* results move down to fp (ascending copy: the destination is below the source);
             * one result, the common case, is one load and one store */
            if (nr == 1) { fp[0] = sp[-1]; sp = fp + 1; }
            else { uint64_t * s_ = sp - nr; for (uint32_t k = 0; k < nr; k++) fp[k] = s_[k]; sp = fp + nr; }
#if defined(__arm__)
            /* the frame's pop in two instructions (the second moves the frame pointer): GCC moved
             * the frame pointer through a scratch register and back (two moves per return) */
            __asm__("ldr %[fp], [%[fr], #8]\n\tldrd %[pc], %[stp], [%[fr]], #16"
                    : [pc] "=&r"(pc), [stp] "=&r"(stp), [fp] "=&r"(fp), [fr] "+r"(frame) : : "memory");
#else
            frame = (WqFrame *)fr + 1;
            pc = fr->pc; stp = fr->stp; fp = fr->fp;
#endif
            break;
        }
        OP(0x10) {
            /* not compared with nfuncs: the pre-decoder validated every call's index and the
             * loader runs only code whose hash matches its blob (as local and global indices).
             * The callee's record is one load from rt (not m: the module pointer spills). The
             * arguments are already on the stack: the callee's locals and operands need room above
             * sp, its frame below the current one. One unsigned compare decides that and, with the
             * frame byte read signed, a wide record or an import as well (format 36: an 8-byte
             * record's frame byte also counts the 2 slots of a 16-byte frame and stays below 128,
             * so only those records read -1, which no room holds); call_slow tells the three apart. */
#if defined(__arm__) && !defined(WQRT_FUEL)
            /* All in asm, to the dispatch: with the index read and the checks in C, GCC moved sp and
             * pc through scratch registers and back (4 moves a call, session 15). A one- or two-byte
             * index (below 16,384 functions); call_leb reads longer ones, and call_indirect and the
             * host's call take call_wasm's C. */
            uint32_t t_, z0_, z1_;
            __asm__ goto("ldrb %[t], [%[pc]], #1\n\t"
                    "cmp %[t], #127\n\t"
                    "bls 0f\n\t"
                    "ldrb %[z0], [%[pc]]\n\t"
                    "cmp %[z0], #127\n\t"
                    "bhi %l[call_leb]\n\t"
                    "adds %[pc], #1\n\t"
                    "sub %[t], %[t], #128\n\t"
                    "add %[t], %[t], %[z0], lsl #7\n"
                    "0:\tldr %[f], [%[rt], %[records]]\n\t"
                    "add %[f], %[f], %[t], lsl #3\n\t"
                    "ldrsb %[t], [%[f], #7]\n\t"
                    "sub %[z0], %[fr], %[sp]\n\t"
                    "cmp %[z0], %[t], lsl #3\n\t"
                    "bcc %l[call_slow]\n\t"
                    /* the push (the frame pointer moves with the first store), the callee's pc, stp, fp */
                    "strd %[pc], %[stp], [%[fr], #-16]!\n\t"
                    "ldrb %[t], [%[f], #5]\n\t"
                    "strd %[fp], %[t], [%[fr], #8]\n\t"
                    "ldrh %[t], [%[f]]\n\t"
                    "sub %[pc], %[f], %[t]\n\t"
                    "ldrh %[t], [%[f], #2]\n\t"
                    "add %[stp], %[f], %[t]\n\t"
                    "ldrb %[t], [%[f], #4]\n\t"
                    "sub %[fp], %[sp], %[t], lsl #3\n\t"
                    /* the zeroed locals: up to 8 by a jump into a run of stores (tbb), one
                     * instruction a local; beyond 8, one at a time down to 8 first */
                    "ldrb %[t], [%[f], #6]\n\t"
                    "cbz %[t], 2f\n\t"
                    "movs %[z0], #0\n\t"
                    "movs %[z1], #0\n\t"
                    "cmp %[t], #8\n\t"
                    "bls 5f\n"
                    "1:\tstrd %[z0], %[z1], [%[sp]], #8\n\t"
                    "sub %[t], %[t], #1\n\t"
                    "cmp %[t], #8\n\t"
                    "bhi 1b\n"
                    "5:\ttbb [pc, %[t]]\n"
                    "4:\t.byte (2f-4b)/2, (17f-4b)/2, (16f-4b)/2, (15f-4b)/2, (14f-4b)/2, (13f-4b)/2, (12f-4b)/2, (11f-4b)/2, (10f-4b)/2\n\t"
                    ".p2align 1\n"
                    "10:\tstrd.w %[z0], %[z1], [%[sp]], #8\n"
                    "11:\tstrd.w %[z0], %[z1], [%[sp]], #8\n"
                    "12:\tstrd.w %[z0], %[z1], [%[sp]], #8\n"
                    "13:\tstrd.w %[z0], %[z1], [%[sp]], #8\n"
                    "14:\tstrd.w %[z0], %[z1], [%[sp]], #8\n"
                    "15:\tstrd.w %[z0], %[z1], [%[sp]], #8\n"
                    "16:\tstrd.w %[z0], %[z1], [%[sp]], #8\n"
                    "17:\tstrd.w %[z0], %[z1], [%[sp]], #8\n"
                    "2:"
                    : [pc] "+r"(pc), [stp] "+r"(stp), [fp] "+r"(fp), [sp] "+r"(sp), [fr] "+r"(frame), [f] "=&r"(callee),
                      [t] "=&l"(t_), [z0] "=&r"(z0_), [z1] "=&r"(z1_)
                    : [rt] "r"(rt), [records] "i"(offsetof(struct M3Runtime, records)) : "memory", "cc" : call_leb, call_slow);
            DISPATCH;
#else
            uint32_t f;
            FETCH_BYTE(f);
            if (f >= 0x80) goto call_leb;
            callee = &rt->records[f];
#endif
        }
        call_wasm: {   /* call_indirect, call_leb and the host's call join here (a call on Cortex-M: 0x10's asm) */
            const WqFunc * f = callee;
#ifdef WQRT_FUEL
            if (rt->fuel && --rt->fuel == 0) TRAP(wqrt_Err_trapFuelExhausted);
#endif
            int32_t frm = *(const int8_t *)&f->frame;
            WqFrame * nf = frame - 1;
            /* sp never passes the frame pointer, so frame - sp is the room (the one compare, as in 0x10's
             * asm); a 64-bit host's frame is 32 bytes, not the 16 the record counts: two compares there */
            if (sizeof(WqFrame) == WQ_FRAME_SLOTS * 8u
                ? (uintptr_t)((uint8_t *)frame - (uint8_t *)sp) < (uintptr_t)(intptr_t)frm * 8u
                : frm < 0 || (uintptr_t)nf + WQ_FRAME_SLOTS * 8u < (uintptr_t)sp + (uintptr_t)frm * 8u) goto call_slow;
            frame = nf;
            /* the caller's state first: pc, stp and fp are free for the callee's from here */
            nf->pc = pc; nf->stp = stp; nf->fp = fp;
            /* the code and the side entries are relative to the record (format 28): no module base */
            pc = WQ_FUNC_CODE(f);
            stp = WQ_FUNC_SIDE(f);
            nf->nresults = f->nresults;
            fp = sp - f->nparams;
            /* zeroed locals: a bottom-tested loop, 3 instructions a local instead of 4 */
            uint32_t nloc = f->nlocals;
            if (nloc) { uint64_t * const e_ = sp + nloc; do *sp++ = 0; while (sp != e_); }
            DISPATCH;
        }
        OP(0x11) {
            uint32_t ti, tab; READ_U32(ti); READ_U32(tab);
            uint32_t i = (uint32_t)*--sp;
            WqTable * t = &rt->tables[tab];
            if (i >= t->size) TRAP(m3Err_trapTableIndexOutOfRange);
            uint32_t e = t->elems[i];
            if (!e) TRAP(m3Err_trapTableElementIsNull);
            uint32_t f = e - 1;
            if (f >= m->nfuncs) TRAP(m3Err_trapTableIndexOutOfRange);
            callee = &funcs[f];
            uint32_t ct = wq_func_type(m, f);
            if (ct != ti && types[ct].canon != types[ti].canon) TRAP(m3Err_trapIndirectCallTypeMismatch);
            goto call_wasm;
        }
        /* drop: a body of its own (GCC pointed its case at local.set's tail, whose dispatch then counted as
         * drop's: no copy of it in a per-image build) */
        OP(0x1a) sp--; __asm__ volatile(""); DISPATCH;
        /* popped last: GCC kept a popped sp in another register */
        OP(0x1b) {
            if (!(uint32_t)sp[-1]) sp[-3] = sp[-2];
            sp -= 2; DISPATCH;
        }
        /* an i32 or f32 local (format 37): the low word only, `ldr` with the index scaled (a 64-bit slot
         * needs its address first); a 64-bit local's local.get is WQ_OP_LGET64. A branch's target or a
         * taken `if`'s arm starting with local.get dispatches it too (session 17: a peek for it in the
         * branches cost 3 instructions a miss and 1 a hit, against the 2 of a replicated dispatch) */
        OP(0x20) { uint32_t i; READ_IDX(i); SET32(sp, fp[i]); sp++; DISPATCH; }
        OP(WQ_OP_LGET64) { uint32_t i; READ_IDX(i); *sp++ = fp[i]; DISPATCH; }
        /* local.set of an i32 or f32 local: the low word only, like local.get and local.tee (format 39); a 64-bit
         * local's is WQ_OP_LSET64 */
        OP(0x21) { uint32_t i; READ_IDX(i); SET32(&fp[i], *--sp); DISPATCH; }
        OP(WQ_OP_LSET64) { uint32_t i; READ_IDX(i); fp[i] = *--sp; DISPATCH; }
        /* local.tee of an i32 or f32 local: the low word only, like local.get (format 38); a 64-bit local's is
         * WQ_OP_LTEE64 */
        OP(0x22) {
            uint32_t i; READ_IDX(i); SET32(&fp[i], sp[-1]);
            DISPATCH;
        }
        OP(WQ_OP_LTEE64) { uint32_t i; READ_IDX(i); fp[i] = sp[-1]; DISPATCH; }
        OP(WQ_OP_LGET_LGET_ADD_LTEE) {
            uint32_t i, j, k; READ_IDX(i); j = pc[1]; k = pc[4]; pc += 5; COUNT_EXTRA(3);
            uint32_t v = (uint32_t)fp[i] + (uint32_t)fp[j]; SET32(&fp[k], v); SET32(sp, v); sp++; break;
        }
        /* globals: see wq_global_get in rt_internal.h. The plain opcodes are i32 and f32 globals
         * (the pre-decoder gives 64-bit and reference ones WQ_OP_GLOBAL64, format 37): the low word
         * only, like an i32.const */
        OP(0x23) { uint32_t i; READ_IDX(i); SET32(sp, globals[i]); sp++; DISPATCH; }
        OP(0x24) { uint32_t i; READ_IDX(i); globals[i] = (uint32_t)*--sp; DISPATCH; }
        /* the same with an index of two or more bytes (128+ locals or globals), and 64-bit or
         * reference globals (high word first on a write) */
        OP(WQ_OP_LOCAL_LEB) {   /* local.get / set / tee, the index raw with its kind (format 32: one opcode for the
                                 * three) */
            uint32_t b = pc[0], i, kind = b >> 6;
            if (kind != 3) { i = (b & 63) | (uint32_t)pc[1] << 6; pc += 2; }
            else if (b & 0x20) {   /* if / br_if with a multi-byte immediate: its length and which (format 34) */
                uint32_t n = b & 8 ? 3 + (b & 3) : 2;
                cond = (uint32_t)*--sp;
                if (b & 0x10) { if (cond) goto do_branch; }   /* br_if */
                else if (!cond) goto do_jump;
                pc += n; stp++; break;
            }
            else if (b >= 0xd0) {   /* global.get / global.set with a two-byte index (format 37: [0xd0 | g >> 8 << 1 |
                                     * set, g]) */
                off = (b & 0xe) << 7 | pc[1]; pc += 2;
                if (b & 1) goto do_global64_set;
                goto do_global64_get;
            }
            else if (b >= 0xcc) {   /* select with a type, [0xcc, t], and ref.null, [0xcd] or [0xce] (format 38: their
                                     * opcodes went to LTEE64 and LSET_LGET64; no workload has either) */
                if (b == 0xcc) { pc += 2; uint32_t c = (uint32_t)*--sp; sp--; if (!c) sp[-1] = sp[0]; break; }
#if WQRT_REFTYPES
                pc++; *sp++ = 0; break;
#else
                TRAP(wqrt_Err_unsupported);
#endif
            }
            else {
                kind = b & 3; i = *(const u16_u *)(pc + 1); pc += 3 + ((b >> 2) & 3);
                if (kind == 3) {   /* a global's longer index (format 37): g << 1 | set */
                    off = i >> 1;
                    if (i & 1) goto do_global64_set;
                    goto do_global64_get;
                }
            }
            if (kind == 0) *sp++ = fp[i];
            else if (kind == 1) fp[i] = *--sp;
            else fp[i] = sp[-1];
            break;
        }
        OP(WQ_OP_GLOBAL64) {   /* a 64-bit global, [g | set << 7] (format 37); LOCAL_LEB's global codes come here with g
                                * in off (the code each form took was measured the smallest: the flash budget) */
            off = *pc++;
            if (off < 0x80) goto do_global64_get;
            off -= 0x80;
        do_global64_set: {
            uint64_t v = *--sp; globals_hi[off] = (uint32_t)(v >> 32); globals[off] = (uint32_t)v; break;
        }
        do_global64_get: *sp++ = (uint64_t)globals_hi[off] << 32 | globals[off]; break;
        }
#if WQRT_REFTYPES
        OP(0x25) {
            uint32_t ti_; READ_U32(ti_); WqTable * t = &rt->tables[ti_];
            uint32_t i = (uint32_t)sp[-1];
            if (i >= t->size) TRAP(m3Err_trapTableOutOfBounds);
            sp[-1] = t->elems[i];
            break;
        }
        OP(0x26) {
            uint32_t ti_; READ_U32(ti_); WqTable * t = &rt->tables[ti_];
            uint64_t v = *--sp; uint32_t i = (uint32_t)*--sp;
            if (i >= t->size) TRAP(m3Err_trapTableOutOfBounds);
            t->elems[i] = (uint32_t)v;
            break;
        }

#endif
        /* Loads share one effective-address computation and bounds check, and so do stores
         * (the access width comes from a table); a second small switch does the access.
         * ~1.3 KB less flash than one inlined copy per opcode. The check is 32-bit: the add
         * must not carry and the access must end within the memory size. */
#define EA_CHECK(OP0, ...) \
            static const uint8_t width[] = { __VA_ARGS__ }; \
            uint32_t w = width[op - (OP0)], ea = (uint32_t)sp[-1] + off; \
            if (ea < off || w > MEM_BYTES || ea > MEM_BYTES - w) TRAP(m3Err_trapOutOfBoundsMemoryAccess); \
            uint8_t * a = MEM + ea;
/* A plain load or store has a one-byte align and a one-byte offset (below 128): the
 * pre-decoder gives longer ones WQ_OP_MEM_LEB, so the offset is one load, no LEB check. */
#define READ_MEMARG() (off = pc[1], pc += 2)
/* a loaded byte going on to local.tee (a one-byte index): stored from the register, the low
 * word only (an i32), without a dispatch */
#define BYTE_TEE(v) if (*pc == 0x22) { COUNT_FUSED(); uint32_t t_ = pc[1]; pc += 2; SET32(&fp[t_], (v)); DISPATCH; }
        OP(WQ_OP_MEM_LEB) {
            /* the original opcode - 0x28 in bits 0-4; bit 7 clear: a raw 16-bit offset follows
             * (format 25: a two-byte offset LEB, the common case); set: the offset's LEB, after
             * the align's continuation bytes when a byte below 0x80 gives their count */
            uint32_t x = *pc++;
            if (!(x & 0x80)) { off = *(const u16_u *)pc; pc += 2; }
            else { if (*pc < 0x80) pc += *pc; READ_U32(off); }
            x &= 31;
            op = 0x28 + x;
            /* every value its own case: a table jump, not a chain of compares */
            switch (x) {
            case 0x2d - 0x28: goto mem_load8_u;
            case 0x28 - 0x28: goto mem_load32;
            case 0x2e - 0x28: goto mem_load16_s;
            case 0x2f - 0x28: goto mem_load16_u;
            case 0x36 - 0x28: goto mem_store32;
            case 0x3a - 0x28: goto mem_store8;
            case 0x2c - 0x28: goto mem_load8_s;
            case 0x34 - 0x28: goto mem_load32_s;
            case 0x29 - 0x28 ... 0x2b - 0x28: case 0x30 - 0x28 ... 0x33 - 0x28: case 0x35 - 0x28: goto mem_load;
            case 0x3b - 0x28: goto mem_store16;
            case 0x37 - 0x28 ... 0x39 - 0x28: case 0x3c - 0x28 ... 0x3e - 0x28: goto mem_store;
            default: TRAP(m3Err_unknownOpcode);
            }
        }
        mem_load8_u: {   /* from WQ_OP_MEM_LEB */
            uint32_t ea = (uint32_t)sp[-1] + off;
            if (ea < off || ea >= MEM_BYTES) TRAP(m3Err_trapOutOfBoundsMemoryAccess);
            uint32_t v = MEM[ea];
            SET32(&sp[-1], v);
            BYTE_TEE(v)   /* usually kept in a local */
            break;
        }
/* An i32 load with its own copy (no width table, no inner switch): the access must start below
 * END (rt->mem_end4 / mem_end2), READ turns the address into the value */
#define LOAD_I32(END, READ) { \
            uint32_t ea = (uint32_t)sp[-1] + off; \
            if (ea < off || ea >= END) TRAP(m3Err_trapOutOfBoundsMemoryAccess); \
            SET32(&sp[-1], (uint32_t)(READ(MEM + ea))); \
            break; \
        }
        OP(0x28)   /* i32.load: compiled C's hot load (arrays, structs) keeps its own copy */
            READ_MEMARG();
        mem_load32: LOAD_I32(MEM_END4, *(const u32_u *))
        OP(0x2e)   /* i32.load16_s: 16-bit sample arrays (DSP code) */
            READ_MEMARG();
        mem_load16_s: LOAD_I32(MEM_END2, (int32_t)*(const s16_u *))
        OP(0x2f)   /* i32.load16_u: 16-bit fields and arrays (protocol headers, CoreMark's matrices) */
            READ_MEMARG();
        mem_load16_u: LOAD_I32(MEM_END2, *(const u16_u *))
        OP(0x2c)   /* i32.load8_s: signed byte arrays (int8 tensors: Embench depthconv, interp_embench) */
            READ_MEMARG();
        mem_load8_s: LOAD_I32(MEM_BYTES, (int32_t)*(const int8_t *))
        OP(0x34)   /* i64.load32_s: int32 arrays widened to 64 bits (Embench depthconv, interp_embench) */
            READ_MEMARG();
        mem_load32_s: {
            uint32_t ea = (uint32_t)sp[-1] + off;
            if (ea < off || ea >= MEM_END4) TRAP(m3Err_trapOutOfBoundsMemoryAccess);
            sp[-1] = (uint64_t)(int64_t)*(const s32_u *)(MEM + ea);
            break;
        }
        case 0x29 ... 0x2b: case 0x30 ... 0x33: case 0x35: GATE(WQ_USED_RANGE(0x29, 0x2b) || WQ_USED_RANGE(0x30, 0x33) || WQ_USED(0x35))
            READ_MEMARG();
        mem_load: {
            EA_CHECK(0x28, 4, 8, 4, 8, 1, 1, 2, 2, 1, 1, 2, 2, 4, 4)
            switch (op) {
            case 0x31: sp[-1] = *a; break;
            case 0x29: case 0x2b: sp[-1] = *(const u64_u *)a; break;
            case 0x33: sp[-1] = *(const u16_u *)a; break;
            case 0x30: sp[-1] = (uint64_t)(int64_t)(int8_t)*a; break;
            case 0x32: sp[-1] = (uint64_t)(int64_t)(int16_t)*(const u16_u *)a; break;
            default: sp[-1] = *(const u32_u *)a; break;   /* 0x2a, 0x35 (0x34 has its own handler) */
            }
            break;
        }
        OP(0x36)   /* i32.store: likewise */
            READ_MEMARG();
        mem_store32: {
            uint32_t v = (uint32_t)*--sp;
            uint32_t ea = (uint32_t)sp[-1] + off;
            if (ea < off || ea >= MEM_END4) TRAP(m3Err_trapOutOfBoundsMemoryAccess);
            sp--;
            *(u32_u *)(MEM + ea) = v;
            break;
        }
        OP(0x3a)   /* i32.store8: byte buffers and flag arrays */
            READ_MEMARG();
        mem_store8: {
            uint32_t v = (uint32_t)*--sp;
            uint32_t ea = (uint32_t)sp[-1] + off;
            if (ea < off || ea >= MEM_BYTES) TRAP(m3Err_trapOutOfBoundsMemoryAccess);
            sp--;
            MEM[ea] = (uint8_t)v;
            break;
        }
        OP(0x37) {   /* i64.store: its own copy (no width table, no inner switch): clang merges two adjacent
                      * int stores into one, so C's struct and array initialisers are full of them */
            READ_MEMARG();
            uint64_t v = *--sp;
            uint32_t ea = (uint32_t)sp[-1] + off;
            /* 8 bytes: both words must start below mem_end4 (below 2^32 - 3, so ea + 4 does not wrap
             * once ea passed) */
            if (ea < off || ea >= MEM_END4 || ea + 4 >= MEM_END4) TRAP(m3Err_trapOutOfBoundsMemoryAccess);
            sp--;
            *(u64_u *)(MEM + ea) = v;
            break;
        }
        OP(0x3b)   /* i32.store16: 16-bit arrays (picojpeg's coefficients, edn's samples) */
            READ_MEMARG();
        mem_store16: {
            uint32_t v = (uint32_t)*--sp;
            uint32_t ea = (uint32_t)sp[-1] + off;
            if (ea < off || ea >= MEM_END2) TRAP(m3Err_trapOutOfBoundsMemoryAccess);
            sp--;
            *(u16_u *)(MEM + ea) = (uint16_t)v;
            break;
        }
        case 0x38 ... 0x39: case 0x3c ... 0x3e: GATE(WQ_USED_RANGE(0x38, 0x39) || WQ_USED_RANGE(0x3c, 0x3e))
            READ_MEMARG();
        mem_store: {
            uint64_t v = *--sp;
            EA_CHECK(0x36, 4, 8, 4, 8, 1, 2, 1, 2, 4)
            sp--;
            switch (op) {
            case 0x3c: *a = (uint8_t)v; break;
            case 0x38: case 0x3e: *(u32_u *)a = (uint32_t)v; break;
            case 0x37: case 0x39: *(u64_u *)a = v; break;
            default: *(u16_u *)a = (uint16_t)v; break;   /* 0x3d */
            }
            break;
        }
        OP(0x2d) {   /* i32.load8_u: the hot load (byte codecs) keeps its own copy; pc moves once, at
                      * the end (moved first, GCC kept it in another register for the peek). Placed
                      * here, away from WQ_OP_MEM_LEB's switch, whose targets must stay within a tbb's reach */
            off = pc[1];
            uint32_t ea = (uint32_t)sp[-1] + off;
            if (ea < off || ea >= MEM_BYTES) { pc += 2; TRAP(m3Err_trapOutOfBoundsMemoryAccess); }
            uint32_t v = MEM[ea];
            SET32(&sp[-1], v);
            /* usually kept in a local */
            if (pc[2] == 0x22) {
                uint32_t t_ = pc[3]; pc += 2; COUNT_FUSED(); pc += 2; SET32(&fp[t_], v); DISPATCH;
            }
            pc += 2;
            break;
        }
        /* a spare value (format 39: memory.grow's, now [0xfc, 19]); validated code never holds it. A
         * case of its own: `local.get; i32.store` here (the value from the local) changed GCC's
         * allocation of the whole loop, and with no module using it `interp_suite.coremark.thumb_instructions`
         * and `interp_embench.slre` grew more than the form saved (docs/runtime-log.md, the
         * suite, session 18) */
        case 0x40: TRAP(m3Err_unknownOpcode);
        OP(0x41)
        do_i32_const: {   /* an i32 fills the low half of its slot only */
            uint32_t v; READ_S7(v);
            SET32(sp, v); sp++; DISPATCH;
        }
        OP(0x42) { pc = leb_s64(pc, sp); sp++; break; }
        OP(0x43) { uint32_t v = *(const u32_u *)pc; pc += 4; *sp++ = v; break; }
        OP(0x44) { uint64_t v = *(const u64_u *)pc; pc += 8; *sp++ = v; break; }
        /* Constants rewritten by the pre-decoder (host-tools/wasm/predecode.ts, OP): the same
         * bytes, a fixed-width little-endian immediate instead of a multi-byte LEB. */
        OP(WQ_OP_I32_CONST_16) {
            uint32_t v = (uint32_t)(int32_t)*(const s16_u *)pc; pc += 2; SET32(sp, v); sp++; break;
        }
        OP(WQ_OP_I32_CONST_24) {
            uint32_t v = (uint32_t)(*(const s32_u *)(pc - 1) >> 8); pc += 3; SET32(sp, v); sp++; break;
        }
        OP(WQ_OP_I32_CONST_32) { uint32_t v = *(const u32_u *)pc; pc += 4; SET32(sp, v); sp++; break; }
        OP(WQ_OP_I32_CONST_32_PAD) { uint32_t v = *(const u32_u *)pc; pc += 5; SET32(sp, v); sp++; break; }
        OP(WQ_OP_I64_CONST_8) { sp[0] = (uint64_t)(int64_t)(int8_t)*pc; pc++; sp++; break; }
        OP(WQ_OP_I64_CONST_RAW) {   /* clang merges two int constant stores into one i64.store of such a constant */
            uint32_t lo = *(const u32_u *)pc, x = pc[4], hi;
            if (x & 1) { hi = *(const u32_u *)(pc + 5); pc += 9 + (x >> 1); }
            else {
                uint32_t pad = (x >> 1) & 3; hi = (uint32_t)(*(const s32_u *)(pc + 1 + pad) >> (27 - 8 * pad));
                pc += 5 + pad;
            }
            /* (as one 64-bit store GCC moved sp twice) */
            SET32(sp, lo); SET32((uint32_t *)(void *)sp + 1, hi); sp++; break;
        }
        /* Sequences fused by the pre-decoder: the first opcode byte replaced, the rest as in the
         * original (the handler steps over the inner opcodes, pc++). */
        OP(WQ_OP_LTEE_STORE) {   /* *p = x with x kept in a local (an i32: its low word, as an i32 result) */
            uint32_t v = (uint32_t)sp[-1]; SET32(&fp[pc[0]], v);
            off = pc[3]; COUNT_EXTRA(1);   /* pc moves once, at the end */
            uint32_t ea = (uint32_t)sp[-2] + off;
            if (ea < off || ea >= MEM_END4) { pc += 4; TRAP(m3Err_trapOutOfBoundsMemoryAccess); }
            sp -= 2;
            *(u32_u *)(MEM + ea) = v;
            pc += 4;
            break;
        }
        /* also x - c, as x + -c */
        OP(WQ_OP_I32C_ADD) {
            uint32_t v = (uint32_t)(int32_t)(int8_t)*pc; pc += 2; COUNT_EXTRA(1); SET32(&sp[-1], (uint32_t)sp[-1] + v);
            break;
        }
        /* i32.const c; <op> with c a raw signed byte (shift counts already masked, rotl as a
         * right-rotate count): one load of the operand, no push and pop */
#define I32C8(expr) { uint32_t b = (uint32_t)(int32_t)(int8_t)*pc; pc += 2; COUNT_EXTRA(1); uint32_t a = (uint32_t)sp[-1]; SET32(&sp[-1], expr); break; }
        OP(WQ_OP_I32C8_SHR_S) I32C8((uint32_t)((int32_t)a >> b))
        OP(WQ_OP_I32C8_AND) I32C8(a & b)
        OP(WQ_OP_I32C8_SHL) I32C8(a << b)
        OP(WQ_OP_I32C8_SHR_U) I32C8(a >> b)
        OP(WQ_OP_I32C8_MUL) I32C8(a * b)
        OP(WQ_OP_LGET_ADD) {
            uint32_t i; READ_IDX(i); pc++; COUNT_EXTRA(1); SET32(&sp[-1], (uint32_t)sp[-1] + (uint32_t)fp[i]); break;
        }
        /* both locals i32 or f32: one word each way (format 38); either 64-bit: WQ_OP_LSET_LGET64, both words */
        OP(WQ_OP_LSET_LGET) {
            uint32_t i, j; READ_IDX(i); pc++; READ_IDX(j); COUNT_EXTRA(1); SET32(&fp[i], sp[-1]); SET32(&sp[-1], fp[j]);
            break;
        }
        OP(WQ_OP_LSET_LGET64) {
            uint32_t i, j; READ_IDX(i); pc++; READ_IDX(j); COUNT_EXTRA(1); fp[i] = sp[-1]; sp[-1] = fp[j]; break;
        }
        OP(WQ_OP_LGET_I32C_ADD) {
            uint32_t i, v; READ_IDX(i); pc++; READ_S7(v); pc++; COUNT_EXTRA(2); SET32(sp, (uint32_t)fp[i] + v); sp++;
            break;
        }
        OP(WQ_OP_I32C16_ADD) {
            uint32_t v = (uint32_t)(int32_t)*(const s16_u *)pc; pc += 3; COUNT_EXTRA(1);
            SET32(&sp[-1], (uint32_t)sp[-1] + v); break;
        }
        OP(WQ_OP_LGET_I32C16_ADD) {
            uint32_t i; READ_IDX(i); uint32_t v = (uint32_t)(int32_t)*(const s16_u *)(pc + 1); pc += 4; COUNT_EXTRA(2);
            SET32(sp, (uint32_t)fp[i] + v); sp++; break;
        }
        OP(WQ_OP_ADD_LSET) {
            uint32_t i = pc[1]; pc += 2; COUNT_EXTRA(1); sp -= 2; SET32(&fp[i], (uint32_t)sp[0] + (uint32_t)sp[1]);
            break;
        }
        OP(WQ_OP_ADD_LTEE) {
            uint32_t i = pc[1]; pc += 2; COUNT_EXTRA(1);
            uint32_t r = (uint32_t)sp[-2] + (uint32_t)sp[-1];
            SET32(&sp[-2], r); SET32(&fp[i], r); sp--;   /* popped last, as select */
            if (*pc == 0x41) { COUNT_FUSED(); pc++; goto do_i32_const; }   /* as local.tee */
            break;
        }
        /* 64-bit shifts by a constant (0..63) */
        OP(WQ_OP_LGET_SHL_LGET_SHR_U_OR) {   /* a << c | b >> d: a multiword shift's funnel (bignum and 128-bit code) */
            uint64_t r = shl64c(fp[pc[0]], pc[2]) | shr64c(fp[pc[5]], pc[7]);
            pc += 10; COUNT_EXTRA(6);
            sp[0] = r; sp++; break;   /* pushed, then sp moved: with *sp++ GCC copied sp twice */
        }
        OP(WQ_OP_I64C8_SHR_U) { uint32_t c = pc[0]; pc += 2; COUNT_EXTRA(1); sp[-1] = shr64c(sp[-1], c); break; }
        /* x & a 32-bit mask */
        OP(WQ_OP_I32C32_AND) {
            uint32_t v = *(const u32_u *)pc; pc += 6; COUNT_EXTRA(1); SET32(&sp[-1], (uint32_t)sp[-1] & v); break;
        }
        OP(WQ_OP_I32C16_AND) {
            uint32_t v = (uint32_t)(int32_t)*(const s16_u *)pc; pc += 3; COUNT_EXTRA(1);
            SET32(&sp[-1], (uint32_t)sp[-1] & v); break;
        }
        /* x & 0xffff: a 16- to 20-bit mask */
        OP(WQ_OP_I32C24_AND) {
            uint32_t v = (uint32_t)(*(const s32_u *)(pc - 1) >> 8); pc += 4; COUNT_EXTRA(1);
            SET32(&sp[-1], (uint32_t)sp[-1] & v); break;
        }
        OP(WQ_OP_LGET_C8_ROTL) {
            uint32_t i; READ_IDX(i); uint32_t c = pc[1], a = (uint32_t)fp[i]; pc += 3; COUNT_EXTRA(2);
            SET32(sp, (a >> c) | (a << ((32 - c) & 31))); sp++; break;
        }
        OP(WQ_OP_SHL_SHR_S) {
            uint32_t k = pc[0], j = pc[3]; pc += 5; COUNT_EXTRA(3);
            SET32(&sp[-1], (uint32_t)((int32_t)((uint32_t)sp[-1] << k) >> j)); break;
        }
        OP(WQ_OP_LGET_I32C_ADD_LSET) {
            uint32_t i; READ_IDX(i); uint32_t v = S7(pc[1]), j = pc[4]; pc += 5; COUNT_EXTRA(3);
            SET32(&fp[j], (uint32_t)fp[i] + v); break;
        }
        OP(WQ_OP_LGET_I32C_ADD_LTEE) {
            uint32_t i; READ_IDX(i); uint32_t v = S7(pc[1]), j = pc[4]; pc += 5; COUNT_EXTRA(3); v += (uint32_t)fp[i];
            SET32(&fp[j], v); SET32(sp, v); sp++; break;
        }
        /* a read once: the store to the local may alias the slot for GCC */
        OP(WQ_OP_LTEE_I32C_ADD) {
            uint32_t i; READ_IDX(i); uint32_t a = (uint32_t)sp[-1]; SET32(&fp[i], a); uint32_t v = S7(pc[1]); pc += 3;
            COUNT_EXTRA(2); SET32(&sp[-1], a + v); break;
        }
        OP(WQ_OP_LTEE_C8_SHR_U_LGET_XOR) {   /* x = v; v >> k ^ b (b read after the store: it may be x) */
            uint32_t v = (uint32_t)sp[-1]; SET32(&fp[pc[0]], v);
            uint32_t kb = pc[2];   /* k (0..31, the pre-decoder's choice), in bits 5-6 the scatter's terms, in bit 7 its
                                    * kind */
            uint32_t r = (v >> (kb & 31)) ^ (uint32_t)fp[pc[5]];
            if (kb >> 5) {   /* then y ^= r << k1 ^ r << k2 ...: `local.tee c; i32.const k1; i32.shl; i32.xor` and up to
                              * two `local.get c; i32.const k; i32.shl; i32.xor` (a table-less CRC's byte step; session
                              * 15) */
                uint32_t n = (kb >> 5) & 3, y;
                if (kb & 0x80) {   /* or `local.set c; local.get d; i32.const k0; i32.shl` first, then one to three
                                    * `local.get c; ...`: y = d << k0 ^ r << k1 ..., in x's slot (d read after c is
                                    * set) */
                    SET32(&fp[pc[8]], r);
                    y = ((uint32_t)fp[pc[10]] << pc[12]) ^ (r << pc[17]);
                    if (n == 3) {   /* the CRC's: straight on (no count tests, a constant pc step) */
                        SET32(&sp[-1], y ^ r << pc[23] ^ r << pc[29]);
                        pc += 32; COUNT_EXTRA(20);
                        break;
                    }
                    if (n >= 2) y ^= r << pc[23];
                    if (n >= 3) y ^= r << pc[29];
                    SET32(&sp[-1], y);
                    pc += 14 + 6 * n; COUNT_EXTRA(8 + 4 * n);
                    break;
                }
                y = (uint32_t)sp[-2] ^ (r << pc[10]);
                SET32(&fp[pc[8]], r);
                if (n == 3) {   /* likewise */
                    y ^= r << pc[16] ^ r << pc[22];
                    if (pc[11] == 0x01) {   /* the first term's shl byte marks `local.tee t; i32.const k; i32.shr_u;
                                             * i32.xor` after the terms: y kept in t, the value below it ^= y >> k
                                             * (session 16) */
                        SET32(&fp[pc[26]], y);
                        sp -= 2; SET32(&sp[-1], (uint32_t)sp[-1] ^ (y >> pc[28]));
                        pc += 31; COUNT_EXTRA(20);
                        break;
                    }
                    sp--; SET32(&sp[-1], y);
                    pc += 25; COUNT_EXTRA(16);
                    break;
                }
                if (n >= 2) y ^= r << pc[16];
                if (n >= 3) y ^= r << pc[22];
                sp--; SET32(&sp[-1], y);
                pc += 7 + 6 * n; COUNT_EXTRA(4 + 4 * n);
                break;
            }
            pc += 7; COUNT_EXTRA(4);
            SET32(&sp[-1], r);
            break;
        }
        OP(WQ_OP_LGET_C8_SHR_U_XOR) {
            uint32_t i; READ_IDX(i); uint32_t c = pc[1]; pc += 4; COUNT_EXTRA(3);
            SET32(&sp[-1], (uint32_t)sp[-1] ^ ((uint32_t)fp[i] >> c)); break;
        }
        OP(WQ_OP_LGET_C8_SHL_XOR) {
            uint32_t i; READ_IDX(i); uint32_t c = pc[1]; pc += 4; COUNT_EXTRA(3);
            SET32(&sp[-1], (uint32_t)sp[-1] ^ ((uint32_t)fp[i] << c)); break;
        }
        OP(WQ_OP_LGET_C8_ROTL_XOR) {
            uint32_t i; READ_IDX(i); uint32_t c = pc[1], a = (uint32_t)fp[i]; pc += 4; COUNT_EXTRA(3);
            SET32(&sp[-1], (uint32_t)sp[-1] ^ ((a >> c) | (a << ((32 - c) & 31)))); break;
        }
        OP(WQ_OP_LGET_I32C16_ADD_LOAD16_S) {   /* a[i + c]: the address never goes through the stack */
            uint32_t i; READ_IDX(i); uint32_t addr = (uint32_t)fp[i] + (uint32_t)(int32_t)*(const s16_u *)(pc + 1);
            off = pc[6]; pc += 7; COUNT_EXTRA(3);
            uint32_t ea = addr + off;
            if (ea < off || ea >= MEM_END2) TRAP(m3Err_trapOutOfBoundsMemoryAccess);
            SET32(sp, (uint32_t)(int32_t)*(const s16_u *)(MEM + ea)); sp++;
            break;
        }
        OP(WQ_OP_LGET_I32C16_ADD_LOAD8_U) {   /* a[i + c] of bytes */
            /* pc moves once, at the end: peeking after moving it, GCC kept it in another register */
            uint32_t addr = (uint32_t)fp[pc[0]] + (uint32_t)(int32_t)*(const s16_u *)(pc + 2);
            off = pc[7]; COUNT_EXTRA(3);
            uint32_t ea = addr + off;
            if (ea < off || ea >= MEM_BYTES) { pc += 8; TRAP(m3Err_trapOutOfBoundsMemoryAccess); }
            /* a flag array's test */
            if (pc[8] == 0x0d) {
                pc += 8; COUNT_FUSED(); if (MEM[ea]) {
                    pc++; goto do_branch;
                } pc += 2; stp++; DISPATCH;
            }
            SET32(sp, MEM[ea]); sp++;
            pc += 8;
            break;
        }
        OP(WQ_OP_C16_AND_C8_SHL_C16_ADD_LOAD) {   /* T[x & m] of words (a CRC's or a hash's table): masked, scaled,
                                                   * added to the table's address and loaded, the address never on the
                                                   * stack */
            uint32_t addr = (((uint32_t)sp[-1] & (uint32_t)(int32_t)*(const s16_u *)pc) << pc[4])
                            + (uint32_t)(int32_t)*(const s16_u *)(pc + 7);
            off = pc[12]; pc += 13; COUNT_EXTRA(6);
            uint32_t ea = addr + off;
            if (ea < off || ea >= MEM_END4) TRAP(m3Err_trapOutOfBoundsMemoryAccess);
            SET32(&sp[-1], *(const u32_u *)(MEM + ea));
            break;
        }
        OP(WQ_OP_I32C16_LOAD) {   /* a C global: its address a constant */
            uint32_t addr = (uint32_t)(int32_t)*(const s16_u *)pc; off = pc[4]; pc += 5; COUNT_EXTRA(1);
            uint32_t ea = addr + off;
            if (ea < off || ea >= MEM_END4) TRAP(m3Err_trapOutOfBoundsMemoryAccess);
            SET32(sp, *(const u32_u *)(MEM + ea)); sp++;
            break;
        }
        OP(WQ_OP_I32C16_LOAD8_U) {   /* a C global byte (flags, state variables); pc moves once, at the end (as
                                      * i32.load8_u) */
            cond = (uint32_t)(int32_t)*(const s16_u *)pc;
        load8_u_at:
            off = pc[4]; COUNT_EXTRA(1);
            uint32_t ea = cond + off;
            if (ea < off || ea >= MEM_BYTES) { pc += 5; TRAP(m3Err_trapOutOfBoundsMemoryAccess); }
            uint32_t v = MEM[ea];
            SET32(sp, v); sp++;
            /* as i32.load8_u */
            if (pc[5] == 0x22) {
                uint32_t t_ = pc[6]; pc += 5; COUNT_FUSED(); pc += 2; SET32(&fp[t_], v); DISPATCH;
            }
            pc += 5;
            break;
        }
        OP(WQ_OP_LGET_LGET_ADD_LOAD8_U)   /* p[i] of bytes: on as above, the add's operand where the constant is */
            cond = (uint32_t)fp[pc[0]] + (uint32_t)fp[pc[2]]; pc += 2; COUNT_EXTRA(2); goto load8_u_at;
        OP(WQ_OP_LGET_LOAD) {   /* p->field: the address never goes through the stack */
            off = pc[3];   /* pc moves once, at the end (as LGET_LOAD8_U) */
            uint32_t ea = (uint32_t)fp[pc[0]] + off;
            if (ea < off || ea >= MEM_END4) { pc += 4; TRAP(m3Err_trapOutOfBoundsMemoryAccess); }
            uint32_t v = *(const u32_u *)(MEM + ea);
            if (pc[2] & 0x40) {   /* p = p->next; while (p): local.tee b; br_if l (the pre-decoder's mark in the align
                                   * byte) */
                SET32(&fp[pc[5]], v); COUNT_EXTRA(3);
                if (v) { pc += 7; goto TAKEN_BRANCH; }   /* pc just past the br_if's opcode */
                pc += 8; stp++; DISPATCH;
            }
            SET32(sp, v); sp++; COUNT_EXTRA(1);
            pc += 4;
            break;
        }
        /* x >> c | y, x << c | y: 64-bit funnel shifts (bignum and crypto code) */
        OP(WQ_OP_LGET_I64C8_SHR_S_OR) {
            uint32_t i; READ_IDX(i); uint32_t c = pc[1]; pc += 4; COUNT_EXTRA(3); sp[-1] |= sar64c(fp[i], c); break;
        }
        OP(WQ_OP_LGET_I64C8_SHL_OR) {
            uint32_t i; READ_IDX(i); uint32_t c = pc[1]; pc += 4; COUNT_EXTRA(3); sp[-1] |= shl64c(fp[i], c); break;
        }
        OP(WQ_OP_I64_LT_U_SELECT) {   /* a < b ? x : y on 64-bit a, b: a branch-free conditional subtract, min or max */
            uint64_t a = sp[-2], b = sp[-1];
            if (!(a < b)) sp[-4] = sp[-3];
            sp -= 3; pc++; COUNT_EXTRA(1);   /* popped last, as select */
            break;
        }
        OP(WQ_OP_LGET_I64_LTU_EXTU) {   /* (uint64_t)(x < b), (uint64_t)(x <= b): multiword arithmetic's carry or borrow
                                         * as a value */
            uint64_t a = sp[-1], b = fp[pc[0]];
#if defined(__arm__)
            /* one subtract for both, b - a - 1 + C with C = bit 3 of the compare's opcode (clear for i64.lt_u,
             * 0x54; set for i64.le_u, 0x58): it leaves C set exactly when the compare holds. No branch */
            uint32_t r_, z_;
            __asm__ volatile("ldrb %[r], [%[pc], #1]\n\t"
                             "lsls %[r], %[r], #29\n\t"
                             "sbcs %[r], %Q[b], %Q[a]\n\t"
                             "sbcs %[r], %R[b], %R[a]\n\t"
                             "movs %[z], #0\n\t"
                             "adc %[r], %[z], #0\n\t"
                             "strd %[r], %[z], [%[sp], #-8]"
                             : [r] "=&r"(r_), [z] "=&r"(z_) : [a] "r"(a), [b] "r"(b), [pc] "r"(pc), [sp] "r"(sp) : "cc", "memory");
            (void)r_; (void)z_;
#else
            sp[-1] = pc[1] & 4 ? a < b : a <= b;   /* i64.lt_u is 0x54, i64.le_u 0x58 */
#endif
            pc += 3; COUNT_EXTRA(2);
            break;
        }
        /* x & 0xffffffff */
        OP(WQ_OP_I64C_U32_AND) {
            uint32_t k = *(const u32_u *)pc; pc += 6; COUNT_EXTRA(1); sp[-1] &= k; break;
        }
        /* DSP code's multiply-accumulate: acc + x * y with acc in a local, and x * a[i] of 16-bit samples */
        /* popped last, as select */
        OP(WQ_OP_MUL_LGET_ADD) {
            uint32_t r = (uint32_t)sp[-2] * (uint32_t)sp[-1] + (uint32_t)fp[pc[1]]; pc += 3; COUNT_EXTRA(2);
            SET32(&sp[-2], r); sp--; break;
        }
        OP(WQ_OP_MUL_ADD_LSET) {
            uint32_t r = (uint32_t)sp[-3] + (uint32_t)sp[-2] * (uint32_t)sp[-1]; SET32(&fp[pc[2]], r); pc += 3;
            COUNT_EXTRA(2); sp -= 3; break;
        }
        OP(WQ_OP_LOAD16_S_MUL) {   /* the loaded sample may be kept in a local first (local.tee t) */
            off = pc[1];
            uint32_t ea = (uint32_t)sp[-1] + off;
            if (ea < off || ea >= MEM_END2) { pc += 2; TRAP(m3Err_trapOutOfBoundsMemoryAccess); }
            uint32_t v = (uint32_t)(int32_t)*(const s16_u *)(MEM + ea);
            sp--; SET32(&sp[-1], (uint32_t)sp[-1] * v);
            pc += 3; COUNT_EXTRA(1);
            break;
        }
        OP(WQ_OP_I64C8_ADD_LTEE_I64C8_NE_BR_IF) {   /* while (--n != k) with a 64-bit n: n += c, stored, compared, on to
                                                     * the br_if */
            uint64_t v = sp[-1] + (uint64_t)(int64_t)(int8_t)pc[0];
            fp[pc[3]] = v; sp--; COUNT_EXTRA(5);
            /* pc just past the br_if's opcode */
            if (v != (uint64_t)(int64_t)(int8_t)pc[5]) {
                pc += 8; goto do_branch;
            }
            pc += 9; stp++; DISPATCH;
        }
        OP(WQ_OP_LGET_LOAD8_U) {   /* load<u8>(p): the address never goes through the stack. No peek for a following
                                    * local.tee (session 17: on the publish path it missed nearly always, 4 instructions
                                    * a dispatch; i32.load8_u and the constant-address form keep theirs) */
            off = pc[3]; COUNT_EXTRA(1);   /* pc moves once, at the end (as i32.load8_u) */
            uint32_t ea = (uint32_t)fp[pc[0]] + off;
            if (ea < off || ea >= MEM_BYTES) { pc += 4; TRAP(m3Err_trapOutOfBoundsMemoryAccess); }
            uint32_t v = MEM[ea];
            SET32(sp, v); sp++;
            pc += 4;
            break;
        }
        OP(WQ_OP_LGET_I32C16_ADD_I32C_STORE8) {   /* a[i + c] = v of bytes (a flag array) */
            uint32_t i; READ_IDX(i); uint32_t addr = (uint32_t)fp[i] + (uint32_t)(int32_t)*(const s16_u *)(pc + 1);
            uint32_t v = S7(pc[5]); off = pc[8]; pc += 9; COUNT_EXTRA(4);
            uint32_t ea = addr + off;
            if (ea < off || ea >= MEM_BYTES) TRAP(m3Err_trapOutOfBoundsMemoryAccess);
            MEM[ea] = (uint8_t)v;
            break;
        }
        OP(WQ_OP_I32C_STORE8) {
            uint32_t v = S7(pc[0]); off = pc[3]; pc += 4; COUNT_EXTRA(1);
            uint32_t ea = (uint32_t)sp[-1] + off;
            if (ea < off || ea >= MEM_BYTES) TRAP(m3Err_trapOutOfBoundsMemoryAccess);
            sp--;
            MEM[ea] = (uint8_t)v;
            break;
        }
        OP(WQ_OP_LGET_LGET_ADD) {
            uint32_t i, j; READ_IDX(i); pc++; READ_IDX(j); pc++; COUNT_EXTRA(2);
            SET32(sp, (uint32_t)fp[i] + (uint32_t)fp[j]); sp++; break;
        }

#define A32 ((uint32_t)sp[-2])
#define B32 ((uint32_t)sp[-1])
#define A64 (sp[-2])
#define B64 (sp[-1])
#define BIN32(expr) { uint32_t a = A32, b = B32; (void)a; (void)b; sp--; SET32(&sp[-1], expr); DISPATCH; }
#define BIN64(expr) { uint64_t a = A64, b = B64; (void)a; (void)b; sp--; sp[-1] = (uint64_t)(expr); DISPATCH; }
#define CMP64(expr) { uint64_t a = A64, b = B64; sp--; SET32(&sp[-1], expr); DISPATCH; }
#define UN32(expr) { uint32_t a = (uint32_t)sp[-1]; SET32(&sp[-1], expr); DISPATCH; }
#define UN64(expr) { uint64_t a = sp[-1]; sp[-1] = (uint64_t)(expr); DISPATCH; }
/* An i32 comparison followed by `if` or `br_if` (a third of all comparisons in the codec)
 * hands its result straight to the branch: one dispatch and a stack push/pop fewer. Every
 * comparison ends in one of two shared tails (cond_true / cond_false, its operands popped),
 * chosen by the compare's own flags, rather than a copy of them. */
#define COND_TO(expr) { if (expr) goto cond_true; goto cond_false; }
#define FUSE_COND(npop, expr) { sp -= (npop); COND_TO(expr) }
#define CMP32(expr) { uint32_t a = A32, b = B32; FUSE_COND(2, expr) }
#define I32C8_CMP(expr) { uint32_t b = (uint32_t)(int32_t)(int8_t)*pc; pc += 2; COUNT_EXTRA(1); uint32_t a = (uint32_t)sp[-1]; sp--; COND_TO(expr) }
        OP(WQ_OP_I32C8_EQ) I32C8_CMP(a == b)
        OP(WQ_OP_I32C8_NE) I32C8_CMP(a != b)
        OP(WQ_OP_I32C8_LT_S) I32C8_CMP((int32_t)a < (int32_t)b)
        OP(WQ_OP_I32C8_GT_S) I32C8_CMP((int32_t)a > (int32_t)b)
        OP(WQ_OP_LOOP_STEP_BR_IF) {   /* i -= 1 (i += c); while (i): a counted loop's back edge, no stack traffic */
            uint32_t v = (uint32_t)fp[pc[0]] + S7(pc[2]);
            SET32(&fp[pc[5]], v); COUNT_EXTRA(4);
            if (v) { pc += 7; goto TAKEN_BRANCH; }   /* pc just past the br_if's opcode */
            pc += 8; stp++; DISPATCH;
        }
        OP(WQ_OP_LOOP_STEP_NE16_BR_IF) {   /* i += c; while (i != n) */
            uint32_t v = (uint32_t)fp[pc[0]] + S7(pc[2]);
            SET32(&fp[pc[5]], v); COUNT_EXTRA(6);
            if (v != (uint32_t)(int32_t)*(const s16_u *)(pc + 7)) { pc += 11; goto TAKEN_BRANCH; }
            pc += 12; stp++; DISPATCH;
        }
        OP(WQ_OP_LOOP_STEP_LT8_BR_IF) {   /* i += c; while (i < n), unsigned, n a small constant */
            uint32_t v = (uint32_t)fp[pc[0]] + S7(pc[2]);
            SET32(&fp[pc[5]], v); COUNT_EXTRA(6);
            if (v < S7(pc[7])) { pc += 10; goto TAKEN_BRANCH; }
            pc += 11; stp++; DISPATCH;
        }
        OP(WQ_OP_LOOP_LSTEP_LT16_BR_IF) {   /* j += s; while (j < n), unsigned */
            uint32_t v = (uint32_t)fp[pc[0]] + (uint32_t)fp[pc[2]];   /* s read before the store: it may be b */
            SET32(&fp[pc[5]], v); COUNT_EXTRA(6);
            if (v >= (uint32_t)(int32_t)*(const s16_u *)(pc + 7)) { pc += 12; stp++; DISPATCH; }
            pc += 11; goto TAKEN_BRANCH;
        }
        OP(WQ_OP_LGET_C8_EQ) {
            uint32_t i; READ_IDX(i); uint32_t b = (uint32_t)(int32_t)(int8_t)pc[1]; pc += 3; COUNT_EXTRA(2);
            COND_TO((uint32_t)fp[i] == b) }
        OP(WQ_OP_LGET_LGET_LT_U) {   /* `p < end`, `i < n` on two locals; a following `if` on the compare's own flags
                                      * (no 0/1 to test) */
            uint32_t a = (uint32_t)fp[pc[0]], b = (uint32_t)fp[pc[2]]; pc += 4; COUNT_EXTRA(2);
            if (*pc == 0x04) { COUNT_FUSED(); if (a >= b) { pc++; goto do_jump; } pc += 2; stp++; DISPATCH; }
            COND_TO(a < b)
        }
        /* x < a bound kept in a global. Last before cond_true: a per-image build copies the dispatch only
         * into hot handlers, and takes the tails for part of this one */
        OP(WQ_OP_GGET_LT_U) {
            uint32_t i = pc[0]; pc += 2; COUNT_EXTRA(1); uint32_t a = (uint32_t)sp[-1]; sp--; COND_TO(a < globals[i])
        }
        /* a comparison's result, its operands popped: on to a following if / br_if (one-byte
         * immediate). Two tails, one per outcome: the comparison's own flags choose, with no 0/1
         * made and tested again (one tail was 3-4 instructions more a comparison, session 17) */
        cond_true: {
            uint32_t nx = *pc;
            if (nx == 0x04) {
                COUNT_FUSED();
                stp++; pc += 2; DISPATCH;
            }
            if (nx == 0x0d) { COUNT_FUSED(); pc++; goto TAKEN_BRANCH; }
            SET32(sp, 1); sp++; DISPATCH;
        }
        cond_false: {
            uint32_t nx = *pc;
            if (nx == 0x04) { COUNT_FUSED(); pc++; goto do_jump; }
            if (nx == 0x0d) { COUNT_FUSED(); pc += 2; stp++; DISPATCH; }
            SET32(sp, 0); sp++; DISPATCH;
        }
        OP(0x45) {   /* i32.eqz: a following br_if or if tested here on the value itself (`while (!x)`, `if (!(f &
                      * m))`), without the comparisons' tails (through them, br_if only: the `if`s paid 2 more) */
            uint32_t a = (uint32_t)sp[-1], nx = *pc;
            if (nx == 0x0d) { COUNT_FUSED(); sp--; if (!a) { pc++; goto TAKEN_BRANCH; } pc += 2; stp++; DISPATCH; }
            if (nx == 0x04) {
                COUNT_FUSED(); sp--;
                if (a) { pc++; goto do_jump; }
                stp++; pc += 2; DISPATCH;
            }
            SET32(&sp[-1], a == 0); DISPATCH;
        }
        OP(0x46) CMP32(a == b)
        OP(0x47) CMP32(a != b)
        OP(0x48) CMP32((int32_t)a < (int32_t)b)
        OP(0x49) CMP32(a < b)
        OP(0x4a) CMP32((int32_t)a > (int32_t)b)
        OP(0x4b) CMP32(a > b)
        OP(0x4c) CMP32((int32_t)a <= (int32_t)b)
        OP(0x4d) CMP32(a <= b)
        OP(0x4e) CMP32((int32_t)a >= (int32_t)b)
        OP(0x4f) CMP32(a >= b)
        OP(0x50) sp[-1] = (uint32_t)(sp[-1] == 0); break;
        OP(0x51) CMP64(a == b)
        OP(0x52) CMP64(a != b)
        OP(0x53) CMP64((int64_t)a < (int64_t)b)
        OP(0x54) CMP64(a < b)
        OP(0x55) CMP64((int64_t)a > (int64_t)b)
        OP(0x56) CMP64(a > b)
        OP(0x57) CMP64((int64_t)a <= (int64_t)b)
        OP(0x58) CMP64(a <= b)
        OP(0x59) CMP64((int64_t)a >= (int64_t)b)
        OP(0x5a) CMP64(a >= b)
#if WQRT_FLOATS
#define FCMP32(expr) { float a = f32_of(sp[-2]), b = f32_of(sp[-1]); sp--; sp[-1] = (uint32_t)(expr); break; }
#define FCMP64(expr) { double a = f64_of(sp[-2]), b = f64_of(sp[-1]); sp--; sp[-1] = (uint32_t)(expr); break; }
        OP(0x5b) FCMP32(a == b)
        OP(0x5c) FCMP32(a != b)
        OP(0x5d) FCMP32(a < b)
        OP(0x5e) FCMP32(a > b)
        OP(0x5f) FCMP32(a <= b)
        OP(0x60) FCMP32(a >= b)
        OP(0x61) FCMP64(a == b)
        OP(0x62) FCMP64(a != b)
        OP(0x63) FCMP64(a < b)
        OP(0x64) FCMP64(a > b)
        OP(0x65) FCMP64(a <= b)
        OP(0x66) FCMP64(a >= b)
#endif
        OP(0x67) UN32(a ? (uint32_t)__builtin_clz(a) : 32u)
        OP(0x68) UN32(a ? (uint32_t)__builtin_ctz(a) : 32u)
        OP(0x69) UN32((uint32_t)__builtin_popcount(a))
        OP(0x6a) BIN32(a + b)
        OP(0x6b) BIN32(a - b)
        OP(0x6c) BIN32(a * b)
        OP(0x6d) {
            int32_t a = (int32_t)A32, b = (int32_t)B32;
            if (b == 0) TRAP(m3Err_trapDivisionByZero);
            if (a == INT32_MIN && b == -1) TRAP(m3Err_trapIntegerOverflow);
            sp--; sp[-1] = (uint32_t)(a / b); break;
        }
        OP(0x6e) { uint32_t a = A32, b = B32; if (!b) TRAP(m3Err_trapDivisionByZero); sp--; sp[-1] = a / b; break; }
        OP(0x6f) {
            int32_t a = (int32_t)A32, b = (int32_t)B32;
            if (b == 0) TRAP(m3Err_trapDivisionByZero);
            sp--; sp[-1] = (b == -1) ? 0u : (uint32_t)(a % b); break;
        }
        OP(0x70) { uint32_t a = A32, b = B32; if (!b) TRAP(m3Err_trapDivisionByZero); sp--; sp[-1] = a % b; break; }
        OP(0x71) BIN32(a & b)
        OP(0x72) BIN32(a | b)   /* a value five times in six on the publish path (the CRC's byte pair,
                                  * flags): a following if / br_if tests it itself (through the
                                  * comparisons' tails a peek every or paid; without it
                                  * `vboard_instr_per_qos1_publish` fell: docs/runtime-log.md "The
                                  * publish path", session 17) */
        OP(0x73) BIN32(a ^ b)
        OP(0x74) BIN32(a << (b & 31))
        OP(0x75) BIN32((uint32_t)((int32_t)a >> (b & 31)))
        OP(0x76) BIN32(a >> (b & 31))
        OP(0x77) BIN32((a << (b & 31)) | (a >> ((32 - (b & 31)) & 31)))
        OP(0x78) BIN32((a >> (b & 31)) | (a << ((32 - (b & 31)) & 31)))
        OP(0x79) UN64(a ? (uint64_t)__builtin_clzll(a) : 64u)
        OP(0x7a) UN64(a ? (uint64_t)__builtin_ctzll(a) : 64u)
        OP(0x7b) UN64((uint64_t)__builtin_popcountll(a))
        OP(0x7c) BIN64(a + b)
        OP(0x7d) BIN64(a - b)
        OP(0x7e) BIN64(a * b)
        OP(0x7f) {
            int64_t a = (int64_t)A64, b = (int64_t)B64;
            if (b == 0) TRAP(m3Err_trapDivisionByZero);
            if (a == INT64_MIN && b == -1) TRAP(m3Err_trapIntegerOverflow);
            sp--; sp[-1] = (uint64_t)(a / b); break;
        }
        OP(0x80) { uint64_t a = A64, b = B64; if (!b) TRAP(m3Err_trapDivisionByZero); sp--; sp[-1] = a / b; break; }
        OP(0x81) {
            int64_t a = (int64_t)A64, b = (int64_t)B64;
            if (b == 0) TRAP(m3Err_trapDivisionByZero);
            sp--; sp[-1] = (b == -1) ? 0u : (uint64_t)(a % b); break;
        }
        OP(0x82) { uint64_t a = A64, b = B64; if (!b) TRAP(m3Err_trapDivisionByZero); sp--; sp[-1] = a % b; break; }
        OP(0x83) BIN64(a & b)
        OP(0x84) BIN64(a | b)
        OP(0x85) BIN64(a ^ b)
        OP(0x86) BIN64(a << (b & 63))
        OP(0x87) BIN64((uint64_t)((int64_t)a >> (b & 63)))
        OP(0x88) BIN64(a >> (b & 63))
        OP(0x89) BIN64((a << (b & 63)) | (a >> ((64 - (b & 63)) & 63)))
        OP(0x8a) BIN64((a >> (b & 63)) | (a << ((64 - (b & 63)) & 63)))
#if WQRT_FLOATS
#define FUN32(expr) { float a = f32_of(sp[-1]); sp[-1] = of_f32(expr); break; }
#define FBIN32(expr) { float a = f32_of(sp[-2]), b = f32_of(sp[-1]); sp--; sp[-1] = of_f32(expr); break; }
#define FUN64(expr) { double a = f64_of(sp[-1]); sp[-1] = of_f64(expr); break; }
#define FBIN64(expr) { double a = f64_of(sp[-2]), b = f64_of(sp[-1]); sp--; sp[-1] = of_f64(expr); break; }
        OP(0x8b) sp[-1] = (uint32_t)sp[-1] & 0x7fffffffu; break;
        OP(0x8c) sp[-1] = (uint32_t)sp[-1] ^ 0x80000000u; break;
        OP(0x8d) FUN32(f32_round(a, 0))
        OP(0x8e) FUN32(f32_round(a, 1))
        OP(0x8f) FUN32(f32_round(a, 2))
        OP(0x90) FUN32(f32_nearest(a))
        OP(0x91) FUN32(__builtin_sqrtf(a))
        OP(0x92) FBIN32(a + b)
        OP(0x93) FBIN32(a - b)
        OP(0x94) FBIN32(a * b)
        OP(0x95) FBIN32(a / b)
        OP(0x96) FBIN32(f32_min(a, b))
        OP(0x97) FBIN32(f32_max(a, b))
        OP(0x98) {
            uint32_t a = (uint32_t)sp[-2], b = (uint32_t)sp[-1]; sp--; sp[-1] = (a & 0x7fffffffu) | (b & 0x80000000u);
            break;
        }
        OP(0x99) sp[-1] &= 0x7fffffffffffffffull; break;
        OP(0x9a) sp[-1] ^= 0x8000000000000000ull; break;
        OP(0x9b) FUN64(f64_round(a, 0))
        OP(0x9c) FUN64(f64_round(a, 1))
        OP(0x9d) FUN64(f64_round(a, 2))
        OP(0x9e) FUN64(f64_nearest(a))
        OP(0x9f) FUN64(__builtin_sqrt(a))
        OP(0xa0) FBIN64(a + b)
        OP(0xa1) FBIN64(a - b)
        OP(0xa2) FBIN64(a * b)
        OP(0xa3) FBIN64(a / b)
        OP(0xa4) FBIN64(f64_min(a, b))
        OP(0xa5) FBIN64(f64_max(a, b))
        OP(0xa6) {
            uint64_t a = sp[-2], b = sp[-1]; sp--; sp[-1] = (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull);
            break;
        }
#endif
        OP(0xa7) sp[-1] = (uint32_t)sp[-1]; break;
#if WQRT_FLOATS
#define TRUNC(SRC_OF, T, LO, HI, DST) { double a = (double)SRC_OF(sp[-1]); \
            if (a != a) TRAP(m3Err_trapIntegerConversion); \
            if (!(a > (LO) && a < (HI))) TRAP(m3Err_trapIntegerOverflow); \
            sp[-1] = (DST)(T)a; break; }
        OP(0xa8) TRUNC(f32_of, int32_t, -2147483649.0, 2147483648.0, uint32_t)
        OP(0xa9) TRUNC(f32_of, uint32_t, -1.0, 4294967296.0, uint32_t)
        OP(0xaa) TRUNC(f64_of, int32_t, -2147483649.0, 2147483648.0, uint32_t)
        OP(0xab) TRUNC(f64_of, uint32_t, -1.0, 4294967296.0, uint32_t)
#endif
        OP(0xac) sp[-1] = (uint64_t)(int64_t)(int32_t)(uint32_t)sp[-1]; break;
        OP(0xad) sp[-1] = (uint32_t)sp[-1]; break;
#if WQRT_FLOATS
        OP(0xae) {
            float a = f32_of(sp[-1]); if (a != a) TRAP(m3Err_trapIntegerConversion);
            if (!(a >= -9223372036854775808.0f && a < 9223372036854775808.0f)) TRAP(m3Err_trapIntegerOverflow);
            sp[-1] = (uint64_t)(int64_t)a; break;
        }
        OP(0xaf) {
            float a = f32_of(sp[-1]); if (a != a) TRAP(m3Err_trapIntegerConversion);
            if (!(a > -1.0f && a < 18446744073709551616.0f)) TRAP(m3Err_trapIntegerOverflow);
            sp[-1] = (uint64_t)a;
            break;
        }
        OP(0xb0) {
            double a = f64_of(sp[-1]); if (a != a) TRAP(m3Err_trapIntegerConversion);
            if (!(a >= -9223372036854775808.0 && a < 9223372036854775808.0)) TRAP(m3Err_trapIntegerOverflow);
            sp[-1] = (uint64_t)(int64_t)a; break;
        }
        OP(0xb1) {
            double a = f64_of(sp[-1]); if (a != a) TRAP(m3Err_trapIntegerConversion);
            if (!(a > -1.0 && a < 18446744073709551616.0)) TRAP(m3Err_trapIntegerOverflow);
            sp[-1] = (uint64_t)a; break;
        }
        OP(0xb2) sp[-1] = of_f32((float)(int32_t)(uint32_t)sp[-1]); break;
        OP(0xb3) sp[-1] = of_f32((float)(uint32_t)sp[-1]); break;
        OP(0xb4) sp[-1] = of_f32((float)(int64_t)sp[-1]); break;
        OP(0xb5) sp[-1] = of_f32((float)sp[-1]); break;
        OP(0xb6) sp[-1] = of_f32((float)f64_of(sp[-1])); break;
        OP(0xb7) sp[-1] = of_f64((double)(int32_t)(uint32_t)sp[-1]); break;
        OP(0xb8) sp[-1] = of_f64((double)(uint32_t)sp[-1]); break;
        OP(0xb9) sp[-1] = of_f64((double)(int64_t)sp[-1]); break;
        OP(0xba) sp[-1] = of_f64((double)sp[-1]); break;
        OP(0xbb) sp[-1] = of_f64((double)f32_of(sp[-1])); break;
        /* reinterpret: same bits */
        case 0xbc: case 0xbd: case 0xbe: case 0xbf: GATE(WQ_USED(0xbc) || WQ_USED(0xbd) || WQ_USED(0xbe) || WQ_USED(0xbf))
            break;
#endif
        OP(0xc0) UN32((uint32_t)(int32_t)(int8_t)a)
        OP(0xc1) UN32((uint32_t)(int32_t)(int16_t)a)
        OP(0xc2) UN64((uint64_t)(int64_t)(int8_t)a)
        OP(0xc3) UN64((uint64_t)(int64_t)(int16_t)a)
        OP(0xc4) UN64((uint64_t)(int64_t)(int32_t)a)
#if WQRT_REFTYPES
        OP(0xd1) sp[-1] = (sp[-1] == 0); break;
        OP(0xd2) { uint32_t f; READ_U32(f); *sp++ = (uint64_t)f + 1; break; }
#endif
        OP(0xfc) {
            uint32_t sub; READ_U32(sub);
            switch (sub) {
#if WQRT_FLOATS
#define SAT(SRC_OF, T, LO, HI, MINV, MAXV, DST) { double a = (double)SRC_OF(sp[-1]); \
                sp[-1] = (a != a) ? 0 : (a <= (LO)) ? (DST)(T)(MINV) : (a >= (HI)) ? (DST)(T)(MAXV) : (DST)(T)a; break; }
            case 0: SAT(f32_of, int32_t, -2147483649.0, 2147483648.0, INT32_MIN, INT32_MAX, uint32_t)
            case 1: SAT(f32_of, uint32_t, -1.0, 4294967296.0, 0, UINT32_MAX, uint32_t)
            case 2: SAT(f64_of, int32_t, -2147483649.0, 2147483648.0, INT32_MIN, INT32_MAX, uint32_t)
            case 3: SAT(f64_of, uint32_t, -1.0, 4294967296.0, 0, UINT32_MAX, uint32_t)
            case 4: {
                double a = (double)f32_of(sp[-1]);
                sp[-1] = (a != a) ? 0 : (a < -9223372036854775808.0) ? (uint64_t)INT64_MIN
                       : (a >= 9223372036854775808.0) ? (uint64_t)INT64_MAX : (uint64_t)(int64_t)a;
                break;
            }
            case 5: {
                double a = (double)f32_of(sp[-1]);
                sp[-1] = (a != a || a <= -1.0) ? 0 : (a >= 18446744073709551616.0) ? UINT64_MAX : (uint64_t)a; break;
            }
            case 6: {
                double a = f64_of(sp[-1]);
                sp[-1] = (a != a) ? 0 : (a < -9223372036854775808.0) ? (uint64_t)INT64_MIN
                       : (a >= 9223372036854775808.0) ? (uint64_t)INT64_MAX : (uint64_t)(int64_t)a;
                break;
            }
            case 7: {
                double a = f64_of(sp[-1]);
                sp[-1] = (a != a || a <= -1.0) ? 0 : (a >= 18446744073709551616.0) ? UINT64_MAX : (uint64_t)a; break;
            }
#endif
            case 8: GATE(WQ_USED_FC(8)) { /* memory.init */
                uint32_t seg; READ_U32(seg); pc++;
                uint32_t n = (uint32_t)*--sp, s = (uint32_t)*--sp, d = (uint32_t)*--sp;
                WqSeg sg; sg.count = 0; sg.items = NULL;
                if (seg < m->ndata && !dropped(rt->data_dropped, seg)) {
                    M3Result r = wq_segment(m, 1, seg, &sg); if (r) TRAP(r);
                }
                if ((uint64_t)s + n > sg.count || (uint64_t)d + n > MEM_BYTES) TRAP(m3Err_trapOutOfBoundsMemoryAccess);
                if (n) memcpy(MEM + d, sg.items + s, n);
                break;
            }
            case 9: GATE(WQ_USED_FC(9)) {
                uint32_t seg; READ_U32(seg);
                if (seg < m->ndata) rt->data_dropped[seg >> 3] |= (uint8_t)(1u << (seg & 7));
                break;
            }
            case 10: GATE(WQ_USED_FC(10)) {
                pc += 2;
                uint32_t n = (uint32_t)*--sp, s = (uint32_t)*--sp, d = (uint32_t)*--sp;
                if ((uint64_t)s + n > MEM_BYTES || (uint64_t)d + n > MEM_BYTES) TRAP(m3Err_trapOutOfBoundsMemoryAccess);
                /* a word at a time, unaligned (Cortex-M3 and hosts do that in hardware): the
                 * firmware's memmove goes a byte at a time unless both ends are aligned, and the
                 * publish path's copies (topics, payloads, a queue moving up) were slow
                 * (`vboard_instr_per_qos1_publish`; docs/runtime-log.md "The interpreter suite",
                 * session 9). Upwards when the destination is below the source or past its
                 * end, else downwards from the end: no byte is written before it is read. */
                uint8_t * dst = MEM + d; const uint8_t * src = MEM + s;
                if (d - s >= n) {
                    for (; n >= 4; n -= 4, dst += 4, src += 4) *(u32_u *)dst = *(const u32_u *)src;
                    for (; n; n--) *dst++ = *src++;
                } else {
                    dst += n; src += n;
                    for (; n >= 4; n -= 4) { dst -= 4; src -= 4; *(u32_u *)dst = *(const u32_u *)src; }
                    for (; n; n--) *--dst = *--src;
                }
                break;
            }
            case 11: GATE(WQ_USED_FC(11)) {
                pc++;
                uint32_t n = (uint32_t)*--sp; uint8_t v = (uint8_t)*--sp; uint32_t d = (uint32_t)*--sp;
                if ((uint64_t)d + n > MEM_BYTES) TRAP(m3Err_trapOutOfBoundsMemoryAccess);
                memset(MEM + d, v, n);
                break;
            }
            /* memory.size and memory.grow (format 39: 0x3f went to WQ_OP_LSET64, 0x40 is spare; no workload has
             * either): [0xfc, 18 | 19] has their length, the sub-opcode in the memory index byte */
            case 18: GATE(WQ_USED_FC(18)) *sp++ = rt->mem_pages; break;
            case 19: GATE(WQ_USED_FC(19)) {
                uint32_t delta = (uint32_t)sp[-1], old = rt->mem_pages;
                uint64_t pages = (uint64_t)old + delta;
                uint32_t maxp = m->mem_max == UINT32_MAX ? 65536u : m->mem_max;
                uint64_t bytes = pages * 65536ull;
                if (pages > maxp || (bytes > rt->mem_cap && delta != 0)) { sp[-1] = (uint32_t)-1; break; }
                if (bytes > rt->mem_cap) bytes = rt->mem_cap;
                if (bytes > rt->mem_bytes) memset(rt->mem + rt->mem_bytes, 0, (uint32_t)bytes - rt->mem_bytes);
                rt->mem_pages = (uint32_t)pages; wq_set_mem_bytes(rt, (uint32_t)bytes);
                sp[-1] = old;
                break;
            }
#if WQRT_REFTYPES
            case 12: {
                uint32_t seg, tab; READ_U32(seg); READ_U32(tab);
                uint32_t n = (uint32_t)*--sp, s = (uint32_t)*--sp, d = (uint32_t)*--sp;
                M3Result r = wq_table_init_from_segment(rt, tab, seg, d, s, n);
                if (r) TRAP(m3Err_trapTableOutOfBounds);   /* also for a malformed segment (the loader's other
                                                            * results) */
                break;
            }
            case 13: {
                uint32_t seg; READ_U32(seg);
                if (seg < m->nelem) rt->elem_dropped[seg >> 3] |= (uint8_t)(1u << (seg & 7));
                break;
            }
            case 14: {
                uint32_t di_, si_; READ_U32(di_); READ_U32(si_);
                WqTable * td = &rt->tables[di_], * ts = &rt->tables[si_];
                uint32_t n = (uint32_t)*--sp, s = (uint32_t)*--sp, d = (uint32_t)*--sp;
                if ((uint64_t)s + n > ts->size || (uint64_t)d + n > td->size) TRAP(m3Err_trapTableOutOfBounds);
                memmove(td->elems + d, ts->elems + s, n * 4u);
                break;
            }
            case 15: {
                uint32_t ti_; READ_U32(ti_); WqTable * t = &rt->tables[ti_];
                uint32_t n = (uint32_t)*--sp; uint32_t v = (uint32_t)sp[-1];
                uint32_t old = t->size;
                if ((uint64_t)old + n > t->max) { sp[-1] = (uint32_t)-1; break; }
                for (uint32_t k = 0; k < n; k++) t->elems[old + k] = v;
                t->size = old + n; sp[-1] = old;
                break;
            }
            case 16: { uint32_t ti_; READ_U32(ti_); WqTable * t = &rt->tables[ti_]; *sp++ = t->size; break; }
            case 17: {
                uint32_t ti_; READ_U32(ti_); WqTable * t = &rt->tables[ti_];
                uint32_t n = (uint32_t)*--sp; uint32_t v = (uint32_t)*--sp; uint32_t d = (uint32_t)*--sp;
                if ((uint64_t)d + n > t->size) TRAP(m3Err_trapTableOutOfBounds);
                for (uint32_t k = 0; k < n; k++) t->elems[d + k] = v;
                break;
            }
#endif
            default: TRAP(wqrt_Err_unsupported);
            }
            break;
        }
#if !WQRT_FLOATS
        case 0x5b ... 0x66: case 0x8b ... 0xa6: case 0xa8 ... 0xab: case 0xae ... 0xbf:
#endif
#if !WQRT_REFTYPES
        case 0x25: case 0x26: case 0xd1: case 0xd2:
#endif
            TRAP(wqrt_Err_unsupported);
        /* 0xcf only: never in validated code; a trap keeps a tampered module harmless. Every
         * other byte value has a case of its own (0xfd..0xff, the SIMD and threads prefixes the
         * validator refuses, are fused sequences), so GCC's jump table has all 256 entries: then
         * the range check it still emits in front of the table is dead, and the Cortex-M build
         * removes it (host-tools/fwbuild/interp-dispatch.ts). An explicit default (not
         * __builtin_unreachable) keeps opcode 0 in the table (GCC would otherwise bias every
         * dispatch by -1). */
        default:
            if (pc == wq_host_return + 1) goto done;   /* the return to the host's frame */
            /* the host's call */
            if (pc == wq_host_call + 1) {
                pc = wq_host_return; callee = &funcs[func]; goto call_wasm;
            }
            TRAP(m3Err_unknownOpcode);
        }
        op = *pc++;
    }

    /* a handler the per-image build left out (WQRT_OPCODE_MASK): never reached when the
     * firmware embeds the module its mask came from */
op_not_built:
    TRAP(wqrt_Err_opcodeNotBuilt);

    /* a call's index of two or more LEB bytes (128 functions or more; three or more from 0x10's
     * asm), pc past its first byte: two inline, longer ones out of line */
call_leb: {
        uint32_t f = pc[-1], b2_ = *pc;
        if (b2_ < 0x80) { pc++; f += (b2_ << 7) - 0x80; }
        else { uint64_t r_ = leb_u32_slow(pc - 1); pc += (uint32_t)(r_ >> 32) - 1; f = (uint32_t)r_; }
        callee = &rt->records[f];
        goto call_wasm;
    }
    /* the call's one compare (0x10's asm or call_wasm) failed: a wide record, an import or no room */
call_slow:
    if (callee->frame != WQ_FUNC_WIDE) TRAP(m3Err_trapStackOverflow);
    /* call_wasm's work for a wide record (its fields did not fit the 8-byte one) */
    {
        /* a signed load: -1 is one compare, 0xffff two */
        if (*(const int16_t *)(const void *)&callee->code_back == (int16_t)WQ_FUNC_IMPORT_CODE) goto call_import;
        const WqFuncWide * w = &WQ_FUNCS_WIDE(m)[callee->code_back];
        WqFrame * nf = frame - 1;
        if (sp + w->frame > (uint64_t *)nf) TRAP(m3Err_trapStackOverflow);
        nf->pc = pc; nf->stp = stp; nf->fp = fp;
        frame = nf;
        pc = base + w->code_start;
        stp = side + w->stp_base;
        nf->nresults = callee->nresults;
        fp = sp - callee->nparams;
        for (uint32_t k = w->nlocals; k; k--) *sp++ = 0;
        goto next;
    }

call_import: {
        uint64_t * nsp = call_host(rt, callee, sp, frame, &import_ctx, &import_fn);
        if (!nsp) TRAP(rt->trap);
        sp = nsp;
        goto next;
    }

done:
    rt->last_nresults = (uint32_t)(sp - rt->stack);
    return NULL;   /* m3Err_none (wasm3.h) */
trap:
    rt->trap = err;
    rt->trap_func = func;   /* wqrt_GetTrapInfo finds the function around trap_offset when there is one */
    /* pc is just past the trapping instruction (its opcode and immediates) */
    rt->trap_offset = pc != wq_host_return ? (uint32_t)(pc - base) : 0;   /* 0: the host's call itself */
    return err;
#undef base
#undef types
#undef funcs
#undef side
#undef MEM
#undef MEM_BYTES
#undef MEM_END4
#undef MEM_END2
}
#endif
