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

/* Version of the pre-decoded custom section ("wasmqtt.predecoded") this runtime reads. */
#define WQRT_BLOB_VERSION 37u

/* Hands the runtime its one RAM arena. Call before m3_NewRuntime. Everything the runtime
 * needs at run time (runtime struct, value stack, call frames, globals, tables, linear
 * memory) is carved from it; nothing grows with code size. Returns m3Err_mallocFailed
 * when later carving does not fit (the error says which part). */
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
typedef uint64_t (* WqGlobalResolver)(const char * mod, uint32_t modLen, const char * name, uint32_t nameLen, uint8_t type, int * found);
void        wqrt_SetGlobalResolver  (WqGlobalResolver fn);

/* Result strings specific to this runtime (load errors about the pre-decoded section). */
extern const char wqrt_Err_noPredecoded[];      /* module has no wasmqtt.predecoded section */
extern const char wqrt_Err_predecodedVersion[]; /* section written by another tool version */
extern const char wqrt_Err_predecodedStale[];   /* code hash differs: module changed after pre-decoding */
extern const char wqrt_Err_predecodedCorrupt[]; /* section checksum/shape wrong */
extern const char wqrt_Err_signatureMismatch[]; /* import linked with a different signature */
extern const char wqrt_Err_unsupported[];       /* feature outside this runtime's subset */
extern const char wqrt_Err_opcodeNotBuilt[];    /* a per-image interpreter (WQRT_OPCODE_MASK) runs a module with an opcode it left out */

#if defined(__cplusplus)
}
#endif

#endif
