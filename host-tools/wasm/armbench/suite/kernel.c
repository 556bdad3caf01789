/* Loop-heavy kernel for the interpreter suite (our own code): per round, a 64-int insertion
 * sort of pseudo-random values, a sieve of Eratosthenes over 2,048 numbers and a 16-tap FIR
 * filter over 256 samples. Tight loops over locals and linear memory, few calls. */
#include <stdint.h>

static int32_t keys[64];
static uint8_t composite[2048];
static int16_t samples[256 + 16];
static const int16_t taps[16] = { 3, -7, 12, -18, 27, -41, 65, 120, 120, 65, -41, 27, -18, 12, -7, 3 };

static uint32_t sort_round(uint32_t seed)
{
    for (int i = 0; i < 64; i++) { seed = seed * 1103515245u + 12345u; keys[i] = (int32_t)(seed >> 8); }
    for (int i = 1; i < 64; i++) {
        int32_t k = keys[i]; int j = i - 1;
        while (j >= 0 && keys[j] > k) { keys[j + 1] = keys[j]; j--; }
        keys[j + 1] = k;
    }
    return (uint32_t)keys[0] ^ (uint32_t)keys[31] ^ (uint32_t)keys[63];
}

static uint32_t sieve_round(void)
{
    for (int i = 0; i < 2048; i++) composite[i] = 0;
    uint32_t primes = 0;
    for (int i = 2; i < 2048; i++) {
        if (composite[i]) continue;
        primes++;
        for (int j = i * i; j < 2048; j += i) composite[j] = 1;
    }
    return primes;
}

static uint32_t fir_round(uint32_t seed)
{
    for (int i = 0; i < 256 + 16; i++) { seed = seed * 1664525u + 1013904223u; samples[i] = (int16_t)(seed >> 20); }
    int32_t acc = 0;
    for (int i = 0; i < 256; i++) {
        int32_t y = 0;
        for (int t = 0; t < 16; t++) y += samples[i + t] * taps[t];
        acc += y >> 8;
    }
    return (uint32_t)acc;
}

__attribute__((export_name("run"))) int run(int n)
{
    uint32_t h = 0;
    for (int r = 0; r < n; r++) h = h * 31u + sort_round((uint32_t)r + 1u) + sieve_round() + fir_round((uint32_t)r * 7u);
    return (int)h;
}
