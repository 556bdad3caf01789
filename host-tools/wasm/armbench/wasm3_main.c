/* The same workload on upstream wasm3 (WASM3_SRC), for the bench's comparison figure.
 * Built with newlib (wasm3 needs malloc); the module is the plain core codec. */
#include <stdint.h>
#include <stddef.h>
#include <errno.h>
#include "wasm3.h"
#include "workload.h"

extern const uint8_t bench_plain_module[];
extern const uint32_t bench_plain_module_len;

/* newlib's malloc asks for memory here: a fixed 1 MB heap */
static uint8_t heap[1u << 20] __attribute__((aligned(8)));
static size_t heap_used;
void * _sbrk(ptrdiff_t n)
{
    if (n < 0 || heap_used + (size_t)n > sizeof heap) { errno = ENOMEM; return (void *)-1; }
    void * p = heap + heap_used; heap_used += (size_t)n; return p;
}
void _exit(int c) { (void)c; for (;;) {} }
int _kill(int p, int s) { (void)p; (void)s; return -1; }
int _getpid(void) { return 1; }

int main(void)
{
    IM3Environment env = m3_NewEnvironment();
    IM3Runtime rt = m3_NewRuntime(env, 4096, 0);
    IM3Module m;
    if (m3_ParseModule(env, &m, bench_plain_module, bench_plain_module_len)) return -1;
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
