/* Call-cost benchmark on our interpreter (test/runtime/fixtures/callbench.wat): runs the
 * "calls" export (CALLS=1) or the "inline" one (CALLS=0) over N iterations; the runner
 * subtracts the two counts and divides by N. Returns the checksum (both must agree). */
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
    if (m3_CallV(f, (uint32_t)N)) return -4;
    m3_GetResultsV(f, &acc);
    return (int)acc;
}
