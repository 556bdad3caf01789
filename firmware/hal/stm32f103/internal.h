/* Shared between the STM32F103 HAL files; not part of the HAL interface. */
#ifndef WASMQTT_STM32F103_INTERNAL_H
#define WASMQTT_STM32F103_INTERNAL_H
#include <stdint.h>
#include "board_config.h" /* generated per board from boards/<name>.json by host-tools/fwbuild */

extern uint32_t hal_sysclk_hz;  /* 72 MHz from HSE, 64 MHz on the HSI fallback */
extern int hal_clock_on_hsi;    /* 1 when HSE did not start */

void clock_init(void);
void systick_init(void);
void gpio_config(uint32_t port, uint32_t pin, uint32_t mode);
void gpio_write(uint32_t port, uint32_t pin, int level);
int gpio_read(uint32_t port, uint32_t pin);
void usart_init(void);
int usart_rx_pending(void);
void usart_tx_flush(void); /* queued console output out (polled, bounded), e.g. before a reset */
void spi_init(void);
void iwdg_init(void);
void stack_guard_fill(void);
void fault_print(const char *s);
void fault_print_hex(const char *key, uint32_t v);
void puts_dec(uint32_t v); /* console, decimal */

/* Code that runs while the flash programs or erases (the store writer, the interrupt handlers):
 * copied to RAM with .data, since every fetch from flash stalls until the operation ends.
 * long_call: RAM is out of BL range from flash. Such code must not call into flash. */
#define HAL_RAMFUNC __attribute__((section(".ramfunc"), noinline, long_call))
/* The same for a helper only called from RAM code (a plain BL reaches it). */
#define HAL_RAMFUNC_LOCAL __attribute__((section(".ramfunc"), noinline))

/* Prints an `evt warn code=uart-overrun` line when console bytes were lost since the last one. */
void usart_report_lost(void);

static inline void cpu_wfi(void) { __asm volatile ("wfi"); }
static inline void irq_disable(void) { __asm volatile ("cpsid i" ::: "memory"); }
static inline void irq_enable(void) { __asm volatile ("cpsie i" ::: "memory"); }
#endif
