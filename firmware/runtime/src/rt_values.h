/* Value helpers both engines use (interp.c, the stack form; rf_engine.c, the register form): 64-bit
 * shifts on 32-bit halves, unaligned access to linear memory, and the float operations wasm defines
 * differently from C (WQRT_FLOATS). Static inline: each engine keeps what its handlers use. */
#ifndef rt_values_h
#define rt_values_h

#include <stdint.h>

/* 64-bit shifts by a count the pre-decoder checked (0..63), on 32-bit halves: GCC's shift by a
 * variable count handles both ranges in one 8-instruction sequence; a test of bit 5 and the
 * range's own sequence is shorter on each side. XSHL/XSHR are the cross-half shifts by 32 - c:
 * Cortex-M's register-specified shift gives 0 for a count of 32 (c = 0), which C leaves undefined. */
#if defined(__arm__)
static inline uint32_t xshl(uint32_t x, uint32_t n)
{
    uint32_t r; __asm__("lsl %0, %1, %2" : "=r"(r) : "r"(x), "r"(n)); return r;
}
static inline uint32_t xshr(uint32_t x, uint32_t n)
{
    uint32_t r; __asm__("lsr %0, %1, %2" : "=r"(r) : "r"(x), "r"(n)); return r;
}
#else
static inline uint32_t xshl(uint32_t x, uint32_t n) { return n >= 32 ? 0 : x << n; }
static inline uint32_t xshr(uint32_t x, uint32_t n) { return n >= 32 ? 0 : x >> n; }
#endif
static inline __attribute__((always_inline)) uint64_t shl64c(uint64_t x, uint32_t c)
{
    uint32_t lo = (uint32_t)x, hi = (uint32_t)(x >> 32);
    if (c & 32) return (uint64_t)(lo << (c & 31)) << 32;
    return (uint64_t)((hi << c) | xshr(lo, 32 - c)) << 32 | (lo << c);
}
static inline __attribute__((always_inline)) uint64_t shr64c(uint64_t x, uint32_t c)
{
    uint32_t lo = (uint32_t)x, hi = (uint32_t)(x >> 32);
    if (c & 32) return hi >> (c & 31);
    return (uint64_t)(hi >> c) << 32 | (lo >> c) | xshl(hi, 32 - c);
}
static inline __attribute__((always_inline)) uint64_t sar64c(uint64_t x, uint32_t c)
{
    uint32_t lo = (uint32_t)x; int32_t hi = (int32_t)(x >> 32);
    if (c & 32) return (uint64_t)(int64_t)(hi >> (c & 31));
    return (uint64_t)(uint32_t)(hi >> c) << 32 | (lo >> c) | xshl((uint32_t)hi, 32 - c);
}

/* Unaligned little-endian access to linear memory (Cortex-M3 and x86 handle it in hardware). */
typedef uint16_t __attribute__((aligned(1), may_alias)) u16_u;
typedef uint32_t __attribute__((aligned(1), may_alias)) u32_u;
typedef uint64_t __attribute__((aligned(1), may_alias)) u64_u;
typedef int32_t __attribute__((aligned(1), may_alias)) s32_u;
typedef int16_t __attribute__((aligned(1), may_alias)) s16_u;

#if WQRT_FLOATS
typedef union { uint32_t u; float f; } F32U;
typedef union { uint64_t u; double f; } F64U;
static inline float f32_of(uint64_t s) { F32U x; x.u = (uint32_t)s; return x.f; }
static inline double f64_of(uint64_t s) { F64U x; x.u = s; return x.f; }
static inline uint64_t of_f32(float f) { F32U x; x.f = f; return x.u; }
static inline uint64_t of_f64(double f) { F64U x; x.f = f; return x.u; }
static inline float f32_min(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return of_f32(a) >> 31 ? a : b;
    return a < b ? a : b;
}
static inline float f32_max(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return of_f32(a) >> 31 ? b : a;
    return a > b ? a : b;
}
static inline double f64_min(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return of_f64(a) >> 63 ? a : b;
    return a < b ? a : b;
}
static inline double f64_max(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return of_f64(a) >> 63 ? b : a;
    return a > b ? a : b;
}
/* rounding helpers quiet a signalling NaN input, as wasm requires an arithmetic NaN out */
static inline float f32_nearest(float a) { return a != a ? a + a : __builtin_nearbyintf(a); }
static inline double f64_nearest(double a) { return a != a ? a + a : __builtin_nearbyint(a); }
static inline float f32_round(float a, int how) {
    if (a != a) return a + a;
    return how == 0 ? __builtin_ceilf(a) : how == 1 ? __builtin_floorf(a) : __builtin_truncf(a);
}
static inline double f64_round(double a, int how) {
    if (a != a) return a + a;
    return how == 0 ? __builtin_ceil(a) : how == 1 ? __builtin_floor(a) : __builtin_trunc(a);
}
#endif

#endif
