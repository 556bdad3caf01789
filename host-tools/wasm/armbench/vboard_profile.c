/* Publish-path profile on the virtual board: a unicorn code hook that, while `enabled`, counts
 * executed instructions per halfword of flash and of RAM code, and inside the interpreter
 * (wq_invoke, [lo, hi)) attributes each instruction to the wasm opcode last dispatched (the
 * opcode register read at the dispatch's table jump). Used by vboard-profile.ts (docs/runtime.md,
 * "Where a publish goes"); not part of any build the tests or the bench run. */
#include <stdint.h>

typedef struct uc_struct uc_engine;
int uc_reg_read(uc_engine *uc, int regid, void *value);

#define FLASH_BASE 0x08000000u
#define FLASH_HALFWORDS (64u * 1024u / 2u)
#define RAM_BASE 0x20000000u
#define RAM_HALFWORDS (20u * 1024u / 2u)
#define UC_ARM_REG_R0 66
#define PAIR_SLOTS (1u << 16)

struct vb_profile {
    uint32_t enabled;
    uint32_t lo, hi;            /* wq_invoke's range */
    uint32_t op_reg;            /* register number (0..12) holding the opcode at a dispatch */
    uint32_t cur_op;            /* 256: not yet dispatched in this entry */
    uint32_t pad;
    uint8_t is_dispatch[FLASH_HALFWORDS];   /* nonzero at each table jump (tbh, or a replicated ldr pc) */
    uint64_t flash[FLASH_HALFWORDS];
    uint64_t ram[RAM_HALFWORDS];
    uint64_t op_dispatches[257];
    uint64_t op_instr[257];
    /* with sites set (PROFILE_PC): per flash byte of the wasm code dispatched there (the opcode's
     * address, the fetch register less one), its dispatches and the instructions until the next,
     * and the dynamic successor pairs (site, next site) in an open-addressed table */
    uint32_t sites, cur_site;
    uint64_t site_disp[FLASH_HALFWORDS * 2u];
    uint64_t site_instr[FLASH_HALFWORDS * 2u];
    uint32_t pair_key[PAIR_SLOTS];
    uint64_t pair_count[PAIR_SLOTS];
};

void vb_profile_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user_data)
{
    (void)size;
    struct vb_profile *p = (struct vb_profile *)user_data;
    if (!p->enabled) return;
    uint32_t a = (uint32_t)addr;
    if (a - FLASH_BASE < FLASH_HALFWORDS * 2u) p->flash[(a - FLASH_BASE) >> 1]++;
    else if (a < FLASH_HALFWORDS * 2u) p->flash[a >> 1]++;   /* flash aliased at 0 */
    else if (a - RAM_BASE < RAM_HALFWORDS * 2u) p->ram[(a - RAM_BASE) >> 1]++;
    uint32_t fa = a < FLASH_HALFWORDS * 2u ? a + FLASH_BASE : a;
    if (fa >= p->lo && fa < p->hi) {
        if (p->is_dispatch[(fa - FLASH_BASE) >> 1]) {
            uint32_t v = 0;
            uc_reg_read(uc, UC_ARM_REG_R0 + (int)p->op_reg, &v);
            p->cur_op = v & 0xff;
            p->op_dispatches[p->cur_op]++;
            if (p->sites) {   /* is_dispatch holds the fetch register + 1 */
                uint32_t pcv = 0;
                uc_reg_read(uc, UC_ARM_REG_R0 + (int)p->is_dispatch[(fa - FLASH_BASE) >> 1] - 1, &pcv);
                uint32_t site = pcv - 1u - FLASH_BASE;
                if (site < FLASH_HALFWORDS * 2u) {
                    p->site_disp[site]++;
                    uint32_t key = (p->cur_site & 0xffffu) << 16 | site, h = (key * 2654435761u) >> 16, n = 0;
                    while (p->pair_key[h] != key && p->pair_key[h] != 0 && ++n < PAIR_SLOTS) h = (h + 1) & (PAIR_SLOTS - 1);
                    if (n < PAIR_SLOTS) { p->pair_key[h] = key; p->pair_count[h]++; }   /* a full table drops pairs */
                    p->cur_site = site;
                } else p->cur_site = 0xffffffffu;
            }
        }
        if (fa == p->lo) { p->cur_op = 256; p->cur_site = 0xffffffffu; }   /* a new entry from the host */
        if (p->sites && p->cur_site < FLASH_HALFWORDS * 2u) p->site_instr[p->cur_site]++;
        p->op_instr[p->cur_op]++;
    }
}
