/* Seeded mutation fuzzer for the loader and interpreter (host build with ASan + UBSan).
 *   fuzz_loader ITERATIONS SEED MODULE...   (seeds pre-decoded for this build's engine: .rf.wasm, or .pd.wasm
 *   with WQRT_REGFORM=0)
 * Each iteration is one execution of one of:
 *   0 mutated bytes anywhere in a seed module -> parse + load (+ calls when accepted)
 *   1 mutated bytes with the module hash re-stamped and the blob checksum re-stamped, so the
 *     loader's own structural checks (not just the hash) see the damage
 *   2 the intact module with random arguments, random linear-memory contents and random
 *     host-import results, calling every exported function
 * A crash, hang (fuel runs out -> counted, not a failure) or sanitizer report stops the run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/rt_internal.h"

static uint64_t arena[(512u << 10) / 8];
static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static m3ApiRawFunction(fuzz_host)
{
    (void)_ctx;
    /* results first: fill every result slot with noise, then look at pointer-ish args */
    const WqType * t = &runtime->module->types[wq_func_type(runtime->module, _ctx->function->index)];
    for (uint32_t i = 0; i < t->nresults; i++) _sp[i] = rnd() % 4 == 0 ? 0 : rnd();
    if (t->nparams >= 2 && t->nresults + 2 <= t->nresults + t->nparams) {
        uint32_t ptr = (uint32_t)_sp[t->nresults], len = (uint32_t)_sp[t->nresults + 1] & 0xffff;
        uint8_t * p = (uint8_t *)m3ApiOffsetToPtr(ptr);
        if ((uint64_t)ptr + len <= m3_GetMemorySize(runtime)) { for (uint32_t k = 0; k < len && k < 64; k++) p[k] = (uint8_t)rnd(); }
    }
    if (rnd() % 64 == 0) m3ApiTrap(m3Err_trapAbort);
    m3ApiSuccess();
}

static uint32_t fnv1a(const uint8_t * p, uint32_t n) { uint32_t h = 0x811c9dc5u; while (n--) { h ^= *p++; h *= 0x01000193u; } return h; }

/* Finds the pre-decoded section start and the blob offset; 0 when absent. */
static uint32_t find_blob(const uint8_t * b, uint32_t len, uint32_t * section_start)
{
    uint32_t p = 8;
    while (p < len) {
        uint32_t s = p, size = 0, shift = 0; uint8_t id = b[p++], x;
        do { if (p >= len) return 0; x = b[p++]; size |= (uint32_t)(x & 0x7f) << shift; shift += 7; } while (x & 0x80 && shift < 35);
        if (size > len - p) return 0;
        if (id == 0 && b[p] == 18 && size > 20 && memcmp(b + p + 1, "wasmqtt.predecoded", 18) == 0) {
            *section_start = s;
            return p + 19 + 1 + b[p + 19];
        }
        p += size;
    }
    return 0;
}

static uint32_t run_module(const uint8_t * bytes, uint32_t len, int call_all, uint32_t * fuel_outs)
{
    IM3Environment env = m3_NewEnvironment();
    wqrt_SetArena(env, arena, sizeof arena);
    IM3Runtime rt = m3_NewRuntime(env, 16384, NULL);
    if (!rt) return 0;
    wqrt_SetMemoryLimit(rt, 256u << 10);
    IM3Module m;
    if (m3_ParseModule(env, &m, bytes, len) != m3Err_none) return 0;
    if (m3_LoadModule(rt, m) != m3Err_none) return 0;
    m3_LinkRawFunction(m, "*", "", NULL, fuzz_host);
    for (uint32_t i = 0; i < m->nimports; i++) { m->imports[i].fn = fuzz_host; }
    if (!call_all) return 1;
    uint32_t size = 0;
    uint8_t * mem = m3_GetMemory(rt, &size, 0);
    if (mem && rnd() % 2) for (uint32_t k = 0; k < 64; k++) mem[rnd() % size] = (uint8_t)rnd();
    /* call every exported function a few times with random arguments */
    if (!m->sec[WQ_SEC(7)].end) return 1;
    const uint8_t * s = m->bytes + m->sec[WQ_SEC(7)].start, * se = m->bytes + m->sec[WQ_SEC(7)].end;
    uint32_t n, nl, idx;
    if (!wq_read_leb32(&s, se, &n)) return 1;
    while (n--) {
        if (!wq_read_leb32(&s, se, &nl) || (uint32_t)(se - s) < nl + 1) return 1;
        s += nl;
        uint8_t kind = *s++;
        if (!wq_read_leb32(&s, se, &idx)) return 1;
        if (kind != 0 || idx >= m->nfuncs) continue;
        const WqType * t = &m->types[wq_func_type(m, idx)];
        if (t->nparams > 16) continue;
        for (uint32_t k = 0; k < t->nparams; k++) rt->stack[k] = rnd() % 3 == 0 ? rnd() % 256 : ((uint64_t)rnd() << 32 | rnd());
        rt->fuel = 200000;
        rt->running = 1;
        M3Result r = wq_invoke(rt, idx, t->nparams);
        rt->running = 0;
        if (r && r == wqrt_Err_trapFuelExhausted) (*fuel_outs)++;
    }
    return 1;
}

int main(int argc, char ** argv)
{
    if (argc < 4) { fprintf(stderr, "usage: fuzz_loader ITERATIONS SEED MODULE...\n"); return 2; }
    unsigned long iters = strtoul(argv[1], NULL, 10);
    rng_state = strtoull(argv[2], NULL, 10) * 2654435761u + 88172645463325252ull;
    int nseeds = argc - 3;
    static uint8_t seeds[8][262144], work[262144 + 64] __attribute__((aligned(8)));
    uint32_t lens[8];
    if (nseeds > 8) nseeds = 8;
    for (int i = 0; i < nseeds; i++) {
        FILE * f = fopen(argv[3 + i], "rb");
        if (!f) { fprintf(stderr, "fuzz_loader: cannot open %s\n", argv[3 + i]); return 2; }
        lens[i] = (uint32_t)fread(seeds[i], 1, sizeof seeds[i], f);
        fclose(f);
    }
    unsigned long accepted[3] = { 0 }, runs[3] = { 0 };
    uint32_t fuel_outs = 0;
    for (unsigned long it = 0; it < iters; it++) {
        int si = (int)(rnd() % (uint32_t)nseeds);
        uint32_t len = lens[si];
        memcpy(work, seeds[si], len);
        int mode = (int)(rnd() % 3);
        uint32_t sect = 0, blob = find_blob(work, len, &sect);
        if (mode < 2) {
            uint32_t limit = (mode == 1 && blob) ? sect : len;   /* mode 1 keeps the blob intact */
            int nmut = 1 + (int)(rnd() % 4);
            for (int k = 0; k < nmut && limit > 8; k++) {
                uint32_t at = 8 + rnd() % (limit - 8);
                switch (rnd() % 4) {
                case 0: work[at] ^= (uint8_t)(1u << (rnd() % 8)); break;
                case 1: work[at] = (uint8_t)rnd(); break;
                case 2: work[at] = (uint8_t)(rnd() % 2 ? 0x80 : 0xff); break;
                case 3: if (mode == 0) len = at; break; /* truncate */
                }
            }
            if (mode == 1 && blob) {
                /* re-stamp so that only the loader's structural checks stand in the way */
                uint32_t h = fnv1a(work, sect);
                memcpy(work + blob + 8, &h, 4);
            }
        }
        runs[mode]++;
        accepted[mode] += run_module(work, len, mode == 2, &fuel_outs);
    }
    printf("fuzz_loader: %lu executions (mutated: %lu, %lu accepted; re-stamped: %lu, %lu accepted; random inputs: %lu), %u ran out of fuel, no crash\n",
           iters, runs[0], accepted[0], runs[1], accepted[1], runs[2], fuel_outs);
    return 0;
}
