/* API-level tests of the wasm3 embedding subset. Uses only wasm3.h (plus wasmqtt_rt.h under
 * #ifdef WASMQTT_RT), so the same file builds against upstream wasm3 (`make test-wasm3`).
 * Usage: api_test FIXTURE.wasm   (the fixture pre-decoded for the build's engine, api.rf.wasm or with
 * WQRT_REGFORM=0 api.pd.wasm; upstream ignores the extra section) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wasm3.h"
#ifdef WASMQTT_RT
#include "wasmqtt_rt.h"
static uint64_t arena[(96 * 1024) / 8];
#endif

static int failures, checks;
#define CHECK(cond, ...) do { checks++; if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static char noted[16];
static int note_calls;

static m3ApiRawFunction(host_add)
{
    m3ApiReturnType(int32_t)
    m3ApiGetArg(int32_t, a)
    m3ApiGetArg(int32_t, b)
    m3ApiReturn(a + b);
}
static m3ApiRawFunction(host_note)
{
    m3ApiGetArgMem(const char *, ptr)
    m3ApiGetArg(int32_t, len)
    m3ApiCheckMem(ptr, len);
    if (len > 15) len = 15;
    memcpy(noted, ptr, (size_t)len);
    noted[len] = 0;
    note_calls++;
    m3ApiSuccess();
}
static m3ApiRawFunction(host_fail)
{
    (void)_sp; (void)_mem; (void)runtime; (void)_ctx;
    m3ApiTrap(m3Err_trapAbort);
}
#ifdef WASMQTT_RT
/* host_note, linked again: calls back into wasm, which this runtime refuses */
static IM3Function g_add;
static M3Result reentry;
static m3ApiRawFunction(host_reenter)
{
    (void)_sp; (void)_mem; (void)runtime; (void)_ctx;
    reentry = m3_CallV(g_add, 1, 2);
    m3ApiSuccess();
}
#endif

int main(int argc, char ** argv)
{
    if (argc != 2) { fprintf(stderr, "usage: api_test FIXTURE.wasm\n"); return 2; }
    FILE * f = fopen(argv[1], "rb");
    if (!f) { fprintf(stderr, "api_test: cannot open %s\n", argv[1]); return 2; }
    static uint8_t wasm[65536] __attribute__((aligned(8)));
    uint32_t len = (uint32_t)fread(wasm, 1, sizeof wasm, f);
    fclose(f);

    IM3Environment env = m3_NewEnvironment();
    CHECK(env != NULL, "m3_NewEnvironment");
#ifdef WASMQTT_RT
    CHECK(wqrt_SetArena(env, arena, sizeof arena) == m3Err_none, "wqrt_SetArena");
#endif
    IM3Runtime rt = m3_NewRuntime(env, 8192, NULL);
    CHECK(rt != NULL, "m3_NewRuntime");
#ifdef WASMQTT_RT
    {   /* frames share the value stack's area (a frame is four pointers, two in the register form): a deeper
         * call depth right after m3_NewRuntime grows that area in place, no second copy in the arena */
#if defined(WQRT_REGFORM) && WQRT_REGFORM
        const uint32_t frame_words = 2;
#else
        const uint32_t frame_words = 4;
#endif
        uint32_t used = wqrt_ArenaUsed(env);
        CHECK(wqrt_SetCallDepth(rt, 128) == m3Err_none, "wqrt_SetCallDepth");
        CHECK(wqrt_ArenaUsed(env) - used == 64u * frame_words * (uint32_t)sizeof(void *), "call depth 64 -> 128: %u more arena bytes", wqrt_ArenaUsed(env) - used);
        /* this runtime's results are wasmqtt_rt.h's pointers (compare, as with m3Err_*) */
        CHECK(wqrt_SetCallDepth(rt, 1u << 30) == wqrt_Err_arenaTooSmall, "a call depth beyond the arena");
        CHECK(wqrt_SetArena(env, NULL, 64) == wqrt_Err_arenaTooSmall, "no arena");
    }
#endif

    IM3Module bad;
    static const uint8_t junk[] = { 0, 'a', 's', 'm', 2, 0, 0, 0 };
    CHECK(m3_ParseModule(env, &bad, junk, sizeof junk) != m3Err_none, "a wrong version must not parse");

    IM3Module mod;
    M3Result r = m3_ParseModule(env, &mod, wasm, len);
    CHECK(r == m3Err_none, "m3_ParseModule: %s", r);
    r = m3_LoadModule(rt, mod);
    CHECK(r == m3Err_none, "m3_LoadModule: %s", r);

    CHECK(m3_LinkRawFunction(mod, "env", "host_add", "i(i)", host_add) != m3Err_none, "signature mismatch must be refused");
#ifdef WASMQTT_RT
    CHECK(m3_LinkRawFunction(mod, "env", "host_add", "i(i)", host_add) == wqrt_Err_signatureMismatch, "signature mismatch's result");
#endif
    CHECK(m3_LinkRawFunction(mod, "env", "nope", "v()", host_fail) != m3Err_none, "unknown import must be refused");
    r = m3_LinkRawFunction(mod, "env", "host_add", "i(ii)", host_add);
    CHECK(r == m3Err_none, "link host_add: %s", r);
    r = m3_LinkRawFunction(mod, "env", "host_note", "v(ii)", host_note);
    CHECK(r == m3Err_none, "link host_note: %s", r);
    r = m3_LinkRawFunction(mod, "env", "host_fail", "v()", host_fail);
    CHECK(r == m3Err_none, "link host_fail: %s", r);

    IM3Function fn;
    CHECK(m3_FindFunction(&fn, rt, "no_such_export") != m3Err_none, "lookup of a missing export must fail");

    r = m3_FindFunction(&fn, rt, "add");
    CHECK(r == m3Err_none && fn, "find add: %s", r);
    if (fn) {
        CHECK(m3_GetArgCount(fn) == 2 && m3_GetRetCount(fn) == 1, "add arity");
        CHECK(m3_GetArgType(fn, 0) == c_m3Type_i32, "add arg type");
        r = m3_CallV(fn, 40, 2);
        int32_t v = 0;
        CHECK(r == m3Err_none, "call add: %s", r);
        m3_GetResultsV(fn, &v);
        CHECK(v == 42, "add(40,2) = %d", v);
        r = m3_CallV(fn, -5, 3);
        m3_GetResultsV(fn, &v);
        CHECK(r == m3Err_none && v == -2, "add(-5,3) = %d", v);
    }
    if (m3_FindFunction(&fn, rt, "fac") == m3Err_none) {
        uint64_t v = 0;
        r = m3_CallV(fn, (uint64_t)20);
        m3_GetResultsV(fn, &v);
        CHECK(r == m3Err_none && v == 2432902008176640000ull, "fac(20) = %llu (%s)", (unsigned long long)v, r);
    } else CHECK(0, "find fac");
    if (m3_FindFunction(&fn, rt, "via_host") == m3Err_none) {
        int32_t v = 0;
        r = m3_CallV(fn, 7);
        m3_GetResultsV(fn, &v);
        CHECK(r == m3Err_none && v == 1007, "via_host(7) = %d (%s)", v, r);
    } else CHECK(0, "find via_host");
    if (m3_FindFunction(&fn, rt, "note") == m3Err_none) {
        r = m3_CallV(fn);
        CHECK(r == m3Err_none && note_calls == 1 && strcmp(noted, "hello") == 0, "note: %s '%s'", r, noted);
#ifdef WASMQTT_RT
        CHECK(m3_LinkRawFunction(mod, "env", "host_note", "v(ii)", host_reenter) == m3Err_none
              && m3_FindFunction(&g_add, rt, "add") == m3Err_none && m3_CallV(fn) == m3Err_none
              && reentry == wqrt_Err_reentrantCall, "m3_Call from a host function: %s", reentry);
#endif
    } else CHECK(0, "find note");
    if (m3_FindFunction(&fn, rt, "fail") == m3Err_none) {
        r = m3_CallV(fn);
        CHECK(r == m3Err_trapAbort, "a host trap must come back as the call's result: %s", r);
    } else CHECK(0, "find fail");
    if (m3_FindFunction(&fn, rt, "count") == m3Err_none) {
        int32_t v = 0;
        m3_CallV(fn); m3_CallV(fn); r = m3_CallV(fn);
        m3_GetResultsV(fn, &v);
        CHECK(r == m3Err_none && v == 3, "mutable global kept across calls: %d", v);
    } else CHECK(0, "find count");
    if (m3_FindFunction(&fn, rt, "div") == m3Err_none) {
        int32_t v = 0;
        r = m3_CallV(fn, 7, 2);
        m3_GetResultsV(fn, &v);
        CHECK(r == m3Err_none && v == 3, "div(7,2) = %d", v);
        r = m3_CallV(fn, 7, 0);
        CHECK(r == m3Err_trapDivisionByZero, "div by zero: %s", r);
        r = m3_CallV(fn, (int32_t)0x80000000, -1);
        CHECK(r == m3Err_trapIntegerOverflow, "div overflow: %s", r);
    } else CHECK(0, "find div");
    if (m3_FindFunction(&fn, rt, "peek") == m3Err_none) {
        uint32_t size = 0, v = 0;
        uint8_t * mem = m3_GetMemory(rt, &size, 0);
        CHECK(mem != NULL && size >= 1024, "m3_GetMemory: size %u", size);
        if (mem) mem[100] = 0xab;
        r = m3_CallV(fn, 100);
        m3_GetResultsV(fn, &v);
        CHECK(r == m3Err_none && v == 0xab, "peek(100) = %x", v);
        r = m3_CallV(fn, size);
        CHECK(r == m3Err_trapOutOfBoundsMemoryAccess, "load past the end: %s", r);
        r = m3_CallV(fn, 0xffffffffu);
        CHECK(r == m3Err_trapOutOfBoundsMemoryAccess, "load at 4 GiB - 1: %s", r);
    } else CHECK(0, "find peek");
    if (m3_FindFunction(&fn, rt, "boom") == m3Err_none) {
        r = m3_CallV(fn);
        CHECK(r == m3Err_trapUnreachable, "unreachable: %s", r);
#ifdef WASMQTT_RT
        uint32_t fi = 0, off = 0;
        CHECK(wqrt_GetTrapInfo(rt, &fi, &off) == m3Err_trapUnreachable && fi == 11 && off > 0, "trap info: func %u off %u", fi, off);
#endif
    } else CHECK(0, "find boom");
    if (m3_FindFunction(&fn, rt, "deep") == m3Err_none) {
        r = m3_CallV(fn, 1);
        CHECK(r == m3Err_trapStackOverflow, "runaway recursion: %s", r);
#ifdef WASMQTT_RT
        uint32_t fi = 0, off = 0;
        CHECK(wqrt_GetTrapInfo(rt, &fi, &off) == m3Err_trapStackOverflow && fi == 12 && off > 0, "overflow trap info: func %u off %u", fi, off);
#endif
        /* the runtime stays usable after a trap */
        IM3Function add;
        int32_t v = 0;
        if (m3_FindFunction(&add, rt, "add") == m3Err_none) { r = m3_CallV(add, 1, 2); m3_GetResultsV(add, &v); }
        CHECK(r == m3Err_none && v == 3, "call after a trap: %s %d", r, v);
    } else CHECK(0, "find deep");

    if (m3_FindFunction(&fn, rt, "outer") == m3Err_none) {
        int32_t v = 0;
        r = m3_CallV(fn, 0);
        CHECK(r == m3Err_trapDivisionByZero, "a trap two calls deep: %s", r);
#ifdef WASMQTT_RT
        uint32_t fi = 0, off = 0, off2 = 0;
        CHECK(wqrt_GetTrapInfo(rt, &fi, &off) == m3Err_trapDivisionByZero && fi == 13 && off > 0, "nested trap info: func %u off %u", fi, off);
#endif
        r = m3_CallV(fn, 1);
        m3_GetResultsV(fn, &v);
        CHECK(r == m3Err_none && v == 3, "outer(1) = %d: %s", v, r);
        IM3Function pick;
        if (m3_FindFunction(&pick, rt, "pick") == m3Err_none) {
            r = m3_CallV(pick, 0, 4);
            m3_GetResultsV(pick, &v);
            CHECK(r == m3Err_none && v == 0, "pick(0, 4) = %d: %s", v, r);
            r = m3_CallV(pick, 0, 0);
            CHECK(r == m3Err_trapDivisionByZero, "a trap through call_indirect: %s", r);
#ifdef WASMQTT_RT
            /* the same instruction as the direct call's trap: the same function and offset */
            CHECK(wqrt_GetTrapInfo(rt, &fi, &off2) == m3Err_trapDivisionByZero && fi == 13 && off2 == off, "indirect trap info: func %u off %u (direct %u)", fi, off2, off);
#endif
            r = m3_CallV(pick, 1, 4);
            CHECK(r == m3Err_trapIndirectCallTypeMismatch, "call_indirect to (i64) -> i64 as (i32) -> i32: %s", r);
            r = m3_CallV(pick, 2, 4);
            CHECK(r == m3Err_trapTableIndexOutOfRange, "call_indirect past the table: %s", r);
        } else CHECK(0, "find pick");
    } else CHECK(0, "find outer");

    printf("api_test: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
