/* The register-form engine (the default, WQRT_REGFORM=1): runs the code of the pre-decoded blob's format 40
 * (host-tools/wasm/regform/blob.ts), in place from flash. Each op names its operands as one-byte
 * indices of 64-bit frame slots, or immediates; the handlers are generated from one op table with
 * the translator (host-tools/wasm/regform/gen-ops.ts -> rf_ops_all.inc and .h for every op, or an image's
 * rf_ops.inc and .h with WQRT_RF_IMAGE_OPS) and use only the vocabulary defined here (docs/runtime.md
 * "The register form in the tree" and "The register form's translator").
 * Frames: slot 0 the first parameter; a call's arguments sit in the caller's slots base.. and the
 * callee's frame starts there, so its results land where the caller reads them. Call frames (the
 * caller's pc and fp) grow down from the top of the value stack's area (loader.c), so one compare
 * bounds both. Every linear-memory access is checked in the handler against MEM_BYTES / MEM_END*.
 * With WQRT_REGFORM=0 this file is empty (interp.c, the stack form, is the engine). */
#include <stddef.h>
#include "rt_internal.h"

#if WQRT_REGFORM
#include "rt_values.h"
#include WQRT_RF_OPS_H      /* every op's numbering, or an image's own (rt_internal.h) */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#  error "wasmqtt runtime: little-endian targets only"
#endif

typedef union { uint64_t q; uint32_t w; uint32_t h[2]; } Slot;
/* unaligned immediates and memory (Cortex-M3 and hosts load them in hardware) */
typedef struct __attribute__((packed)) { uint8_t v; } U8;
typedef struct __attribute__((packed)) { uint16_t v; } U16;
typedef struct __attribute__((packed)) { int16_t v; } S16;
typedef struct __attribute__((packed)) { uint32_t v; } U32;
typedef struct __attribute__((packed)) { uint64_t v; } U64;

#ifdef WQRT_COUNT_OPS
uint64_t wqrt_op_count;          /* host profiling builds: dispatches */
uint64_t wqrt_fused_count;        /* always 0 here (host_count.c prints op_count - fused_count) */
uint64_t wqrt_op_hist[256];       /* dispatches per op byte */
#  define COUNT_OP() (wqrt_op_count++, wqrt_op_hist[*pc]++)
#else
#  define COUNT_OP() ((void)0)
#endif

/* ---- the handlers' vocabulary ---- */
#define SL(k) (fp[pc[k]].w)
#define SQ(k) (fp[pc[k]].q)
/* IMM, REL, OFF and CIDX (their widths follow the encoding) come from rf_ops.h, and the fixed-width fields
 * too when it defines them */
#ifndef IMM32
#  define IMM32(k) (((const U32 *)(const void *)(pc + (k)))->v)
#endif
#ifndef IMM64
#  define IMM64(k) (((const U64 *)(const void *)(pc + (k)))->v)
#endif
#ifndef OFF16
#  define OFF16(k) ((uint32_t)((const U16 *)(const void *)(pc + (k)))->v)
#endif
#ifndef RELJ
#  define RELJ(k) ((int32_t)((const S16 *)(const void *)(pc + (k)))->v)
#endif
#if defined(__arm__) && !defined(WQRT_FUEL) && !defined(WQRT_COUNT_OPS)
/* the pre-indexed fetch in asm (GCC at -Os otherwise keeps the new pc in a second register and moves
 * it), then one computed goto per handler: the Cortex-M dispatch step (host-tools/fwbuild/) gives each
 * handler its own `ldr pc, [t, op, lsl #2]` in place of GCC's shared `orr; bx` head */
#  define NEXT(n) do { uint32_t op_; __asm__ volatile("ldrb %0, [%1, #%c2]!" : "=r"(op_), "+r"(pc) : "i"(n)); \
                       goto *rf_t[op_]; } while (0)
#else
#  define NEXT(n) do { pc += (n); COUNT_OP(); goto *rf_t[*pc]; } while (0)
#endif
/* page two (rf_ops.h's RF_ESC_BASE, only when the op list has one): the escape's handler moves pc to the op's
 * second byte, which indexes page two */
#define NEXT_ESC() do { COUNT_OP(); goto *rf_t[RF_ESC_BASE + pc[0]]; } while (0)
#ifdef WQRT_FUEL
/* host fuzz builds: taken branches and calls use up rt->fuel (0 = unlimited) */
#  define FUEL() do { if (rt->fuel && --rt->fuel == 0) TRAP(wqrt_Err_trapFuelExhausted); } while (0)
#else
#  define FUEL() ((void)0)
#endif
#define JUMP(d) do { FUEL(); pc += (d); NEXT(0); } while (0)   /* d: a run-time offset (NEXT's is a constant) */
#define TRAP(res) do { rf_err = (res); goto trap; } while (0)
/* Linear memory's base is read with the access's bound (rt->mem sits between mem_end4 and mem_bytes, so GCC
 * loads the pair with one ldrd, as interp.c's MEM_END4 / MEM_BYTES do); rt->mem never moves while wq_invoke
 * runs (memory.grow stays within mem_cap), so rf_mem is right on every path */
#define MEM_BASE rf_mem
#define MEM_BYTES (rf_mem = rt->mem, rt->mem_bytes)
#define MEM_END2 (rf_mem = rt->mem, rt->mem_end2)
#define MEM_END4 (rf_mem = rt->mem, rt->mem_end4)
#define MEM_END8 (rf_mem = rt->mem, rt->mem_end8)
/* both words without a test: when every global is 32-bit, globals_hi is globals and the high word is the low
 * one again (stale bits an i32 or f32 reader ignores, as in an operand slot; rt_internal.h, "Globals") */
#define GGET(g) ((uint64_t)rt->globals_hi[(g)] << 32 | rt->globals[(g)])
#define GSET(g, v) wq_global_set(rt, (g), (v))
#define GGET32(g) (rt->globals[(g)])
#define GSET32(g, v) (rt->globals[(g)] = (uint32_t)(v))
/* a call of function f (imports included) whose frame starts at slot `base`; the caller resumes at pc + len */
#define CALL(f, base, len) do { rf_callee = (f); rf_cbase = (base); rf_npc = pc + (len); goto do_call; } while (0)
#define CALL_INDIRECT(table, elem, typeidx, base, len) do { \
        rf_callee = rf_indirect(rt, (table), (elem), (typeidx), &rf_err); if (rf_err) goto trap; \
        rf_cbase = (base); rf_npc = pc + (len); goto do_call; } while (0)
#define RETURN() goto do_return

/* ---- rare ops: out of the loop ---- */
static inline int dropped(const uint8_t * bits, uint32_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }

/* call_indirect's element: the function index, or a trap in *err (null, out of range, another type) */
static __attribute__((noinline)) uint32_t rf_indirect(IM3Runtime rt, uint32_t table, uint32_t elem, uint32_t ti,
                                                      M3Result * err)
{
    IM3Module m = rt->module;
    WqTable * t = &rt->tables[table];
    *err = NULL;
    if (elem >= t->size) { *err = m3Err_trapTableIndexOutOfRange; return 0; }
    uint32_t e = t->elems[elem];
    if (!e) { *err = m3Err_trapTableElementIsNull; return 0; }
    uint32_t f = e - 1;
    if (f >= m->nfuncs) { *err = m3Err_trapTableIndexOutOfRange; return 0; }
    uint32_t ct = wq_func_type(m, f);
    if (ct != ti && m->types[ct].canon != m->types[ti].canon) { *err = m3Err_trapIndirectCallTypeMismatch; return 0; }
    return f;
}

uint32_t rf_memory_size(IM3Runtime rt) { return rt->mem_pages; }

/* memory.grow: the old size in pages, or 0xffffffff when the declared max or the arena's cap is reached */
uint32_t rf_memory_grow(IM3Runtime rt, uint32_t delta)
{
    IM3Module m = rt->module;
    uint32_t old = rt->mem_pages;
    uint64_t pages = (uint64_t)old + delta;
    uint32_t maxp = m->mem_max == UINT32_MAX ? 65536u : m->mem_max;
    uint64_t bytes = pages * 65536ull;
    if (!m->has_memory || pages > maxp || (bytes > rt->mem_cap && delta != 0)) return UINT32_MAX;
    if (bytes > rt->mem_cap) bytes = rt->mem_cap;
    if (bytes > rt->mem_bytes) memset(rt->mem + rt->mem_bytes, 0, (uint32_t)bytes - rt->mem_bytes);
    rt->mem_pages = (uint32_t)pages; wq_set_mem_bytes(rt, (uint32_t)bytes);
    return old;
}

M3Result rf_memory_init(IM3Runtime rt, uint32_t seg, uint32_t d, uint32_t s, uint32_t n)
{
    IM3Module m = rt->module;
    WqSeg sg; sg.count = 0; sg.items = NULL;
    if (seg < m->ndata && !dropped(rt->data_dropped, seg)) { M3Result r = wq_segment(m, 1, seg, &sg); if (r) return r; }
    if ((uint64_t)s + n > sg.count || (uint64_t)d + n > rt->mem_bytes) return m3Err_trapOutOfBoundsMemoryAccess;
    if (n) memcpy(rt->mem + d, sg.items + s, n);
    return NULL;
}

void rf_data_drop(IM3Runtime rt, uint32_t seg)
{
    if (seg < rt->module->ndata) rt->data_dropped[seg >> 3] |= (uint8_t)(1u << (seg & 7));
}

M3Result rf_memory_copy(IM3Runtime rt, uint32_t d, uint32_t s, uint32_t n)
{
    if ((uint64_t)s + n > rt->mem_bytes || (uint64_t)d + n > rt->mem_bytes) return m3Err_trapOutOfBoundsMemoryAccess;
    /* a word at a time, unaligned (as interp.c's memory.copy: the firmware's memmove goes a byte at a time
     * unless both ends are aligned); upwards when the destination is below the source or past its end, else
     * downwards from the end: no byte is written before it is read */
    uint8_t * dst = rt->mem + d; const uint8_t * src = rt->mem + s;
    if (d - s >= n) {
        for (; n >= 4; n -= 4, dst += 4, src += 4) *(u32_u *)dst = *(const u32_u *)src;
        for (; n; n--) *dst++ = *src++;
    } else {
        dst += n; src += n;
        for (; n >= 4; n -= 4) { dst -= 4; src -= 4; *(u32_u *)dst = *(const u32_u *)src; }
        for (; n; n--) *--dst = *--src;
    }
    return NULL;
}

M3Result rf_memory_fill(IM3Runtime rt, uint32_t d, uint32_t v, uint32_t n)
{
    if ((uint64_t)d + n > rt->mem_bytes) return m3Err_trapOutOfBoundsMemoryAccess;
    memset(rt->mem + d, (uint8_t)v, n);
    return NULL;
}

#if WQRT_REFTYPES
/* Tables hold 32-bit references: 0 null, a function's index + 1 */
M3Result rf_table_get(IM3Runtime rt, uint32_t t, uint32_t i, uint32_t * out)
{
    WqTable * tab = &rt->tables[t];
    if (i >= tab->size) return m3Err_trapTableOutOfBounds;
    *out = tab->elems[i];
    return NULL;
}
M3Result rf_table_set(IM3Runtime rt, uint32_t t, uint32_t i, uint32_t v)
{
    WqTable * tab = &rt->tables[t];
    if (i >= tab->size) return m3Err_trapTableOutOfBounds;
    tab->elems[i] = v;
    return NULL;
}
uint32_t rf_table_size(IM3Runtime rt, uint32_t t) { return rt->tables[t].size; }
uint32_t rf_table_grow(IM3Runtime rt, uint32_t t, uint32_t v, uint32_t n)
{
    WqTable * tab = &rt->tables[t];
    uint32_t old = tab->size;
    if ((uint64_t)old + n > tab->max) return UINT32_MAX;
    for (uint32_t k = 0; k < n; k++) tab->elems[old + k] = v;
    tab->size = old + n;
    return old;
}
M3Result rf_table_fill(IM3Runtime rt, uint32_t t, uint32_t d, uint32_t v, uint32_t n)
{
    WqTable * tab = &rt->tables[t];
    if ((uint64_t)d + n > tab->size) return m3Err_trapTableOutOfBounds;
    for (uint32_t k = 0; k < n; k++) tab->elems[d + k] = v;
    return NULL;
}
M3Result rf_table_copy(IM3Runtime rt, uint32_t dt, uint32_t st, uint32_t d, uint32_t s, uint32_t n)
{
    WqTable * td = &rt->tables[dt], * ts = &rt->tables[st];
    if ((uint64_t)s + n > ts->size || (uint64_t)d + n > td->size) return m3Err_trapTableOutOfBounds;
    memmove(td->elems + d, ts->elems + s, n * 4u);
    return NULL;
}
M3Result rf_table_init(IM3Runtime rt, uint32_t t, uint32_t seg, uint32_t d, uint32_t s, uint32_t n)
{
    /* a malformed segment traps as out of bounds too (as interp.c's table.init) */
    return wq_table_init_from_segment(rt, t, seg, d, s, n) ? m3Err_trapTableOutOfBounds : NULL;
}
void rf_elem_drop(IM3Runtime rt, uint32_t seg)
{
    if (seg < rt->module->nelem) rt->elem_dropped[seg >> 3] |= (uint8_t)(1u << (seg & 7));
}
#endif

/* Calls import f with its arguments at args[0..nparams) and its results to args[0..nresults) (wasm3's raw-call
 * layout: results first, then the arguments, so the arguments slide up by nresults); `limit` bounds the slots. */
static __attribute__((noinline)) M3Result rf_call_host(IM3Runtime rt, uint32_t f, uint64_t * args, const void * limit)
{
    IM3Module m = rt->module;
    const WqFunc * rec = &m->funcs[f];
    uint32_t np = rec->nparams, nr = rec->nresults;
    WqImport * imp = &m->imports[f];
    if ((const uint8_t *)(args + nr + np) > (const uint8_t *)limit) return m3Err_trapStackOverflow;
    if (!imp->fn) return m3Err_functionImportMissing;
    if (nr) for (uint32_t k = np; k--; ) args[nr + k] = args[k];
    struct M3Function fn = { NULL, (uint16_t)f, WQ_NO_SLOT };
    M3ImportContext ctx = { (void *)imp->userdata, &fn };
    return (M3Result)imp->fn(rt, &ctx, args, rt->mem);
}

/* Runs function `func` with its `nargs` arguments in stack[0..nargs); leaves its results in
 * stack[0..nresults). Not reentrant (a host function must not call back into wasm). */
M3Result wq_invoke(IM3Runtime rt, uint32_t func, uint32_t nargs)
{
#define X(n) &&L_##n,
    static const void * const rf_labels[NUM_OPS] = { OP_LIST };
#undef X
    const void * const * rf_t = rf_labels;
    __asm__("" : "+r"(rf_t));   /* opaque: GCC keeps it in a register instead of reloading the constant */
    IM3Module m = rt->module;
    WqFrame * const host = rt->frames;   /* the host's frame: its pc NULL ends the run */
    WqFrame * frame = host;
    Slot * fp = (Slot *)(void *)rt->stack;
    const uint8_t * pc = NULL, * rf_npc;
    uint8_t * rf_mem = rt->mem;   /* MEM_BASE */
    uint32_t acc = 0, rf_callee, rf_cbase;   /* acc: a value passed from one op to the next (never pinned to r7) */
    M3Result rf_err;
    (void)acc;

    rt->trap = NULL;
    rt->last_nresults = m->funcs[func].nresults;
    host->pc = NULL; host->fp = NULL;
    if (func < m->nimports) {
        if ((rf_err = rf_call_host(rt, func, rt->stack, host)) != NULL) goto trap;
        return NULL;
    }
    {
        const WqFunc * f = &m->funcs[func];
        if ((const uint8_t *)(fp + f->frame) > (const uint8_t *)host) TRAP(m3Err_trapStackOverflow);
        for (uint32_t k = nargs, e = (uint32_t)f->nparams + f->nzero; k < e; k++) fp[k].q = 0;
        pc = WQ_RF_CODE(f);
    }
    NEXT(0);

#include WQRT_RF_OPS_INC

do_call: {   /* the callee (imports included), its frame at the caller's slot rf_cbase; the caller resumes at rf_npc */
        FUEL();
        const WqFunc * f = &rt->records[rf_callee];
        uint32_t rel = f->code;   /* an import's is WQ_RF_IMPORT: no module pointer, no count */
        if (rel == WQ_RF_IMPORT) {
            if ((rf_err = rf_call_host(rt, rf_callee, &fp[rf_cbase].q, frame)) != NULL) goto trap;
            pc = rf_npc; NEXT(0);
        }
        Slot * nfp = fp + rf_cbase;
        WqFrame * nf = frame - 1;
        if ((const uint8_t *)(nfp + f->frame) > (const uint8_t *)nf) TRAP(m3Err_trapStackOverflow);
        nf->pc = rf_npc; nf->fp = &fp->q;
        frame = nf; fp = nfp;
        uint32_t nz = f->nzero;
        if (nz) { Slot * z = nfp + f->nparams, * e = z + nz; do (z++)->q = 0; while (z != e); }
        pc = (const uint8_t *)f + rel;
        NEXT(0);
    }
do_return: {   /* the results are in fp[0..nresults): the caller's argument slots */
        const WqFrame * fr = frame;
        pc = fr->pc;
        if (!pc) return NULL;   /* the host's frame */
        fp = (Slot *)(void *)fr->fp; frame = (WqFrame *)fr + 1;
        NEXT(0);
    }
trap:
    rt->trap = rf_err;
    rt->trap_func = func;   /* wqrt_GetTrapInfo finds the function around trap_offset when there is one */
    /* pc is at the trapping op (a call's, for a trap in an import or a call's checks); 0: the host's call itself */
    rt->trap_offset = pc ? (uint32_t)(pc - m->bytes) + 1u : 0u;
    return rf_err;
}
#endif
