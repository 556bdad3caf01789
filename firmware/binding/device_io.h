/* What both engines' main loops share (firmware/binding/main.c, the interpreter, and
 * firmware/binding/aot/main_aot.c, wasm2c): the C side's console output and the paused restart.
 * No runtime types here, so the AOT build compiles it without wasm3.h. */
#ifndef WASMQTT_DEVICE_IO_H
#define WASMQTT_DEVICE_IO_H
#include <stdint.h>

/* The watchdog fires after ~2 s without a feed; never idle in one go for longer than this. */
#define MAX_IDLE_MS 500u

/* Console output helpers for the C side's own lines (boot, trap, errors). */
void out_str(const char *s);
void out_u32(uint32_t v);
void out_hex(uint32_t v);

/* Waits 5 s (feeding the watchdog) and resets: used before a restart that would likely fail the
 * same way (a module that cannot load, a trap inside start()), so the report can be read and
 * the device does not spin through resets. */
void restart_after_pause(void) __attribute__((noreturn));
#endif
