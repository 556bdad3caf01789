# Apps on the app API (firmware/app/sdk, "wasmqtt/app"): each compiled with the core into one
# module (docs/app-api.md), then into firmware images beside the default (console) one, which
# stays build/<board>/firmware.elf. Owner: app API engineer.
# (mk/*.mk are included in name order, so this file cannot use core.mk's or firmware.mk's lists
# in its prerequisites: they are spelled out here.)
APP_SDK_SRC := $(shell find firmware/app/sdk -name '*.ts' 2>/dev/null)
APP_CORE_SRC := $(shell find firmware/core -name '*.ts' -o -name '*.json' 2>/dev/null) asconfig.json mk/core.mk
APP_FW_DEPS := $(shell find firmware/hal firmware/binding firmware/runtime -name '*.[ch]' 2>/dev/null) $(wildcard linker/*.ld) \
  $(wildcard host-tools/fwbuild/*.ts host-tools/wasm/*.ts host-tools/wasm/regform/*.ts) host-tools/cli/commands/build.ts

# examples/sensor: internal temperature at QoS 1, the PC13 LED from QoS 2 messages.
build/app/sensor.wasm: $(APP_CORE_SRC) $(APP_SDK_SRC) mk/app.mk $(wildcard examples/sensor/*.ts examples/sensor/*.json) | node_modules/.package-lock.json
	$(call CORE_MODULE,examples/sensor/asconfig.json)

# Its firmware images: the default engine (the register form) and aot (the virtual-board tests and the bench run them).
build/bluepill-sensor/firmware.elf: boards/bluepill.json build/app/sensor.wasm $(APP_FW_DEPS) | npm
	@set -o pipefail; $(WASMQTT_CLI) build --board bluepill --wasm build/app/sensor.wasm --out build/bluepill-sensor \
	  | grep -E '^  (flash|RAM total)' | sed 's/^/bluepill-sensor: /' || $(call FW_BUDGET_FAIL,bluepill-sensor)
build/bluepill-sensor-aot/firmware.elf: boards/bluepill.json build/app/sensor.wasm $(APP_FW_DEPS) | npm
	@set -o pipefail; $(WASMQTT_CLI) build --board bluepill --engine aot --wasm build/app/sensor.wasm --out build/bluepill-sensor-aot \
	  | grep -E '^  (flash|RAM total)' | sed 's/^/bluepill-sensor-aot: /' || $(call FW_BUDGET_FAIL,bluepill-sensor-aot)

# The pin/ADC probe the app tests run (test/app/fixtures/probe.ts), as a module and a bluepill
# image. A test fixture, not an image to ship: it may pass the flash budget (the virtual board
# runs anything inside the flash region below the store).
build/app/probe.wasm: $(APP_CORE_SRC) $(APP_SDK_SRC) mk/app.mk $(wildcard test/app/fixtures/probe*) | node_modules/.package-lock.json
	$(call CORE_MODULE,test/app/fixtures/probe.asconfig.json)
build/bluepill-probe/firmware.elf: boards/bluepill.json build/app/probe.wasm $(APP_FW_DEPS) | npm
	@set -o pipefail; $(WASMQTT_CLI) build --board bluepill --wasm build/app/probe.wasm --out build/bluepill-probe --allow-over-budget \
	  | grep -E '^  (flash|RAM total)' | sed 's/^/bluepill-probe: /' || $(call FW_BUDGET_FAIL,bluepill-probe)

# The settings test app (test/app/fixtures/settings.ts), NodeDevice only.
build/app/settings-test.wasm: $(APP_CORE_SRC) $(APP_SDK_SRC) mk/app.mk $(wildcard test/app/fixtures/settings*) | node_modules/.package-lock.json
	$(call CORE_MODULE,test/app/fixtures/settings.asconfig.json)

BUILD_ARTIFACTS += build/app/settings-test.wasm
BUILD_ARTIFACTS += build/app/sensor.wasm build/bluepill-sensor/firmware.elf build/bluepill-sensor-aot/firmware.elf \
  build/app/probe.wasm build/bluepill-probe/firmware.elf
