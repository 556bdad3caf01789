# Firmware layer: STM32F103 HAL, binding, boards, linker scripts, `wasmqtt build` (host-tools/fwbuild).
# Every board's ELF, the POSIX host build of the binding (fake HAL) with the real device.wasm
# (the MQTT core with the device console), and
# the same host build with a tiny fixture module (test/firmware/fixtures/tiny-core.wat).
FW_BOARDS := bluepill bluepill128 stm32f103rc stm32f103ze
FW_C_SRCS := $(shell find firmware/hal firmware/binding firmware/runtime -name '*.[ch]' 2>/dev/null)
FW_TOOL_SRCS := $(wildcard host-tools/fwbuild/*.ts host-tools/wasm/*.ts) host-tools/cli/commands/build.ts
FW_DEPS := $(FW_C_SRCS) $(wildcard linker/*.ld) $(FW_TOOL_SRCS)
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

# Engine "regform": device.wasm translated to the register form (format 40) with the image's own op
# numbering, and rf_engine.c with only those handlers (WQRT_REGFORM=1); the stack form stays the default.
build/bluepill-regform/firmware.elf: boards/bluepill.json build/core/device.wasm $(FW_DEPS) $(wildcard host-tools/wasm/regform/*.ts) | npm
	@set -o pipefail; $(WASMQTT_CLI) build --board bluepill --engine regform --wasm build/core/device.wasm --out $(@D) \
	  | grep -E '^  (flash|RAM total)' | sed 's/^/bluepill-regform: /' || $(call FW_BUDGET_FAIL,bluepill-regform)

# The host build of the binding on the register form (test/firmware with WASMQTT_FIRMWARE_ENGINE=regform).
build/host-regform/wasmqtt-host: build/core/device.wasm boards/bluepill.json $(FW_DEPS) $(wildcard host-tools/wasm/regform/*.ts) | npm
	@$(WASMQTT_CLI) build --host --engine regform --wasm build/core/device.wasm --out build/host-regform >/dev/null

build/host-aot/wasmqtt-host: build/core/device.wasm boards/bluepill.json $(FW_DEPS) $(wildcard firmware/binding/aot/*) | npm
	@$(WASMQTT_CLI) build --host --engine aot --wasm build/core/device.wasm --out build/host-aot >/dev/null

build/host/wasmqtt-host: build/core/device.wasm boards/bluepill.json $(FW_DEPS) | npm
	@$(WASMQTT_CLI) build --host --wasm build/core/device.wasm >/dev/null

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
  build/bluepill-regform/firmware.elf build/host-regform/wasmqtt-host
endif

# The console's word table follows the core's error codes (abi.ts); device.wasm depends on it
# through mk/core.mk's source list, so a new ERR_* is named before the next device build.
firmware/app/console/words.ts: firmware/core/api/abi.ts host-tools/fwbuild/console-words.ts | npm
	@$(NODE_TS) host-tools/fwbuild/console-words.ts >/dev/null
