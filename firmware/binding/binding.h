/* The firmware binding: runs core.wasm under a runtime with wasm3's embedding API and binds
 * the imports of docs/board-abi.md to the HAL (firmware/hal/hal.h). */
#ifndef WASMQTT_BINDING_H
#define WASMQTT_BINDING_H
#include <stdint.h>
#include "wasm3.h"

/* The embedded module (for our runtime: core.wasm with its pre-decoded custom section), written
 * by host-tools/build into build/<board>/core_wasm.c. Lives in flash; never copied. */
extern const uint8_t core_wasm[];
extern const uint32_t core_wasm_len;

/* Links every board.* import the module has. Imports the module does not use are skipped.
 * Returns NULL or the first link error. */
M3Result binding_link_imports(IM3Module module);

/* Console output helpers for the C side's own lines (boot, trap, errors). */
void out_str(const char *s);
void out_u32(uint32_t v);
void out_hex(uint32_t v);
#endif
