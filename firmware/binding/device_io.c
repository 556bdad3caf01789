/* Console output and the paused restart, shared by both engines (see device_io.h). */
#include "device_io.h"
#include "../hal/hal.h"

void out_str(const char *s)
{
    const char *e = s;
    while (*e) e++;
    hal_uart_write((const uint8_t *)s, (uint32_t)(e - s));
}

void out_u32(uint32_t v)
{
    char buf[11];
    int i = 10;
    buf[i] = 0;
    do { buf[--i] = (char)('0' + v % 10u); v /= 10u; } while (v != 0 && i > 0);
    out_str(&buf[i]);
}

void out_hex(uint32_t v)
{
    char buf[11] = "0x";
    for (int i = 0; i < 8; i++) buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xFu];
    buf[10] = 0;
    out_str(buf);
}

void restart_after_pause(void)
{
    uint32_t until = hal_millis() + 5000u;
    while ((int32_t)(until - hal_millis()) > 0) {
        hal_watchdog_feed();
        hal_idle_until(hal_millis() + MAX_IDLE_MS);
    }
    hal_reset();
}
