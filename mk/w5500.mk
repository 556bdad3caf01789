# W5500 layer. Artifact: build/w5500/driver-test.wasm, the driver's test entry (test/w5500,
# bench/w5500). core.wasm itself carries the driver as its transport (mk/core.mk builds it).
W5500_DRIVER_SRC := $(wildcard firmware/core/net/w5500/*.ts) firmware/core/net/w5500/asconfig.json
BUILD_ARTIFACTS += build/w5500/driver-test.wasm

build/w5500/driver-test.wasm: $(W5500_DRIVER_SRC) | node_modules/.package-lock.json
	@mkdir -p $(dir $@)
	@node_modules/.bin/asc firmware/core/net/w5500/driver-test.ts --config firmware/core/net/w5500/asconfig.json -o $@
