# MQTT core (AssemblyScript -> core.wasm) and the device module (core + console app ->
# device.wasm, what the firmware images embed). Owner: core engineer.
# Outputs are written to a temp file and renamed, so tests running meanwhile never see a
# missing or half-written module; the temp name carries the shell's PID, so two makes running
# at once in the shared tree never take (and then miss) each other's file.
CORE_SRC := $(shell find firmware/core -name '*.ts' -o -name '*.json' 2>/dev/null) asconfig.json mk/core.mk host-tools/fwbuild/wasm-opt.flags
APP_SRC := $(shell find firmware/app -name '*.ts' -o -name '*.json' 2>/dev/null)
CORE_ASC := node_modules/.bin/asc
CORE_QUIET := 2>&1 | { grep -v 'converge was suboptimal' || true; }

# wasm-opt's flags (and why each) live in host-tools/fwbuild/wasm-opt.flags, shared with the app
# build of `wasmqtt build` (host-tools/fwbuild/app.ts).
CORE_WASM_OPT := wasm-opt $(shell grep -v '^\#' host-tools/fwbuild/wasm-opt.flags)

# $(call CORE_MODULE,asconfig[,asc flags]): asc with that config's release target, then wasm-opt, into $@.
# asc --debug: function names for wasm-opt's --no-inline (wasm-opt.flags), which strips them again.
CORE_MODULE = @command -v wasm-opt >/dev/null || { echo "$@: wasm-opt not found; install the Debian package binaryen (apt-get install binaryen)" >&2; exit 1; }; \
	mkdir -p build/core && t=$@.$$$$; \
	  $(CORE_ASC) --config $(1) --target release --debug $(2) --outFile $$t.asc $(CORE_QUIET); \
	  test -s $$t.asc && $(CORE_WASM_OPT) $$t.asc -o $$t.tmp && rm -f $$t.asc && mv $$t.tmp $@ \
	  || { rm -f $$t.asc $$t.tmp; echo "$@: build failed (see above)" >&2; exit 1; }

# The MQTT core alone: what NodeDevice runs, and what an app is compiled with.
build/core/core.wasm: $(CORE_SRC) | node_modules/.package-lock.json
	$(call CORE_MODULE,asconfig.json)

# The core with the device console (firmware/app/console): what the firmware images embed.
build/core/device.wasm: $(CORE_SRC) $(APP_SRC) | node_modules/.package-lock.json
	$(call CORE_MODULE,firmware/app/console/asconfig.json)

# The same for a board with its own MQTT packet limit N (mqtt.packetMax in its board file).
build/core/device-p%.wasm: $(CORE_SRC) $(APP_SRC) | node_modules/.package-lock.json
	$(call CORE_MODULE,firmware/app/console/asconfig.json,--use WQ_PACKET_MAX=$*)
.PRECIOUS: build/core/device-p%.wasm

# $(call CORE_ASC_ONLY,asconfig,asc flags): asc alone (no wasm-opt), into $@.
CORE_ASC_ONLY = @mkdir -p build/core && t=$@.$$$$.tmp; \
	  $(CORE_ASC) --config $(1) $(2) --outFile $$t $(CORE_QUIET); \
	  test -s $$t && mv $$t $@ || { rm -f $$t; echo "$@: build failed (see above)" >&2; exit 1; }

# Same sources with the runtime exported: lets a test read the bump allocator's pointer.
build/core/core-probe.wasm: $(CORE_SRC) | node_modules/.package-lock.json
	$(call CORE_ASC_ONLY,asconfig.json,--target probe)
build/core/device-probe.wasm: $(CORE_SRC) $(APP_SRC) | node_modules/.package-lock.json
	$(call CORE_ASC_ONLY,firmware/app/console/asconfig.json,--target probe)

# The codec, topic rules and QoS transition table on their own, for byte-exact unit tests.
build/core/codec-test.wasm: $(CORE_SRC) | node_modules/.package-lock.json
	$(call CORE_ASC_ONLY,firmware/core/codec.asconfig.json)

# The session tables and store log driven step by step, for the store property test.
build/core/session-test.wasm: $(CORE_SRC) | node_modules/.package-lock.json
	$(call CORE_ASC_ONLY,firmware/core/session.asconfig.json)

BUILD_ARTIFACTS += build/core/core.wasm build/core/device.wasm build/core/core-probe.wasm build/core/device-probe.wasm \
  build/core/codec-test.wasm build/core/session-test.wasm build/core/device-p4096.wasm build/core/device-p128.wasm

# `make core-size`: where the bytes of core.wasm and device.wasm go, for size work (not part of
# the build). Section sizes, bytes per source area and the largest functions of the same module
# with a name section (a --debug build through the same wasm-opt pipeline; the code is the same
# as the release module's). Inlined functions count in their caller (most of the client ends up
# in `step`).
.PHONY: core-size
core-size: build/core/core.wasm build/core/device.wasm
	@for m in core:asconfig.json device:firmware/app/console/asconfig.json; do \
	  name=$${m%%:*}; cfg=$${m#*:}; w=build/core/$$name.wasm; n=build/core/$$name-names; \
	  $(CORE_ASC) --config $$cfg --target release --debug --outFile $$n.asc.wasm $(CORE_QUIET); \
	  $(filter-out --strip-debug,$(CORE_WASM_OPT)) -g $$n.asc.wasm -o $$n.wasm && rm -f $$n.asc.wasm || exit 1; \
	  echo "$$name.wasm: $$(stat -c %s $$w) B"; \
	  wasm-objdump -h $$w | sed -nE 's/^ *([A-Za-z]+) start=.*size=0x([0-9a-f]+).*/\1 \2/p' \
	    | while read sec hex; do printf '  %-9s %6d B\n' $$sec $$((16#$$hex)); done; \
	  wasm-objdump -x $$n.wasm | sed -nE 's/^ - func\[[0-9]+\] size=([0-9]+) <(.*)>$$/\1 \2/p' > $$n-funcs.txt; \
	  echo "code by area (firmware/...):"; \
	  awk '{ n = split($$2, p, "/"); a = (p[3] == "index" || p[3] == "config") ? p[2] "/" p[3] : p[2] "/" p[3] "/" p[4]; \
	    if (p[1] != "firmware") a = "(runtime)"; s[a] += $$1 } END { for (a in s) printf "  %6d B  %s\n", s[a], a }' $$n-funcs.txt | sort -rn; \
	  echo "largest functions:"; \
	  sort -rn $$n-funcs.txt | head -$$([ $$name = core ] && echo 25 || echo 10) | awk '{ printf "  %6d B  %s\n", $$1, $$2 }'; \
	done
