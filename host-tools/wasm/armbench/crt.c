/* Bare-metal entry for the instruction-count benchmarks: zeroes nothing (the runner loads
 * every segment, .bss included), calls main, then parks at wq_done where the runner stops. */
int main(void);
__attribute__((naked, noreturn)) void _start(void)
{
    __asm__ volatile("bl main\n\t.global wq_done\nwq_done:\n\tb wq_done\n");
}
/* newlib-free helpers the compilers may call */
void * memcpy(void * d, const void * s, unsigned n) { unsigned char * a = d; const unsigned char * b = s; while (n--) *a++ = *b++; return d; }
void * memmove(void * d, const void * s, unsigned n)
{
    unsigned char * a = d; const unsigned char * b = s;
    if (a < b) while (n--) *a++ = *b++; else { a += n; b += n; while (n--) *--a = *--b; }
    return d;
}
void * memset(void * d, int c, unsigned n) { unsigned char * a = d; while (n--) *a++ = (unsigned char)c; return d; }
int memcmp(const void * x, const void * y, unsigned n) { const unsigned char * a = x, * b = y; for (; n; n--, a++, b++) if (*a != *b) return *a - *b; return 0; }
