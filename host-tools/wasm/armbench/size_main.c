/* Flash figure: references exactly the API the firmware binding uses, so --gc-sections keeps
 * what a real image keeps; the bench sums the runtime's .text/.rodata from the link map. */
#include <stdint.h>
#include "wasm3.h"
#include "wasmqtt_rt.h"

static const uint8_t module_bytes[8] __attribute__((aligned(8))) = { 0 };
static uint64_t arena[1024];
static m3ApiRawFunction(host_fn) { m3ApiSuccess(); }

int main(void)
{
    IM3Environment env = m3_NewEnvironment();
    wqrt_SetArena(env, arena, sizeof arena);
    IM3Runtime rt = m3_NewRuntime(env, 1024, 0);
    wqrt_SetMemoryLimit(rt, 4096);
    IM3Module m;
    M3Result r = m3_ParseModule(env, &m, module_bytes, sizeof module_bytes);
    if (!r) r = m3_LoadModule(rt, m);
    if (!r) r = m3_LinkRawFunction(m, "board", "millis", "i()", host_fn);
    IM3Function f;
    if (!r) r = m3_FindFunction(&f, rt, "step");
    uint32_t v = 0, size = 0, fi = 0, off = 0;
    if (!r) r = m3_CallV(f);
    if (!r) r = m3_GetResultsV(f, &v);
    M3ErrorInfo info;
    m3_GetErrorInfo(rt, &info);
    wqrt_GetTrapInfo(rt, &fi, &off);
    return (int)(v + size + fi + off + wqrt_ArenaUsed(env) + (m3_GetMemory(rt, &size, 0) != 0) + (r != 0) + (m3_GetFunctionName(f) != 0));
}
