/* WQRT_FUEL (host fuzz builds): a run that keeps branching or calling ends with wqrt_Err_trapFuelExhausted once
 * rt->fuel runs out, and the runtime stays usable. Built for either engine (test/runtime/rf-engine.test.ts).
 *   fuel_test MODULE: exports "spin" (an endless loop), "recurse" (endless tail calls of itself through a
 *   counter that never reaches zero) and "add" (i32, i32 -> i32). */
#include <stdio.h>
#include "../../../firmware/runtime/src/rt_internal.h"

static uint64_t arena[(1u << 20) / 8];

int main(int argc, char ** argv)
{
    if (argc != 2) { fprintf(stderr, "usage: fuel_test MODULE\n"); return 2; }
    FILE * f = fopen(argv[1], "rb");
    if (!f) { fprintf(stderr, "fuel_test: cannot open %s\n", argv[1]); return 2; }
    static uint8_t wasm[65536] __attribute__((aligned(8)));
    uint32_t len = (uint32_t)fread(wasm, 1, sizeof wasm, f);
    fclose(f);
    IM3Environment env = m3_NewEnvironment();
    wqrt_SetArena(env, arena, sizeof arena);
    IM3Runtime rt = m3_NewRuntime(env, 8192, NULL);
    IM3Module m;
    M3Result r = m3_ParseModule(env, &m, wasm, len);
    if (!r) r = m3_LoadModule(rt, m);
    if (r) { printf("load: %s\n", r); return 1; }
    const char * names[] = { "spin", "recurse" };
    const uint32_t fuel[] = { 5000, 40 };   /* calls use it up too: 40 runs out before the stack does */
    for (int i = 0; i < 2; i++) {
        IM3Function fn;
        if (m3_FindFunction(&fn, rt, names[i])) { printf("%s: not found\n", names[i]); return 1; }
        rt->fuel = fuel[i];
        r = m3_CallV(fn, 1);
        printf("%s: %s, fuel left %u\n", names[i], r ? r : "ok", rt->fuel);
    }
    IM3Function add;
    int32_t v = 0;
    rt->fuel = 0;   /* unlimited */
    if (m3_FindFunction(&add, rt, "add") || m3_CallV(add, 40, 2) || m3_GetResultsV(add, &v)) return 1;
    printf("add: %d\n", v);
    return 0;
}
