/* Loader and embedding API: parses the module in place (no copy), checks the pre-decoded
 * blob against it, binds imports and instantiates globals, tables, memory and segments in
 * the caller's arena. Every read of module bytes is bounds-checked. */
#define M3_IMPLEMENT_ERROR_STRINGS   /* this file defines every result: wasm3.h's m3Err_*, wasmqtt_rt.h's wqrt_Err_* */
#include "rt_internal.h"
#undef M3_IMPLEMENT_ERROR_STRINGS
#if WQRT_REGFORM
#  include WQRT_RF_OPS_H    /* RF_OPS_HASH: the numbering this engine's handlers have */
#endif

static struct M3Environment g_env;
const int8_t wq_sec_slot[13] = { -1, -1, 0, -1, 1, 2, 3, 4, 5, 6, -1, 7, -1 };
/* The arena of a program that never calls wqrt_SetArena (wasm3 would malloc). Weak, so an
 * embedder that defines both symbols itself (the firmware binding, sized by the board file)
 * replaces it and the linker drops this one. */
__attribute__((weak, aligned(8))) uint64_t wqrt_default_arena[WQRT_DEFAULT_ARENA / 8];
__attribute__((weak)) const uint32_t wqrt_default_arena_bytes = (WQRT_DEFAULT_ARENA / 8) * 8;

static WqGlobalResolver g_resolver;
_Static_assert(WQRT_IMPORT_TABLE == 1 && WQRT_IMPORT_MEMORY == 2,
               "the resolver is passed a table's or memory's import kind as its type");
void wqrt_SetGlobalResolver(WqGlobalResolver fn) { g_resolver = fn; }

/* ---- small readers ---- */
int wq_read_leb32(const uint8_t ** p, const uint8_t * end, uint32_t * out)
{
    uint32_t v = 0; unsigned shift = 0;
    while (*p < end && shift < 35) {
        uint8_t b = *(*p)++;
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) { *out = v; return 1; }
        shift += 7;
    }
    return 0;
}

/* entry j of the function section's type indices at p (128 types or more: a walk) */
static __attribute__((noinline)) uint32_t func_type_walk(const uint8_t * p, const uint8_t * end, uint32_t j)
{
    uint32_t t = 0;
    do (void)wq_read_leb32(&p, end, &t); while (j--);
    return t;
}
uint32_t wq_func_type(const struct M3Module * m, uint32_t f)
{
#if WQRT_REGFORM
    if (f < m->nimports) return m->funcs[f].nzero | (uint32_t)m->funcs[f].frame << 8;
#else
    if (f < m->nimports) return m->funcs[f].stp_fwd;
#endif
    uint32_t w = WQ_FUNC_TYPES(m);
    const uint8_t * p = m->bytes + (w & ~WQ_FUNC_TYPES_BYTES);
    f -= m->nimports;
    if (w & WQ_FUNC_TYPES_BYTES) return p[f];   /* the API's calls take this path: no stack frame */
    return func_type_walk(p, m->bytes + m->len, f);
}
/* A signed LEB128 of up to 10 bytes, put together from its last byte down (one constant shift
 * per byte; the last byte's 7 bits, read signed, extend the sign). */
static int read_sleb64(const uint8_t ** p, const uint8_t * end, uint64_t * out)
{
    const uint8_t * s = *p, * q = s;
    do if (q >= end || q - s >= 10) return 0; while (*q++ & 0x80);
    *p = q;
    uint64_t v = (uint64_t)(int64_t)((int8_t)(uint8_t)(q[-1] << 1) >> 1);
    while (--q > s) v = v << 7 | (q[-1] & 0x7f);
    *out = v;
    return 1;
}
static uint32_t fnv1a(const uint8_t * p, uint32_t n)
{
    uint32_t h = 0x811c9dc5u;
    while (n--) { h ^= *p++; h *= 0x01000193u; }
    return h;
}
static uint32_t rd32(const uint8_t * p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint32_t rd16(const uint8_t * p) { uint16_t v; memcpy(&v, p, 2); return v; }

void * wq_alloc(IM3Environment env, uint32_t bytes)
{
    uint32_t aligned = (bytes + 7u) & ~7u;
    if (!env->arena || aligned < bytes || env->arena_size - env->arena_used < aligned) return NULL;
    void * p = env->arena + env->arena_used;
    env->arena_used += aligned;
    memset(p, 0, aligned);
    return p;
}

/* ---- environment and runtime ---- */
/* The value stack (`slots`) and the call frames share one area: values grow up from its start,
 * frames down from its end, so the interpreter bounds both with one compare per call. A depth
 * of `frames` reserves that many frames' bytes; values may use what frames do not, and the
 * reverse, so whatever fitted in separate areas still fits. The area is resized in place when
 * it is the arena's last allocation (wqrt_SetCallDepth right after m3_NewRuntime), else
 * allocated again. Returns nonzero when the arena has no room. */
static int wq_stack_area(IM3Runtime rt, uint32_t slots, uint32_t frames)
{
    IM3Environment env = rt->env;
    uint64_t fbytes = (uint64_t)frames * sizeof(WqFrame);
    if (fbytes > 0x7fffffffu) return 1;
    uint32_t bytes = slots * 8u + (uint32_t)fbytes;
    uint32_t used = env->arena_used;
    if (rt->stack && (uint8_t *)(rt->frames + 1) == env->arena + used)
        env->arena_used = (uint32_t)((uint8_t *)rt->stack - env->arena);   /* give the last allocation back */
    uint64_t * area = (uint64_t *)wq_alloc(env, bytes);
    if (!area) { env->arena_used = used; return 1; }
    rt->stack = area; rt->stack_end = area + slots;
    rt->frames = (WqFrame *)(void *)((uint8_t *)area + bytes) - 1;
    return 0;
}

IM3Environment m3_NewEnvironment(void)
{
    if (!g_env.arena) { g_env.arena = (uint8_t *)wqrt_default_arena; g_env.arena_size = wqrt_default_arena_bytes; }
    g_env.arena_used = 0;
    return &g_env;
}
void m3_FreeEnvironment(IM3Environment env) { if (env) env->arena_used = 0; }

M3Result wqrt_SetArena(IM3Environment env, void * arena, uint32_t bytes)
{
    if (!env) return m3Err_mallocFailed;
    uintptr_t a = ((uintptr_t)arena + 7u) & ~(uintptr_t)7u;
    uint32_t lost = (uint32_t)(a - (uintptr_t)arena);
    if (!arena || bytes <= lost) return wqrt_Err_arenaTooSmall;
    env->arena = (uint8_t *)a; env->arena_size = bytes - lost; env->arena_used = 0;
    return m3Err_none;
}
uint32_t wqrt_ArenaUsed(IM3Environment env) { return env ? env->arena_used : 0; }

IM3Runtime m3_NewRuntime(IM3Environment env, uint32_t stackBytes, void * userdata)
{
    if (!env) return NULL;
    IM3Runtime rt = (IM3Runtime)wq_alloc(env, sizeof(struct M3Runtime));
    if (!rt) return NULL;
    uint32_t slots = stackBytes / 8u;
    if (slots < 16) slots = 16;
    rt->env = env; rt->userdata = userdata;
    if (wq_stack_area(rt, slots, WQRT_DEFAULT_FRAMES)) return NULL;
    return rt;
}
void m3_FreeRuntime(IM3Runtime rt) { (void)rt; }
void * m3_GetUserData(IM3Runtime rt) { return rt ? rt->userdata : NULL; }
uint8_t * m3_GetMemory(IM3Runtime rt, uint32_t * size, uint32_t index)
{
    if (!rt || index != 0 || !rt->mem) { if (size) *size = 0; return NULL; }
    if (size) *size = rt->mem_bytes;
    return rt->mem;
}
uint32_t m3_GetMemorySize(IM3Runtime rt) { return rt ? rt->mem_bytes : 0; }

M3Result wqrt_SetMemoryLimit(IM3Runtime rt, uint32_t bytes)
{
    if (!rt || rt->module) return m3Err_moduleAlreadyLinked;
    rt->mem_limit = bytes; return m3Err_none;
}
M3Result wqrt_SetCallDepth(IM3Runtime rt, uint32_t frames)
{
    if (!rt || rt->module || frames == 0) return m3Err_moduleAlreadyLinked;
    return wq_stack_area(rt, (uint32_t)(rt->stack_end - rt->stack), frames) ? wqrt_Err_arenaTooSmall : m3Err_none;
}
M3Result wqrt_GetTrapInfo(IM3Runtime rt, uint32_t * f, uint32_t * off)
{
    if (!rt) return NULL;
    if (f) {
        /* frames do not name their function (a return reads only its result count): the trapping one is
         * the last whose code starts before the trapping instruction (records are in code order);
         * no offset means the host's entry call, whose index is trap_func */
        *f = rt->trap_func;
        IM3Module m = rt->module;
        if (m && rt->trap_offset)
            for (uint32_t i = m->nfuncs; i-- > m->nimports; ) {
#if WQRT_REGFORM
                /* the register form's code sits in the blob; trap_offset is just past the trapping op's first byte */
                if ((uint32_t)(WQ_RF_CODE(&m->funcs[i]) - m->bytes) < rt->trap_offset) { *f = i; break; }
#else
                uint32_t code, stpb, nloc, frm;
                WQ_FUNC_FIELDS(m, &m->funcs[i], code, stpb, nloc, frm);
                (void)stpb; (void)nloc; (void)frm;
                if (code < rt->trap_offset) { *f = i; break; }
#endif
            }
    }
    if (off) *off = rt->trap_offset;
    return rt->trap;
}
void m3_GetErrorInfo(IM3Runtime rt, M3ErrorInfo * info)
{
    if (!info) return;
    memset(info, 0, sizeof *info);
    if (!rt) return;
    info->result = rt->trap; info->runtime = rt; info->module = rt->module;
    info->message = rt->trap;
}
void m3_ResetErrorInfo(IM3Runtime rt) { if (rt) { rt->trap = NULL; rt->trap_func = rt->trap_offset = 0; } }

/* ---- parsing ---- */
static const char kSection[] = "wasmqtt.predecoded";

/* Evaluates a constant expression (validated at build time) into a 64-bit slot; without a
 * runtime (parsing) it only checks that the expression is whole, and skips it. */
static M3Result eval_const(IM3Runtime rt, const uint8_t ** p, const uint8_t * end, uint64_t * out)
{
    uint64_t v = 0; uint32_t u;
    for (;;) {
        if (*p >= end) return m3Err_wasmMissingInitExpr;
        uint8_t op = *(*p)++;
        switch (op) {
        case 0x0b: *out = v; return m3Err_none;
        case 0x41: case 0x42:
            if (!read_sleb64(p, end, &v)) return m3Err_wasmMalformed;
            if (op == 0x41) v = (uint32_t)v;
            break;
        case 0x43: case 0x44: {   /* f32 / f64: the raw bits, zero-extended */
            uint32_t w = op == 0x43 ? 4 : 8;
            if ((uint32_t)(end - *p) < w) return m3Err_wasmUnderrun;
            v = rd32(*p); if (w == 8) v |= (uint64_t)rd32(*p + 4) << 32;
            *p += w; break;
        }
        case 0x23:
            if (!wq_read_leb32(p, end, &u) || (rt && u >= rt->module->nglobals)) return m3Err_wasmMalformed;
            if (rt) v = wq_global_get(rt, u);
            break;
        case 0xd0: if (*p >= end) return m3Err_wasmUnderrun; (*p)++; v = 0; break;
        case 0xd2:
            if (!wq_read_leb32(p, end, &u) || (rt && u >= rt->module->nfuncs)) return m3Err_wasmMalformed;
            v = (uint64_t)u + 1;
            break;
        default: return m3Err_wasmMalformed;
        }
    }
}

static int skip_const(const uint8_t ** p, const uint8_t * end)
{
    uint64_t v;
    return eval_const(NULL, p, end, &v) == m3Err_none;
}

static int skip_limits(const uint8_t ** p, const uint8_t * end, uint32_t * min, uint32_t * max)
{
    if (*p >= end) return 0;
    uint8_t flag = *(*p)++;
    if (!wq_read_leb32(p, end, min)) return 0;
    *max = UINT32_MAX;
    if (flag & 1) return wq_read_leb32(p, end, max);
    return 1;
}

static int skip_name(const uint8_t ** p, const uint8_t * end, const uint8_t ** s, uint32_t * n)
{
    if (!wq_read_leb32(p, end, n) || (uint32_t)(end - *p) < *n) return 0;
    *s = *p; *p += *n; return 1;
}

/* Section slot k: c->p at its first entry, c->end at its end, c->n its count (a start section:
 * the function). An absent section reads as none (n = 0); returns 0 when the count is malformed. */
int wq_sec_open(const struct M3Module * m, uint32_t k, WqCursor * c)
{
    c->p = m->bytes + m->sec[k].start; c->end = m->bytes + m->sec[k].end; c->n = 0;
    return !m->sec[k].end || wq_read_leb32(&c->p, c->end, &c->n);
}

/* The import entry at c->p (m3_ParseModule checks every one; linking and instantiating read
 * them again through here). Returns 0 when it is malformed. */
int wq_import_next(WqCursor * c, WqImportEntry * e)
{
    const uint8_t ** s = &c->p, * se = c->end;
    if (!skip_name(s, se, &e->mod, &e->ml) || !skip_name(s, se, &e->nm, &e->nl) || *s >= se) return 0;
    e->kind = *(*s)++;
    switch (e->kind) {
    case 0: return wq_read_leb32(s, se, &e->min);   /* its type index */
    case 1:
        if (*s >= se) return 0;
        e->type = *(*s)++;
        /* fall through */
    case 2: return skip_limits(s, se, &e->min, &e->max);   /* a table's or memory's limits */
    case 3: if (se - *s < 2) return 0; e->type = **s; *s += 2; return 1;
    default: return 0;
    }
}

#if WQRT_REGFORM
/* Format 40 (host-tools/wasm/regform/blob.ts): after the 36-byte header (at 28: the code's bytes), the type
 * records, the function records (8 bytes each), then the register-form code to the blob's end. The blob passed its
 * checksum and the module its hash, so both come from the build tool; these checks keep a bug there from turning
 * into a wild read: every record's counts are its type's, every defined function's code starts inside the code and
 * after the previous one's (wqrt_GetTrapInfo finds a function by its code's start), its frame holds its parameters,
 * zeroed locals and results. The module's code section is not read. */
static M3Result rf_records(IM3Module m, const uint8_t * blob, uint32_t blob_len, const uint8_t * fsec,
                           const uint8_t * fsec_end)
{
    m->ntypes = rd16(blob + 16); m->nfuncs = rd32(blob + 20); m->nimports = rd32(blob + 24);
    uint32_t code_len = rd32(blob + 28);
    /* in 32 bits: the counts below 2^28 keep the sum below 2^32 */
    if ((m->nfuncs | code_len) >> 28 || m->nimports > m->nfuncs
        || WQ_BLOB_HEADER + m->ntypes * 8u + m->nfuncs * 8u + code_len != blob_len) return wqrt_Err_predecodedCorrupt;
#ifdef RF_OPS_HASH
    /* the code's ops are numbered as the engine's handlers are (an image's own engine numbers only its ops) */
    if (rd16(blob + 18) != RF_OPS_HASH) return wqrt_Err_predecodedOtherOps;
#endif
    m->types = (const WqType *)(const void *)(blob + WQ_BLOB_HEADER);
    m->funcs = (const WqFunc *)(const void *)(blob + WQ_BLOB_HEADER + m->ntypes * 8u);
    const uint8_t * tp = fsec;
    uint32_t ntyped = 0, ft = WQ_FUNC_TYPES(m), next_code = 0;
    /* the header's word says where the function section's type indices are, and (bit 31) that each is one byte */
    if (m->nfuncs > m->nimports
        && (!fsec || !wq_read_leb32(&tp, fsec_end, &ntyped) || ntyped != m->nfuncs - m->nimports
            || (ft & ~WQ_FUNC_TYPES_BYTES) != (uint32_t)(tp - m->bytes)
            || ((ft & WQ_FUNC_TYPES_BYTES) && (uint32_t)(fsec_end - tp) != ntyped))) return wqrt_Err_predecodedCorrupt;
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const WqFunc * f = &m->funcs[i];
        uint32_t ti = f->nzero | (uint32_t)f->frame << 8;   /* an import's record holds its type index */
        if (i >= m->nimports && !wq_read_leb32(&tp, fsec_end, &ti)) return wqrt_Err_predecodedCorrupt;
        if (ti >= m->ntypes || f->nparams != m->types[ti].nparams || f->nresults != m->types[ti].nresults)
            return wqrt_Err_predecodedCorrupt;
        if ((i < m->nimports) != (f->code == WQ_RF_IMPORT)) return wqrt_Err_predecodedCorrupt;
        if (i < m->nimports) continue;
        /* the code's offset from the record: past the records left, then into the code, after the last function's */
        uint32_t back = (m->nfuncs - i) * 8u, at = f->code - back;
        if (f->code < back || at >= code_len || at < next_code || f->frame < (uint32_t)f->nparams + f->nzero
            || f->frame < f->nresults) return wqrt_Err_predecodedCorrupt;
        next_code = at + 1;
    }
    return m3Err_none;
}
#endif

M3Result m3_ParseModule(IM3Environment env, IM3Module * out, const uint8_t * const i_bytes, uint32_t len)
{
    const uint8_t * bytes = i_bytes;
    if (!out) return m3Err_wasmMalformed;
    *out = NULL;
    if (!env || !bytes) return m3Err_wasmMalformed;
    if (len < 8 || rd32(bytes) != 0x6d736100u) return m3Err_wasmMalformed;
    if (rd32(bytes + 4) != 1) return m3Err_incompatibleWasmVersion;

    uint32_t saved_used = env->arena_used;
    IM3Module m = (IM3Module)wq_alloc(env, sizeof(struct M3Module));
    if (!m) return m3Err_mallocFailed;
    m->env = env; m->bytes = bytes; m->len = len; m->start_func = UINT32_MAX;
    M3Result err = m3Err_none;
    if (((uintptr_t)bytes & 3u) != 0) {
        /* The blob's tables are read as words: an unaligned module (a plain `unsigned char[]`,
         * a buffer at an odd offset) is copied once into the arena, as wasm3 copies code. */
        uint8_t * copy = (uint8_t *)wq_alloc(env, len);
        if (!copy) { err = wqrt_Err_moduleMisaligned; goto fail; }
        memcpy(copy, bytes, len);
        m->bytes = bytes = copy;
    }
    const uint8_t * p = bytes + 8, * end = bytes + len;
    const uint8_t * blob = NULL; uint32_t blob_len = 0, blob_section_start = 0;
    const uint8_t * code = NULL, * code_end = NULL;   /* the code section's payload */
    const uint8_t * fsec = NULL, * fsec_end = NULL;   /* the function section's payload */
    while (p < end) {
        uint32_t section_start = (uint32_t)(p - bytes);
        uint8_t id = *p++;
        uint32_t size;
        if (!wq_read_leb32(&p, end, &size)) { err = m3Err_wasmUnderrun; goto fail; }
        if ((uint32_t)(end - p) < size) { err = m3Err_wasmSectionOverrun; goto fail; }
        const uint8_t * s = p, * se = p + size;
        p = se;
        if (blob) { err = wqrt_Err_predecodedCorrupt; goto fail; } /* our section must be last */
        if (id == 0) {
            const uint8_t * nm; uint32_t nlen;
            if (!skip_name(&s, se, &nm, &nlen)) goto malformed;
            if (nlen == sizeof kSection - 1 && memcmp(nm, kSection, nlen) == 0) {
                if (s >= se) { err = wqrt_Err_predecodedCorrupt; goto fail; }
                uint8_t pad = *s++;
                if ((uint32_t)(se - s) < pad) { err = wqrt_Err_predecodedCorrupt; goto fail; }
                s += pad;
                blob = s; blob_len = (uint32_t)(se - s); blob_section_start = section_start;
            }
            continue;
        }
        if (id > 12) goto malformed;
        if (id == 10) { code = s; code_end = se; }
        if (id == 3) { fsec = s; fsec_end = se; }
        if (wq_sec_slot[id] >= 0) {
            m->sec[wq_sec_slot[id]].start = (uint32_t)(s - bytes);
            m->sec[wq_sec_slot[id]].end = (uint32_t)(se - bytes);
        }
    }
    if (!blob) { err = wqrt_Err_noPredecoded; goto fail; }
    if (blob_len < WQ_BLOB_HEADER || rd32(blob) != WQRT_MAGIC) { err = wqrt_Err_predecodedCorrupt; goto fail; }
    if (rd32(blob + 4) != WQRT_BLOB_VERSION) {
#if WQRT_REGFORM
        err = rd32(blob + 4) == WQRT_BLOB_VERSION_STACK ? wqrt_Err_predecodedStackForm : wqrt_Err_predecodedVersion;
#else
        err = wqrt_Err_predecodedVersion;
#endif
        goto fail;
    }
    if (((uintptr_t)blob & 3u) != 0) { err = wqrt_Err_predecodedCorrupt; goto fail; }
    if (fnv1a(bytes, blob_section_start) != rd32(blob + 8)) { err = wqrt_Err_predecodedStale; goto fail; }
    if (fnv1a(blob + 16, blob_len - 16) != rd32(blob + 12)) { err = wqrt_Err_predecodedCorrupt; goto fail; }
#if WQRT_REGFORM
    (void)code; (void)code_end;   /* not read: an image may leave the code section out (the hash then covers its absence) */
    if ((err = rf_records(m, blob, blob_len, fsec, fsec_end)) != m3Err_none) goto fail;
#else
    m->ntypes = rd16(blob + 16); m->nfuncs = rd32(blob + 20); m->nimports = rd32(blob + 24); m->nside = rd32(blob + 28);
    uint32_t nwide = rd16(blob + 18), nlong;
    {
        /* in 32 bits: with both counts below 2^28 the sum stays below 2^32 (the 16-bit counts add under 2^21) */
        uint32_t need = WQ_BLOB_HEADER + (uint32_t)m->ntypes * 8 + m->nfuncs * 8 + nwide * 12 + m->nside * 2;
        if ((m->nfuncs | m->nside) >> 28 || need > blob_len || (blob_len - need) % 6 || m->nimports > m->nfuncs)
            { err = wqrt_Err_predecodedCorrupt; goto fail; }
        nlong = (blob_len - need) / 6;
    }
    m->types = (const WqType *)(const void *)(blob + WQ_BLOB_HEADER);
    m->funcs = (const WqFunc *)(const void *)(blob + WQ_BLOB_HEADER + m->ntypes * 8);
    m->side = (const WqSide *)(const void *)(blob + WQ_BLOB_HEADER + m->ntypes * 8 + m->nfuncs * 8 + nwide * 12);
    m->side_long = (const WqSideLong *)(const void *)(m->side + m->nside);
    for (uint32_t i = 0; i < m->nside; i++)   /* the interpreter follows long indices unchecked */
        if (WQ_SIDE_LONG(m->side[i]) && WQ_SIDE_INDEX(m->side[i]) >= nlong)
            { err = wqrt_Err_predecodedCorrupt; goto fail; }
    /* The blob passed its checksum and the module its hash, so both come from the build
     * tool; these range checks keep a bug there from turning into a wild read here. Defined
     * function j's record must point into body j of the code section, whose last byte is its
     * final `end`, rewritten to 0x0f, `return` (format 31; the interpreter returns there: never runs past). */
    {
        const uint8_t * cp = code, * tp = fsec;
        uint32_t nbodies = 0, ntyped = 0, ft = WQ_FUNC_TYPES(m);
        /* the header's word says where the function section's type indices are, and (bit 31)
         * that each is one byte: then the section holds nothing else */
        if ((m->nfuncs > m->nimports)
            && (!code || !wq_read_leb32(&cp, code_end, &nbodies) || nbodies != m->nfuncs - m->nimports
            || !fsec || !wq_read_leb32(&tp, fsec_end, &ntyped) || ntyped != nbodies
            || (ft & ~WQ_FUNC_TYPES_BYTES) != (uint32_t)(tp - bytes)
            || ((ft & WQ_FUNC_TYPES_BYTES) && (uint32_t)(fsec_end - tp) != nbodies)))
            { err = wqrt_Err_predecodedCorrupt; goto fail; }
        for (uint32_t i = 0; i < m->nfuncs; i++) {
            const WqFunc * f = &m->funcs[i];
            /* the record's counts are its type's (a call and a return read only the record); the
             * defined functions' type indices are read in order here, each LEB checked, so the
             * load stays linear (wq_func_type walks from the start with 128+ types) */
            uint32_t ti;
            if (i < m->nimports) ti = f->stp_fwd;
            else if (!wq_read_leb32(&tp, fsec_end, &ti)) { err = wqrt_Err_predecodedCorrupt; goto fail; }
            if (ti >= m->ntypes || f->nparams != m->types[ti].nparams || f->nresults != m->types[ti].nresults)
                { err = wqrt_Err_predecodedCorrupt; goto fail; }
            if (i < m->nimports) {
                if (f->frame != WQ_FUNC_WIDE || f->code_back != WQ_FUNC_IMPORT_CODE)
                    { err = wqrt_Err_predecodedCorrupt; goto fail; }
                continue;
            }
            uint32_t size, c, stpb, nloc, frm;
            /* a short record's side entry must be a whole number of entries from the table's start */
            if (f->frame == WQ_FUNC_WIDE ? f->code_back >= nwide : (f->stp_fwd & 1u) != 0)
                { err = wqrt_Err_predecodedCorrupt; goto fail; }
            WQ_FUNC_FIELDS(m, f, c, stpb, nloc, frm);
            if (!wq_read_leb32(&cp, code_end, &size) || size > (uint32_t)(code_end - cp)) goto malformed;
            const uint8_t * body_end = cp + size;
            if (c < (uint32_t)(cp - bytes) || c >= (uint32_t)(body_end - bytes) || body_end[-1] != 0x0f
                || stpb > m->nside || frm < nloc + (f->frame == WQ_FUNC_WIDE ? 0u : WQ_FRAME_SLOTS)
                || (f->frame != WQ_FUNC_WIDE && f->frame >= WQ_SHORT_FRAME_LIMIT))
                { err = wqrt_Err_predecodedCorrupt; goto fail; }
            cp = body_end;
        }
    }

#endif
    /* imports: count tables, memories and globals */
    WqCursor c; uint32_t mn, mx; WqImportEntry e;
    if (!wq_sec_open(m, WQ_SEC(2), &c)) goto malformed;
    while (c.n--) {
        if (!wq_import_next(&c, &e)) goto malformed;
        if (e.kind == 1) m->ntables++;
        else if (e.kind == 2) { m->has_memory++; m->mem_min = e.min; m->mem_max = e.max; }
        else if (e.kind == 3) { m->wide_globals |= WQ_WIDE(e.type); m->nglobals++; }
    }
    if (!wq_sec_open(m, WQ_SEC(4), &c)) goto malformed;
    m->ntables += c.n;
    if (m->ntables > WQRT_MAX_TABLES) { err = wqrt_Err_unsupported; goto fail; }
    if (!wq_sec_open(m, WQ_SEC(5), &c)) goto malformed;
    if (c.n) {
        if (!skip_limits(&c.p, c.end, &mn, &mx)) goto malformed;
        m->has_memory += c.n; m->mem_min = mn; m->mem_max = mx;
    }
    if (m->has_memory > 1) { err = m3Err_tooManyMemorySections; goto fail; }
    if (!wq_sec_open(m, WQ_SEC(6), &c) || c.n > (uint32_t)(c.end - c.p)) goto malformed;
    m->nglobals += c.n;
    while (c.n--) {   /* only the types matter here: do the globals need high words? */
        if (c.end - c.p < 2) goto malformed;
        m->wide_globals |= WQ_WIDE(*c.p); c.p += 2;
        if (!skip_const(&c.p, c.end)) goto malformed;
    }
    if (m->sec[WQ_SEC(8)].end && (!wq_sec_open(m, WQ_SEC(8), &c) || (m->start_func = c.n) >= m->nfuncs)) goto malformed;
    if (!wq_sec_open(m, WQ_SEC(9), &c)) goto malformed;
    m->nelem = c.n;
    if (!wq_sec_open(m, WQ_SEC(11), &c)) goto malformed;
    m->ndata = c.n;
    if (m->nimports) {
        m->imports = (WqImport *)wq_alloc(env, m->nimports * (uint32_t)sizeof(WqImport));
        if (!m->imports) { err = m3Err_mallocFailed; goto fail; }
    }
    *out = m;
    return m3Err_none;
malformed:
    err = m3Err_wasmMalformed;
fail:
    env->arena_used = saved_used;
    return err;
}

void m3_FreeModule(IM3Module m) { (void)m; }

/* Walks the data (data=1) or elem section to segment `index` and describes it. Data flags: 0
 * active, 1 passive, 2 active with a memory index; elem flags: bit 0 passive or declarative,
 * bit 1 a table index (active) or declarative, bit 2 items are expressions. */
M3Result wq_segment(IM3Module m, int data, uint32_t index, WqSeg * o)
{
    WqCursor c;
    if (!wq_sec_open(m, data ? WQ_SEC(11) : WQ_SEC(9), &c) || index >= c.n) return m3Err_wasmMalformed;
    for (uint32_t i = 0; ; i++) {
        memset(o, 0, sizeof *o);
        if (!wq_read_leb32(&c.p, c.end, &o->flags)) return m3Err_wasmMalformed;
        uint32_t f = o->flags;
        if ((data ? f == 2 : (f & 3) == 2) && !wq_read_leb32(&c.p, c.end, &o->index)) return m3Err_wasmMalformed;
        if (data ? f != 1 : !(f & 1)) {
            o->offset_expr = c.p;
            if (!skip_const(&c.p, c.end)) return m3Err_wasmMalformed;
        }
        if (!data && (f & 3)) { if (c.p >= c.end) return m3Err_wasmMalformed; c.p++; }   /* the element kind or type */
        if (!wq_read_leb32(&c.p, c.end, &o->count)) return m3Err_wasmMalformed;
        o->items = c.p;
        if (data) { if ((uint32_t)(c.end - c.p) < o->count) return m3Err_wasmMalformed; }
        else o->kind = (uint8_t)((f & 4) ? 1 : 0);
        if (i == index) return m3Err_none;
        if (data) c.p += o->count;
        else for (uint32_t k = 0, u; k < o->count; k++)
            if (o->kind ? !skip_const(&c.p, c.end) : !wq_read_leb32(&c.p, c.end, &u)) return m3Err_wasmMalformed;
    }
}

/* Copies n items of elem segment sg, from item src on, into table t at dst. */
static M3Result table_init(IM3Runtime rt, uint32_t t, const WqSeg * sg, uint32_t dst, uint32_t src, uint32_t n)
{
    IM3Module m = rt->module;
    if (t >= m->ntables) return m3Err_trapTableOutOfBounds;
    const uint8_t * s = sg->items; uint32_t count = sg->count;
    WqTable * tab = &rt->tables[t];
    /* src + n > count, dst + n > size */
    if (n > count || src > count - n || n > tab->size || dst > tab->size - n) return m3Err_trapTableOutOfBounds;
    const uint8_t * se = m->bytes + m->sec[WQ_SEC(9)].end;
    for (uint32_t k = 0; k < src + n; k++) {
        uint64_t v; uint32_t f;
        if (sg->kind) { M3Result r = eval_const(rt, &s, se, &v); if (r) return r; }
        else { if (!wq_read_leb32(&s, se, &f)) return m3Err_wasmMalformed; v = (uint64_t)f + 1; }
        if (k >= src) tab->elems[dst + k - src] = (uint32_t)v;
    }
    return m3Err_none;
}

/* table.init: segment `seg` (none left once dropped) into table t. */
M3Result wq_table_init_from_segment(IM3Runtime rt, uint32_t t, uint32_t seg, uint32_t dst, uint32_t src, uint32_t n)
{
    IM3Module m = rt->module;
    WqSeg sg; memset(&sg, 0, sizeof sg);
    /* t first, as before the split (table_init checks it after the walk) */
    if (seg >= m->nelem || t >= m->ntables) return m3Err_trapTableOutOfBounds;
    if (!(rt->elem_dropped[seg >> 3] & (1u << (seg & 7)))) { M3Result r = wq_segment(m, 0, seg, &sg); if (r) return r; }
    return table_init(rt, t, &sg, dst, src, n);
}

/* Creates globals, tables and memory in the arena and applies active segments. */
M3Result wq_instantiate(IM3Runtime rt, IM3Module m)
{
    IM3Environment env = rt->env;
    const uint8_t * b = m->bytes;
    M3Result r;
    if (m->nglobals) {
        /* low words; high words after them only when some global is 64-bit or a reference */
        rt->globals = (uint32_t *)wq_alloc(env, m->nglobals * (m->wide_globals ? 8u : 4u));
        if (!rt->globals) return wqrt_Err_arenaTooSmall;
        rt->globals_hi = m->wide_globals ? rt->globals + m->nglobals : rt->globals;
    }
    /* before linear memory, which takes the rest of the arena when it has no cap */
    if (m->ndata + m->nelem) {
        uint32_t dbytes = (m->ndata + 7u) / 8u;
        rt->data_dropped = (uint8_t *)wq_alloc(env, dbytes + (m->nelem + 7u) / 8u);
        if (!rt->data_dropped) return wqrt_Err_arenaTooSmall;
        rt->elem_dropped = rt->data_dropped + dbytes;
    }
    /* imported tables, memory and globals; the runtime creates imported tables/memories
     * itself from their declared limits (one module per runtime) */
    uint32_t ti = 0, gi = 0;
    WqCursor c; WqImportEntry e;
    wq_sec_open(m, WQ_SEC(2), &c);   /* m3_ParseModule checked the section */
    while (c.n--) {
        wq_import_next(&c, &e);
        if (e.kind == 0) continue;
        /* the host may say how big the imported table/memory really is; it gives every global's value */
        int found = 0;
        uint64_t v = g_resolver ? g_resolver((const char *)e.mod, e.ml, (const char *)e.nm, e.nl,
                                             e.kind == 3 ? e.type : e.kind, &found) : 0;
        if (e.kind == 3) {
            if (!found) return wqrt_Err_globalImportMissing;
            wq_global_set(rt, gi++, v);
            continue;
        }
        if (found) { e.min = (uint32_t)v; e.max = (uint32_t)(v >> 32); }
        if (e.kind == 1) { rt->tables[ti].elem = e.type; rt->tables[ti].size = e.min; rt->tables[ti++].max = e.max; }
        else { m->mem_min = e.min; m->mem_max = e.max; }
    }
    wq_sec_open(m, WQ_SEC(4), &c);   /* m3_ParseModule read the count */
    while (c.n--) {
        uint32_t mn, mx;
        if (c.p >= c.end) return m3Err_wasmMalformed;
        uint8_t et = *c.p++;
        if (!skip_limits(&c.p, c.end, &mn, &mx)) return m3Err_wasmMalformed;
        rt->tables[ti].elem = et; rt->tables[ti].size = mn; rt->tables[ti++].max = mx;
    }
    for (uint32_t t = 0; t < m->ntables; t++) {
        WqTable * tab = &rt->tables[t];
        /* tables get room to grow to their max, capped by config */
        uint32_t cap = tab->max;
        if (cap > tab->size + WQRT_TABLE_GROW_CAP) cap = tab->size + WQRT_TABLE_GROW_CAP;
        if (cap < tab->size) cap = tab->size;
        if (cap > (1u << 24)) return wqrt_Err_arenaTooSmall;
        tab->max = cap;
        tab->elems = (uint32_t *)wq_alloc(env, cap * 4u + 4u);
        if (!tab->elems) return wqrt_Err_arenaTooSmall;
    }
    wq_sec_open(m, WQ_SEC(6), &c);   /* m3_ParseModule checked the section */
    while (c.n--) {
        uint64_t v;
        c.p += 2;
        if ((r = eval_const(rt, &c.p, c.end, &v)) != m3Err_none) return r;
        wq_global_set(rt, gi++, v);
    }
    if (m->has_memory) {
        uint32_t avail = env->arena_size - env->arena_used;
        uint32_t cap = rt->mem_limit ? rt->mem_limit : avail;
        if (cap > avail) return wqrt_Err_arenaTooSmall;
        /* in 32 bits: a max of 65536 pages or more (or none) caps nothing; min pages fit when min <= cap >> 16 */
        if (m->mem_max < 65536u && cap > (m->mem_max << 16)) cap = m->mem_max << 16;
        uint32_t init = m->mem_min << 16;
        rt->mem = (uint8_t *)env->arena + env->arena_used;
        if (m->mem_min > (cap >> 16)) {
            /* below-one-page boards: memory is capped; the declared pages are kept for memory.size */
            if (m->mem_min > 1) return wqrt_Err_memoryLimitTooSmall;
            init = cap;
        }
        env->arena_used += (cap + 7u) & ~7u;
        rt->mem_cap = cap; rt->mem_pages = m->mem_min; wq_set_mem_bytes(rt, init);
        memset(rt->mem, 0, rt->mem_bytes);
    }
    /* active elem segments, then active data segments (spec order); both are dropped after,
     * and so are declarative elem segments (flags 3 and 7) */
    for (int data = 0; data < 2; data++)
        for (uint32_t i = 0; i < (data ? m->ndata : m->nelem); i++) {
            WqSeg sg; uint64_t off;
            if ((r = wq_segment(m, data, i, &sg)) != m3Err_none) return r;
            const uint8_t * e = sg.offset_expr;   /* NULL: passive or declarative */
            if (e) {
                const uint8_t * sec_end = b + m->sec[data ? WQ_SEC(11) : WQ_SEC(9)].end;
                if ((r = eval_const(rt, &e, sec_end, &off)) != m3Err_none) return r;
                if (!data) r = table_init(rt, sg.index, &sg, (uint32_t)off, 0, sg.count);
                /* off + count > bytes */
                else if (sg.count > rt->mem_bytes || (uint32_t)off > rt->mem_bytes - sg.count)
                    r = m3Err_trapOutOfBoundsMemoryAccess;
                else if (sg.count) memcpy(rt->mem + (uint32_t)off, sg.items, sg.count);
                if (r) return r;
            } else if (data || !(sg.flags & 2)) continue;
            (data ? rt->data_dropped : rt->elem_dropped)[i >> 3] |= (uint8_t)(1u << (i & 7));
        }
    return m3Err_none;
}
