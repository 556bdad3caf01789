/* STM32F103 register addresses and bits the HAL touches (RM0008). Plain volatile accesses, no
 * vendor library, so the virtual board's peripheral models see exactly these reads and writes.
 * docs/boards.md lists the same set for that model. */
#ifndef WASMQTT_STM32F103_REGS_H
#define WASMQTT_STM32F103_REGS_H
#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))
#define REG16(addr) (*(volatile uint16_t *)(addr))

/* RCC */
#define RCC_BASE        0x40021000u
#define RCC_CR          REG32(RCC_BASE + 0x00)
#define RCC_CFGR        REG32(RCC_BASE + 0x04)
#define RCC_CIR         REG32(RCC_BASE + 0x08)
#define RCC_AHBENR      REG32(RCC_BASE + 0x14)
#define RCC_APB2ENR     REG32(RCC_BASE + 0x18)
#define RCC_APB1ENR     REG32(RCC_BASE + 0x1C)
#define RCC_CSR         REG32(RCC_BASE + 0x24)
#define RCC_CR_HSION    (1u << 0)
#define RCC_CR_HSIRDY   (1u << 1)
#define RCC_CR_HSEON    (1u << 16)
#define RCC_CR_HSERDY   (1u << 17)
#define RCC_CR_PLLON    (1u << 24)
#define RCC_CR_PLLRDY   (1u << 25)
#define RCC_CFGR_SW_PLL     (2u << 0)
#define RCC_CFGR_SWS_MASK   (3u << 2)
#define RCC_CFGR_SWS_PLL    (2u << 2)
#define RCC_CFGR_PPRE1_DIV2 (4u << 8)
#define RCC_CFGR_PLLSRC_HSE (1u << 16)
#define RCC_CFGR_PLLMUL(n)  ((uint32_t)((n) - 2) << 18)
#define RCC_AHBENR_DMA1EN   (1u << 0)
#define RCC_APB2ENR_AFIOEN  (1u << 0)
#define RCC_APB2ENR_IOPAEN  (1u << 2)
#define RCC_APB2ENR_IOPBEN  (1u << 3)
#define RCC_APB2ENR_IOPCEN  (1u << 4)
#define RCC_APB2ENR_IOPDEN  (1u << 5)
#define RCC_APB2ENR_IOPEEN  (1u << 6)
#define RCC_APB2ENR_SPI1EN  (1u << 12)
#define RCC_APB2ENR_USART1EN (1u << 14)
#define RCC_CSR_LSION       (1u << 0)
#define RCC_CSR_LSIRDY      (1u << 1)
#define RCC_CSR_RMVF        (1u << 24)
#define RCC_CSR_PINRSTF     (1u << 26)
#define RCC_CSR_PORRSTF     (1u << 27)
#define RCC_CSR_SFTRSTF     (1u << 28)
#define RCC_CSR_IWDGRSTF    (1u << 29)

/* Embedded flash interface */
#define FLASH_BASE_R    0x40022000u
#define FLASH_ACR       REG32(FLASH_BASE_R + 0x00)
#define FLASH_KEYR      REG32(FLASH_BASE_R + 0x04)
#define FLASH_SR        REG32(FLASH_BASE_R + 0x0C)
#define FLASH_CR        REG32(FLASH_BASE_R + 0x10)
#define FLASH_AR        REG32(FLASH_BASE_R + 0x14)
#define FLASH_ACR_LATENCY_2 (2u << 0)
#define FLASH_ACR_PRFTBE    (1u << 4)
#define FLASH_KEY1      0x45670123u
#define FLASH_KEY2      0xCDEF89ABu
#define FLASH_SR_BSY    (1u << 0)
#define FLASH_SR_PGERR  (1u << 2)
#define FLASH_SR_WRPRTERR (1u << 4)
#define FLASH_SR_EOP    (1u << 5)
#define FLASH_CR_PG     (1u << 0)
#define FLASH_CR_PER    (1u << 1)
#define FLASH_CR_STRT   (1u << 6)
#define FLASH_CR_LOCK   (1u << 7)

/* GPIO ports A..E, 0x400 apart */
#define GPIO_BASE(port) (0x40010800u + 0x400u * (uint32_t)(port))
#define GPIO_CRL(port)  REG32(GPIO_BASE(port) + 0x00)
#define GPIO_CRH(port)  REG32(GPIO_BASE(port) + 0x04)
#define GPIO_IDR(port)  REG32(GPIO_BASE(port) + 0x08)
#define GPIO_ODR(port)  REG32(GPIO_BASE(port) + 0x0C)
#define GPIO_BSRR(port) REG32(GPIO_BASE(port) + 0x10)
#define GPIO_BRR(port)  REG32(GPIO_BASE(port) + 0x14)
/* 4-bit pin configurations (CNF[1:0] MODE[1:0]) */
#define GPIO_OUT_PP_50MHZ   0x3u
#define GPIO_OUT_PP_2MHZ    0x2u /* PC13-PC15 are specified for 2 MHz at most (datasheet) */
#define GPIO_AF_PP_50MHZ    0xBu
#define GPIO_IN_FLOATING    0x4u
#define GPIO_IN_PULL        0x8u

/* USART1 */
#define USART1_BASE     0x40013800u
#define USART1_SR       REG32(USART1_BASE + 0x00)
#define USART1_DR       REG32(USART1_BASE + 0x04)
#define USART1_BRR      REG32(USART1_BASE + 0x08)
#define USART1_CR1      REG32(USART1_BASE + 0x0C)
#define USART1_CR2      REG32(USART1_BASE + 0x10)
#define USART1_CR3      REG32(USART1_BASE + 0x14)
#define USART_SR_ORE    (1u << 3)
#define USART_SR_RXNE   (1u << 5)
#define USART_SR_TC     (1u << 6)
#define USART_SR_TXE    (1u << 7)
#define USART_CR1_RE    (1u << 2)
#define USART_CR1_TE    (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_TCIE  (1u << 6)
#define USART_CR1_TXEIE (1u << 7)
#define USART_CR1_UE    (1u << 13)
#define USART1_IRQN     37

/* SPI1 */
#define SPI1_BASE       0x40013000u
#define SPI1_CR1        REG32(SPI1_BASE + 0x00)
#define SPI1_CR2        REG32(SPI1_BASE + 0x04)
#define SPI1_SR         REG32(SPI1_BASE + 0x08)
#define SPI1_DR         REG32(SPI1_BASE + 0x0C)
#define SPI_CR1_MSTR    (1u << 2)
#define SPI_CR1_BR(n)   ((uint32_t)(n) << 3)
#define SPI_CR1_SPE     (1u << 6)
#define SPI_CR1_SSI     (1u << 8)
#define SPI_CR1_SSM     (1u << 9)
#define SPI_CR2_RXDMAEN (1u << 0)
#define SPI_CR2_TXDMAEN (1u << 1)
#define SPI_SR_RXNE     (1u << 0)
#define SPI_SR_TXE      (1u << 1)
#define SPI_SR_BSY      (1u << 7)

/* DMA1: SPI1_RX is channel 2, SPI1_TX channel 3 */
#define DMA1_BASE       0x40020000u
#define DMA1_ISR        REG32(DMA1_BASE + 0x00)
#define DMA1_IFCR       REG32(DMA1_BASE + 0x04)
#define DMA1_CCR(ch)    REG32(DMA1_BASE + 0x08 + 20u * ((ch) - 1u))
#define DMA1_CNDTR(ch)  REG32(DMA1_BASE + 0x0C + 20u * ((ch) - 1u))
#define DMA1_CPAR(ch)   REG32(DMA1_BASE + 0x10 + 20u * ((ch) - 1u))
#define DMA1_CMAR(ch)   REG32(DMA1_BASE + 0x14 + 20u * ((ch) - 1u))
#define DMA_CCR_EN      (1u << 0)
#define DMA_CCR_DIR     (1u << 4)  /* 1: memory to peripheral */
#define DMA_CCR_MINC    (1u << 7)
#define DMA_ISR_TCIF(ch) (1u << (4u * ((ch) - 1u) + 1u))
#define DMA_ISR_TEIF(ch) (1u << (4u * ((ch) - 1u) + 3u))
#define DMA_IFCR_CGIF(ch) (1u << (4u * ((ch) - 1u)))

/* IWDG */
#define IWDG_BASE       0x40003000u
#define IWDG_KR         REG32(IWDG_BASE + 0x00)
#define IWDG_PR         REG32(IWDG_BASE + 0x04)
#define IWDG_RLR        REG32(IWDG_BASE + 0x08)
#define IWDG_SR         REG32(IWDG_BASE + 0x0C)

/* Cortex-M3 core peripherals */
#define SYST_CSR        REG32(0xE000E010u)
#define SYST_RVR        REG32(0xE000E014u)
#define SYST_CVR        REG32(0xE000E018u)
#define NVIC_ISER(n)    REG32(0xE000E100u + 4u * (n))
#define NVIC_IPR8(irq)  (*(volatile uint8_t *)(0xE000E400u + (irq)))
#define SCB_VTOR        REG32(0xE000ED08u)
#define SCB_AIRCR       REG32(0xE000ED0Cu)
#define SCB_SHCSR       REG32(0xE000ED24u)
#define SCB_CFSR        REG32(0xE000ED28u)
#define SCB_HFSR        REG32(0xE000ED2Cu)
#define SCB_MMFAR       REG32(0xE000ED34u)
#define SCB_BFAR        REG32(0xE000ED38u)
#define SCB_AIRCR_RESET (0x05FA0000u | (1u << 2))
#define SCB_SHCSR_FAULTS_EN ((1u << 16) | (1u << 17) | (1u << 18))

/* 96-bit unique device ID, and the flash size in KB right before it */
#define UID_BASE        0x1FFFF7E8u
#define FLASH_SIZE_KB   REG16(0x1FFFF7E0u)

#endif
