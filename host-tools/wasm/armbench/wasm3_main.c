/* The same workload on upstream wasm3 (WASM3_SRC), for the bench's comparison figure.
 * Built with newlib (wasm3 needs malloc); the module is the plain core codec. */
#include <stdint.h>
#include <stddef.h>
#include <errno.h>
#include "wasm3.h"
#include "workload_m3.h"

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
#ifdef SUITE
    return run_suite_workload(env, rt, bench_plain_module, bench_plain_module_len);
#else
    return run_codec_workload(env, rt, bench_plain_module, bench_plain_module_len);
#endif
}
