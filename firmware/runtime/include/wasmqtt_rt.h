/*
 * wasmqtt_rt.h - extensions of wasmqtt's runtime that upstream wasm3 does not have.
 * Include only under `#ifdef WASMQTT_RT` (defined by our wasm3.h) so a binding still
 * compiles against upstream wasm3.
 */
#ifndef wasmqtt_rt_h
#define wasmqtt_rt_h

#include "wasm3.h"

#if defined(__cplusplus)
extern "C" {
#endif

/* The engine: 1 (the default) the register form (rf_engine.c), 0 the stack form (interp.c). A binding that
 * looks at it (a frame's size, the blob format it embeds) sees the runtime's choice through this header. */
#ifndef WQRT_REGFORM
#  define WQRT_REGFORM 1
#endif
/* Version of the pre-decoded custom section ("wasmqtt.predecoded") this runtime reads: 40, the register form
 * (host-tools/wasm/regform/blob.ts), or with WQRT_REGFORM=0 39, the stack form (host-tools/wasm/predecode.ts). */
#define WQRT_BLOB_VERSION_STACK 39u
#define WQRT_BLOB_VERSION_REGFORM 40u
#if WQRT_REGFORM
#  define WQRT_BLOB_VERSION WQRT_BLOB_VERSION_REGFORM
#else
#  define WQRT_BLOB_VERSION WQRT_BLOB_VERSION_STACK
#endif

/* Hands the runtime its one RAM arena. Call before m3_NewRuntime. Everything the runtime
 * needs at run time (runtime struct, value stack, call frames, globals, tables, linear
 * memory) is carved from it; nothing grows with code size. Returns wqrt_Err_arenaTooSmall
 * for no arena or one smaller than its alignment; later carving that does not fit returns
 * the same from wqrt_SetCallDepth and m3_LoadModule (m3_NewRuntime returns NULL,
 * m3_ParseModule m3Err_mallocFailed or wqrt_Err_moduleMisaligned). */
M3Result    wqrt_SetArena           (IM3Environment env, void * arena, uint32_t bytes);

/* Caps linear memory (bytes, may be below one 64 KiB page). Accesses at or beyond the cap
 * trap as out of bounds; memory.grow beyond it returns -1. Call before m3_LoadModule. */
M3Result    wqrt_SetMemoryLimit     (IM3Runtime runtime, uint32_t bytes);

/* Reserves room for this many call frames (default 64) next to the value stack: frames and
 * values share the area (frames from its top), so a deep chain of small frames may go further
 * and a call traps with m3Err_trapStackOverflow only when the two meet. Call before
 * m3_LoadModule; an arena without room gives an error. */
M3Result    wqrt_SetCallDepth       (IM3Runtime runtime, uint32_t frames);

/* Where the last trap happened: wasm function index (imports count first) and the byte offset,
 * from the start of the module, just past the trapping instruction (its opcode and immediates).
 * Returns the trap result or NULL. */
M3Result    wqrt_GetTrapInfo        (IM3Runtime runtime, uint32_t * o_funcIndex, uint32_t * o_byteOffset);

/* Bytes of the arena in use (runtime state, stack, frames, globals, tables, memory). */
uint32_t    wqrt_ArenaUsed          (IM3Environment env);

/* Supplies values of imported globals at m3_LoadModule (the board ABI has none; the spec
 * tests import spectest globals). Sets *found = 1 and returns the value bits. Also asked
 * about imported tables and memories (type WQRT_IMPORT_TABLE / WQRT_IMPORT_MEMORY): then it
 * returns their actual size, min in the low 32 bits and max in the high 32 bits; without an
 * answer the runtime creates them from the declared limits. */
#define WQRT_IMPORT_TABLE  0x01
#define WQRT_IMPORT_MEMORY 0x02
typedef uint64_t (* WqGlobalResolver)(const char * mod, uint32_t modLen, const char * name, uint32_t nameLen,
                                      uint8_t type, int * found);
void        wqrt_SetGlobalResolver  (WqGlobalResolver fn);

/* ---- result strings of this runtime (wasm3.h's m3Err_* for the rest) ----
 * Each is a text whose address is the result: compare with `r == wqrt_Err_arenaTooSmall`. A trap's
 * text starts with "[trap]", as in wasm3.h's list. loader.c defines them (M3_IMPLEMENT_ERROR_STRINGS),
 * each its own object, so an image keeps only the texts it can return. */
#if defined(M3_IMPLEMENT_ERROR_STRINGS)
#  define d_wqrtErrorConst(LABEL, STRING)   const char wqrt_Err_##LABEL[] = STRING;
#else
#  define d_wqrtErrorConst(LABEL, STRING)   extern const char wqrt_Err_##LABEL[];
#endif
/* m3_ParseModule: the pre-decoded section (fix: run the engine's pre-decoder, host-tools/wasm/regform/blob.ts or
 * for the stack form host-tools/wasm/predecode.ts), the bytes. predecodedCorrupt: also from linking and lookups. */
#if WQRT_REGFORM
d_wqrtErrorConst  (noPredecoded,        "no wasmqtt.predecoded section: run regform/blob.ts")
d_wqrtErrorConst  (predecodedVersion,   "wasmqtt.predecoded: other version: rerun regform/blob.ts")
/* format 39 here (the stack form's build returns predecodedVersion for format 40: no flash for another text) */
d_wqrtErrorConst  (predecodedStackForm, "wasmqtt.predecoded: format 39: this runtime reads format 40 (regform/blob.ts)")
d_wqrtErrorConst  (predecodedOtherOps,  "wasmqtt.predecoded: ops numbered for another engine: rebuild it with this module's")
d_wqrtErrorConst  (predecodedStale,     "wasmqtt.predecoded: module changed (hash differs): rerun regform/blob.ts")
d_wqrtErrorConst  (predecodedCorrupt,   "wasmqtt.predecoded: corrupt: rerun regform/blob.ts")
#else
d_wqrtErrorConst  (noPredecoded,        "no wasmqtt.predecoded section: run predecode.ts")
d_wqrtErrorConst  (predecodedVersion,   "wasmqtt.predecoded: other version: rerun predecode.ts")
d_wqrtErrorConst  (predecodedStale,     "wasmqtt.predecoded: module changed (hash differs): rerun predecode.ts")
d_wqrtErrorConst  (predecodedCorrupt,   "wasmqtt.predecoded: corrupt: rerun predecode.ts")
#endif
d_wqrtErrorConst  (moduleMisaligned,    "module not 4-byte aligned, arena full: declare it aligned(4)")
/* the arena (wqrt_SetArena, wqrt_SetCallDepth, m3_LoadModule) and linear memory (m3_LoadModule) */
d_wqrtErrorConst  (arenaTooSmall,       "arena too small: give wqrt_SetArena more")
d_wqrtErrorConst  (memoryLimitTooSmall, "memory min pages > wqrt_SetMemoryLimit")
/* linking and calling */
/* globalImportMissing: m3_LoadModule, wqrt_SetGlobalResolver had no value */
d_wqrtErrorConst  (globalImportMissing, "missing imported global")
d_wqrtErrorConst  (signatureMismatch,   "import signature mismatch")          /* m3_LinkRawFunction(Ex) */
/* reentrantCall: m3_Call*, a host function may not call back into wasm */
d_wqrtErrorConst  (reentrantCall,       "m3_Call inside a host function")
/* unsupported: floats or reference types left out (WQRT_FLOATS, WQRT_REFTYPES), a limit */
d_wqrtErrorConst  (unsupported,         "feature outside this runtime's build")
/* running */
/* opcodeNotBuilt: the per-image interpreter (WQRT_OPCODE_MASK) */
d_wqrtErrorConst  (opcodeNotBuilt,      "opcode left out of this image's interpreter: rebuild the firmware with this module")
d_wqrtErrorConst  (trapFuelExhausted,   "[trap] fuel exhausted")              /* host fuzz builds only (WQRT_FUEL) */

#if defined(__cplusplus)
}
#endif

#endif
