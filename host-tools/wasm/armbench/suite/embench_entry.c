/* Wraps one Embench-IoT program (EMBENCH_FILE, from an Embench checkout given at bench time)
 * as a wasm export: run(n) does n inner repetitions of its benchmark body (the local scale
 * factor) and returns the result shifted left by one, with the program's own verification
 * in bit 0. The program's source is included, so its static benchmark_body is callable. */
#include EMBENCH_FILE

/* md5sum's benchmark_body also takes the message size: EMBENCH_BODY_ARG names it */
#ifdef EMBENCH_BODY_ARG
#  define BODY(n) benchmark_body((n), 1, EMBENCH_BODY_ARG)
#else
#  define BODY(n) benchmark_body((n), 1)
#endif

__attribute__((export_name("run"))) int run(int n)
{
    if (n <= 0) return 0;
    initialise_benchmark();
    int r = BODY((unsigned)n);
    return (int)((unsigned)r << 1) | (verify_benchmark(r) & 1);
}
