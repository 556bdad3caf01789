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
