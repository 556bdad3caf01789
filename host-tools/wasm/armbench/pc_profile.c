/* Host profiling driver: dispatches per code offset of the benchmark module, for choosing the
 * sequences the pre-decoder fuses (docs/runtime.md, "Code rewriting"). Prints "offset count"
 * lines; offsets are the same in the plain and the pre-decoded module (rewriting is in place).
 * Build (W = a suite workload; drop -DSUITE and use build/runtime/bench/codec_module.c for the
 * codec):
 *   gcc -O1 -DWQRT_COUNT_OPS -DWQRT_PC_PROFILE -DHOST_WRAPPER -DSUITE -DITERATIONS=2 \
 *     -Ifirmware/runtime/include -Ihost-tools/wasm/armbench host-tools/wasm/armbench/interp_main.c \
 *     host-tools/wasm/armbench/pc_profile.c build/runtime/bench/suite/W/module.c \
 *     firmware/runtime/src/api.c firmware/runtime/src/interp.c firmware/runtime/src/loader.c */
#include <stdio.h>
#include <stdint.h>
#define PC_PROFILE_BYTES (1u << 20)
uint32_t wqrt_pc_hist[PC_PROFILE_BYTES];
int bench_main(void);
int main(void)
{
    bench_main();
    for (uint32_t i = 0; i < PC_PROFILE_BYTES; i++) if (wqrt_pc_hist[i]) printf("%u %u\n", i, wqrt_pc_hist[i]);
    return 0;
}
