/* Host build of the benchmark workload with WQRT_COUNT_OPS: prints the wasm instructions the
 * interpreter executes for ITERATIONS (and the run's result, and how many dispatches they took:
 * a fused pair is two instructions in one dispatch), so the bench can divide by them. */
#include <stdio.h>
#include <stdint.h>
extern uint64_t wqrt_op_count, wqrt_fused_count;
extern uint64_t wqrt_op_hist[256];
int bench_main(void);
int main(int argc, char ** argv)
{
    int acc = bench_main();
    printf("%llu %u %llu\n", (unsigned long long)wqrt_op_count, (unsigned)acc, (unsigned long long)(wqrt_op_count - wqrt_fused_count));
    if (argc > 1) for (int i = 0; i < 256; i++) if (wqrt_op_hist[i]) fprintf(stderr, "%02x %llu\n", i, (unsigned long long)wqrt_op_hist[i]);
    return 0;
}
