/* Engine "aot": the same main loop as firmware/binding/main.c, but core.wasm was compiled to C
 * by wasm2c at build time (gen/core_aot.c), so there is no interpreter and no module in flash.
 * The imports below are the board ABI with the same bounds checks as the interpreter binding;
 * a trap (from the generated code or from a check here) longjmps back to the loop, is reported
 * as `evt trap engine=aot error="..."`, and the device restarts with its session in flash. */
#include <stddef.h>
#include <string.h>
#include "aot_binding.h"
#include "core_aot.h"
#include "board_config.h"
#include "../../hal/hal.h"
#include "../device_io.h"

static Z_core_instance_t core;
static struct Z_board_instance_t board_imports;

/* (offset, len) inside linear memory, or a trap: the sandbox rule of docs/board-abi.md. */
static uint8_t *span(wasm_rt_memory_t *m, uint32_t off, uint32_t len)
{
    if (off > m->size || len > m->size - off) wasm_rt_trap(WASM_RT_TRAP_OOB);
    return m->data + off;
}

u32 Z_boardZ_millis(struct Z_board_instance_t *b) { (void)b; return hal_millis(); }
u32 Z_boardZ_entropy(struct Z_board_instance_t *b) { (void)b; return hal_entropy(); }
void Z_boardZ_event(struct Z_board_instance_t *b, u32 kind, u32 ptr, u32 len) { (void)kind; (void)span(b->memory, ptr, len); }
u32 Z_boardZ_store_size(struct Z_board_instance_t *b) { (void)b; return hal_store_size(); }
u32 Z_boardZ_store_page_size(struct Z_board_instance_t *b) { (void)b; return hal_store_page_size(); }
u32 Z_boardZ_store_erase(struct Z_board_instance_t *b, u32 off) { (void)b; return (u32)hal_store_erase(off); }
u32 Z_boardZ_store_read(struct Z_board_instance_t *b, u32 off, u32 dst, u32 len) { return (u32)hal_store_read(off, span(b->memory, dst, len), len); }
u32 Z_boardZ_store_write(struct Z_board_instance_t *b, u32 off, u32 src, u32 len) { return (u32)hal_store_write(off, span(b->memory, src, len), len); }
u32 Z_boardZ_uart_read(struct Z_board_instance_t *b, u32 dst, u32 max) { return hal_uart_read(span(b->memory, dst, max), max); }
void Z_boardZ_uart_write(struct Z_board_instance_t *b, u32 src, u32 len) { hal_uart_write(span(b->memory, src, len), len); }
void Z_boardZ_w5500_read(struct Z_board_instance_t *b, u32 addr, u32 block, u32 dst, u32 len) { hal_w5500_read((uint16_t)addr, (uint8_t)block, span(b->memory, dst, len), len); }
void Z_boardZ_w5500_write(struct Z_board_instance_t *b, u32 addr, u32 block, u32 src, u32 len) { hal_w5500_write((uint16_t)addr, (uint8_t)block, span(b->memory, src, len), len); }
void Z_boardZ_w5500_reset(struct Z_board_instance_t *b) { (void)b; hal_w5500_reset(); }
u32 Z_boardZ_w5500_irq(struct Z_board_instance_t *b) { (void)b; return (u32)hal_w5500_irq(); }
void Z_boardZ_uid(struct Z_board_instance_t *b, u32 dst) { hal_uid(span(b->memory, dst, 12)); }
u32 Z_boardZ_gpio_mode(struct Z_board_instance_t *b, u32 pin, u32 mode) { (void)b; return (u32)hal_gpio_mode(pin, mode); }
u32 Z_boardZ_gpio_write(struct Z_board_instance_t *b, u32 pin, u32 level) { (void)b; return (u32)hal_gpio_write(pin, level); }
u32 Z_boardZ_gpio_read(struct Z_board_instance_t *b, u32 pin) { (void)b; return (u32)hal_gpio_read(pin); }
u32 Z_boardZ_adc_read(struct Z_board_instance_t *b, u32 channel) { (void)b; return (u32)hal_adc_read(channel); }

/* The retained RAM of the keep_* imports (see imports.c): .noinit, kept across system resets. */
static uint8_t keep_area[BOARD_KEEP_BYTES] __attribute__((section(".noinit"), aligned(4)));
static u32 keep_copy(u32 off, uint8_t *p, u32 len, int write)
{
    if (off > BOARD_KEEP_BYTES || len > BOARD_KEEP_BYTES - off) return (u32)-1;
    if (write) memcpy(keep_area + off, p, len);
    else memcpy(p, keep_area + off, len);
    return 0;
}
u32 Z_boardZ_keep_size(struct Z_board_instance_t *b) { (void)b; return BOARD_KEEP_BYTES; }
u32 Z_boardZ_keep_read(struct Z_board_instance_t *b, u32 off, u32 dst, u32 len) { return keep_copy(off, span(b->memory, dst, len), len, 0); }
u32 Z_boardZ_keep_write(struct Z_board_instance_t *b, u32 off, u32 src, u32 len) { return keep_copy(off, span(b->memory, src, len), len, 1); }

int main(int argc, char **argv)
{
    hal_init(argc, argv);
    out_str("evt boot board=" BOARD_NAME " reset=");
    out_str(hal_reset_cause());
    out_str(" runtime=aot-wasm2c module=0\r\n");

    /* 0 while starting, 1 once step() runs: a trap in start() waits before restarting. */
    static volatile int phase;
    if (setjmp(aot_trap_jmp) != 0) {
        out_str("\r\nevt trap engine=aot");
        out_str(phase == 0 ? " in=start error=\"" : " error=\"");
        out_str(wasm_rt_strerror(aot_last_trap));
        out_str("\"\r\n");
        if (phase == 0) restart_after_pause();
        hal_reset();
    }
    wasm_rt_init();
    Z_core_init_module();
    board_imports.memory = &core.w2c_memory;
    Z_core_instantiate(&core, &board_imports);
    out_str("evt loaded memory=");
    out_u32(core.w2c_memory.size);
    out_str(" memory_cap=");
    out_u32(BOARD_WASM_MEMORY_CAP);
    out_str("\r\n");
    Z_coreZ_start(&core);
    phase = 1;
    for (;;) {
        int32_t wait_ms = (int32_t)Z_coreZ_step(&core);
        if (hal_stack_guard_check() != 0) {
            out_str("\r\nevt fault kind=stack-overflow\r\n");
            hal_reset();
        }
        hal_watchdog_feed();
        if (wait_ms > 0) hal_idle_until(hal_millis() + ((uint32_t)wait_ms > MAX_IDLE_MS ? MAX_IDLE_MS : (uint32_t)wait_ms));
    }
}
