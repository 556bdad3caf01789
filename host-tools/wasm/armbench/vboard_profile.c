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
    /* per wasm function (PROFILE_FN): instructions after a dispatch of the op at module offset
     * `cur_off` (read from `pc_reg`, one past the opcode) go to fn_instr[cur_off]; from wq_invoke's
     * epilogue (`exit_at`) to the next dispatch they go to the last slot (outside the wasm) */
    uint32_t pc_reg, mod_lo, mod_len, exit_at, cur_off, pad2;
    uint64_t fn_instr[32768 + 1];
    uint64_t fn_disp[32768 + 1];    /* dispatches per module offset (a body's first op: its calls) */
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
        }
        if (fa == p->lo) p->cur_op = 256;   /* a new entry from the host */
        p->op_instr[p->cur_op]++;
        if (p->mod_len && p->is_dispatch[(fa - FLASH_BASE) >> 1]) {
            uint32_t v = 0;
            uc_reg_read(uc, UC_ARM_REG_R0 + (int)p->pc_reg, &v);
            uint32_t o = v - 1u - p->mod_lo;
            p->cur_off = o < p->mod_len ? o : 32768u;
            p->fn_disp[p->cur_off]++;
        }
        if (fa == p->exit_at) p->cur_off = 32768u;
    }
    if (p->mod_len) p->fn_instr[p->cur_off < 32768u ? p->cur_off : 32768u]++;
}
