/* The small part of wasm2c's runtime (wasm-rt.h) that AOT-compiled core.wasm needs, for a
 * microcontroller: linear memory is one static buffer capped by the board file (accesses past
 * the cap trap, exactly like the interpreter's cap), traps longjmp back to the binding, and
 * function types are kept in a fixed table. No malloc, no signals, no stdio. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include "wasm-rt.h"
#include "board_config.h"
#include "aot_binding.h"

#if WASM_RT_USE_STACK_DEPTH_COUNT
uint32_t wasm_rt_call_stack_depth;
#endif

static bool initialized;
static uint8_t linear_memory[BOARD_WASM_MEMORY_CAP] __attribute__((aligned(8)));
static int memory_taken;

jmp_buf aot_trap_jmp;
wasm_rt_trap_t aot_last_trap;

void wasm_rt_init(void) { initialized = true; }
bool wasm_rt_is_initialized(void) { return initialized; }
void wasm_rt_free(void) { initialized = false; }

void wasm_rt_trap(wasm_rt_trap_t code)
{
    aot_last_trap = code;
#if WASM_RT_USE_STACK_DEPTH_COUNT
    wasm_rt_call_stack_depth = 0;
#endif
    longjmp(aot_trap_jmp, 1);
}

const char *wasm_rt_strerror(wasm_rt_trap_t trap)
{
    switch (trap) {
    case WASM_RT_TRAP_NONE: return "no trap";
    case WASM_RT_TRAP_OOB: return "[trap] out of bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "[trap] integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "[trap] integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "[trap] invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE: return "[trap] unreachable executed";
    case WASM_RT_TRAP_CALL_INDIRECT: return "[trap] indirect call type mismatch";
    case WASM_RT_TRAP_EXHAUSTION: return "[trap] stack overflow";
    default: return "[trap] other";
    }
}

/* The one linear memory: min(initial pages, cap) bytes are accessible; the declared pages are
 * kept for memory.size. A module asking for a second memory traps (core.wasm has one). */
void wasm_rt_allocate_memory(wasm_rt_memory_t *mem, uint32_t initial_pages, uint32_t max_pages)
{
    if (memory_taken) wasm_rt_trap(WASM_RT_TRAP_OOB);
    memory_taken = 1;
    uint64_t bytes = (uint64_t)initial_pages * 65536u;
    mem->data = linear_memory;
    mem->pages = initial_pages;
    mem->max_pages = max_pages;
    mem->size = bytes > sizeof linear_memory ? (uint32_t)sizeof linear_memory : (uint32_t)bytes;
    memset(linear_memory, 0, mem->size);
}

/* Growing past the cap fails the way the spec allows (-1), never silently. */
uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *mem, uint32_t pages)
{
    if (pages == 0) return mem->pages;
    return UINT32_MAX;
}

void wasm_rt_free_memory(wasm_rt_memory_t *mem) { (void)mem; memory_taken = 0; }

/* Function types for call_indirect checks: equal signatures get equal indices. A signature is
 * kept exactly, 4 bits per value type (wasm-rt has < 16 types), up to 24 params + results. */
#define MAX_TYPES 24
#define MAX_TYPE_ARITY 24
typedef struct { uint8_t np, nr; uint32_t packed[MAX_TYPE_ARITY / 8]; } func_type;
static func_type types[MAX_TYPES];
static uint32_t ntypes;

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...)
{
    func_type ft;
    memset(&ft, 0, sizeof ft);
    if (params + results > MAX_TYPE_ARITY) wasm_rt_trap(WASM_RT_TRAP_CALL_INDIRECT);
    ft.np = (uint8_t)params;
    ft.nr = (uint8_t)results;
    va_list ap;
    va_start(ap, results);
    for (uint32_t i = 0; i < params + results; i++) {
        ft.packed[i / 8] |= ((uint32_t)va_arg(ap, int) & 0xFu) << (4 * (i % 8));
    }
    va_end(ap);
    for (uint32_t i = 0; i < ntypes; i++) {
        if (memcmp(&types[i], &ft, sizeof ft) == 0) return i + 1;
    }
    if (ntypes == MAX_TYPES) wasm_rt_trap(WASM_RT_TRAP_CALL_INDIRECT);
    types[ntypes++] = ft;
    return ntypes;
}

/* One funcref table, static like the memory: device.wasm has one (its app event hook, three
 * entries); a module whose table is larger than AOT_TABLE_MAX traps at instantiation instead of
 * running with a table this runtime cannot hold. Slots start null, as wasm requires. */
#define AOT_TABLE_MAX 8
static wasm_rt_funcref_t table_slots[AOT_TABLE_MAX];
static int table_taken;

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *t, uint32_t elements, uint32_t max)
{
    if (table_taken || elements > AOT_TABLE_MAX) wasm_rt_trap(WASM_RT_TRAP_CALL_INDIRECT);
    table_taken = 1;
    memset(table_slots, 0, sizeof table_slots);
    t->data = table_slots;
    t->size = elements;
    t->max_size = max < AOT_TABLE_MAX ? max : AOT_TABLE_MAX;
}
void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *t) { (void)t; table_taken = 0; }
void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t *t, uint32_t elements, uint32_t max)
{
    (void)t; (void)elements; (void)max;
    wasm_rt_trap(WASM_RT_TRAP_CALL_INDIRECT);
}
void wasm_rt_free_externref_table(wasm_rt_externref_table_t *t) { (void)t; }
