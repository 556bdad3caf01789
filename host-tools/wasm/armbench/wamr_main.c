/* The interpreter suite's workloads on WAMR's fast interpreter (WebAssembly Micro Runtime,
 * WAMR_SRC), the second peer next to wasm3 (wasm3_main.c): the same plain module, the same
 * calls in the same order through WAMR's embedding API (wasm_export.h), so the counts compare.
 * WAMR translates each function into its fast-interpreter form while loading
 * (wasm_runtime_load), which run(0) contains too: the figure, run(n) minus run(0), is
 * execution only, as wasm3's (whose compile is lazy, on run(1)).
 * Returns run's result (the codec's checksum), or a negative step number when an API call
 * fails; with -DWAMR_POOL_PROBE, the pool's high-water mark in bytes instead. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <errno.h>
#include "wasm_export.h"
#include "workload.h"

extern const uint8_t bench_plain_module[];
extern const uint32_t bench_plain_module_len;

/* WAMR allocates everything from this pool (Alloc_With_Pool): its structures, the translated
 * code, the module copy below, the exec env's stack and the 64 KB linear memory. Generous:
 * the bench ELF runs under unicorn with 4 MB of RAM mapped; WAMR_POOL_PROBE reports the use. */
#ifndef WAMR_POOL_BYTES
#define WAMR_POOL_BYTES (512u * 1024u)
#endif
/* WAMR's wasm operand stack and call frames (wasm3 gets 4 KB; WAMR's frames are bigger). */
#define WAMR_STACK_BYTES (16u * 1024u)
static uint8_t pool[WAMR_POOL_BYTES] __attribute__((aligned(8)));

/* newlib's stubs for what WAMR's libc calls may reach (no heap: the pool is the only one). */
void * _sbrk(ptrdiff_t n) { (void)n; errno = ENOMEM; return (void *)-1; }
void _exit(int c) { (void)c; for (;;) {} }
int _kill(int p, int s) { (void)p; (void)s; return -1; }
int _getpid(void) { return 1; }

static int call(wasm_exec_env_t env, wasm_function_inst_t f, uint32_t argc, uint32_t * argv)
{
    return wasm_runtime_call_wasm(env, f, argc, argv) ? 0 : -1;
}

int main(void)
{
    RuntimeInitArgs init;
    memset(&init, 0, sizeof init);
    init.mem_alloc_type = Alloc_With_Pool;
    init.mem_alloc_option.pool.heap_buf = pool;
    init.mem_alloc_option.pool.heap_size = sizeof pool;
    if (!wasm_runtime_full_init(&init)) return -1;
    /* wasm_runtime_load may rewrite the bytes it is given (names are terminated in place):
     * the module is copied to RAM first, as an embedder must. */
    uint8_t * bytes = wasm_runtime_malloc(bench_plain_module_len);
    if (!bytes) return -2;
    memcpy(bytes, bench_plain_module, bench_plain_module_len);
    char err[128];
    wasm_module_t m = wasm_runtime_load(bytes, bench_plain_module_len, err, sizeof err);
    if (!m) return -3;
    wasm_module_inst_t inst = wasm_runtime_instantiate(m, WAMR_STACK_BYTES, 0, err, sizeof err);
    if (!inst) return -4;
    wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, WAMR_STACK_BYTES);
    if (!env) return -5;
#ifdef SUITE
    /* as run_suite_workload (workload_m3.h): run(1), then run(ITERATIONS) */
    wasm_function_inst_t run = wasm_runtime_lookup_function(inst, "run");
    if (!run) return -6;
    uint32_t argv[1] = { 1 };
    if (call(env, run, 1, argv)) return -7;
    argv[0] = ITERATIONS;
    if (call(env, run, 1, argv)) return -8;
    int result = (int)argv[0];
#else
    /* as run_codec_workload (workload_m3.h): buf(), then ITERATIONS encode + decode pairs */
    wasm_function_inst_t fbuf = wasm_runtime_lookup_function(inst, "buf");
    wasm_function_inst_t enc = wasm_runtime_lookup_function(inst, "encodePublish");
    wasm_function_inst_t dec = wasm_runtime_lookup_function(inst, "decodeOne");
    if (!fbuf || !enc || !dec) return -6;
    uint32_t a[7] = { 0 };
    if (call(env, fbuf, 0, a)) return -7;
    uint32_t base = a[0];
    if (!wasm_runtime_validate_app_addr(inst, base, OFF_PACKET + 256u)) return -8;
    uint8_t * mem = wasm_runtime_addr_app_to_native(inst, base);
    for (uint32_t i = 0; i < TOPIC_LEN; i++) mem[OFF_TOPIC + i] = (uint8_t)TOPIC[i];
    for (uint32_t i = 0; i < PAYLOAD_LEN; i++) mem[OFF_PAYLOAD + i] = (uint8_t)(i * 7u);
    uint32_t acc = 0;
    for (uint32_t i = 0; i < ITERATIONS; i++) {
        a[0] = base + OFF_PACKET; a[1] = 2; a[2] = base + OFF_TOPIC; a[3] = TOPIC_LEN;
        a[4] = (i & 0xfffu) + 1u; a[5] = base + OFF_PAYLOAD; a[6] = PAYLOAD_LEN;
        if (call(env, enc, 7, a)) return -9;
        uint32_t len = a[0];
        a[0] = base + OFF_PACKET; a[1] = len;
        if (call(env, dec, 2, a)) return -10;
        acc = acc * 31u + len + a[0];
    }
    int result = (int)acc;
#endif
#ifdef WAMR_POOL_PROBE
    mem_alloc_info_t info;
    if (!wasm_runtime_get_mem_alloc_info(&info)) return -11;
    (void)result;
    return (int)info.highmark_size;
#else
    return result;
#endif
}
