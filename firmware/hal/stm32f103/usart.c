/* USART1 console, 8N1 at BOARD_UART_BAUD on PA9 (TX) / PA10 (RX). Both directions are
 * interrupt-driven through ring buffers: RX so typed input is not lost while the core runs, TX so
 * the core does not spend ~6,250 cycles per byte (at 72 MHz, 115200 baud) polling TXE. The ABI
 * lets uart_write block, never drop: a writer that finds the TX ring full sleeps (WFI, feeding the
 * watchdog) until the TXE interrupt has made room. In an exception handler or with interrupts
 * masked (fault report) the ring is drained and written by polling instead, since the TXE
 * interrupt cannot run there. The handler runs from RAM through the RAM vector table, so bytes
 * that arrive while the flash erases (up to 40 ms, ~460 character times) are still taken one by
 * one; bytes lost anyway (hardware overrun, or a full ring) are counted and reported by an
 * `evt warn code=uart-overrun` line. */
#include "regs.h"
#include "internal.h"
#include "../hal.h"

#define RX_RING_BYTES 256u /* power of two: indices wrap with a mask */
static volatile uint8_t rx_ring[RX_RING_BYTES];
static volatile uint32_t rx_head; /* written by the ISR */
static volatile uint32_t rx_tail; /* written by hal_uart_read */
static volatile uint32_t rx_lost;  /* bytes lost: overrun (ORE) or ring full; written by the ISR */
static uint32_t rx_lost_reported;

/* One console line (an `evt message` with a 128-byte payload, URL-encoded, is the longest common
 * one) fits without the writer waiting. Power of two. */
#define TX_RING_BYTES 256u
static volatile uint8_t tx_ring[TX_RING_BYTES];
static volatile uint32_t tx_head; /* written by hal_uart_write */
static volatile uint32_t tx_tail; /* written by the ISR (or tx_pump with interrupts masked) */

/* Bounds for the polled paths, so a disabled or broken USART cannot hang the caller: ~10
 * character times per byte. */
#define TXE_SPINS 100000u
/* A full ring that makes no progress for this long means the transmitter is stuck (TE off, or
 * USART1 reconfigured): the oldest byte is pushed to DR anyway, as the polled writer did after
 * its bound, so a broken console cannot stop the device. 20 ms is ~230 character times. */
#define TX_STALL_MS 20u

void usart_init(void)
{
    RCC_APB2ENR |= RCC_APB2ENR_USART1EN | RCC_APB2ENR_AFIOEN;
    gpio_config(0, 9, GPIO_AF_PP_50MHZ);
    /* Pull-up on RX (ODR=1 with input-pull): an unconnected console reads idle, not noise. */
    gpio_write(0, 10, 1);
    gpio_config(0, 10, GPIO_IN_PULL);
    /* USART1 is on APB2, which runs at SYSCLK; BRR is the rounded divider. */
    USART1_BRR = (hal_sysclk_hz + BOARD_UART_BAUD / 2u) / BOARD_UART_BAUD;
    USART1_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    NVIC_IPR8(USART1_IRQN) = 0x40;
    NVIC_ISER(USART1_IRQN / 32) = 1u << (USART1_IRQN % 32);
}

HAL_RAMFUNC void USART1_IRQHandler(void)
{
    uint32_t sr = USART1_SR;
    if (sr & (USART_SR_RXNE | USART_SR_ORE)) {
        uint8_t b = (uint8_t)USART1_DR; /* reading DR clears RXNE and ORE */
        if (sr & USART_SR_ORE) rx_lost++; /* at least one byte came while DR was still full */
        uint32_t next = (rx_head + 1u) & (RX_RING_BYTES - 1u);
        if (next != rx_tail) {
            rx_ring[rx_head] = b;
            rx_head = next;
        } else {
            rx_lost++;
        }
    }
    if ((sr & USART_SR_TXE) && (USART1_CR1 & USART_CR1_TXEIE)) {
        uint32_t t = tx_tail;
        if (t != tx_head) {
            USART1_DR = tx_ring[t];
            tx_tail = (t + 1u) & (TX_RING_BYTES - 1u);
        } else {
            USART1_CR1 &= ~USART_CR1_TXEIE; /* nothing left: TXE would interrupt forever */
        }
    }
}

void usart_report_lost(void)
{
    uint32_t lost = rx_lost;
    if (lost == rx_lost_reported) return;
    rx_lost_reported = lost;
    fault_print("evt warn code=uart-overrun lost=");
    puts_dec(lost); /* bytes lost since boot */
    fault_print("\r\n");
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

/* 1 when the TXE interrupt cannot drain the ring: in an exception handler, with PRIMASK set, or
 * before usart_init (nothing would wake a waiting writer; SysTick may not run yet either). */
static int tx_irq_unavailable(void)
{
    uint32_t ipsr, primask;
    __asm volatile ("mrs %0, ipsr" : "=r"(ipsr));
    __asm volatile ("mrs %0, primask" : "=r"(primask));
    return (ipsr & 0x1FFu) != 0u || (primask & 1u) != 0u || (USART1_CR1 & USART_CR1_UE) == 0u;
}

/* Moves the oldest ring byte to DR if TXE is set, or (`force`) if the ring is still full, with
 * interrupts masked so the ISR never sends the same byte. Returns 1 if a byte moved. */
static int tx_pump(int force)
{
    uint32_t primask;
    int moved = 0;
    __asm volatile ("mrs %0, primask" : "=r"(primask));
    irq_disable();
    uint32_t t = tx_tail, h = tx_head;
    if (t != h && ((USART1_SR & USART_SR_TXE) || (force && ((h + 1u) & (TX_RING_BYTES - 1u)) == t))) {
        USART1_DR = tx_ring[t];
        tx_tail = (t + 1u) & (TX_RING_BYTES - 1u);
        moved = 1;
    }
    if ((primask & 1u) == 0u) irq_enable();
    return moved;
}

/* Empties the ring by polling TXE (bounded per byte), then waits for the last byte to leave
 * the shift register (TC), e.g. before a reset. Works in any context. */
void usart_tx_flush(void)
{
    uint32_t spins = TXE_SPINS;
    while (tx_tail != tx_head) {
        if (tx_pump(0)) spins = TXE_SPINS;
        else if (spins-- == 0u) { tx_tail = tx_head; break; } /* transmitter stuck: give up */
    }
    spins = TXE_SPINS;
    while ((USART1_SR & USART_SR_TC) == 0u && spins-- != 0u) {}
}

static void write_polled(const uint8_t *src, uint32_t len)
{
    usart_tx_flush(); /* what is queued goes first: bytes keep their order */
    for (uint32_t i = 0; i < len; i++) {
        uint32_t spins = TXE_SPINS;
        while ((USART1_SR & USART_SR_TXE) == 0u && spins-- != 0u) {}
        USART1_DR = src[i];
    }
}

void hal_uart_write(const uint8_t *src, uint32_t len)
{
    if (tx_irq_unavailable()) {
        write_polled(src, len);
        return;
    }
    for (uint32_t i = 0; i < len; i++) {
        uint32_t h = tx_head;
        uint32_t next = (h + 1u) & (TX_RING_BYTES - 1u);
        if (next == tx_tail) {
            /* Full: let the TXE interrupt drain it while the core sleeps. A TXE interrupt (one
             * character time) or SysTick (1 ms) ends each WFI, so a missed wake-up costs 1 ms. */
            USART1_CR1 |= USART_CR1_TXEIE;
            uint32_t since = hal_millis();
            while (next == tx_tail) {
                hal_watchdog_feed();
                if (hal_millis() - since >= TX_STALL_MS) {
                    tx_pump(1);
                    break;
                }
                cpu_wfi();
            }
        }
        tx_ring[h] = src[i];
        tx_head = next;
    }
    /* Read-modify-write from thread mode: if the ISR clears TXEIE in between (ring empty at that
     * moment), setting it again costs one spurious interrupt that clears it once more. */
    USART1_CR1 |= USART_CR1_TXEIE;
}
