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

int main(void)
{
    IM3Environment env = m3_NewEnvironment();
    wqrt_SetArena(env, arena, sizeof arena);
    IM3Runtime rt = m3_NewRuntime(env, 1024, 0);
    IM3Module m;
    if (m3_ParseModule(env, &m, callbench_module, callbench_module_len)) return -1;
    if (m3_LoadModule(rt, m)) return -2;
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
