/* The few C library functions the suite's programs call, for a wasm32 build without a libc. */
#include <stddef.h>
void * memcpy(void * d, const void * s, size_t n) { unsigned char * a = d; const unsigned char * b = s; while (n--) *a++ = *b++; return d; }
void * memmove(void * d, const void * s, size_t n)
{
    unsigned char * a = d; const unsigned char * b = s;
    if (a < b) while (n--) *a++ = *b++; else { a += n; b += n; while (n--) *--a = *--b; }
    return d;
}
void * memset(void * d, int c, size_t n) { unsigned char * a = d; while (n--) *a++ = (unsigned char)c; return d; }
int memcmp(const void * x, const void * y, size_t n) { const unsigned char * a = x, * b = y; for (; n; n--, a++, b++) if (*a != *b) return *a - *b; return 0; }
size_t strlen(const char * s) { size_t n = 0; while (s[n]) n++; return n; }
char * strchr(const char * s, int c) { for (;; s++) { if (*s == (char)c) return (char *)s; if (!*s) return NULL; } }
void abort(void) { __builtin_trap(); }

/* 128-bit multiply (compiler-rt's __multi3, which clang calls for aha-mont64's 64x64->128
 * products): from 32-bit partial products. */
typedef unsigned __int128 u128;
typedef unsigned long long u64;
u128 __multi3(u128 a, u128 b)
{
    u64 al = (u64)a, ah = (u64)(a >> 64), bl = (u64)b, bh = (u64)(b >> 64);
    u64 a0 = al & 0xffffffffu, a1 = al >> 32, b0 = bl & 0xffffffffu, b1 = bl >> 32;
    u64 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    u64 mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    u64 lo = (p00 & 0xffffffffu) | (mid << 32);
    u64 hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32) + al * bh + ah * bl;
    return ((u128)hi << 64) | lo;
}
