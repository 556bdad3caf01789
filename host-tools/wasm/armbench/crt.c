/* Bare-metal entry for the instruction-count benchmarks: zeroes nothing (the runner loads
 * every segment, .bss included), calls main, then parks at wq_done where the runner stops. */
int main(void);
__attribute__((naked, noreturn)) void _start(void)
{
    __asm__ volatile("bl main\n\t.global wq_done\nwq_done:\n\tb wq_done\n");
}
/* newlib-free helpers the compilers may call, and the engines' memory.fill / memory.copy (all
 * three engines link these). A word at a time when the pointers are word-aligned, as the
 * firmware's own (firmware/hal/stm32f103/libc.c), so the counts are what the board runs. */
#define WORD_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))
typedef unsigned __attribute__((may_alias)) crt_word;
WORD_LOOPS void * memmove(void * d, const void * s, unsigned n)
{
    unsigned char * a = d; const unsigned char * b = s;
    if (a <= b || a >= b + n) {
        if ((((unsigned)a | (unsigned)b) & 3u) == 0) for (; n >= 4; n -= 4, a += 4, b += 4) *(crt_word *)a = *(const crt_word *)b;
        while (n--) *a++ = *b++;
    } else { a += n; b += n; while (n--) *--a = *--b; }
    return d;
}
WORD_LOOPS void * memcpy(void * d, const void * s, unsigned n) { return memmove(d, s, n); }
WORD_LOOPS void * memset(void * d, int c, unsigned n)
{
    unsigned char * a = d;
    if (((unsigned)a & 3u) == 0) { unsigned w = (unsigned char)c * 0x01010101u; for (; n >= 4; n -= 4, a += 4) *(crt_word *)a = w; }
    while (n--) *a++ = (unsigned char)c;
    return d;
}
int memcmp(const void * x, const void * y, unsigned n) { const unsigned char * a = x, * b = y; for (; n; n--, a++, b++) if (*a != *b) return *a - *b; return 0; }
