# MQTT core (AssemblyScript -> core.wasm). Owner: core engineer.
# Outputs are written to a temp file and renamed, so tests running meanwhile never see a
# missing or half-written module.
CORE_SRC := $(shell find firmware/core -name '*.ts' -o -name '*.json' 2>/dev/null) asconfig.json
CORE_ASC := node_modules/.bin/asc
CORE_QUIET := 2>&1 | { grep -v 'converge was suboptimal' || true; }

# binaryen's wasm-opt -Oz after asc saves ~120 B more than asc's own shrink pipeline; the feature
# flags are exactly what asc emits (no new opcode kinds for the device interpreter), and the memory
# layout (data segment addresses) is not changed by it.
CORE_WASM_OPT := wasm-opt --enable-sign-ext --enable-bulk-memory --enable-mutable-globals \
  --enable-nontrapping-float-to-int -Oz --converge

build/core/core.wasm: $(CORE_SRC) | node_modules/.package-lock.json
	@mkdir -p build/core && rm -f $@.tmp $@.asc
	@$(CORE_ASC) --config asconfig.json --target release --outFile $@.asc $(CORE_QUIET)
	@command -v wasm-opt >/dev/null || { echo "core.wasm: wasm-opt not found; install the Debian package binaryen (apt-get install binaryen)" >&2; exit 1; }
	@test -s $@.asc && $(CORE_WASM_OPT) $@.asc -o $@.tmp && rm -f $@.asc
	@test -s $@.tmp && mv $@.tmp $@

# Same sources with the runtime exported: lets a test read the bump allocator's pointer.
build/core/core-probe.wasm: $(CORE_SRC) | node_modules/.package-lock.json
	@mkdir -p build/core && rm -f $@.tmp
	@$(CORE_ASC) --config asconfig.json --target probe --outFile $@.tmp $(CORE_QUIET)
	@test -s $@.tmp && mv $@.tmp $@

# The codec, topic rules and QoS transition table on their own, for byte-exact unit tests.
build/core/codec-test.wasm: $(CORE_SRC) | node_modules/.package-lock.json
	@mkdir -p build/core && rm -f $@.tmp
	@$(CORE_ASC) --config firmware/core/codec.asconfig.json --outFile $@.tmp $(CORE_QUIET)
	@test -s $@.tmp && mv $@.tmp $@

BUILD_ARTIFACTS += build/core/core.wasm build/core/core-probe.wasm build/core/codec-test.wasm
