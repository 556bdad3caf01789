/* The app's pins (hal.h hal_gpio_*): CRL/CRH mode nibbles, BSRR writes, IDR reads, with the port
 * clock enabled in RCC before the first access (a port without its clock ignores writes). Pins
 * the HAL drives itself are refused, so an app can never disturb the W5500, the console or SWD. */
#include "../hal.h"
#include "regs.h"
#include "internal.h"

#define PIN_BIT(port, n) (1ull << ((port) * 16u + (n)))

/* SPI1 (PA5 SCK, PA6 MISO, PA7 MOSI), USART1 (PA9 TX, PA10 RX), SWD (PA13, PA14), and the W5500's
 * chip select, reset and interrupt lines from the board file. */
static const uint64_t reserved_pins = PIN_BIT(0, 5) | PIN_BIT(0, 6) | PIN_BIT(0, 7) | PIN_BIT(0, 9) |
    PIN_BIT(0, 10) | PIN_BIT(0, 13) | PIN_BIT(0, 14) |
    PIN_BIT(BOARD_W5500_CS_PORT, BOARD_W5500_CS_PIN) | PIN_BIT(BOARD_W5500_RST_PORT, BOARD_W5500_RST_PIN) |
    PIN_BIT(BOARD_W5500_INT_PORT, BOARD_W5500_INT_PIN);

/* CNF/MODE nibble per HAL_PIN_* mode: input floating, pull (up), pull (down), push-pull output
 * 2 MHz, open-drain output 2 MHz, analog. */
static const uint8_t mode_nibble[] = {0x4, 0x8, 0x8, 0x2, 0x6, 0x0};

static int pin_check(uint32_t pin)
{
    if (pin >= 80u) return HAL_PIN_NONE; /* PA0..PE15 */
    if (reserved_pins & (1ull << pin)) return HAL_PIN_RESERVED;
    return 0;
}

int hal_gpio_mode(uint32_t pin, uint32_t mode)
{
    int r = pin_check(pin);
    if (r != 0) return r;
    if (mode > HAL_PIN_ANALOG) return HAL_PIN_NONE;
    uint32_t port = pin >> 4, n = pin & 15u;
    RCC_APB2ENR |= RCC_APB2ENR_IOPAEN << port;
    /* the pull direction is the output latch: set it before the pin turns into an input with pull */
    if (mode == HAL_PIN_INPUT_PULLUP) gpio_write(port, n, 1);
    else if (mode == HAL_PIN_INPUT_PULLDOWN) gpio_write(port, n, 0);
    gpio_config(port, n, mode_nibble[mode]);
    return 0;
}

int hal_gpio_write(uint32_t pin, uint32_t level)
{
    int r = pin_check(pin);
    if (r != 0) return r;
    RCC_APB2ENR |= RCC_APB2ENR_IOPAEN << (pin >> 4);
    gpio_write(pin >> 4, pin & 15u, level != 0);
    return 0;
}

int hal_gpio_read(uint32_t pin)
{
    int r = pin_check(pin);
    if (r != 0) return r;
    RCC_APB2ENR |= RCC_APB2ENR_IOPAEN << (pin >> 4);
    return gpio_read(pin >> 4, pin & 15u);
}

/* The 96-bit unique device id in system memory (RM0008 30.2). */
void hal_uid(uint8_t dst[12])
{
    const volatile uint8_t *id = (const volatile uint8_t *)UID_BASE;
    for (int i = 0; i < 12; i++) dst[i] = id[i];
}
