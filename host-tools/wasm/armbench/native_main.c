/* Workload compiled natively: the same codec through wasm2c (Debian wabt), with a minimal
 * bare-metal wasm-rt (static memory, explicit bounds checks as wasm2c emits them). */
#include <stdint.h>
#include <stdarg.h>
#include <stdbool.h>
#ifdef SUITE
#include "suite.h"       /* the suite's workload (bench/interp-suite.bench.ts), wasm2c -n suite */
#else
#include "codec.h"
#endif
#include "workload.h"

static uint8_t linear[65536];
uint32_t wasm_rt_call_stack_depth;
void wasm_rt_trap(wasm_rt_trap_t t) { (void)t; for (;;) {} }
bool wasm_rt_is_initialized(void) { return true; }
void wasm_rt_allocate_memory(wasm_rt_memory_t * m, uint32_t initial, uint32_t max)
{
    m->data = linear; m->pages = initial; m->max_pages = max; m->size = initial * 65536u;
    for (uint32_t i = 0; i < m->size && i < sizeof linear; i++) linear[i] = 0;
}
void wasm_rt_free_memory(wasm_rt_memory_t * m) { (void)m; }
/* a module's table (Embench's picojpeg calls through one): static, as the memory; 0 = null */
static wasm_rt_funcref_t table_slots[256];
void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t * t, uint32_t elements, uint32_t max)
{
    if (elements > sizeof table_slots / sizeof table_slots[0]) wasm_rt_trap(WASM_RT_TRAP_OOB);
    t->data = table_slots; t->size = elements; t->max_size = max;
    for (uint32_t i = 0; i < elements; i++) table_slots[i] = (wasm_rt_funcref_t){ 0 };
}
void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t * t) { (void)t; }
static uint32_t ntypes;
uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) { (void)params; (void)results; return ++ntypes; }

#ifdef SUITE
int main(void)
{
    static Z_suite_instance_t inst;
    Z_suite_init_module();
    Z_suite_instantiate(&inst);
    Z_suiteZ_run(&inst, 1);   /* as the interpreted programs do */
    return (int)Z_suiteZ_run(&inst, ITERATIONS);
}
#else
int main(void)
{
    static Z_codec_instance_t inst;
    Z_codec_init_module();
    Z_codec_instantiate(&inst);
    uint32_t base = Z_codecZ_buf(&inst);
    uint8_t * mem = inst.w2c_memory.data;
    for (uint32_t i = 0; i < TOPIC_LEN; i++) mem[base + OFF_TOPIC + i] = (uint8_t)TOPIC[i];
    for (uint32_t i = 0; i < PAYLOAD_LEN; i++) mem[base + OFF_PAYLOAD + i] = (uint8_t)(i * 7u);
    uint32_t acc = 0;
    for (uint32_t i = 0; i < ITERATIONS; i++) {
        uint32_t len = Z_codecZ_encodePublish(&inst, base + OFF_PACKET, 2, base + OFF_TOPIC, TOPIC_LEN, (i & 0xfffu) + 1u, base + OFF_PAYLOAD, PAYLOAD_LEN);
        uint32_t r = Z_codecZ_decodeOne(&inst, base + OFF_PACKET, len);
        acc = acc * 31u + len + r;
    }
    return (int)acc;
}
#endif
