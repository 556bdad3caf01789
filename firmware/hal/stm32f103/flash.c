/* The persistent store: the flash pages the linker script reserves at the end of flash
 * (__store_start .. __store_end). Erase and program follow RM0008 §3: unlock with the two
 * keys, one operation at a time, half-word programming, BSY polling, then lock again. Every
 * write and erase is read back; a mismatch is reported (-3) rather than trusted.
 *
 * While the flash programs (40-70 us per half-word) or erases a page (20-40 ms), every CPU
 * access to flash stalls (RM0008 §3.3.3). The writer and eraser therefore run from RAM
 * (HAL_RAMFUNC, with everything they call inlined), and so do the interrupts they must not
 * hold up (RAM vector table, USART1 and SysTick handlers): console input keeps arriving and
 * the millisecond clock keeps counting during an erase. The watchdog is fed before every
 * operation and while waiting, so a long compaction (many erases and programs in one store
 * call) never starves it, even at the datasheet's maximum times. */
#include "regs.h"
#include "internal.h"
#include "../hal.h"

extern uint8_t __store_start[], __store_end[], __store_page_size[];

#define STORE_BASE ((uint32_t)(uintptr_t)__store_start)
#define STORE_SIZE ((uint32_t)(__store_end - __store_start))
#define PAGE_SIZE ((uint32_t)(uintptr_t)__store_page_size) /* an absolute linker symbol */

/* Page erase takes ~20-40 ms, half-word programming ~50 us; bound the waits well above that. */
#define FLASH_BUSY_SPINS 4000000u
#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE void watchdog_feed(void) { IWDG_KR = 0xAAAAu; }

uint32_t hal_store_size(void) { return STORE_SIZE; }
uint32_t hal_store_page_size(void) { return PAGE_SIZE; }

HAL_RAMFUNC_LOCAL static int flash_wait(void)
{
    uint32_t spins = FLASH_BUSY_SPINS;
    while ((FLASH_SR & FLASH_SR_BSY) != 0) {
        if (spins-- == 0) return -3;
        if ((spins & 0xFFFFu) == 0) watchdog_feed();
    }
    uint32_t sr = FLASH_SR;
    FLASH_SR = FLASH_SR_EOP | FLASH_SR_PGERR | FLASH_SR_WRPRTERR; /* write 1 to clear */
    if (sr & FLASH_SR_PGERR) return -2;
    if (sr & FLASH_SR_WRPRTERR) return -3;
    return 0;
}

ALWAYS_INLINE void flash_unlock(void)
{
    if (FLASH_CR & FLASH_CR_LOCK) {
        FLASH_KEYR = FLASH_KEY1;
        FLASH_KEYR = FLASH_KEY2;
    }
}

ALWAYS_INLINE void flash_lock(void) { FLASH_CR |= FLASH_CR_LOCK; }

ALWAYS_INLINE int in_range(uint32_t off, uint32_t len)
{
    return off <= STORE_SIZE && len <= STORE_SIZE - off;
}

int hal_store_read(uint32_t off, uint8_t *dst, uint32_t len)
{
    if (!in_range(off, len)) return -1;
    const volatile uint8_t *src = (const volatile uint8_t *)(uintptr_t)(STORE_BASE + off);
    for (uint32_t i = 0; i < len; i++) dst[i] = src[i];
    return 0;
}

HAL_RAMFUNC int hal_store_write(uint32_t off, const uint8_t *src, uint32_t len)
{
    if (!in_range(off, len) || (off & 1u) || (len & 1u)) return -1;
    volatile uint16_t *dst = (volatile uint16_t *)(uintptr_t)(STORE_BASE + off);
    /* The ABI promises all-or-nothing on a non-erased target: check before touching flash. */
    for (uint32_t i = 0; i < len / 2u; i++) {
        if (dst[i] != 0xFFFFu) return -2;
    }
    flash_unlock();
    int rc = 0;
    for (uint32_t i = 0; i < len / 2u && rc == 0; i++) {
        uint16_t hw = (uint16_t)(src[2u * i] | ((uint16_t)src[2u * i + 1u] << 8));
        FLASH_CR |= FLASH_CR_PG;
        watchdog_feed();
        dst[i] = hw;
        rc = flash_wait();
        FLASH_CR &= ~FLASH_CR_PG;
        if (rc == 0 && dst[i] != hw) rc = -3;
    }
    flash_lock();
    return rc;
}

HAL_RAMFUNC int hal_store_erase(uint32_t off)
{
    if (off >= STORE_SIZE) return -1;
    uint32_t page = STORE_BASE + (off / PAGE_SIZE) * PAGE_SIZE;
    flash_unlock();
    FLASH_CR |= FLASH_CR_PER;
    FLASH_AR = page;
    watchdog_feed();
    FLASH_CR |= FLASH_CR_STRT;
    int rc = flash_wait();
    FLASH_CR &= ~FLASH_CR_PER;
    flash_lock();
    if (rc != 0) return rc;
    const volatile uint32_t *p = (const volatile uint32_t *)(uintptr_t)page;
    for (uint32_t i = 0; i < PAGE_SIZE / 4u; i++) {
        if (p[i] != 0xFFFFFFFFu) return -3;
    }
    return 0;
}
