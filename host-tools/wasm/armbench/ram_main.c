/* RAM figure: loads core.wasm (pre-decoded, from flash) on the Cortex-M3 build and returns the
 * arena bytes the runtime uses beyond linear memory, the value stack and the call frames. */
#include <stdint.h>
#include "wasm3.h"
#include "wasmqtt_rt.h"
#include "../../../firmware/runtime/src/rt_internal.h"

extern const uint8_t core_module[];
extern const uint32_t core_module_len;
static uint64_t arena[(96u * 1024u) / 8];
#define STACK_BYTES 2048u
#define MEMORY_CAP 32768u

int main(void)
{
    IM3Environment env = m3_NewEnvironment();
    wqrt_SetArena(env, arena, sizeof arena);
    IM3Runtime rt = m3_NewRuntime(env, STACK_BYTES, 0);
    wqrt_SetMemoryLimit(rt, MEMORY_CAP);
    IM3Module m;
    if (m3_ParseModule(env, &m, core_module, core_module_len)) return -1;
    if (m3_LoadModule(rt, m)) return -2;
    return (int)(wqrt_ArenaUsed(env) - STACK_BYTES - MEMORY_CAP - WQRT_DEFAULT_FRAMES * (uint32_t)sizeof(WqFrame));
}
