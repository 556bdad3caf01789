/* hal_init, watchdog, entropy, stack guard, and fault reporting. */
#include "regs.h"
#include "internal.h"
#include "../hal.h"

extern uint32_t __stack_guard_start[], __stack_bottom[];
extern uint8_t __store_end[];
#define GUARD_PATTERN 0xDEADC0DEu

void stack_guard_fill(void)
{
    for (uint32_t *p = __stack_guard_start; p < __stack_bottom; p++) *p = GUARD_PATTERN;
}

int hal_stack_guard_check(void)
{
    for (const uint32_t *p = __stack_guard_start; p < __stack_bottom; p++) {
        if (*p != GUARD_PATTERN) return -1;
    }
    return 0;
}

/* IWDG on the ~40 kHz LSI: prescaler /64 (PR=4) gives 625 Hz, reload 1250 -> ~2 s. The main
 * loop feeds it every iteration and never idles longer than 500 ms. */
void iwdg_init(void)
{
    IWDG_KR = 0xCCCCu; /* start (also starts the LSI) */
    IWDG_KR = 0x5555u; /* unlock PR/RLR */
    IWDG_PR = 4u;
    IWDG_RLR = 1250u;
    IWDG_KR = 0xAAAAu;
}

void hal_watchdog_feed(void)
{
    IWDG_KR = 0xAAAAu;
}

static void puts_raw(const char *s)
{
    const char *e = s;
    while (*e) e++;
    hal_uart_write((const uint8_t *)s, (uint32_t)(e - s));
}

void puts_dec(uint32_t v)
{
    char buf[11];
    char *p = buf + sizeof buf - 1;
    *p = 0;
    do { *--p = (char)('0' + v % 10u); v /= 10u; } while (v != 0u);
    puts_raw(p);
}

/* A board whose store (or code) lies above 64 KB needs a part with that much flash: the chip's
 * flash-size register says what the part guarantees. A 64 KB STM32F103C8 often has the upper
 * 64 KB anyway (the board file allows it), so this warns and goes on; every store write and
 * erase is read back, so missing flash shows as store errors, not as silent corruption. */
static void flash_size_check(void)
{
    uint32_t need_kb = ((uint32_t)(uintptr_t)__store_end - 0x08000000u) / 1024u;
    uint32_t have_kb = FLASH_SIZE_KB;
    if (have_kb >= need_kb) return;
    puts_raw("evt warn code=flash-size chip_kb=");
    puts_dec(have_kb);
    puts_raw(" need_kb=");
    puts_dec(need_kb);
    puts_raw("\r\n");
}

void hal_init(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    clock_init();
    systick_init();
    usart_init();
    spi_init();
    iwdg_init();
#if BOARD_LED_PORT >= 0
    RCC_APB2ENR |= RCC_APB2ENR_IOPAEN << BOARD_LED_PORT; /* a port ignores writes until clocked */
    gpio_write(BOARD_LED_PORT, BOARD_LED_PIN, BOARD_LED_ACTIVE_LOW ? 0 : 1); /* LED on: alive */
    /* 2 MHz: the most PC13-PC15 allow, and plenty for an LED on any pin. */
    gpio_config(BOARD_LED_PORT, BOARD_LED_PIN, GPIO_OUT_PP_2MHZ);
#endif
    if (hal_clock_on_hsi) {
        puts_raw(hal_sysclk_hz == 64000000u
            ? "evt warn code=hse-failed detail=\"HSE did not start; running on HSI at 64 MHz\"\r\n"
            : "evt warn code=pll-failed detail=\"PLL did not lock; running on HSI at 8 MHz\"\r\n");
    }
    flash_size_check();
}

/* The F103 has no RNG. Mix the 96-bit unique ID, the SysTick phase (which depends on when
 * the caller runs relative to interrupts) and the millisecond clock through xorshift32.
 * Good enough for packet-id starts and reconnect jitter, not for cryptography. */
uint32_t hal_entropy(void)
{
    static uint32_t state;
    if (state == 0) {
        const volatile uint32_t *uid = (const volatile uint32_t *)UID_BASE;
        state = uid[0] ^ (uid[1] * 0x9E3779B9u) ^ (uid[2] * 0x85EBCA6Bu) ^ 0xA5A5A5A5u;
    }
    state ^= SYST_CVR ^ (hal_millis() << 16);
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    if (state == 0) state = 0x6D2B79F5u;
    return state;
}

void fault_print(const char *s) { puts_raw(s); }

void fault_print_hex(const char *key, uint32_t v)
{
    char buf[16];
    puts_raw(key);
    buf[0] = '=';
    buf[1] = '0';
    buf[2] = 'x';
    for (int i = 0; i < 8; i++) buf[3 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xFu];
    buf[11] = 0;
    puts_raw(buf);
}

/* Called from the fault entry with the exception frame the CPU pushed (r0-r3, r12, lr, pc,
 * xpsr), or NULL when the stack had run off the bottom of SRAM (no frame could be pushed).
 * Prints one machine-readable line, then resets: the session lives in flash. */
void hardfault_report(const uint32_t *frame) __attribute__((noreturn, used));
void hardfault_report(const uint32_t *frame)
{
    uint32_t ipsr;
    __asm volatile ("mrs %0, ipsr" : "=r"(ipsr));
    fault_print("\r\nevt fault kind=");
    static const char *const kinds[] = {"hard", "hard", "hard", "hard", "memmanage", "busfault", "usagefault"};
    fault_print(frame == 0 ? "stack-overflow" : (ipsr & 0x1FFu) <= 6u ? kinds[ipsr & 0x1FFu] : "other");
    if (frame != 0) {
        fault_print_hex(" pc", frame[6]);
        fault_print_hex(" lr", frame[5]);
        fault_print_hex(" xpsr", frame[7]);
    }
    fault_print_hex(" cfsr", SCB_CFSR);
    fault_print_hex(" hfsr", SCB_HFSR);
    fault_print_hex(" mmfar", SCB_MMFAR);
    fault_print_hex(" bfar", SCB_BFAR);
    fault_print("\r\n");
    hal_reset();
}

/* Entry of HardFault, MemManage, BusFault and UsageFault. Picks the stack the fault frame was
 * pushed on (EXC_RETURN bit 2); a frame below SRAM means the stack overflowed and nothing was
 * pushed (NULL). A frame in the lowest 512 bytes leaves the report no room below it, so the
 * report (which never returns) then runs from the top of the stack, far above that frame. */
__attribute__((naked)) void HardFault_Handler(void)
{
    __asm volatile(
        "tst lr, #4\n"
        "ite eq\n"
        "mrseq r0, msp\n"
        "mrsne r0, psp\n"
        "ldr r1, =__stack_guard_start\n"
        "cmp r0, r1\n"
        "it lo\n"
        "movlo r0, #0\n"
        "add r1, r1, #512\n"
        "cmp r0, r1\n"
        "itt lo\n"
        "ldrlo r1, =_estack\n"
        "msrlo msp, r1\n"
        "b hardfault_report\n"
        ".ltorg\n");
}
