/* The hardware interface the binding (firmware/binding) needs. Two implementations:
 * stm32f103/ (registers of the real chip, also run by the virtual board) and posix/ (a fake
 * HAL for host tests: stdin/stdout UART, a file-backed store, the W5500 register model over a pipe, a real clock).
 * Every function is non-allocating; every buffer behind it is static. */
#ifndef WASMQTT_HAL_H
#define WASMQTT_HAL_H

#include <stdint.h>
#include <stddef.h>

/* Brings up clocks, SysTick (1 ms), UART, SPI + W5500 pins, watchdog. Call once, first.
 * argc/argv are only used by the POSIX fake (options); the chip ignores them. */
void hal_init(int argc, char **argv);

/* Monotonic milliseconds since hal_init, wrapping at 2^32. */
uint32_t hal_millis(void);

/* Sleeps (WFI on the chip) until `deadline_ms` (hal_millis() value) or an interrupt/UART input,
 * whichever comes first. Never sleeps longer than the watchdog allows. */
void hal_idle_until(uint32_t deadline_ms);

/* Console UART. write blocks until every byte is queued (never drops); read is non-blocking and
 * returns the number of bytes copied (0 when none). */
void hal_uart_write(const uint8_t *src, uint32_t len);
uint32_t hal_uart_read(uint8_t *dst, uint32_t max);

/* One W5500 SPI frame in variable-length data mode: CS low, address, control byte, data, CS high. */
void hal_w5500_read(uint16_t addr, uint8_t block, uint8_t *dst, uint32_t len);
void hal_w5500_write(uint16_t addr, uint8_t block, const uint8_t *src, uint32_t len);
void hal_w5500_reset(void);
int hal_w5500_irq(void); /* 1 while INT is asserted (low) */

/* Persistent store (flash pages at the end of flash). Offsets are relative to the store start.
 * Return 0 ok, -1 out of range / misaligned, -2 programming a non-erased half-word (PGERR),
 * -3 verify failed after programming or erasing. */
uint32_t hal_store_size(void);
uint32_t hal_store_page_size(void);
int hal_store_read(uint32_t off, uint8_t *dst, uint32_t len);
int hal_store_write(uint32_t off, const uint8_t *src, uint32_t len);
int hal_store_erase(uint32_t off);

uint32_t hal_entropy(void);

/* App pins and analog inputs (the board ABI's gpio_* and adc_read). `pin` is port * 16 + number
 * (PA0 = 0, PC13 = 45); `mode` one of HAL_PIN_* below. Each returns 0 (gpio_read: the level 0/1;
 * adc_read: the 12-bit reading), HAL_PIN_NONE for a pin, mode or channel that does not exist, or
 * HAL_PIN_RESERVED for a pin the HAL itself drives (SPI1 and the W5500's CS/RST/INT, USART1, SWD). */
#define HAL_PIN_INPUT 0u
#define HAL_PIN_INPUT_PULLUP 1u
#define HAL_PIN_INPUT_PULLDOWN 2u
#define HAL_PIN_OUTPUT 3u
#define HAL_PIN_OUTPUT_OPEN_DRAIN 4u
#define HAL_PIN_ANALOG 5u
#define HAL_PIN_NONE (-1)
#define HAL_PIN_RESERVED (-2)
#define HAL_ADC_TIMEOUT (-3) /* calibration or a conversion did not finish within 10 ms */
int hal_gpio_mode(uint32_t pin, uint32_t mode);
int hal_gpio_write(uint32_t pin, uint32_t level);
int hal_gpio_read(uint32_t pin);
/* One conversion of ADC1 `channel` (0..15: pins PA0-PA7, PB0-PB1, PC0-PC5; 16: the internal
 * temperature sensor; 17: VREFINT). The app sets the pin to HAL_PIN_ANALOG first. */
int hal_adc_read(uint32_t channel);

/* The chip's 96-bit unique id: 12 bytes in address order. */
void hal_uid(uint8_t dst[12]);

/* Watchdog: the main loop feeds it once per iteration. */
void hal_watchdog_feed(void);

/* Restart the device (SYSRESETREQ on the chip, re-exec on POSIX); the store survives. */
void hal_reset(void) __attribute__((noreturn));

/* Why the last reset happened, as a short word for the boot line ("power", "pin", "watchdog",
 * "software", "unknown"). */
const char *hal_reset_cause(void);

/* Checks the guard band below the stack; 0 intact, -1 overwritten (stack overflow). */
int hal_stack_guard_check(void);

#endif
