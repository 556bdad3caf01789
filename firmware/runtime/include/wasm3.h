/*
 * wasm3.h - the subset of wasm3's public embedding API that wasmqtt's runtime implements.
 *
 * Names, types and signatures follow upstream wasm3 (source/wasm3.h) so that code written
 * against this header (firmware/binding, test/runtime/api) compiles unchanged against an
 * upstream wasm3 checkout (`make test-wasm3 WASM3_SRC=DIR`). Anything that is NOT part of
 * upstream's API lives in wasmqtt_rt.h and must be used under `#ifdef WASMQTT_RT`.
 *
 * Differences in behaviour (documented in docs/runtime.md):
 *  - no malloc: m3_NewRuntime carves everything out of the arena handed in with
 *    wqrt_SetArena() (wasmqtt_rt.h), or out of a static default arena;
 *  - module bytes stay in flash (as in wasm3, they must outlive the module) and must carry
 *    the build-time pre-decoded custom section written by host-tools/wasm/predecode.ts;
 *  - one module per runtime; m3_Free* are no-ops that only reset bookkeeping.
 */
#ifndef wasm3_h
#define wasm3_h

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>

#define WASMQTT_RT 1

#if defined(__cplusplus)
extern "C" {
#endif

#ifndef M3_UNLIKELY
#  if defined(__GNUC__)
#    define M3_UNLIKELY(x) __builtin_expect(!!(x), 0)
#  else
#    define M3_UNLIKELY(x) (x)
#  endif
#endif

typedef const char *    M3Result;

struct M3Environment;   typedef struct M3Environment *  IM3Environment;
struct M3Runtime;       typedef struct M3Runtime *      IM3Runtime;
struct M3Module;        typedef struct M3Module *       IM3Module;
struct M3Function;      typedef struct M3Function *     IM3Function;
struct M3Global;        typedef struct M3Global *       IM3Global;

typedef struct M3ErrorInfo
{
    M3Result        result;
    IM3Runtime      runtime;
    IM3Module       module;
    IM3Function     function;
    const char *    file;
    uint32_t        line;
    const char *    message;
} M3ErrorInfo;

typedef enum M3ValueType
{
    c_m3Type_none   = 0,
    c_m3Type_i32    = 1,
    c_m3Type_i64    = 2,
    c_m3Type_f32    = 3,
    c_m3Type_f64    = 4,
    c_m3Type_unknown
} M3ValueType;

typedef struct M3ImportInfo
{
    const char *    moduleUtf8;
    const char *    fieldUtf8;
} M3ImportInfo, * IM3ImportInfo;

/* Handed to every raw host function: its userdata (m3_LinkRawFunctionEx) and the import. */
typedef struct M3ImportContext
{
    void *          userdata;
    IM3Function     function;
} M3ImportContext, * IM3ImportContext;

/* ---- result strings (m3Err_none is NULL; every other result is a constant string) ----
 * wasm3's names and texts; wasmqtt_rt.h lists this runtime's own (wqrt_Err_*). A result is one of
 * the two lists (or a host function's own result, passed on), so comparing pointers works. A trap's
 * text starts with "[trap]" and no other result's does, in both lists (as in upstream wasm3):
 * that first character tells a trap from an error (test/runtime/errors.test.ts checks it). */
#if defined(M3_IMPLEMENT_ERROR_STRINGS)
/* each text is its own object so --gc-sections drops the ones an image never uses */
#  define d_m3ErrorConst(LABEL, STRING)   static const char m3ErrText_##LABEL[] = STRING; \
                                          const M3Result m3Err_##LABEL = m3ErrText_##LABEL;
const M3Result m3Err_none = NULL;
#else
#  define d_m3ErrorConst(LABEL, STRING)   extern const M3Result m3Err_##LABEL;
extern const M3Result m3Err_none;
#endif

d_m3ErrorConst  (mallocFailed,                  "memory allocation failed")
/* parse errors */
d_m3ErrorConst  (incompatibleWasmVersion,       "incompatible Wasm binary version")
d_m3ErrorConst  (wasmMalformed,                 "malformed Wasm binary")
d_m3ErrorConst  (misorderedWasmSection,         "out of order Wasm section")
d_m3ErrorConst  (wasmUnderrun,                  "underrun while parsing Wasm binary")
d_m3ErrorConst  (wasmOverrun,                   "overrun while parsing Wasm binary")
d_m3ErrorConst  (wasmMissingInitExpr,           "missing init_expr in Wasm binary")
d_m3ErrorConst  (lebOverflow,                   "LEB encoded value overflow")
d_m3ErrorConst  (missingUTF8,                   "invalid length UTF-8 string")
d_m3ErrorConst  (wasmSectionUnderrun,           "section underrun while parsing Wasm binary")
d_m3ErrorConst  (wasmSectionOverrun,            "section overrun while parsing Wasm binary")
d_m3ErrorConst  (invalidTypeId,                 "unknown value_type")
d_m3ErrorConst  (tooManyMemorySections,         "only one memory per module is supported")
d_m3ErrorConst  (tooManyArgsRets,               "too many arguments or return values")
/* link errors */
d_m3ErrorConst  (moduleNotLinked,               "attempting to use module that is not loaded")
d_m3ErrorConst  (moduleAlreadyLinked,           "attempting to bind module to multiple runtimes")
d_m3ErrorConst  (functionLookupFailed,          "function lookup failed")
d_m3ErrorConst  (functionImportMissing,         "missing imported function")
d_m3ErrorConst  (malformedFunctionSignature,    "malformed function signature")
/* validation errors */
d_m3ErrorConst  (unknownOpcode,                 "unknown opcode")
d_m3ErrorConst  (typeMismatch,                  "incorrect type on stack")
d_m3ErrorConst  (unknownType,                   "unknown type")
d_m3ErrorConst  (unknownFunction,               "unknown function")
d_m3ErrorConst  (unknownMemory,                 "unknown memory")
d_m3ErrorConst  (unknownDataSegment,            "unknown data segment")
/* runtime errors */
d_m3ErrorConst  (wasmMemoryOverflow,            "runtime ran out of memory")
d_m3ErrorConst  (argumentCountMismatch,         "argument count mismatch")
/* traps */
d_m3ErrorConst  (trapOutOfBoundsMemoryAccess,   "[trap] out of bounds memory access")
d_m3ErrorConst  (trapDivisionByZero,            "[trap] integer divide by zero")
d_m3ErrorConst  (trapIntegerOverflow,           "[trap] integer overflow")
d_m3ErrorConst  (trapIntegerConversion,         "[trap] invalid conversion to integer")
d_m3ErrorConst  (trapIndirectCallTypeMismatch,  "[trap] indirect call type mismatch")
d_m3ErrorConst  (trapTableIndexOutOfRange,      "[trap] undefined element")
d_m3ErrorConst  (trapTableElementIsNull,        "[trap] uninitialized element")
d_m3ErrorConst  (trapTableOutOfBounds,          "[trap] out of bounds table access")
d_m3ErrorConst  (trapExit,                      "[trap] program called exit")
d_m3ErrorConst  (trapAbort,                     "[trap] program called abort")
d_m3ErrorConst  (trapUnreachable,               "[trap] unreachable executed")
d_m3ErrorConst  (trapStackOverflow,             "[trap] stack overflow")

/* ---- environment and runtime ---- */
IM3Environment      m3_NewEnvironment           (void);
void                m3_FreeEnvironment          (IM3Environment i_environment);

IM3Runtime          m3_NewRuntime               (IM3Environment         io_environment,
                                                 uint32_t               i_stackSizeInBytes,
                                                 void *                 i_userdata);
void                m3_FreeRuntime              (IM3Runtime             i_runtime);

uint8_t *           m3_GetMemory                (IM3Runtime             i_runtime,
                                                 uint32_t *             o_memorySizeInBytes,
                                                 uint32_t               i_memoryIndex);
uint32_t            m3_GetMemorySize            (IM3Runtime             i_runtime);
void *              m3_GetUserData              (IM3Runtime             i_runtime);

/* ---- modules (i_wasmBytes must stay valid, unchanged, for the module's lifetime) ---- */
M3Result            m3_ParseModule              (IM3Environment         i_environment,
                                                 IM3Module *            o_module,
                                                 const uint8_t * const  i_wasmBytes,
                                                 uint32_t               i_numWasmBytes);
void                m3_FreeModule               (IM3Module i_module);
M3Result            m3_LoadModule               (IM3Runtime io_runtime,  IM3Module io_module);
M3Result            m3_RunStart                 (IM3Module i_module);

/* Raw host functions: result slots first, then the arguments, one uint64_t slot each. */
typedef const void * (* M3RawCall) (IM3Runtime runtime, IM3ImportContext _ctx, uint64_t * _sp, void * _mem);

M3Result            m3_LinkRawFunction          (IM3Module              io_module,
                                                 const char * const     i_moduleName,
                                                 const char * const     i_functionName,
                                                 const char * const     i_signature,
                                                 M3RawCall              i_function);
M3Result            m3_LinkRawFunctionEx        (IM3Module              io_module,
                                                 const char * const     i_moduleName,
                                                 const char * const     i_functionName,
                                                 const char * const     i_signature,
                                                 M3RawCall              i_function,
                                                 const void *           i_userdata);

/* ---- functions ---- */
M3Result            m3_FindFunction             (IM3Function *          o_function,
                                                 IM3Runtime             i_runtime,
                                                 const char * const     i_functionName);
uint32_t            m3_GetArgCount              (IM3Function i_function);
uint32_t            m3_GetRetCount              (IM3Function i_function);
M3ValueType         m3_GetArgType               (IM3Function i_function, uint32_t i_index);
M3ValueType         m3_GetRetType               (IM3Function i_function, uint32_t i_index);

M3Result            m3_CallV                    (IM3Function i_function, ...);
M3Result            m3_CallVL                   (IM3Function i_function, va_list i_args);
M3Result            m3_Call                     (IM3Function i_function, uint32_t i_argc, const void * i_argptrs[]);
M3Result            m3_GetResultsV              (IM3Function i_function, ...);
M3Result            m3_GetResultsVL             (IM3Function i_function, va_list o_rets);
M3Result            m3_GetResults               (IM3Function i_function, uint32_t i_retc, const void * o_retptrs[]);

void                m3_GetErrorInfo             (IM3Runtime i_runtime, M3ErrorInfo* o_info);
void                m3_ResetErrorInfo           (IM3Runtime i_runtime);
const char*         m3_GetFunctionName          (IM3Function i_function);

/* ---- raw function helpers (same macros as upstream) ---- */
#define m3ApiOffsetToPtr(offset)   (void*)((uint8_t*)_mem + (uint32_t)(offset))
#define m3ApiPtrToOffset(ptr)      (uint32_t)((uint8_t*)ptr - (uint8_t*)_mem)

#define m3ApiReturnType(TYPE)                 TYPE* raw_return = ((TYPE*) (_sp++));
#define m3ApiMultiValueReturnType(TYPE, NAME) TYPE* NAME = ((TYPE*) (_sp++));
#define m3ApiGetArg(TYPE, NAME)               TYPE NAME = \
    (sizeof(TYPE) >= sizeof(uint32_t)) ? \
    (*((TYPE *)(_sp++))) : \
    ((TYPE)(uintptr_t)(*((uint32_t *)(_sp++))));
#define m3ApiGetArgMem(TYPE, NAME)            TYPE NAME = (TYPE)m3ApiOffsetToPtr(* ((uint32_t *) (_sp++)));

#define m3ApiIsNullPtr(addr)       ((void*)(addr) <= _mem)
#define m3ApiCheckMem(addr, len)   { if (M3_UNLIKELY(((void*)(addr) < _mem) \
        || ((uint64_t)(uintptr_t)(addr) + (len)) > ((uint64_t)(uintptr_t)(_mem)+m3_GetMemorySize(runtime)))) \
        m3ApiTrap(m3Err_trapOutOfBoundsMemoryAccess); }

#define m3ApiRawFunction(NAME)     const void * NAME (IM3Runtime runtime, IM3ImportContext _ctx, uint64_t * _sp, \
                                                      void * _mem)
#define m3ApiReturn(VALUE)                   { *raw_return = (VALUE); return m3Err_none;}
#define m3ApiMultiValueReturn(NAME, VALUE)   { *NAME = (VALUE); }
#define m3ApiTrap(VALUE)                     { return VALUE; }
#define m3ApiSuccess()                       { return m3Err_none; }

#if defined(__cplusplus)
}
#endif

#endif /* wasm3_h */
