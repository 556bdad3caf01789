# Firmware layer: STM32F103 HAL, binding, boards, linker scripts, `wasmqtt build` (host-tools/fwbuild).
# Every board's ELF on the default engine (the register form), the POSIX host build of the binding (fake HAL)
# with the real device.wasm (the MQTT core with the device console), and
# the same host build with a tiny fixture module (test/firmware/fixtures/tiny-core.wat); the bluepill and host
# builds again on the stack form (--engine stack) and AOT (--engine aot).
FW_BOARDS := bluepill bluepill128 stm32f103rc stm32f103ze
FW_C_SRCS := $(shell find firmware/hal firmware/binding firmware/runtime -name '*.[ch]' 2>/dev/null)
FW_TOOL_SRCS := $(wildcard host-tools/fwbuild/*.ts host-tools/wasm/*.ts) host-tools/cli/commands/build.ts
# the register form's translator and handler generator (host-tools/wasm/regform) build every default image
FW_DEPS := $(FW_C_SRCS) $(wildcard linker/*.ld) $(FW_TOOL_SRCS) $(wildcard host-tools/wasm/regform/*.ts)
WASMQTT_CLI := $(NODE_TS) host-tools/cli/main.ts

# Budgets are enforced: a board image over its flash or RAM budget (boards/<board>.json) fails
# `make build`, printing the size report with the largest contributors. The image stays in
# build/<board>/ for inspection, dated to the epoch so the next `make` retries it.
# test/firmware/size.test.ts checks every built image against its budget from its size.json.
# FW_BOARDS_DIR: where the board files are (the tests point it at a temporary folder).
FW_BOARDS_DIR ?= boards
FW_BUDGET_FAIL = { touch -d @0 $@ 2>/dev/null; echo "make: $(1) failed (over its budget, or a build error above); see docs/boards.md \"Budgets\"" >&2; exit 1; }

# A board's MQTT packet limit (mqtt.packetMax in its board file) is a compile-time constant of
# the module: a board that sets one embeds build/core/device-p<N>.wasm, the others device.wasm.
fw_packet_max = $(shell sed -n 's/.*"packetMax": *\([0-9][0-9]*\).*/\1/p' $(FW_BOARDS_DIR)/$(1).json 2>/dev/null)
fw_module = build/core/device$(if $(call fw_packet_max,$(1)),-p$(call fw_packet_max,$(1))).wasm
.SECONDEXPANSION:
build/%/firmware.elf: $(FW_BOARDS_DIR)/%.json $$(call fw_module,$$*) $(FW_DEPS) | npm
	@set -o pipefail; $(WASMQTT_CLI) build --board $* --boards-dir $(FW_BOARDS_DIR) --wasm $(call fw_module,$*) --out $(@D) \
	  | grep -E '^  (flash|RAM total)' | sed 's/^/$*: /' || $(call FW_BUDGET_FAIL,$*)

# Engine "aot": device.wasm compiled to C by wasm2c (no interpreter, no module in flash).
build/bluepill-aot/firmware.elf: boards/bluepill.json build/core/device.wasm $(FW_DEPS) $(wildcard firmware/binding/aot/*) | npm
	@set -o pipefail; $(WASMQTT_CLI) build --board bluepill --engine aot --wasm build/core/device.wasm --out $(@D) \
	  | grep -E '^  (flash|RAM total)' | sed 's/^/bluepill-aot: /' || $(call FW_BUDGET_FAIL,bluepill-aot)

# Engine "stack": device.wasm pre-decoded in the stack form (format 39) and interp.c with only the handlers of
# the opcodes it uses (WQRT_REGFORM=0): the non-default engine, for its tests (WASMQTT_FIRMWARE_ENGINE=stack,
# interp-dispatch's image) and the bench's _stack keys.
build/bluepill-stack/firmware.elf: boards/bluepill.json build/core/device.wasm $(FW_DEPS) | npm
	@set -o pipefail; $(WASMQTT_CLI) build --board bluepill --engine stack --wasm build/core/device.wasm --out $(@D) \
	  | grep -E '^  (flash|RAM total)' | sed 's/^/bluepill-stack: /' || $(call FW_BUDGET_FAIL,bluepill-stack)

# The host build of the binding on the stack form (test/firmware with WASMQTT_FIRMWARE_ENGINE=stack).
build/host-stack/wasmqtt-host: build/core/device.wasm boards/bluepill.json $(FW_DEPS) | npm
	@$(WASMQTT_CLI) build --host --engine stack --wasm build/core/device.wasm --out build/host-stack >/dev/null

build/host-aot/wasmqtt-host: build/core/device.wasm boards/bluepill.json $(FW_DEPS) $(wildcard firmware/binding/aot/*) | npm
	@$(WASMQTT_CLI) build --host --engine aot --wasm build/core/device.wasm --out build/host-aot >/dev/null

build/host/wasmqtt-host: build/core/device.wasm boards/bluepill.json $(FW_DEPS) | npm
	@$(WASMQTT_CLI) build --host --wasm build/core/device.wasm --out build/host >/dev/null

build/firmware-test/tiny-core.wasm: test/firmware/fixtures/tiny-core.wat
	@mkdir -p $(@D)
	@wat2wasm $< -o $@

build/firmware-test/host-tiny/wasmqtt-host: build/firmware-test/tiny-core.wasm boards/bluepill.json $(FW_DEPS) | npm
	@$(WASMQTT_CLI) build --host --wasm $< --out $(@D) >/dev/null

# The bluepill image around the tiny module: drives SPI1 (polled and DMA) against the W5500
# model on the virtual board (test/firmware/hal-vboard.test.ts).
build/firmware-test/bluepill-tiny/firmware.elf: build/firmware-test/tiny-core.wasm boards/bluepill.json $(FW_DEPS) | npm
	@$(WASMQTT_CLI) build --board bluepill --wasm $< --out $(@D) >/dev/null

BUILD_ARTIFACTS += build/firmware-test/host-tiny/wasmqtt-host build/firmware-test/bluepill-tiny/firmware.elf
# The images embed the real device.wasm, whose rule lives in mk/core.mk.
ifneq ($(wildcard mk/core.mk),)
BUILD_ARTIFACTS += $(FW_BOARDS:%=build/%/firmware.elf) build/host/wasmqtt-host \
  build/bluepill-aot/firmware.elf build/host-aot/wasmqtt-host \
  build/bluepill-stack/firmware.elf build/host-stack/wasmqtt-host
endif

# The console's word table follows the core's error codes (abi.ts); device.wasm depends on it
# through mk/core.mk's source list, so a new ERR_* is named before the next device build.
firmware/app/console/words.ts: firmware/core/api/abi.ts host-tools/fwbuild/console-words.ts | npm
	@$(NODE_TS) host-tools/fwbuild/console-words.ts >/dev/null
