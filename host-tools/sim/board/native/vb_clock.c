/* Per-instruction counter for the virtual board, installed as unicorn's UC_HOOK_CODE callback.
 * Why native: a JS callback per instruction (or per block) through koffi costs ~270 ns, which caps
 * the board near 15 MIPS; this hook stays in C (hundreds of MIPS) and still gives an exact count
 * however emulation stops (slice end, WFI, fault, exception return), so virtual time is exact.
 * The JS side owns the struct (koffi.alloc) and reads/writes it between and during runs. */
#include <stdint.h>

typedef struct uc_struct uc_engine;
int uc_emu_stop(uc_engine *uc);

struct vb_clock {
    uint64_t instr;    /* instructions executed so far */
    uint64_t deadline; /* stop before executing instruction number deadline + 1 */
};

void vb_clock_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user_data)
{
    (void)addr;
    (void)size;
    struct vb_clock *c = (struct vb_clock *)user_data;
    if (c->instr >= c->deadline) {
        uc_emu_stop(uc); /* this instruction is not executed and not counted */
        return;
    }
    c->instr++;
}
