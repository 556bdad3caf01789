/* The firmware binding: runs core.wasm under a runtime with wasm3's embedding API and binds
 * the imports of docs/board-abi.md to the HAL (firmware/hal/hal.h). */
#ifndef WASMQTT_BINDING_H
#define WASMQTT_BINDING_H
#include <stdint.h>
#include "wasm3.h"
#include "device_io.h"

/* The embedded module (for our runtime: core.wasm with its pre-decoded custom section), written
 * by host-tools/fwbuild into build/<board>/core_wasm.c. Lives in flash; never copied. */
extern const uint8_t core_wasm[];
extern const uint32_t core_wasm_len;

/* Links every board.* import the module has. Imports the module does not use are skipped.
 * Returns NULL or the first link error. */
M3Result binding_link_imports(IM3Module module);

#endif
