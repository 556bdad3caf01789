/* Reset entry and vector table for the STM32F103 (Cortex-M3). The reset handler copies .data
 * (which holds the code that runs from RAM), zeroes .bss, paints the stack guard, copies the
 * vector table to RAM and points VTOR there (a page erase stalls every flash access for up to
 * 40 ms, vector reads included: the console and SysTick interrupts must not wait that long),
 * turns on the MemManage/BusFault/UsageFault handlers and calls main(); unused interrupts land
 * in one handler that reports the IRQ number and resets, so a stray interrupt is never a
 * silent hang. */
#include <stdint.h>
#include <string.h>
#include "regs.h"
#include "internal.h"
#include "../hal.h"

extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end, _estack;
extern int main(int argc, char **argv);

void Reset_Handler(void);
void HardFault_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void);
void USART1_IRQHandler(void);

/* 16 system exceptions + 60 peripheral interrupts (the high-density F103 has 60; the smaller
 * parts ignore the upper entries). Reserved entries 7-10 and 13 stay zero. Flash holds only the
 * system exceptions (all the chip can take before VTOR moves to RAM: no interrupt is enabled
 * yet); the reset handler writes the interrupt entries into the RAM table, which saves the
 * 240 bytes of a flash table that says "Default_Handler" 59 times. */
#define SYSTEM_VECTORS 16
#define VECTOR_COUNT (SYSTEM_VECTORS + 60)
typedef void (*vector_fn)(void);
extern const vector_fn vector_table[SYSTEM_VECTORS];
__attribute__((section(".ram_vectors"))) static vector_fn ram_vector_table[VECTOR_COUNT];

void Reset_Handler(void)
{
    uint32_t *src = &__data_load;
    for (uint32_t *dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
    for (uint32_t *dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
    stack_guard_fill();
    memcpy(ram_vector_table, vector_table, sizeof vector_table);
    for (uint32_t i = SYSTEM_VECTORS; i < VECTOR_COUNT; i++) ram_vector_table[i] = Default_Handler;
    ram_vector_table[SYSTEM_VECTORS + USART1_IRQN] = USART1_IRQHandler;
    SCB_VTOR = (uint32_t)(uintptr_t)ram_vector_table;
    SCB_SHCSR |= SCB_SHCSR_FAULTS_EN; /* else each of them escalates to HardFault */
    __asm volatile ("dsb\nisb" ::: "memory");
    main(0, 0);
    hal_reset(); /* main() never returns; if it does, start over rather than hang */
}

void Default_Handler(void)
{
    uint32_t ipsr;
    __asm volatile ("mrs %0, ipsr" : "=r"(ipsr));
    fault_print("evt fault kind=unhandled-irq");
    fault_print_hex(" exception", ipsr & 0x1FFu);
    fault_print("\r\n");
    hal_reset();
}

__attribute__((section(".isr_vector"), used))
const vector_fn vector_table[SYSTEM_VECTORS] = {
    [0] = (vector_fn)(uintptr_t)&_estack,
    [1] = Reset_Handler,
    [2] = Default_Handler,    /* NMI */
    [3] = HardFault_Handler,
    [4] = HardFault_Handler,  /* MemManage (enabled in SHCSR): reported the same way, by kind */
    [5] = HardFault_Handler,  /* BusFault */
    [6] = HardFault_Handler,  /* UsageFault */
    [11] = Default_Handler,   /* SVCall */
    [12] = Default_Handler,   /* DebugMon */
    [14] = Default_Handler,   /* PendSV */
    [15] = SysTick_Handler,
};
