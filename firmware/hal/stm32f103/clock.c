/* System clock, SysTick millisecond counter, idle (WFI) and reset cause. */
#include "regs.h"
#include "internal.h"
#include "../hal.h"

uint32_t hal_sysclk_hz = 8000000u; /* HSI until clock_init() switches */
int hal_clock_on_hsi = 0;
static volatile uint32_t millis_now;
static uint32_t reset_flags;

/* HSE normally locks in < 2 ms; give it generously more before falling back to HSI. */
#define HSE_STARTUP_SPINS 200000u
#define PLL_LOCK_SPINS    200000u

static int wait_bit(volatile uint32_t *reg, uint32_t bit, uint32_t spins)
{
    while (spins-- != 0) {
        if ((*reg & bit) != 0) return 0;
    }
    return -1;
}

/* 72 MHz = 8 MHz HSE x 9 (flash needs 2 wait states above 48 MHz; APB1 max 36 MHz so /2).
 * Without HSE: HSI/2 x 16 = 64 MHz, still 2 wait states. */
void clock_init(void)
{
    reset_flags = RCC_CSR;
    RCC_CSR |= RCC_CSR_RMVF;

    FLASH_ACR = FLASH_ACR_PRFTBE | FLASH_ACR_LATENCY_2;

    uint32_t cfgr = RCC_CFGR_PPRE1_DIV2;
    RCC_CR |= RCC_CR_HSEON;
    if (wait_bit(&RCC_CR, RCC_CR_HSERDY, HSE_STARTUP_SPINS) == 0) {
        cfgr |= RCC_CFGR_PLLSRC_HSE | RCC_CFGR_PLLMUL(BOARD_SYSCLK_HZ / BOARD_HSE_HZ);
        hal_sysclk_hz = BOARD_SYSCLK_HZ;
    } else {
        RCC_CR &= ~RCC_CR_HSEON;
        cfgr |= RCC_CFGR_PLLMUL(16);
        hal_sysclk_hz = 64000000u;
        hal_clock_on_hsi = 1;
    }
    RCC_CFGR = cfgr;
    RCC_CR |= RCC_CR_PLLON;
    if (wait_bit(&RCC_CR, RCC_CR_PLLRDY, PLL_LOCK_SPINS) != 0) {
        /* PLL did not lock: stay on HSI at 8 MHz, which every part can run. */
        RCC_CR &= ~RCC_CR_PLLON;
        hal_sysclk_hz = 8000000u;
        hal_clock_on_hsi = 1;
        return;
    }
    RCC_CFGR = cfgr | RCC_CFGR_SW_PLL;
    uint32_t spins = PLL_LOCK_SPINS;
    while ((RCC_CFGR & RCC_CFGR_SWS_MASK) != RCC_CFGR_SWS_PLL && spins-- != 0) {}
}

void systick_init(void)
{
    SYST_RVR = hal_sysclk_hz / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* processor clock, interrupt, enable */
}

/* In RAM (and reached through the RAM vector table): a flash erase must not stop the clock. */
HAL_RAMFUNC void SysTick_Handler(void)
{
    millis_now++;
}

uint32_t hal_millis(void)
{
    return millis_now;
}

void hal_idle_until(uint32_t deadline_ms)
{
    /* SysTick wakes the core every millisecond, so each WFI is short; the loop re-checks the
     * deadline, pending UART input and the W5500 interrupt line. */
    usart_report_lost();
    while ((int32_t)(deadline_ms - millis_now) > 0) {
        if (usart_rx_pending() || hal_w5500_irq()) return;
        hal_watchdog_feed();
        cpu_wfi();
    }
}

const char *hal_reset_cause(void)
{
    if (reset_flags & RCC_CSR_IWDGRSTF) return "watchdog";
    if (reset_flags & RCC_CSR_SFTRSTF) return "software";
    if (reset_flags & RCC_CSR_PORRSTF) return "power";
    if (reset_flags & RCC_CSR_PINRSTF) return "pin";
    return "unknown";
}

void hal_reset(void)
{
    usart_tx_flush(); /* the last lines (a fault report, `ok reboot`) must reach the console */
    __asm volatile ("dsb");
    SCB_AIRCR = SCB_AIRCR_RESET;
    __asm volatile ("dsb");
    for (;;) {} /* the reset takes a few cycles */
}
