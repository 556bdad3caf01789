/* USART1 console, 8N1 at BOARD_UART_BAUD on PA9 (TX) / PA10 (RX). RX is interrupt-driven into a
 * ring buffer so typed input is not lost while the core runs; TX polls TXE (the ABI lets
 * uart_write block, never drop). */
#include "regs.h"
#include "internal.h"
#include "../hal.h"

#define RX_RING_BYTES 256u /* power of two: indices wrap with a mask */
static volatile uint8_t rx_ring[RX_RING_BYTES];
static volatile uint32_t rx_head; /* written by the ISR */
static volatile uint32_t rx_tail; /* written by hal_uart_read */
static volatile uint32_t rx_overruns;

void usart_init(void)
{
    RCC_APB2ENR |= RCC_APB2ENR_USART1EN | RCC_APB2ENR_AFIOEN;
    gpio_config(0, 9, GPIO_AF_PP_50MHZ);
    gpio_config(0, 10, GPIO_IN_FLOATING);
    /* USART1 is on APB2, which runs at SYSCLK; BRR is the rounded divider. */
    USART1_BRR = (hal_sysclk_hz + BOARD_UART_BAUD / 2u) / BOARD_UART_BAUD;
    USART1_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    NVIC_IPR8(USART1_IRQN) = 0x40;
    NVIC_ISER(USART1_IRQN / 32) = 1u << (USART1_IRQN % 32);
}

void USART1_IRQHandler(void)
{
    uint32_t sr = USART1_SR;
    if (sr & (USART_SR_RXNE | USART_SR_ORE)) {
        uint8_t b = (uint8_t)USART1_DR; /* reading DR clears RXNE and ORE */
        uint32_t next = (rx_head + 1u) & (RX_RING_BYTES - 1u);
        if (next != rx_tail) {
            rx_ring[rx_head] = b;
            rx_head = next;
        } else {
            rx_overruns++;
        }
    }
}

int usart_rx_pending(void)
{
    return rx_head != rx_tail;
}

uint32_t hal_uart_read(uint8_t *dst, uint32_t max)
{
    uint32_t n = 0;
    while (n < max && rx_tail != rx_head) {
        dst[n++] = rx_ring[rx_tail];
        rx_tail = (rx_tail + 1u) & (RX_RING_BYTES - 1u);
    }
    return n;
}

/* Bounded so a disabled or broken USART cannot hang the caller: ~10 character times. */
#define TXE_SPINS 100000u

void hal_uart_write(const uint8_t *src, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        uint32_t spins = TXE_SPINS;
        while ((USART1_SR & USART_SR_TXE) == 0 && spins-- != 0) {}
        USART1_DR = src[i];
        if ((i & 63u) == 63u) hal_watchdog_feed(); /* a long line at 115200 takes a while */
    }
}
