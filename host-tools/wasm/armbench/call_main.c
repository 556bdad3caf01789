/* Call-cost benchmark on our interpreter (test/runtime/fixtures/callbench.wat): runs the
 * "calls" export (CALLS=1) or the "inline" one (CALLS=0) over N iterations; the runner
 * subtracts the two counts and divides by N. Returns the checksum (both must agree).
 * test/runtime/calls.test.ts runs its own modules through it too: a trap returns
 * -(code << 24 | depth), code 1 for a stack overflow, 2 for an indirect call's type mismatch,
 * 3 for any other, and depth what the module's "depth" export then returns (0 without one). */
#include <stdint.h>
#include "wasm3.h"
#include "wasmqtt_rt.h"

#ifndef N
#define N 1000
#endif
extern const uint8_t callbench_module[];
extern const uint32_t callbench_module_len;
static uint64_t arena[(8u * 1024u) / 8];

/* Host functions for calls.test.ts's host-call check (the call path's import branch on Cortex-M,
 * against Node's engine with the same imports in JavaScript). Linked under "env" when a module
 * imports them; the benchmark's modules import nothing, and their two runs pay the same lookups. */
static const uint32_t mix_bias = 1000;
static uint32_t ticks;
static m3ApiRawFunction(env_mix)   /* (i32 a, i32 b, i32 c) -> i32: 3a + (b ^ c) + the userdata's value */
{
    m3ApiReturnType(uint32_t); m3ApiGetArg(uint32_t, a); m3ApiGetArg(uint32_t, b); m3ApiGetArg(uint32_t, c);
    m3ApiReturn(a * 3u + (b ^ c) + *(const uint32_t *)_ctx->userdata);
}
static m3ApiRawFunction(env_tick)   /* () -> (): counts in the userdata; the context names a function */
{
    (void)runtime; (void)_sp; (void)_mem;
    if (!_ctx->function) m3ApiTrap(m3Err_trapAbort);
    ++*(uint32_t *)_ctx->userdata;
    m3ApiSuccess();
}
static m3ApiRawFunction(env_count)   /* () -> i32 */
{
    m3ApiReturnType(uint32_t); (void)runtime; (void)_mem;
    m3ApiReturn(*(const uint32_t *)_ctx->userdata);
}
static m3ApiRawFunction(env_wide)   /* (i64 a, i32 b) -> i64: a ^ (b << 7) */
{
    m3ApiReturnType(uint64_t); m3ApiGetArg(uint64_t, a); m3ApiGetArg(uint32_t, b); (void)runtime; (void)_ctx; (void)_mem;
    m3ApiReturn(a ^ ((uint64_t)b << 7));
}
static m3ApiRawFunction(env_poke)   /* (i32 p, i32 v) -> (): memory[p] = v as one byte */
{
    m3ApiGetArgMem(uint8_t *, p); m3ApiGetArg(uint32_t, v); (void)_ctx;
    m3ApiCheckMem(p, 1);
    *p = (uint8_t)v;
    m3ApiSuccess();
}

int main(void)
{
    IM3Environment env = m3_NewEnvironment();
    wqrt_SetArena(env, arena, sizeof arena);
    IM3Runtime rt = m3_NewRuntime(env, 1024, 0);
    IM3Module m;
    if (m3_ParseModule(env, &m, callbench_module, callbench_module_len)) return -1;
    if (m3_LoadModule(rt, m)) return -2;
    m3_LinkRawFunctionEx(m, "env", "mix", "i(iii)", env_mix, &mix_bias);
    m3_LinkRawFunctionEx(m, "env", "tick", "v()", env_tick, &ticks);
    m3_LinkRawFunctionEx(m, "env", "count", "i()", env_count, &ticks);
    m3_LinkRawFunction(m, "env", "wide", "I(Ii)", env_wide);
    m3_LinkRawFunction(m, "env", "poke", "v(ii)", env_poke);
    IM3Function f;
    if (m3_FindFunction(&f, rt, CALLS ? "calls" : "inline")) return -3;
    uint32_t acc = 0;
    M3Result r = m3_CallV(f, (uint32_t)N);
    if (r) {
        uint32_t code = r == m3Err_trapStackOverflow ? 1 : r == m3Err_trapIndirectCallTypeMismatch ? 2 : 3, depth = 0;
        IM3Function d;
        if (!m3_FindFunction(&d, rt, "depth") && !m3_CallV(d)) m3_GetResultsV(d, &depth);
        return -(int)(code << 24 | depth);
    }
    m3_GetResultsV(f, &acc);
    return (int)acc;
}
