/* Counts the Thumb instructions a bare-metal Cortex-M3 ELF executes, with unicorn (Debian
 * libunicorn2): loads every PT_LOAD segment at its address, runs from the entry point until
 * the pc reaches STOP_ADDR, prints "<instructions> <r0>".   arm_count ELF STOP_ADDR_HEX */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

static uint64_t count;
static void on_code(uc_engine * uc, uint64_t addr, uint32_t size, void * user) { (void)uc; (void)addr; (void)size; (void)user; count++; }

int main(int argc, char ** argv)
{
    if (argc != 3) { fprintf(stderr, "usage: arm_count ELF STOP_ADDR_HEX\n"); return 2; }
    FILE * f = fopen(argv[1], "rb");
    if (!f) { fprintf(stderr, "arm_count: cannot open %s\n", argv[1]); return 2; }
    fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
    uint8_t * elf = malloc((size_t)n);
    if (fread(elf, 1, (size_t)n, f) != (size_t)n) { fprintf(stderr, "arm_count: short read\n"); return 2; }
    fclose(f);
    if (n < 52 || memcmp(elf, "\177ELF", 4) || elf[4] != 1) { fprintf(stderr, "arm_count: %s is not an ELF32 file\n", argv[1]); return 2; }
    uint32_t entry, phoff; uint16_t phentsize, phnum;
    memcpy(&entry, elf + 24, 4); memcpy(&phoff, elf + 28, 4); memcpy(&phentsize, elf + 42, 2); memcpy(&phnum, elf + 44, 2);
    uint32_t stop = (uint32_t)strtoul(argv[2], NULL, 16) & ~1u;

    uc_engine * uc;
    if (uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, &uc) != UC_ERR_OK) { fprintf(stderr, "arm_count: uc_open failed\n"); return 1; }
    uc_ctl_set_cpu_model(uc, UC_CPU_ARM_CORTEX_M3);
    uc_mem_map(uc, 0x08000000, 4u << 20, UC_PROT_ALL);
    uc_mem_map(uc, 0x20000000, 4u << 20, UC_PROT_ALL);
    for (int i = 0; i < phnum; i++) {
        const uint8_t * ph = elf + phoff + (uint32_t)i * phentsize;
        uint32_t type, off, vaddr, filesz, memsz;
        memcpy(&type, ph, 4); memcpy(&off, ph + 4, 4); memcpy(&vaddr, ph + 8, 4); memcpy(&filesz, ph + 16, 4); memcpy(&memsz, ph + 20, 4);
        if (type != 1 || memsz == 0) continue;
        uint8_t * zero = calloc(1, memsz);
        memcpy(zero, elf + off, filesz);
        if (uc_mem_write(uc, vaddr, zero, memsz) != UC_ERR_OK) { fprintf(stderr, "arm_count: segment at 0x%x does not fit the memory map\n", vaddr); return 1; }
        free(zero);
    }
    uint32_t sp = 0x20000000 + (4u << 20) - 16;
    uc_reg_write(uc, UC_ARM_REG_SP, &sp);
    uc_hook h;
    uc_hook_add(uc, &h, UC_HOOK_CODE, (void *)on_code, NULL, 1, 0);
    uc_err e = uc_emu_start(uc, entry | 1u, stop, 0, 0);
    uint32_t r0 = 0, pc = 0;
    uc_reg_read(uc, UC_ARM_REG_R0, &r0);
    uc_reg_read(uc, UC_ARM_REG_PC, &pc);
    if (e != UC_ERR_OK || (pc & ~1u) != stop) { fprintf(stderr, "arm_count: stopped at 0x%x: %s\n", pc, uc_strerror(e)); return 1; }
    printf("%llu %u\n", (unsigned long long)count, r0);
    uc_close(uc);
    return 0;
}
