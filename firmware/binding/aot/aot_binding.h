/* Shared between the AOT binding's files (engine "aot": core.wasm compiled to C by wasm2c). */
#ifndef WASMQTT_AOT_BINDING_H
#define WASMQTT_AOT_BINDING_H
#include <setjmp.h>
#include "wasm-rt.h"

extern jmp_buf aot_trap_jmp;
extern wasm_rt_trap_t aot_last_trap;

/* The instance pointers wasm2c passes to every import: they give the imports the core's memory. */
struct Z_board_instance_t { wasm_rt_memory_t *memory; };
#endif
