# W5500 layer. Artifacts:
#  - build/w5500/driver-test.wasm: the driver's test entry (test/w5500, bench/w5500).
#  - build/w5500/core-w5500.wasm: core.wasm built with its transport switched to the W5500 driver
#    (a copy of firmware/core with net/transport.ts replaced by net/w5500/transport-w5500.ts, built
#    with the core's own asconfig.json release options), for the end-to-end tests until the switch
#    is made in firmware/core itself (docs/w5500.md).
W5500_DRIVER_SRC := $(wildcard firmware/core/net/w5500/*.ts) firmware/core/net/w5500/asconfig.json
W5500_CORE_SRC := $(shell find firmware/core -name '*.ts' 2>/dev/null) asconfig.json
BUILD_ARTIFACTS += build/w5500/driver-test.wasm build/w5500/core-w5500.wasm

build/w5500/driver-test.wasm: $(W5500_DRIVER_SRC) | node_modules/.package-lock.json
	@mkdir -p $(dir $@)
	@node_modules/.bin/asc firmware/core/net/w5500/driver-test.ts --config firmware/core/net/w5500/asconfig.json -o $@

build/w5500/core-w5500.wasm: $(W5500_CORE_SRC) | node_modules/.package-lock.json
	@rm -rf build/w5500/core-src && mkdir -p build/w5500 && cp -r firmware/core build/w5500/core-src
	@cp firmware/core/net/w5500/transport-w5500.ts build/w5500/core-src/net/transport.ts
	@node -e 'const c = require("./asconfig.json"); const o = { ...c.options, ...c.targets.release }; delete o.outFile; o.use = (o.use ?? []).map((u) => u.replace("firmware/core/", "build/w5500/core-src/")); require("fs").writeFileSync("build/w5500/core-variant.asconfig.json", JSON.stringify({ options: o }, null, 2));'
	@node_modules/.bin/asc build/w5500/core-src/index.ts --config build/w5500/core-variant.asconfig.json -o $@ 2>&1 | { grep -v 'converge was suboptimal' || true; }
	@test -s $@
