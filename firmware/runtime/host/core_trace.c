#define _POSIX_C_SOURCE 200809L
/* Replays a core.wasm trace recorded on Node's engine (host-tools/wasm/trace.ts) on this
 * runtime: feeds the recorded inputs (host memory writes, import results) and checks that every
 * import call (name, arguments, bytes it reads - the wire traffic) and every export result is
 * byte-identical.   core_trace MODULE TRACE   (MODULE pre-decoded for this build's engine: .rf.wasm from
 * regform/blob.ts, the default; .pd.wasm from predecode.ts with WQRT_REGFORM=0) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/rt_internal.h"

static uint64_t arena[(160u * 1024u) / 8];
static char ** lines; static size_t nlines, at;
static char names[64][132];
static IM3Runtime rt;
static unsigned long n_exports, n_imports, n_bytes;

static void die(const char * why, const char * want, const char * got)
{
    printf("core_trace: DIVERGED at trace line %zu: %s\n  node:    %s\n  runtime: %s\n", at, why, want ? want : "-", got ? got : "-");
    exit(1);
}

static int hexval(char c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }

/* Applies "W nruns off hex ..." starting at token pointer *p. */
static void apply_writes(char ** save)
{
    char * tok = strtok_r(NULL, " ", save);
    if (!tok || strcmp(tok, "W")) die("malformed writes", NULL, tok);
    unsigned long runs = strtoul(strtok_r(NULL, " ", save), NULL, 10);
    uint32_t size = 0;
    uint8_t * mem = m3_GetMemory(rt, &size, 0);
    while (runs--) {
        uint32_t off = (uint32_t)strtoul(strtok_r(NULL, " ", save), NULL, 10);
        char * h = strtok_r(NULL, " ", save);
        size_t n = strlen(h) / 2;
        if ((uint64_t)off + n > size) die("host write outside linear memory", NULL, h);
        for (size_t i = 0; i < n; i++) mem[off + i] = (uint8_t)(hexval(h[2 * i]) << 4 | hexval(h[2 * i + 1]));
    }
}

static m3ApiRawFunction(replay_import)
{
    uint32_t idx = _ctx->function->index;
    const WqType * t = &runtime->module->types[wq_func_type(runtime->module, idx)];
    uint64_t * args = _sp + t->nresults;
    char got[8192];
    int k = snprintf(got, sizeof got, "I %s %u", names[idx], t->nparams);
    for (uint32_t i = 0; i < t->nparams; i++) k += snprintf(got + k, sizeof got - (size_t)k, " %u", (uint32_t)args[i]);
    /* the bytes this import reads (same table as trace.ts) */
    int pa = -1, la = -1;
    if (!strcmp(names[idx], "board.uart_write")) pa = 0, la = 1;
    else if (!strcmp(names[idx], "board.store_write") || !strcmp(names[idx], "board.event")) pa = 1, la = 2;
    else if (!strcmp(names[idx], "board.w5500_write")) pa = 2, la = 3;
    k += snprintf(got + k, sizeof got - (size_t)k, " O ");
    if (pa >= 0 && (uint32_t)args[la] > 0) {
        uint32_t p = (uint32_t)args[pa], n = (uint32_t)args[la];
        m3ApiCheckMem((uint8_t *)_mem + p, n);
        for (uint32_t i = 0; i < n && k < (int)sizeof got - 3; i++) k += snprintf(got + k, sizeof got - (size_t)k, "%02x", ((uint8_t *)_mem)[p + i]);
        n_bytes += n;
    } else k += snprintf(got + k, sizeof got - (size_t)k, "-");
    if (at >= nlines) die("runtime made an import call the trace does not have", NULL, got);
    if (strcmp(lines[at], got)) die("import call differs", lines[at], got);
    at++;
    n_imports++;
    if (at >= nlines || lines[at][0] != 'Y') die("trace lacks the import's result", NULL, NULL);
    char * save; char * copy = strdup(lines[at]);
    strtok_r(copy, " ", &save);
    char * res = strtok_r(NULL, " ", &save);
    if (t->nresults) _sp[0] = strtoul(res, NULL, 10);
    apply_writes(&save);
    free(copy);
    at++;
    m3ApiSuccess();
}

int main(int argc, char ** argv)
{
    if (argc != 3) { fprintf(stderr, "usage: core_trace MODULE TRACE\n"); return 2; }
    FILE * f = fopen(argv[1], "rb");
    if (!f) { fprintf(stderr, "core_trace: cannot open %s\n", argv[1]); return 2; }
    static uint8_t wasm[1 << 18] __attribute__((aligned(8)));
    uint32_t len = (uint32_t)fread(wasm, 1, sizeof wasm, f);
    fclose(f);
    f = fopen(argv[2], "rb");
    if (!f) { fprintf(stderr, "core_trace: cannot open %s\n", argv[2]); return 2; }
    fseek(f, 0, SEEK_END); long tn = ftell(f); fseek(f, 0, SEEK_SET);
    char * text = malloc((size_t)tn + 1);
    text[fread(text, 1, (size_t)tn, f)] = 0;
    fclose(f);
    for (char * p = text; *p; p++) if (*p == '\n') nlines++;
    lines = calloc(nlines + 1, sizeof *lines);
    nlines = 0;
    for (char * s, * p = strtok_r(text, "\n", &s); p; p = strtok_r(NULL, "\n", &s)) lines[nlines++] = p;

    IM3Environment env = m3_NewEnvironment();
    wqrt_SetArena(env, arena, sizeof arena);
    rt = m3_NewRuntime(env, 8192, NULL);
    IM3Module m;
    M3Result r = m3_ParseModule(env, &m, wasm, len);
    if (!r) r = m3_LoadModule(rt, m);
    if (r) { printf("core_trace: cannot load %s: %s\n", argv[1], r); return 1; }
    /* bind every import to the replayer, remembering "module.name" per import index */
    const uint8_t * s = m->bytes + m->sec[WQ_SEC(2)].start, * se = m->bytes + m->sec[WQ_SEC(2)].end;
    uint32_t n = 0, fi = 0;
    if (m->sec[WQ_SEC(2)].end) wq_read_leb32(&s, se, &n);
    while (n--) {
        uint32_t ml, nl, u; char mod[64], nm[64];
        wq_read_leb32(&s, se, &ml); snprintf(mod, sizeof mod, "%.*s", (int)ml, (const char *)s); s += ml;
        wq_read_leb32(&s, se, &nl); snprintf(nm, sizeof nm, "%.*s", (int)nl, (const char *)s); s += nl;
        uint8_t kind = *s++;
        if (kind != 0) { printf("core_trace: only function imports are supported\n"); return 1; }
        wq_read_leb32(&s, se, &u);
        if (fi < 64) snprintf(names[fi], sizeof names[fi], "%s.%s", mod, nm);
        m3_LinkRawFunction(m, mod, nm, NULL, replay_import);
        fi++;
    }
    while (at < nlines) {
        char * line = lines[at];
        if (line[0] != 'X') die("expected an export call", line, NULL);
        char * save; char * copy = strdup(line);
        strtok_r(copy, " ", &save);
        char * name = strtok_r(NULL, " ", &save);
        uint32_t na = (uint32_t)strtoul(strtok_r(NULL, " ", &save), NULL, 10);
        uint32_t argv32[16]; const void * argp[16];
        for (uint32_t i = 0; i < na && i < 16; i++) { argv32[i] = (uint32_t)strtoul(strtok_r(NULL, " ", &save), NULL, 10); argp[i] = &argv32[i]; }
        apply_writes(&save);
        at++;
        IM3Function fn;
        if ((r = m3_FindFunction(&fn, rt, name)) != m3Err_none) die("export not found", line, r);
        r = m3_Call(fn, na, argp);
        n_exports++;
        if (at >= nlines || lines[at][0] != 'R') die(r ? r : "trace lacks the export's result", NULL, NULL);
        char got[32];
        if (r) { snprintf(got, sizeof got, "trap"); die("export trapped on the runtime", lines[at], r); }
        if (m3_GetRetCount(fn)) { uint32_t v = 0; const void * rp[1] = { &v }; m3_GetResults(fn, 1, rp); snprintf(got, sizeof got, "R %u", v); }
        else snprintf(got, sizeof got, "R v");
        if (strcmp(lines[at], got)) die("export result differs", lines[at], got);
        at++;
        free(copy);
    }
    printf("core_trace: identical: %lu export calls, %lu import calls, %lu bytes read by imports (wire traffic included)\n", n_exports, n_imports, n_bytes);
    return 0;
}
