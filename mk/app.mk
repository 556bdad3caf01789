# Apps on the app API (firmware/app/sdk, "wasmqtt/app"): each compiled with the core into one
# module (docs/app-api.md), then into firmware images beside the default (console) one, which
# stays build/<board>/firmware.elf. Owner: app API engineer.
APP_SDK_SRC := $(shell find firmware/app/sdk -name '*.ts' 2>/dev/null)

# examples/sensor: internal temperature at QoS 1, the PC13 LED from QoS 2 messages.
build/app/sensor.wasm: $(CORE_SRC) $(APP_SDK_SRC) $(wildcard examples/sensor/*.ts examples/sensor/*.json) | node_modules/.package-lock.json
	$(call CORE_MODULE,examples/sensor/asconfig.json)

# Its firmware images, both engines (the virtual-board tests and the bench run them).
build/bluepill-sensor/firmware.elf: boards/bluepill.json build/app/sensor.wasm $(FW_DEPS) | npm
	@set -o pipefail; $(WASMQTT_CLI) build --board bluepill --wasm build/app/sensor.wasm --out build/bluepill-sensor \
	  | grep -E '^  (flash|RAM total)' | sed 's/^/bluepill-sensor: /' || $(call FW_BUDGET_FAIL,bluepill-sensor)
build/bluepill-sensor-aot/firmware.elf: boards/bluepill.json build/app/sensor.wasm $(FW_DEPS) $(wildcard firmware/binding/aot/*) | npm
	@set -o pipefail; $(WASMQTT_CLI) build --board bluepill --engine aot --wasm build/app/sensor.wasm --out build/bluepill-sensor-aot \
	  | grep -E '^  (flash|RAM total)' | sed 's/^/bluepill-sensor-aot: /' || $(call FW_BUDGET_FAIL,bluepill-sensor-aot)

BUILD_ARTIFACTS += build/app/sensor.wasm build/bluepill-sensor/firmware.elf build/bluepill-sensor-aot/firmware.elf
