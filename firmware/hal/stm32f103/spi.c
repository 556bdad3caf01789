/* SPI1 master (mode 0, MSB first, 8-bit) to the W5500 on PA5 SCK / PA6 MISO / PA7 MOSI, with CS,
 * RST and INT on the pins named in the board file. One call = one variable-length-data-mode
 * frame: CS low, 16-bit address, control byte (block << 3 | rw << 2 | 00), data, CS high.
 * Bursts of at least BOARD_SPI_DMA_MIN_BYTES go through DMA1 channels 2 (RX) and 3 (TX);
 * shorter ones are polled, where DMA set-up would cost more than it saves. */
#include "regs.h"
#include "internal.h"
#include "../hal.h"

static int dma_ok = BOARD_SPI_DMA_MIN_BYTES > 0;

void spi_init(void)
{
    /* the W5500 pins' ports clocked first: a port without its clock drops the level writes below */
    RCC_APB2ENR |= RCC_APB2ENR_SPI1EN | RCC_APB2ENR_AFIOEN | (RCC_APB2ENR_IOPAEN << BOARD_W5500_CS_PORT) |
        (RCC_APB2ENR_IOPAEN << BOARD_W5500_RST_PORT) | (RCC_APB2ENR_IOPAEN << BOARD_W5500_INT_PORT);
    RCC_AHBENR |= RCC_AHBENR_DMA1EN;
    gpio_config(0, 5, GPIO_AF_PP_50MHZ);
    gpio_config(0, 6, GPIO_IN_FLOATING);
    gpio_config(0, 7, GPIO_AF_PP_50MHZ);
    gpio_write(BOARD_W5500_CS_PORT, BOARD_W5500_CS_PIN, 1);
    gpio_config(BOARD_W5500_CS_PORT, BOARD_W5500_CS_PIN, GPIO_OUT_PP_50MHZ);
    gpio_write(BOARD_W5500_RST_PORT, BOARD_W5500_RST_PIN, 1);
    gpio_config(BOARD_W5500_RST_PORT, BOARD_W5500_RST_PIN, GPIO_OUT_PP_50MHZ);
    gpio_write(BOARD_W5500_INT_PORT, BOARD_W5500_INT_PIN, 1); /* ODR=1 selects pull-up */
    gpio_config(BOARD_W5500_INT_PORT, BOARD_W5500_INT_PIN, GPIO_IN_PULL);

    /* SPI1 sits on APB2 (= SYSCLK): pick the smallest divider 2^(br+1) within the board's limit. */
    uint32_t br = 0;
    while (br < 7u && (hal_sysclk_hz >> (br + 1u)) > BOARD_SPI_MAX_HZ) br++;
    SPI1_CR1 = SPI_CR1_MSTR | SPI_CR1_BR(br) | SPI_CR1_SSM | SPI_CR1_SSI;
    SPI1_CR1 |= SPI_CR1_SPE;
}

#define SPI_SPINS 10000u /* one byte at the slowest divider is < 300 cycles */

static uint8_t spi_xfer(uint8_t out)
{
    uint32_t spins = SPI_SPINS;
    while ((SPI1_SR & SPI_SR_TXE) == 0 && spins-- != 0) {}
    SPI1_DR = out;
    spins = SPI_SPINS;
    while ((SPI1_SR & SPI_SR_RXNE) == 0 && spins-- != 0) {}
    return (uint8_t)SPI1_DR;
}

static void spi_wait_idle(void)
{
    uint32_t spins = SPI_SPINS;
    while ((SPI1_SR & SPI_SR_BSY) != 0 && spins-- != 0) {}
}

static void frame_begin(uint16_t addr, uint8_t block, int write)
{
    gpio_write(BOARD_W5500_CS_PORT, BOARD_W5500_CS_PIN, 0);
    spi_xfer((uint8_t)(addr >> 8));
    spi_xfer((uint8_t)addr);
    spi_xfer((uint8_t)(((block & 0x1Fu) << 3) | (write ? 0x04u : 0x00u)));
}

static void frame_end(void)
{
    spi_wait_idle();
    gpio_write(BOARD_W5500_CS_PORT, BOARD_W5500_CS_PIN, 1);
}

/* One DMA burst: TX from `tx` (or a repeated dummy byte), RX into `rx` (or a dummy byte).
 * Returns -1 if the transfer did not complete in time; the caller then redoes the frame polled
 * and DMA stays off (W5500 buffer and register reads/writes are idempotent). */
static int spi_dma(const uint8_t *tx, uint8_t *rx, uint32_t len)
{
    static uint8_t dummy_tx = 0xFF;
    static uint8_t dummy_rx;
    DMA1_CCR(2) = 0;
    DMA1_CCR(3) = 0;
    DMA1_IFCR = DMA_IFCR_CGIF(2) | DMA_IFCR_CGIF(3);
    (void)SPI1_DR; /* drop a stale RX byte */
    DMA1_CPAR(2) = SPI1_BASE + 0x0C;
    DMA1_CMAR(2) = (uint32_t)(uintptr_t)(rx ? rx : &dummy_rx);
    DMA1_CNDTR(2) = len;
    DMA1_CCR(2) = (rx ? DMA_CCR_MINC : 0) | DMA_CCR_EN;
    DMA1_CPAR(3) = SPI1_BASE + 0x0C;
    DMA1_CMAR(3) = (uint32_t)(uintptr_t)(tx ? tx : &dummy_tx);
    DMA1_CNDTR(3) = len;
    DMA1_CCR(3) = (tx ? DMA_CCR_MINC : 0) | DMA_CCR_DIR | DMA_CCR_EN;
    SPI1_CR2 = SPI_CR2_RXDMAEN | SPI_CR2_TXDMAEN;
    /* 8 SPI clocks per byte at >= 2 CPU clocks per SPI clock, plus margin. */
    uint32_t spins = len * 64u + 1000u;
    int rc = -1;
    while (spins-- != 0) {
        uint32_t isr = DMA1_ISR;
        if (isr & (DMA_ISR_TEIF(2) | DMA_ISR_TEIF(3))) break;
        if (isr & DMA_ISR_TCIF(2)) { rc = 0; break; }
    }
    SPI1_CR2 = 0;
    DMA1_CCR(2) = 0;
    DMA1_CCR(3) = 0;
    DMA1_IFCR = DMA_IFCR_CGIF(2) | DMA_IFCR_CGIF(3);
    return rc;
}

void hal_w5500_read(uint16_t addr, uint8_t block, uint8_t *dst, uint32_t len)
{
    frame_begin(addr, block, 0);
    if (dma_ok && len >= (uint32_t)BOARD_SPI_DMA_MIN_BYTES) {
        if (spi_dma(0, dst, len) == 0) { frame_end(); return; }
        dma_ok = 0;
        frame_end();
        frame_begin(addr, block, 0);
    }
    for (uint32_t i = 0; i < len; i++) dst[i] = spi_xfer(0xFF);
    frame_end();
}

void hal_w5500_write(uint16_t addr, uint8_t block, const uint8_t *src, uint32_t len)
{
    frame_begin(addr, block, 1);
    if (dma_ok && len >= (uint32_t)BOARD_SPI_DMA_MIN_BYTES) {
        if (spi_dma(src, 0, len) == 0) { frame_end(); return; }
        dma_ok = 0;
        frame_end();
        frame_begin(addr, block, 1);
    }
    for (uint32_t i = 0; i < len; i++) (void)spi_xfer(src[i]);
    frame_end();
}

void hal_w5500_reset(void)
{
    /* RST low for >= 500 us, then the datasheet's PLL lock time (max 1 ms) before first access. */
    gpio_write(BOARD_W5500_RST_PORT, BOARD_W5500_RST_PIN, 0);
    uint32_t t0 = hal_millis();
    while (hal_millis() - t0 < 2u) {}
    gpio_write(BOARD_W5500_RST_PORT, BOARD_W5500_RST_PIN, 1);
    t0 = hal_millis();
    while (hal_millis() - t0 < 2u) {}
}

int hal_w5500_irq(void)
{
    return gpio_read(BOARD_W5500_INT_PORT, BOARD_W5500_INT_PIN) == 0;
}
