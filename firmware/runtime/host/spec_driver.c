/* Host-only spec-test driver: reads commands on stdin, one per line, answers on stdout.
 *   load PATH                      -> ok | error MESSAGE
 *   invoke NAME N HEX...           -> ok HEX... | trap MESSAGE | error MESSAGE
 *   get NAME                       -> ok HEX | error MESSAGE
 * Values are 64-bit slots in hex (i32/f32 in the low 32 bits). Used by test/runtime/spectest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/rt_internal.h"

static uint64_t arena[(160u << 20) / 8];
static uint8_t * module_bytes;
static IM3Runtime rt;

static m3ApiRawFunction(spectest_print) { (void)runtime; (void)_ctx; (void)_sp; (void)_mem; m3ApiSuccess(); }

static uint64_t resolve_global(const char * mod, uint32_t ml, const char * name, uint32_t nl, uint8_t type, int * found)
{
    *found = 0;
    if (ml != 8 || memcmp(mod, "spectest", 8) != 0) return 0;
    *found = 1;
    if (type == WQRT_IMPORT_TABLE) return 10ull | (20ull << 32);
    if (type == WQRT_IMPORT_MEMORY) return 1ull | (2ull << 32);
    if (nl == 10 && !memcmp(name, "global_i32", 10)) return 666;
    if (nl == 10 && !memcmp(name, "global_i64", 10)) return 666;
    if (nl == 10 && !memcmp(name, "global_f32", 10)) return 0x4426a666u; /* 666.6f */
    if (nl == 10 && !memcmp(name, "global_f64", 10)) return 0x4084d4cccccccccdull; /* 666.6 */
    *found = 0;
    return 0;
}

/* "trap TEXT" or "error TEXT": a trap's text, and only a trap's, starts with "[trap]" (wasm3.h's
 * and wasmqtt_rt.h's result lists; test/runtime/errors.test.ts) */
static void print_failure(M3Result r) { printf("%s %s\n", strncmp(r, "[trap]", 6) == 0 ? "trap" : "error", r); }

static void load(const char * path)
{
    FILE * f = fopen(path, "rb");
    if (!f) { printf("error cannot open %s\n", path); return; }
    fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
    free(module_bytes);
    module_bytes = malloc(n ? (size_t)n : 1);
    if (fread(module_bytes, 1, (size_t)n, f) != (size_t)n) { fclose(f); printf("error short read\n"); return; }
    fclose(f);
    IM3Environment env = m3_NewEnvironment();
    wqrt_SetArena(env, arena, sizeof arena);
    wqrt_SetGlobalResolver(resolve_global);
    rt = m3_NewRuntime(env, 1u << 20, NULL);
    wqrt_SetCallDepth(rt, 4000);
    wqrt_SetMemoryLimit(rt, 128u << 20);
    IM3Module m;
    M3Result r = m3_ParseModule(env, &m, module_bytes, (uint32_t)n);
    if (!r) r = m3_LoadModule(rt, m);
    if (r) { printf("error %s\n", r); rt = NULL; return; }
    static const char * prints[] = { "print", "print_i32", "print_i64", "print_f32", "print_f64", "print_i32_f32", "print_f64_f64" };
    for (unsigned i = 0; i < sizeof prints / sizeof *prints; i++) m3_LinkRawFunction(m, "spectest", prints[i], NULL, spectest_print);
    r = m3_RunStart(m);
    if (r) { print_failure(r); rt = NULL; return; }
    printf("ok\n");
}

static void invoke(char * args)
{
    char * name = strtok(args, " ");
    char * ns = strtok(NULL, " ");
    if (!rt || !name || !ns) { printf("error no module\n"); return; }
    IM3Function f;
    M3Result r = m3_FindFunction(&f, rt, name);
    if (r) { print_failure(r); return; }
    uint32_t n = (uint32_t)strtoul(ns, NULL, 10);
    if (n != m3_GetArgCount(f)) { printf("error arg count\n"); return; }
    for (uint32_t i = 0; i < n; i++) { char * v = strtok(NULL, " "); rt->stack[i] = v ? strtoull(v, NULL, 16) : 0; }
    rt->running = 1;
    r = wq_invoke(rt, f->index, n);
    rt->running = 0;
    if (r) { print_failure(r); return; }
    printf("ok");
    for (uint32_t i = 0; i < m3_GetRetCount(f); i++) printf(" %llx", (unsigned long long)rt->stack[i]);
    printf("\n");
}

static void get(const char * name)
{
    if (!rt) { printf("error no module\n"); return; }
    IM3Module m = rt->module;
    const uint8_t * s = m->bytes + m->sec[WQ_SEC(7)].start, * se = m->bytes + m->sec[WQ_SEC(7)].end;
    uint32_t n = 0, nl, idx;
    if (m->sec[WQ_SEC(7)].end) wq_read_leb32(&s, se, &n);
    while (n--) {
        wq_read_leb32(&s, se, &nl);
        const uint8_t * nm = s; s += nl;
        uint8_t kind = *s++;
        wq_read_leb32(&s, se, &idx);
        if (kind == 3 && strlen(name) == nl && !memcmp(nm, name, nl)) { printf("ok %llx\n", (unsigned long long)wq_global_get(rt, idx)); return; }
    }
    printf("error no such global\n");
}

int main(void)
{
    static char line[1 << 16];
    setvbuf(stdout, NULL, _IOLBF, 0);
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        if (!strncmp(line, "load ", 5)) load(line + 5);
        else if (!strncmp(line, "invoke ", 7)) invoke(line + 7);
        else if (!strncmp(line, "get ", 4)) get(line + 4);
        else printf("error unknown command\n");
        fflush(stdout);
    }
    return 0;
}
