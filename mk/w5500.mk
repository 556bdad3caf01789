# W5500 layer. Artifact: build/w5500/driver-test.wasm, the driver's test entry (test/w5500,
# bench/w5500). core.wasm itself carries the driver as its transport (mk/core.mk builds it).
W5500_DRIVER_SRC := $(wildcard firmware/core/net/w5500/*.ts) firmware/core/net/w5500/asconfig.json
BUILD_ARTIFACTS += build/w5500/driver-test.wasm
# Debian's dnsmasq: the real DNS and DHCP server the LAN tests and hil scenarios run against; the
# DHCP rig (host-tools/sim/w5500/dhcp-rig.ts) puts it in a network namespace with iproute2's `ip`.
APT_PKGS += dnsmasq-base iproute2

build/w5500/driver-test.wasm: $(W5500_DRIVER_SRC) | node_modules/.package-lock.json
	@mkdir -p $(dir $@)
	@node_modules/.bin/asc firmware/core/net/w5500/driver-test.ts --config firmware/core/net/w5500/asconfig.json -o $@

# core.wasm with the LAN services (DHCP, DNS) enabled, the way an app opts in (firmware/core/net/lan.ts):
# what the DNS tests and bench's lan.dhcp_dns_flash_bytes measure against core.wasm.
BUILD_ARTIFACTS += build/w5500/core-lan.wasm
build/w5500/core-lan.wasm: $(CORE_SRC) | node_modules/.package-lock.json
	@mkdir -p build/core build/w5500
	$(call CORE_MODULE,firmware/core/net/lan.asconfig.json)

# The device console with the LAN services (firmware/app/console/index-lan.ts, asc --use WQ_LAN=1):
# device.wasm plus DHCP, DNS, `set host NAME` and `evt dhcp`, for the boards with the room for it.
# Their LAN images go beside the default ones (build/<board>-lan/); `wasmqtt hil --sim` boots one
# for the LAN scenarios (host-tools/hil/sim-board.ts). bluepill and bluepill128 have no room: their
# 8 KB of linear memory is full with the console (docs/w5500.md, "LAN images").
LAN_BOARDS := stm32f103rc stm32f103ze
build/core/device-lan.wasm: $(CORE_SRC) $(APP_SRC) | node_modules/.package-lock.json
	$(call CORE_MODULE,firmware/app/console/lan.asconfig.json)
build/core/device-lan-p%.wasm: $(CORE_SRC) $(APP_SRC) | node_modules/.package-lock.json
	$(call CORE_MODULE,firmware/app/console/lan.asconfig.json,--use WQ_PACKET_MAX=$*)
.PRECIOUS: build/core/device-lan-p%.wasm
fw_lan_module = build/core/device-lan$(if $(call fw_packet_max,$(1)),-p$(call fw_packet_max,$(1))).wasm
build/%-lan/firmware.elf: $(FW_BOARDS_DIR)/%.json $$(call fw_lan_module,$$*) $(FW_DEPS) | npm
	@set -o pipefail; $(WASMQTT_CLI) build --board $* --boards-dir $(FW_BOARDS_DIR) --wasm $(call fw_lan_module,$*) --out $(@D) \
	  | grep -E '^  (flash|RAM total)' | sed 's/^/$*-lan: /' || $(call FW_BUDGET_FAIL,$*-lan)
BUILD_ARTIFACTS += build/core/device-lan.wasm build/core/device-lan-p4096.wasm $(LAN_BOARDS:%=build/%-lan/firmware.elf)
