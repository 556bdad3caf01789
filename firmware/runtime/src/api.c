/* Embedding API on top of the loader and interpreter: load, link, find, call. */
#define WQ_RESULTS_AS_TEXTS   /* rt_internal.h: results without the public pointers */
#include "rt_internal.h"

static int name_eq(const uint8_t * s, uint32_t n, const char * z)
{
    uint32_t i = 0;
    for (; i < n; i++) if (z[i] == 0 || (uint8_t)z[i] != s[i]) return 0;
    return z[i] == 0;
}

static M3ValueType vt(uint8_t b)
{
    switch (b) {
    case 0x7f: return c_m3Type_i32;
    case 0x7e: return c_m3Type_i64;
    case 0x7d: return c_m3Type_f32;
    case 0x7c: return c_m3Type_f64;
    case 0x70: case 0x6f: return c_m3Type_i32; /* references travel as 32-bit handles */
    default: return c_m3Type_unknown;
    }
}

M3Result m3_LoadModule(IM3Runtime rt, IM3Module m)
{
    if (!rt || !m) return m3Err_moduleNotLinked;
    if (rt->module || m->runtime) return m3Err_moduleAlreadyLinked;
    uint32_t saved = rt->env->arena_used;
    rt->module = m; rt->records = m->funcs;
    M3Result r = wq_instantiate(rt, m);
    if (r) { rt->module = NULL; rt->env->arena_used = saved; return r; }
    m->runtime = rt;
    return m3Err_none;
}

/* wasm3 signature characters: i (or *, an i32 pointer) i32, I i64, f f32, F f64 */
static int sig_char_ok(char c, uint8_t b)
{
    return b >= 0x7c && b <= 0x7f && (c == "FfIi"[b - 0x7c] || (c == '*' && b == 0x7f));
}

/* wasm3 signature strings: results before '(', params inside; v = none */
static int signature_matches(IM3Module m, const WqType * t, const char * sig)
{
    const uint8_t * types = m->bytes + t->results_off;
    uint32_t count = t->nresults;
    char close = '(';
    for (int part = 0; part < 2; part++) {
        uint32_t k = 0;
        for (; *sig != close; sig++) {
            if (*sig == 0) return 0;
            if (*sig == 'v') continue;
            if (k >= count || !sig_char_ok(*sig, types[k])) return 0;
            k++;
        }
        if (k != count) return 0;
        sig++;
        types = m->bytes + t->params_off; count = t->nparams; close = ')';
    }
    return *sig == 0;
}

M3Result m3_LinkRawFunctionEx(IM3Module m, const char * const modName, const char * const fnName,
                              const char * const signature, M3RawCall fn, const void * userdata)
{
    if (!m || !fnName || !fn) return m3Err_functionLookupFailed;
    WqCursor c;
    uint32_t fi = 0;
    WqImportEntry e;
    M3Result result = m3Err_functionLookupFailed;
    wq_sec_open(m, WQ_SEC(2), &c);   /* m3_ParseModule checked the section */
    while (c.n--) {
        wq_import_next(&c, &e);
        if (e.kind != 0) continue;
        if ((!modName || (modName[0] == '*' && modName[1] == 0) || name_eq(e.mod, e.ml, modName))
            && name_eq(e.nm, e.nl, fnName)) {
            if (fi >= m->nimports) return wqrt_Err_predecodedCorrupt;
            const WqType * t = &m->types[wq_func_type(m, fi)];
            if (signature && !signature_matches(m, t, signature)) return wqrt_Err_signatureMismatch;
            m->imports[fi].fn = fn; m->imports[fi].userdata = userdata;
            result = m3Err_none;
        }
        fi++;
    }
    return result;
}

M3Result m3_LinkRawFunction(IM3Module m, const char * const modName, const char * const fnName,
                            const char * const signature, M3RawCall fn)
{
    return m3_LinkRawFunctionEx(m, modName, fnName, signature, fn, NULL);
}

/* Every import must be bound before the first call: reports the first unbound one. */
static M3Result check_imports(IM3Runtime rt)
{
    IM3Module m = rt->module;
    if (m->started & WQ_IMPORTS_BOUND) return m3Err_none;   /* a binding is never undone */
    for (uint32_t i = 0; i < m->nimports; i++) if (!m->imports[i].fn) return m3Err_functionImportMissing;
    m->started |= WQ_IMPORTS_BOUND;
    return m3Err_none;
}

M3Result m3_RunStart(IM3Module m)
{
    if (!m || !m->runtime) return m3Err_moduleNotLinked;
    if ((m->started & WQ_STARTED) || m->start_func == UINT32_MAX) { m->started |= WQ_STARTED; return m3Err_none; }
    M3Result r = check_imports(m->runtime);
    if (r) return r;
    m->started |= WQ_STARTED;
    IM3Runtime rt = m->runtime;
    if (rt->running) return m3Err_moduleAlreadyLinked;
    rt->running = 1;
    r = wq_invoke(rt, m->start_func, 0);
    rt->running = 0;
    return r;
}

M3Result m3_FindFunction(IM3Function * out, IM3Runtime rt, const char * const name)
{
    if (!out) return m3Err_functionLookupFailed;
    *out = NULL;
    if (!rt || !rt->module || !name) return m3Err_moduleNotLinked;
    IM3Module m = rt->module;
    WqCursor c;
    uint32_t nl, idx;
    if (!wq_sec_open(m, WQ_SEC(7), &c)) return m3Err_wasmMalformed;   /* no export section: n = 0 */
    while (c.n--) {
        if (!wq_read_leb32(&c.p, c.end, &nl) || (uint32_t)(c.end - c.p) < nl + 1) return m3Err_wasmMalformed;
        const uint8_t * nm = c.p; c.p += nl;
        uint8_t kind = *c.p++;
        if (!wq_read_leb32(&c.p, c.end, &idx)) return m3Err_wasmMalformed;
        if (kind != 0 || !name_eq(nm, nl, name)) continue;
        if (idx >= m->nfuncs) return wqrt_Err_predecodedCorrupt;
        M3Result r = m3_RunStart(m);
        if (r) return r;
        for (uint32_t h = 0; h < rt->nhandles; h++)
            if (rt->handles[h].index == idx) { *out = &rt->handles[h]; return m3Err_none; }
        if (rt->nhandles >= WQRT_MAX_HANDLES) return m3Err_mallocFailed;
        if (idx > 0xfffe) return wqrt_Err_unsupported;
        struct M3Function * f = &rt->handles[rt->nhandles];
        f->slot = (uint16_t)rt->nhandles++; f->index = (uint16_t)idx; f->name = name;
        *out = f;
        return m3Err_none;
    }
    return m3Err_functionLookupFailed;
}

static IM3Runtime frt(IM3Function f)
{
    if (!f || f->slot >= WQRT_MAX_HANDLES) return NULL;
    return (IM3Runtime)(void *)((char *)(f - f->slot) - offsetof(struct M3Runtime, handles));
}
static IM3Module fn_module(IM3Function f) { IM3Runtime rt = frt(f); return rt ? rt->module : NULL; }
static const WqType * type_in(IM3Module m, IM3Function f) { return &m->types[wq_func_type(m, f->index)]; }
static const WqType * ftype(IM3Function f) { return type_in(fn_module(f), f); }

uint32_t m3_GetArgCount(IM3Function f) { return fn_module(f) ? ftype(f)->nparams : 0; }
uint32_t m3_GetRetCount(IM3Function f) { return fn_module(f) ? ftype(f)->nresults : 0; }
M3ValueType m3_GetArgType(IM3Function f, uint32_t i)
{
    if (!fn_module(f) || i >= ftype(f)->nparams) return c_m3Type_none;
    return vt(fn_module(f)->bytes[ftype(f)->params_off + i]);
}
M3ValueType m3_GetRetType(IM3Function f, uint32_t i)
{
    if (!fn_module(f) || i >= ftype(f)->nresults) return c_m3Type_none;
    return vt(fn_module(f)->bytes[ftype(f)->results_off + i]);
}
const char * m3_GetFunctionName(IM3Function f) { return f ? f->name : NULL; }

/* Calls run often (the firmware's step() every loop): look the runtime and type up once. */
static M3Result call_prepared(IM3Runtime rt, IM3Function f, const WqType * t)
{
    M3Result r = check_imports(rt);
    if (r) return r;
    rt->running = 1;
    r = wq_invoke(rt, f->index, t->nparams);
    rt->running = 0;
    return r;
}

/* Checks that f can be called now; on success gives its runtime and type. */
static M3Result call_begin(IM3Function f, IM3Runtime * rt_out, const WqType ** t_out)
{
    IM3Runtime rt = frt(f);
    if (!rt || !rt->module) return m3Err_moduleNotLinked;
    if (rt->running) return wqrt_Err_reentrantCall;
    const WqType * t = type_in(rt->module, f);
    /* 32 bits: two 8-bit counts, a stack below 4 G slots */
    if ((uint32_t)t->nparams + t->nresults > (uint32_t)(rt->stack_end - rt->stack)) return m3Err_trapStackOverflow;
    *rt_out = rt; *t_out = t;
    return m3Err_none;
}

M3Result m3_CallVL(IM3Function f, va_list ap)
{
    IM3Runtime rt; const WqType * t;
    M3Result r = call_begin(f, &rt, &t);
    if (r) return r;
    uint64_t * s = rt->stack;
    const uint8_t * types = rt->module->bytes + t->params_off;
    for (uint32_t i = 0; i < t->nparams; i++) {
        switch (types[i]) {   /* value type bytes: i64 0x7e, f32 0x7d, f64 0x7c; i32 and references take 32 bits */
        case 0x7e: s[i] = va_arg(ap, uint64_t); break;
#if WQRT_FLOATS
        case 0x7d: { float v = (float)va_arg(ap, double); uint32_t u; memcpy(&u, &v, 4); s[i] = u; break; }
        case 0x7c: { double v = va_arg(ap, double); memcpy(&s[i], &v, 8); break; }
#else
        case 0x7d: case 0x7c: return wqrt_Err_unsupported;
#endif
        default: s[i] = va_arg(ap, uint32_t); break;
        }
    }
    return call_prepared(rt, f, t);
}

M3Result m3_CallV(IM3Function f, ...)
{
    va_list ap; va_start(ap, f);
    M3Result r = m3_CallVL(f, ap);
    va_end(ap);
    return r;
}

M3Result m3_Call(IM3Function f, uint32_t argc, const void * argv[])
{
    IM3Runtime rt; const WqType * t;
    M3Result r = call_begin(f, &rt, &t);
    if (r) return r;
    if (argc != t->nparams) return m3Err_argumentCountMismatch;
    uint64_t * s = rt->stack;
    const uint8_t * types = rt->module->bytes + t->params_off;
    for (uint32_t i = 0; i < argc; i++) {
        M3ValueType vt_ = vt(types[i]);
        s[i] = 0;
        memcpy(&s[i], argv[i], (vt_ == c_m3Type_i64 || vt_ == c_m3Type_f64) ? 8 : 4);
    }
    return call_prepared(rt, f, t);
}

M3Result m3_GetResultsVL(IM3Function f, va_list ap)
{
    IM3Runtime rt = frt(f);
    if (!rt || !rt->module) return m3Err_moduleNotLinked;
    const WqType * t = type_in(rt->module, f);
    const uint8_t * types = rt->module->bytes + t->results_off;
    for (uint32_t i = 0; i < t->nresults; i++) {
        void * p = va_arg(ap, void *);
        /* stores of the result's width (i64 0x7e, f64 0x7c take 8 bytes); GCC turned two
         * constant-size memcpy calls into one library call of variable size, paid on every
         * result read */
        if (types[i] == 0x7e || types[i] == 0x7c) *(uint64_t __attribute__((aligned(1), may_alias)) *)p = rt->stack[i];
        else *(uint32_t __attribute__((aligned(1), may_alias)) *)p = (uint32_t)rt->stack[i];
    }
    return m3Err_none;
}

M3Result m3_GetResultsV(IM3Function f, ...)
{
    va_list ap; va_start(ap, f);
    M3Result r = m3_GetResultsVL(f, ap);
    va_end(ap);
    return r;
}

M3Result m3_GetResults(IM3Function f, uint32_t retc, const void * retv[])
{
    if (!frt(f) || !frt(f)->module) return m3Err_moduleNotLinked;
    if (retc != ftype(f)->nresults) return m3Err_argumentCountMismatch;
    uint64_t * s = frt(f)->stack;
    for (uint32_t i = 0; i < retc; i++) {
        M3ValueType t = m3_GetRetType(f, i);
        memcpy((void *)retv[i], &s[i], (t == c_m3Type_i64 || t == c_m3Type_f64) ? 8 : 4);
    }
    return m3Err_none;
}
