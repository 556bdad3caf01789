/* The C library routines the firmware calls, written for size: they replace newlib-nano's
 * memcpy/memmove/memset/memcmp (744 B together: the speed-tuned ARMv7-M versions) and libgcc's
 * __udivmoddi4, __aeabi_uldivmod and __aeabi_ldivmod (924 B) and __popcountsi2/di2 (112 B)
 * with 438 B. The linker takes a symbol from an archive only when no object defines it, so
 * these win. Who calls them: the interpreter (memory.copy/fill, the loader, i64.div/rem and
 * popcnt: no module of ours divides 64-bit numbers or counts bits), the start-up code (.data
 * copy, .bss clear) and the binding.
 * Copies go a word at a time when both pointers are word-aligned (the interpreter's linear
 * memory and buffers are), else a byte at a time. GCC must not turn these loops back into calls
 * of themselves, hence no-tree-loop-distribute-patterns. */
#include <stddef.h>
#include <stdint.h>

#define LIBC_FN __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* A word that may alias any object (the copies read and write bytes of other types). */
typedef uint32_t __attribute__((may_alias)) word_t;

LIBC_FN void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d <= s || d >= s + n) {
        if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0) {
            for (; n >= 4; n -= 4, d += 4, s += 4) *(word_t *)d = *(const word_t *)s;
        }
        while (n--) *d++ = *s++;
    } else {
        while (n--) d[n] = s[n]; /* overlapping, destination above: from the end */
    }
    return dst;
}

/* memcpy's areas never overlap, so memmove's forward path is a correct memcpy. */
void *memcpy(void *dst, const void *src, size_t n) __attribute__((alias("memmove")));

LIBC_FN void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    if (((uintptr_t)d & 3u) == 0) {
        uint32_t w = (uint8_t)c * 0x01010101u;
        for (; n >= 4; n -= 4, d += 4) *(word_t *)d = w;
    }
    while (n--) *d++ = (uint8_t)c;
    return dst;
}

LIBC_FN int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (; n; n--, x++, y++) {
        if (*x != *y) return *x - *y;
    }
    return 0;
}

/* Unsigned 64-bit quotient (and remainder, when rem is not NULL), as libgcc's: what
 * __aeabi_uldivmod and __aeabi_ldivmod call after handling signs and a zero divisor. 32-bit
 * operands take the Cortex-M3's UDIV; others a restoring division, one step per bit, with the
 * dividend shifting out of n into the remainder while the quotient bits shift into n.
 * A zero divisor (the callers report it first) gives quotient 0, remainder n. */
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
    uint64_t r = 0;
    if (d == 0) {
        r = n;
        n = 0;
    } else if ((n >> 32) == 0 && (d >> 32) == 0) {
        uint32_t q = (uint32_t)n / (uint32_t)d;
        r = (uint32_t)n - q * (uint32_t)d;
        n = q;
    } else {
        for (int i = 0; i < 64; i++) {
            r = (r << 1) | (n >> 63);
            n <<= 1;
            if (r >= d) {
                r -= d;
                n |= 1u;
            }
        }
    }
    if (rem) *rem = r;
    return n;
}

/* The run-time ABI's 64-bit division entries (ARM IHI 0043): quotient in r0:r1, remainder in
 * r2:r3. A C function cannot return that pair, so these call __udivmoddi4 (or the signed
 * helper below) with the remainder's address as the stack argument, then load it into r2:r3.
 * A zero divisor gives quotient 0 and remainder n (the interpreter traps before dividing). */
__attribute__((used)) static int64_t ldivmod_signed(int64_t n, int64_t d, int64_t *rem)
{
    uint64_t r;
    uint64_t q = __udivmoddi4(n < 0 ? -(uint64_t)n : (uint64_t)n, d < 0 ? -(uint64_t)d : (uint64_t)d, &r);
    *rem = n < 0 ? -(int64_t)r : (int64_t)r; /* the remainder takes the dividend's sign */
    return (n < 0) != (d < 0) ? -(int64_t)q : (int64_t)q;
}

#define DIVMOD_VIA(helper)                                                                    \
    __asm volatile("push {r4, lr}\n\t"                                                        \
                   "sub sp, #16\n\t"          /* [sp]: the pointer argument, [sp+8]: the remainder */ \
                   "add r4, sp, #8\n\t"                                                        \
                   "str r4, [sp]\n\t"                                                          \
                   "bl " helper "\n\t"                                                         \
                   "ldrd r2, r3, [sp, #8]\n\t"                                                 \
                   "add sp, #16\n\t"                                                           \
                   "pop {r4, pc}\n\t")

__attribute__((naked)) void __aeabi_uldivmod(void) { DIVMOD_VIA("__udivmoddi4"); }
__attribute__((naked)) void __aeabi_ldivmod(void) { DIVMOD_VIA("ldivmod_signed"); }

/* Set bits, one per step (i32.popcnt; i64.popcnt through __popcountdi2). A shift loop: GCC
 * turns the x &= x - 1 form back into a call of this very function. */
LIBC_FN int __popcountsi2(uint32_t x)
{
    int n = 0;
    for (; x; x >>= 1) n += (int)(x & 1u);
    return n;
}

int __popcountdi2(uint64_t x)
{
    return __popcountsi2((uint32_t)x) + __popcountsi2((uint32_t)(x >> 32));
}
