/* Firmware entry: bring up the HAL, load the embedded core.wasm, bind the board ABI, call
 * start() once and step() forever, sleeping until the deadline step() returns (or input).
 * A wasm trap is reported as one console line and the device restarts; the core keeps its
 * config and MQTT session in the store, so the restart resumes where it left off.
 *
 * Console lines printed from C (the AssemblyScript console prints everything else):
 *   evt boot board=NAME reset=CAUSE runtime=NAME module=BYTES
 *   evt loaded arena_used=N arena=N memory_cap=N (our runtime: RAM the module really took)
 *   evt trap func=N offset=N [in=start] error="..." (then a restart; after 5 s if in start())
 *   evt fatal stage=STAGE error="..."            (module could not be loaded; restart in 5 s)
 *   evt fault kind=stack-overflow                (guard band below the stack overwritten) */
#include <stddef.h>
#include "binding.h"
#include "../hal/hal.h"
#include "board_config.h"
#ifdef WASMQTT_RT
#include "wasmqtt_rt.h"
#else
#include "m3_env.h" /* upstream wasm3: the runtime's memoryLimit field is how its embedders cap memory */
#endif

#ifdef WASMQTT_RT
/* Everything the interpreter needs at run time, sized by the board file: linear memory (capped),
 * value stack, frames, globals. Static, so the linker's RAM figure is the whole story. */
uint64_t wqrt_default_arena[BOARD_WASM_ARENA_BYTES / 8u];   /* replaces the runtime's weak default */
const uint32_t wqrt_default_arena_bytes = sizeof wqrt_default_arena;
#define wasm_arena wqrt_default_arena
#define RUNTIME_NAME "wasmqtt-rt"
#else
#define RUNTIME_NAME "wasm3"
#endif

/* Quotes a runtime message for a console line: drops quotes and control characters so the
 * line stays one parseable record. */
static void out_quoted(const char *s)
{
    char c[1];
    out_str("\"");
    for (; s != NULL && *s != 0; s++) {
        c[0] = (*s == '"' || (unsigned char)*s < 0x20) ? '\'' : *s;
        hal_uart_write((const uint8_t *)c, 1);
    }
    out_str("\"");
}

static void fatal(const char *stage, M3Result r) __attribute__((noreturn));
static void fatal(const char *stage, M3Result r)
{
    out_str("evt fatal stage=");
    out_str(stage);
    out_str(" error=");
    out_quoted(r);
    out_str("\r\n");
    restart_after_pause();
}

static void trap(IM3Runtime runtime, M3Result r, int in_start) __attribute__((noreturn));
static void trap(IM3Runtime runtime, M3Result r, int in_start)
{
    out_str("\r\nevt trap");
#ifdef WASMQTT_RT
    uint32_t func = 0, offset = 0;
    if (wqrt_GetTrapInfo(runtime, &func, &offset) != NULL) {
        out_str(" func=");
        out_u32(func);
        out_str(" offset=");
        out_hex(offset);
    }
#else
    M3ErrorInfo info;
    m3_GetErrorInfo(runtime, &info);
    if (info.function != NULL) {
        out_str(" func=");
        out_quoted(m3_GetFunctionName(info.function));
    }
#endif
    out_str(in_start ? " in=start error=" : " error=");
    out_quoted(r);
    out_str("\r\n");
    if (in_start) restart_after_pause();
    hal_reset();
}

int main(int argc, char **argv)
{
    hal_init(argc, argv);
    out_str("evt boot board=" BOARD_NAME " reset=");
    out_str(hal_reset_cause());
    out_str(" runtime=" RUNTIME_NAME " module=");
    out_u32(core_wasm_len);
    out_str("\r\n");

    IM3Environment env = m3_NewEnvironment();
    if (env == NULL) fatal("environment", m3Err_mallocFailed);
#ifdef WASMQTT_RT
    M3Result r = wqrt_SetArena(env, wasm_arena, sizeof wasm_arena);
    if (r != m3Err_none) fatal("arena", r);
#else
    M3Result r;
#endif
    IM3Runtime runtime = m3_NewRuntime(env, BOARD_WASM_STACK_BYTES, NULL);
    if (runtime == NULL) fatal("runtime", m3Err_mallocFailed);
#ifdef WASMQTT_RT
    r = wqrt_SetMemoryLimit(runtime, BOARD_WASM_MEMORY_CAP);
    if (r != m3Err_none) fatal("memory-limit", r);
#else
    runtime->memoryLimit = BOARD_WASM_MEMORY_CAP;
#endif
    IM3Module module = NULL;
    r = m3_ParseModule(env, &module, core_wasm, core_wasm_len);
    if (r != m3Err_none) fatal("parse", r);
    r = m3_LoadModule(runtime, module);
    if (r != m3Err_none) fatal("load", r);
#ifdef WASMQTT_RT
    out_str("evt loaded arena_used=");
    out_u32(wqrt_ArenaUsed(env));
    out_str(" arena=");
    out_u32((uint32_t)sizeof wasm_arena);
    out_str(" memory_cap=" );
    out_u32(BOARD_WASM_MEMORY_CAP);
    out_str("\r\n");
#endif
    r = binding_link_imports(module);
    if (r != m3Err_none) fatal("link", r);

    IM3Function start = NULL, step = NULL;
    r = m3_FindFunction(&start, runtime, "start");
    if (r != m3Err_none) fatal("find-start", r);
    r = m3_FindFunction(&step, runtime, "step");
    if (r != m3Err_none) fatal("find-step", r);

    r = m3_CallV(start);
    if (r != m3Err_none) trap(runtime, r, 1);

    for (;;) {
        r = m3_CallV(step);
        if (r != m3Err_none) trap(runtime, r, 0);
        int32_t wait_ms = 0;
        r = m3_GetResultsV(step, &wait_ms);
        if (r != m3Err_none) trap(runtime, r, 0);
        if (hal_stack_guard_check() != 0) {
            out_str("\r\nevt fault kind=stack-overflow\r\n");
            hal_reset();
        }
        hal_watchdog_feed();
        if (wait_ms > 0) {
            uint32_t w = (uint32_t)wait_ms > MAX_IDLE_MS ? MAX_IDLE_MS : (uint32_t)wait_ms;
            hal_idle_until(hal_millis() + w);
        }
    }
}
