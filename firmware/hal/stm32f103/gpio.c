/* GPIO pin configuration (CRL/CRH nibbles) and level access through BSRR/IDR. Ports: 0=A .. 4=E. */
#include "regs.h"
#include "internal.h"

void gpio_config(uint32_t port, uint32_t pin, uint32_t mode)
{
    RCC_APB2ENR |= RCC_APB2ENR_IOPAEN << port;
    volatile uint32_t *cr = pin < 8 ? &GPIO_CRL(port) : &GPIO_CRH(port);
    uint32_t shift = (pin & 7u) * 4u;
    *cr = (*cr & ~(0xFu << shift)) | (mode << shift);
}

void gpio_write(uint32_t port, uint32_t pin, int level)
{
    GPIO_BSRR(port) = level ? (1u << pin) : (1u << (pin + 16u));
}

int gpio_read(uint32_t port, uint32_t pin)
{
    return (GPIO_IDR(port) >> pin) & 1u;
}
