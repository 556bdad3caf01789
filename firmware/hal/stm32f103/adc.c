/* ADC1 for the app (hal.h hal_adc_read): powered up, calibrated and set up on first use, then one
 * software-started single conversion per call (RM0008 chapter 11). Every channel samples for
 * 239.5 ADC cycles (~20 us at 12 MHz): the temperature sensor needs at least 17.1 us (datasheet
 * TS_temp), and the app's inputs get the most source impedance headroom. */
#include "../hal.h"
#include "regs.h"
#include "internal.h"

#define ADC1_BASE 0x40012400u
#define ADC1_SR    REG32(ADC1_BASE + 0x00)
#define ADC1_CR2   REG32(ADC1_BASE + 0x08)
#define ADC1_SMPR1 REG32(ADC1_BASE + 0x0C)
#define ADC1_SMPR2 REG32(ADC1_BASE + 0x10)
#define ADC1_SQR1  REG32(ADC1_BASE + 0x2C)
#define ADC1_SQR3  REG32(ADC1_BASE + 0x34)
#define ADC1_DR    REG32(ADC1_BASE + 0x4C)
#define ADC_SR_EOC       (1u << 1)
#define ADC_CR2_ADON     (1u << 0)
#define ADC_CR2_CAL      (1u << 2)
#define ADC_CR2_RSTCAL   (1u << 3)
#define ADC_CR2_EXTSEL_SWSTART (7u << 17)
#define ADC_CR2_EXTTRIG  (1u << 20)
#define ADC_CR2_SWSTART  (1u << 22)
#define ADC_CR2_TSVREFE  (1u << 23)
#define RCC_APB2ENR_ADC1EN (1u << 9)
#define RCC_CFGR_ADCPRE_MASK (3u << 14)
#define RCC_CFGR_ADCPRE_DIV6 (2u << 14)

/* Channels 0..15 sit on these pins (port * 16 + number); 16 and 17 are internal. */
static const uint8_t channel_pin[16] = {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 32, 33, 34, 35, 36, 37};

static int adc_ready;

/* Busy-waits at least `us` microseconds (4+ cycles per round at up to 72 MHz). */
static void wait_us(uint32_t us)
{
    for (volatile uint32_t i = us * (BOARD_SYSCLK_HZ / 4000000u); i > 0; i--) {}
}

/* Polls a CR2 bit the hardware clears (calibration); 0 when it did, -1 after ~10 ms. */
static int wait_cleared(uint32_t bit)
{
    uint32_t t0 = hal_millis();
    while (ADC1_CR2 & bit) if (hal_millis() - t0 > 10u) return -1;
    return 0;
}

static int adc_init(void)
{
    /* ADC clock = PCLK2 / 6: 12 MHz from 72 MHz (10.7 MHz on the HSI fallback), under the 14 MHz limit */
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_ADCPRE_MASK) | RCC_CFGR_ADCPRE_DIV6;
    RCC_APB2ENR |= RCC_APB2ENR_ADC1EN;
    ADC1_SMPR1 = 0x00FFFFFFu; /* channels 10..17: 239.5 cycles */
    ADC1_SMPR2 = 0x3FFFFFFFu; /* channels 0..9 */
    ADC1_CR2 = ADC_CR2_ADON;  /* power up; the ADC needs t_STAB (1 us) before calibration */
    wait_us(2);
    ADC1_CR2 = ADC_CR2_ADON | ADC_CR2_RSTCAL;
    if (wait_cleared(ADC_CR2_RSTCAL) != 0) return -1;
    ADC1_CR2 = ADC_CR2_ADON | ADC_CR2_CAL;
    if (wait_cleared(ADC_CR2_CAL) != 0) return -1;
    /* software trigger for regular conversions; the temperature sensor and VREFINT on (t_START 10 us) */
    ADC1_CR2 = ADC_CR2_ADON | ADC_CR2_EXTSEL_SWSTART | ADC_CR2_EXTTRIG | ADC_CR2_TSVREFE;
    wait_us(10);
    adc_ready = 1;
    return 0;
}

int hal_adc_read(uint32_t channel)
{
    if (channel > 17u) return HAL_PIN_NONE;
    if (channel < 16u) {
        /* a pin the HAL drives (PB0/PB1 carry the W5500's RST/INT on the blue pill) stays its own */
        int r = hal_gpio_read(channel_pin[channel]);
        if (r < 0) return r;
    }
    if (!adc_ready && adc_init() != 0) return HAL_ADC_TIMEOUT;
    ADC1_SQR1 = 0;          /* one conversion in the regular sequence */
    ADC1_SQR3 = channel;    /* SQ1 */
    ADC1_SR = 0;
    ADC1_CR2 |= ADC_CR2_SWSTART;
    uint32_t t0 = hal_millis();
    while (!(ADC1_SR & ADC_SR_EOC)) if (hal_millis() - t0 > 10u) return HAL_ADC_TIMEOUT;
    return (int)(ADC1_DR & 0xFFFu);
}
