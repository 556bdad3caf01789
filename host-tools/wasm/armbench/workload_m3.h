/* The workload of workload.h driven through the wasm3 embedding API, shared by our interpreter
 * (interp_main.c) and upstream wasm3 (wasm3_main.c): the same calls, so the counts compare.
 * Include after wasm3.h. Returns the checksum, or a negative step number on an API error. */
#include "workload.h"

static int run_codec_workload(IM3Environment env, IM3Runtime rt, const uint8_t *module, uint32_t module_len)
{
    IM3Module m;
    if (m3_ParseModule(env, &m, module, module_len)) return -1;
    if (m3_LoadModule(rt, m)) return -2;
    IM3Function fbuf, enc, dec;
    if (m3_FindFunction(&fbuf, rt, "buf") || m3_FindFunction(&enc, rt, "encodePublish") || m3_FindFunction(&dec, rt, "decodeOne")) return -3;
    uint32_t base = 0, size = 0;
    m3_CallV(fbuf);
    m3_GetResultsV(fbuf, &base);
    uint8_t * mem = m3_GetMemory(rt, &size, 0);
    for (uint32_t i = 0; i < TOPIC_LEN; i++) mem[base + OFF_TOPIC + i] = (uint8_t)TOPIC[i];
    for (uint32_t i = 0; i < PAYLOAD_LEN; i++) mem[base + OFF_PAYLOAD + i] = (uint8_t)(i * 7u);
    uint32_t acc = 0;
    for (uint32_t i = 0; i < ITERATIONS; i++) {
        int32_t len = 0, r = 0;
        if (m3_CallV(enc, base + OFF_PACKET, 2, base + OFF_TOPIC, TOPIC_LEN, (i & 0xfffu) + 1u, base + OFF_PAYLOAD, PAYLOAD_LEN)) return -4;
        m3_GetResultsV(enc, &len);
        if (m3_CallV(dec, base + OFF_PACKET, len)) return -5;
        m3_GetResultsV(dec, &r);
        acc = acc * 31u + (uint32_t)len + (uint32_t)r;
    }
    return (int)acc;
}

/* The interpreter suite (-DSUITE): the module's run(1), then run(ITERATIONS), through the same API calls
 * on both runtimes. Returns run's result, or a negative step number on an API error. */
static int run_suite_workload(IM3Environment env, IM3Runtime rt, const uint8_t *module, uint32_t module_len)
{
    IM3Module m;
    IM3Function run;
    int32_t r = 0;
    if (m3_ParseModule(env, &m, module, module_len)) return -1;
    if (m3_LoadModule(rt, m)) return -2;
    if (m3_FindFunction(&run, rt, "run")) return -3;
    /* run(1) first in every program, the baseline included: wasm3 compiles each function on
     * its first call, and the figure compares execution (start-up is reported apart) */
    if (m3_CallV(run, (int32_t)1)) return -4;
    if (m3_CallV(run, (int32_t)ITERATIONS)) return -5;
    m3_GetResultsV(run, &r);
    return r;
}
