/* A program written against wasm3's public API only (no wasmqtt_rt.h, no wqrt_SetArena):
 * proves the runtime works for it unchanged. Loads MODULE at byte offset OFFSET of a buffer
 * (OFFSET 1 gives module bytes that are not 4-byte aligned), calls EXPORT with one i32
 * argument per ARG and prints "ok RESULT" (unsigned) or "error MESSAGE".
 *   plain_driver MODULE OFFSET EXPORT [ARG...]
 * Used by test/runtime/compat.test.ts. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include "wasm3.h"

static uint8_t buffer[1u << 20] __attribute__((aligned(8)));

int main(int argc, char ** argv)
{
    if (argc < 4) { fprintf(stderr, "usage: plain_driver MODULE OFFSET EXPORT [I32...]\n"); return 2; }
    unsigned offset = (unsigned)atoi(argv[2]);
    FILE * f = fopen(argv[1], "rb");
    if (!f || offset > 7) { printf("error cannot open %s\n", argv[1]); return 1; }
    size_t n = fread(buffer + offset, 1, sizeof buffer - 8, f);
    fclose(f);
    IM3Environment env = m3_NewEnvironment();
    IM3Runtime rt = env ? m3_NewRuntime(env, 64u * 1024u, NULL) : NULL;
    if (!rt) { printf("error m3_NewRuntime returned NULL\n"); return 1; }
    IM3Module m = NULL;
    M3Result r = m3_ParseModule(env, &m, buffer + offset, (uint32_t)n);
    if (!r) r = m3_LoadModule(rt, m);
    IM3Function fn = NULL;
    if (!r) r = m3_FindFunction(&fn, rt, argv[3]);
    if (r) { printf("error %s\n", r); return 1; }
    const void * args[8]; uint32_t vals[8]; int nargs = argc - 4;
    if (nargs > 8) nargs = 8;
    for (int i = 0; i < nargs; i++) { vals[i] = (uint32_t)strtol(argv[4 + i], NULL, 0); args[i] = &vals[i]; }
    r = m3_Call(fn, (uint32_t)nargs, args);
    if (r) { printf("error %s\n", r); return 1; }
    uint32_t result = 0; const void * rets[1] = { &result };
    if (m3_GetRetCount(fn) == 1) { r = m3_GetResults(fn, 1, rets); if (r) { printf("error %s\n", r); return 1; } }
    printf("ok %u\n", result);
    return 0;
}
