/* Workload on our interpreter: core's codec (build/core/codec-test.wasm, pre-decoded) from flash. */
#include <stdint.h>
#include "wasm3.h"
#include "wasmqtt_rt.h"
#include "workload_m3.h"

extern const uint8_t bench_module[];
extern const uint32_t bench_module_len;
static uint64_t arena[(80u * 1024u) / 8];

#ifdef HOST_WRAPPER
int bench_main(void)
#else
int main(void)
#endif
{
    IM3Environment env = m3_NewEnvironment();
    wqrt_SetArena(env, arena, sizeof arena);
    IM3Runtime rt = m3_NewRuntime(env, 4096, 0);
#ifdef SUITE
    return run_suite_workload(env, rt, bench_module, bench_module_len);
#else
    return run_codec_workload(env, rt, bench_module, bench_module_len);
#endif
}
