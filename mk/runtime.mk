# Runtime layer (C wasm interpreter with wasm3's embedding API + build-time pre-decoder).
# Owner: runtime engineer. Outputs under build/runtime/.
RT_DIR      := firmware/runtime
RT_SRCS     := $(wildcard $(RT_DIR)/src/*.c)
RT_HDRS     := $(wildcard $(RT_DIR)/src/*.h $(RT_DIR)/include/*.h) $(RT_DIR)/src/rf_ops_all.inc
RT_TS       := $(wildcard host-tools/wasm/*.ts)
RT_OUT      := build/runtime
RT_CFLAGS   := -std=c11 -Wall -Wextra -Wno-unused-parameter -I$(RT_DIR)/include
RT_SAN      := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
RT_ARM_CC   := arm-none-eabi-gcc
RT_ARM_FLAGS := -std=c11 -Os -mthumb -mcpu=cortex-m3 -ffunction-sections -fdata-sections -Wall -I$(RT_DIR)/include
# The engine: the register form is the default (rf_engine.c, format 40); the stack form's builds (interp.c,
# format 39 from host-tools/wasm/predecode.ts) say so with RT_STACK_DEFS.
RT_STACK_DEFS := -DWQRT_REGFORM=0
# Seeds for the stack form's fuzzer and the fixture its API tests load (the same file serves upstream wasm3).
RT_FIXTURES := $(RT_OUT)/api.pd.wasm $(RT_OUT)/fuzz-seed.pd.wasm
# The same through the register form.
RT_RF_FIXTURES := $(RT_OUT)/api.rf.wasm $(RT_OUT)/fuzz-seed.rf.wasm
# The spec suite needs more tables/segments/handles than a board build keeps room for.
RT_SPEC_DEFS := -DWQRT_REFTYPES=1 -DWQRT_MAX_HANDLES=4096 -DWQRT_MAX_TABLES=8 -DWQRT_TABLE_GROW_CAP=1024
FUZZ_ITERATIONS ?= 1000000
FUZZ_SEED ?= 1

# Spec driver (the stack form): plain -O2 with floats on (the whole suite runs on it; ASan runs the API
# tests, the fuzzer and an ASan spec subset).
$(RT_OUT)/spec_driver: $(RT_SRCS) $(RT_HDRS) $(RT_DIR)/host/spec_driver.c
	@mkdir -p $(@D)
	@gcc $(RT_CFLAGS) -O2 -DWQRT_FLOATS=1 $(RT_SPEC_DEFS) $(RT_STACK_DEFS) $(RT_SRCS) $(RT_DIR)/host/spec_driver.c -o $@ -lm
$(RT_OUT)/spec_driver_asan: $(RT_SRCS) $(RT_HDRS) $(RT_DIR)/host/spec_driver.c
	@mkdir -p $(@D)
	@gcc $(RT_CFLAGS) $(RT_SAN) -DWQRT_FLOATS=1 $(RT_SPEC_DEFS) $(RT_STACK_DEFS) $(RT_SRCS) $(RT_DIR)/host/spec_driver.c -o $@ -lm
# The register form (format 40, rf_engine.c; interp.c compiles to nothing): the handlers of every op, numbered
# as host-tools/wasm/regform/blob.ts numbers a module, are committed beside rf_engine.c (rf_ops_all.h/.inc,
# from the translator's op table by gen-ops.ts), so a plain gcc of the runtime builds it; an image's own
# numbering (WQRT_RF_IMAGE_OPS=1) comes from its build folder. -DWQRT_REGFORM=1 only says what the default is.
RT_RF_TS    := $(wildcard host-tools/wasm/regform/*.ts)
RT_RF_OPS   := $(RT_DIR)/src/rf_ops_all.h $(RT_DIR)/src/rf_ops_all.inc
RT_RF_DEFS  := -DWQRT_REGFORM=1
$(RT_DIR)/src/rf_ops_all.inc: $(RT_RF_TS) | npm
	@$(NODE_TS) host-tools/wasm/regform/gen-ops.ts --every-op
	@touch $(RT_RF_OPS)
$(RT_DIR)/src/rf_ops_all.h: $(RT_DIR)/src/rf_ops_all.inc
# the spec driver and the API tests through the register form (host-tools/wasm/spectest.ts without --stack)
$(RT_OUT)/spec_driver_rf: $(RT_SRCS) $(RT_HDRS) $(RT_RF_OPS) $(RT_DIR)/host/spec_driver.c
	@mkdir -p $(@D)
	@gcc $(RT_CFLAGS) -O2 -DWQRT_FLOATS=1 $(RT_SPEC_DEFS) $(RT_RF_DEFS) $(RT_SRCS) $(RT_DIR)/host/spec_driver.c -o $@ -lm
$(RT_OUT)/api_test_rf: $(RT_SRCS) $(RT_HDRS) $(RT_RF_OPS) test/runtime/api/api_test.c
	@mkdir -p $(@D)
	@gcc $(RT_CFLAGS) $(RT_SAN) $(RT_RF_DEFS) $(RT_SRCS) test/runtime/api/api_test.c -o $@
$(RT_OUT)/fuzz_loader_rf: $(RT_SRCS) $(RT_HDRS) $(RT_RF_OPS) $(RT_DIR)/host/fuzz_loader.c
	@mkdir -p $(@D)
	@gcc $(RT_CFLAGS) $(RT_SAN) -std=gnu11 -DWQRT_FUEL $(RT_SPEC_DEFS) $(RT_RF_DEFS) $(RT_SRCS) $(RT_DIR)/host/fuzz_loader.c -o $@
$(RT_OUT)/%.rf.wasm: $(RT_OUT)/%.wasm $(RT_TS) $(RT_RF_TS) | npm
	@$(NODE_TS) host-tools/wasm/regform/blob.ts $< $@ >/dev/null
$(RT_OUT)/api_test: $(RT_SRCS) $(RT_HDRS) test/runtime/api/api_test.c
	@mkdir -p $(@D)
	@gcc $(RT_CFLAGS) $(RT_SAN) $(RT_STACK_DEFS) $(RT_SRCS) test/runtime/api/api_test.c -o $@
$(RT_OUT)/fuzz_loader: $(RT_SRCS) $(RT_HDRS) $(RT_DIR)/host/fuzz_loader.c
	@mkdir -p $(@D)
	@gcc $(RT_CFLAGS) $(RT_SAN) -std=gnu11 -DWQRT_FUEL $(RT_SPEC_DEFS) $(RT_STACK_DEFS) $(RT_SRCS) $(RT_DIR)/host/fuzz_loader.c -o $@
# A wasm3-API-only program (no wqrt_* calls: default arena, unaligned module bytes), built as a user's program
# would be: no engine define, so the default (the register form). plain_driver_stack: the same on the stack form.
$(RT_OUT)/plain_driver: $(RT_SRCS) $(RT_HDRS) $(RT_DIR)/host/plain_driver.c
	@mkdir -p $(@D)
	@gcc $(RT_CFLAGS) $(RT_SAN) $(RT_SRCS) $(RT_DIR)/host/plain_driver.c -o $@
$(RT_OUT)/plain_driver_stack: $(RT_SRCS) $(RT_HDRS) $(RT_DIR)/host/plain_driver.c
	@mkdir -p $(@D)
	@gcc $(RT_CFLAGS) $(RT_SAN) $(RT_STACK_DEFS) $(RT_SRCS) $(RT_DIR)/host/plain_driver.c -o $@
# Ordinary AssemblyScript string code: 83 data segments (one per literal and itoa table).
$(RT_OUT)/strings.wasm: test/runtime/fixtures/strings.ts test/runtime/fixtures/strings.asconfig.json | node_modules/.package-lock.json
	@mkdir -p $(@D)
	@node_modules/.bin/asc --config test/runtime/fixtures/strings.asconfig.json --outFile $@
# Host harness that runs core.wasm with recorded board imports (compared with Node's engine), on the default
# engine (the register form: build/runtime/core.rf.wasm); core_trace_stack: the stack form (core.pd.wasm).
$(RT_OUT)/core_trace: $(RT_SRCS) $(RT_HDRS) $(RT_DIR)/host/core_trace.c
	@mkdir -p $(@D)
	@gcc $(RT_CFLAGS) $(RT_SAN) $(RT_SRCS) $(RT_DIR)/host/core_trace.c -o $@
$(RT_OUT)/core_trace_stack: $(RT_SRCS) $(RT_HDRS) $(RT_DIR)/host/core_trace.c
	@mkdir -p $(@D)
	@gcc $(RT_CFLAGS) $(RT_SAN) $(RT_STACK_DEFS) $(RT_SRCS) $(RT_DIR)/host/core_trace.c -o $@

$(RT_OUT)/%.wasm: test/runtime/fixtures/%.wat
	@mkdir -p $(@D)
	@wat2wasm $< -o $@
$(RT_OUT)/%.pd.wasm: $(RT_OUT)/%.wasm $(RT_TS) | npm
	@$(NODE_TS) host-tools/wasm/predecode.ts $< $@ >/dev/null

# Cortex-M3 objects of the stack form for the size figure (floats off, as on the bluepill). interp.c goes
# through host-tools/fwbuild/interp-dispatch.ts, as in the firmware build (it drops the dead range check of
# the opcode dispatch).
RT_INTERP_CC := $(NODE_TS) host-tools/fwbuild/interp-dispatch.ts
$(RT_OUT)/arm/%.o: $(RT_DIR)/src/%.c $(RT_HDRS)
	@mkdir -p $(@D)
	@$(RT_ARM_CC) $(RT_ARM_FLAGS) $(RT_STACK_DEFS) -c $< -o $@
$(RT_OUT)/arm/interp.o: $(RT_DIR)/src/interp.c $(RT_HDRS) host-tools/fwbuild/interp-dispatch.ts | npm
	@mkdir -p $(@D)
	@$(RT_INTERP_CC) $(RT_ARM_CC) $(RT_ARM_FLAGS) $(RT_STACK_DEFS) -c $< -o $@
RT_ARM_OBJS := $(RT_SRCS:$(RT_DIR)/src/%.c=$(RT_OUT)/arm/%.o)

RT_ARTIFACTS := $(RT_OUT)/plain_driver $(RT_OUT)/plain_driver_stack $(RT_OUT)/strings.pd.wasm $(RT_OUT)/strings.rf.wasm \
                $(RT_OUT)/api.wasm $(RT_OUT)/fuzz-seed.wasm $(RT_OUT)/spec_driver $(RT_OUT)/spec_driver_asan \
                $(RT_OUT)/spec_driver_rf $(RT_OUT)/api_test $(RT_OUT)/api_test_rf $(RT_OUT)/fuzz_loader $(RT_OUT)/fuzz_loader_rf \
                $(RT_FIXTURES) $(RT_RF_FIXTURES) $(RT_ARM_OBJS)
ifneq ($(wildcard $(RT_DIR)/host/core_trace.c),)
RT_ARTIFACTS += $(RT_OUT)/core_trace $(RT_OUT)/core_trace_stack
endif
BUILD_ARTIFACTS += $(RT_ARTIFACTS)

.PHONY: fuzz fuzz-runtime fuzz-runtime-short fuzz-rf test-wasm3
# `make fuzz`: >= 1,000,000 executions per engine (FUZZ_ITERATIONS, FUZZ_SEED to vary): the stack form
# (fuzz-runtime) and the default, the register form (fuzz-rf).
fuzz: fuzz-runtime fuzz-rf
fuzz-runtime: $(RT_OUT)/fuzz_loader $(RT_FIXTURES)
	@$(RT_OUT)/fuzz_loader $(FUZZ_ITERATIONS) $(FUZZ_SEED) $(RT_FIXTURES) $(wildcard $(RT_OUT)/core.pd.wasm $(RT_OUT)/device.pd.wasm)
# `make fuzz-rf`: the same through the register form (the default engine; format 40 seeds).
fuzz-rf: $(RT_OUT)/fuzz_loader_rf $(RT_RF_FIXTURES)
	@$(RT_OUT)/fuzz_loader_rf $(FUZZ_ITERATIONS) $(FUZZ_SEED) $(RT_RF_FIXTURES) $(wildcard $(RT_OUT)/core.rf.wasm)
# The short runs inside `make test`: both engines, 30,000 executions each.
fuzz-runtime-short: $(RT_OUT)/fuzz_loader $(RT_FIXTURES) $(RT_OUT)/fuzz_loader_rf $(RT_RF_FIXTURES)
	@$(RT_OUT)/fuzz_loader 30000 $$(date +%j) $(RT_FIXTURES)
	@$(RT_OUT)/fuzz_loader_rf 30000 $$(date +%j) $(RT_RF_FIXTURES)
TEST_EXTRA += fuzz-runtime-short

# `make test-wasm3 WASM3_SRC=DIR`: the API tests built against a user's upstream wasm3 checkout
# (DIR/source/*.c); not part of `make test` because no registry serves wasm3's source.
test-wasm3: $(RT_OUT)/api.pd.wasm $(RT_OUT)/api_test
	@test -n "$(WASM3_SRC)" -a -d "$(WASM3_SRC)/source" || { echo "test-wasm3: set WASM3_SRC to a wasm3 checkout (the folder that holds source/)"; exit 2; }
	@gcc -std=gnu11 -O1 -g -w -I$(WASM3_SRC)/source $(WASM3_SRC)/source/*.c test/runtime/api/api_test.c -o $(RT_OUT)/api_test_wasm3 -lm
	@echo "upstream wasm3 ($(WASM3_SRC)):" && $(RT_OUT)/api_test_wasm3 $(RT_OUT)/api.wasm
	@echo "wasmqtt runtime:" && $(RT_OUT)/api_test $(RT_OUT)/api.pd.wasm

# ---- instruction-count benchmark (bench/runtime.bench.ts): the core's codec on a Cortex-M3
# under unicorn, interpreted from flash vs compiled natively through wasm2c -O2.
RT_BENCH    := $(RT_OUT)/bench
RT_BENCH_SRC := host-tools/wasm/armbench
RT_BENCH_ARM := arm-none-eabi-gcc -mthumb -mcpu=cortex-m3 -ffreestanding -nostartfiles -nostdlib \
                -ffunction-sections -fdata-sections -Wl,--gc-sections -T $(RT_BENCH_SRC)/bench.ld
# The runtime as the benchmark programs link it: the interpreter object the size figure counts
# (interp.c through the dispatch step, as on the boards), the other files compiled with the program.
RT_BENCH_RT := $(filter-out %/interp.c,$(RT_SRCS)) $(RT_OUT)/arm/interp.o
$(RT_BENCH)/arm_count: $(RT_BENCH_SRC)/arm_count.c
	@mkdir -p $(@D)
	@gcc -std=gnu11 -O2 -Wall $< -o $@ -lunicorn
$(RT_OUT)/codec-test.pd.wasm: build/core/codec-test.wasm $(RT_TS) | npm
	@$(NODE_TS) host-tools/wasm/predecode.ts $< $@ >/dev/null
$(RT_BENCH)/codec_module.c: $(RT_OUT)/codec-test.pd.wasm host-tools/wasm/embed-c.ts
	@mkdir -p $(@D)
	@$(NODE_TS) host-tools/wasm/embed-c.ts $< $@ bench_module
$(RT_BENCH)/codec.c: build/core/codec-test.wasm
	@mkdir -p $(@D)
	@wasm2c $< -n codec -o $@
	@cp /usr/include/wasm-rt.h $(@D)/wasm-rt.h
$(RT_BENCH)/interp_%.elf: $(RT_BENCH_SRC)/interp_main.c $(RT_BENCH_SRC)/workload.h $(RT_BENCH_SRC)/workload_m3.h $(RT_BENCH_SRC)/crt.c $(RT_BENCH)/codec_module.c $(RT_BENCH_RT) $(RT_HDRS)
	@$(RT_BENCH_ARM) -std=c11 -Os -DITERATIONS=$* $(RT_STACK_DEFS) -I$(RT_DIR)/include -I$(RT_BENCH_SRC) $(RT_BENCH_SRC)/crt.c $(RT_BENCH_SRC)/interp_main.c $(RT_BENCH)/codec_module.c $(RT_BENCH_RT) -lgcc -o $@
$(RT_BENCH)/native_%.elf: $(RT_BENCH_SRC)/native_main.c $(RT_BENCH_SRC)/crt.c $(RT_BENCH)/codec.c
	@$(RT_BENCH_ARM) -std=gnu11 -O2 -w -DNDEBUG -DITERATIONS=$* -I$(RT_BENCH) -I$(RT_BENCH_SRC) $(RT_BENCH_SRC)/crt.c $(RT_BENCH_SRC)/native_main.c $(RT_BENCH)/codec.c -lgcc -o $@
RT_BENCH_ARTIFACTS := $(RT_OUT)/core.pd.wasm $(RT_OUT)/device.pd.wasm $(RT_BENCH)/arm_count $(RT_BENCH)/interp_1000.elf $(RT_BENCH)/interp_0.elf $(RT_BENCH)/native_1000.elf $(RT_BENCH)/native_0.elf
# ram.elf loads the module the boards run (the core with the console).
$(RT_BENCH)/core_module.c: $(RT_OUT)/device.pd.wasm host-tools/wasm/embed-c.ts
	@mkdir -p $(@D)
	@$(NODE_TS) host-tools/wasm/embed-c.ts $< $@ core_module
$(RT_OUT)/core.pd.wasm: build/core/core.wasm $(RT_TS) | npm
	@$(NODE_TS) host-tools/wasm/predecode.ts $< $@ >/dev/null
$(RT_OUT)/device.pd.wasm: build/core/device.wasm $(RT_TS) | npm
	@$(NODE_TS) host-tools/wasm/predecode.ts $< $@ >/dev/null
# core_trace's module (test/runtime/core-trace.test.ts): the core in the register form
$(RT_OUT)/core.rf.wasm: build/core/core.wasm $(RT_TS) $(RT_RF_TS) | npm
	@$(NODE_TS) host-tools/wasm/regform/blob.ts $< $@ >/dev/null
RT_BENCH_ARTIFACTS += $(RT_OUT)/core.rf.wasm
$(RT_BENCH)/ram.elf: $(RT_BENCH_SRC)/ram_main.c $(RT_BENCH_SRC)/crt.c $(RT_BENCH)/core_module.c $(RT_BENCH_RT) $(RT_HDRS)
	@$(RT_BENCH_ARM) -std=c11 -Os $(RT_STACK_DEFS) -I$(RT_DIR)/include $(RT_BENCH_SRC)/crt.c $(RT_BENCH_SRC)/ram_main.c $(RT_BENCH)/core_module.c $(RT_BENCH_RT) -lgcc -o $@
# size.elf links the Cortex-M3 objects (-Os, floats off) with the binding's API use; its map
# gives runtime_flash_bytes.
$(RT_BENCH)/size.elf: $(RT_BENCH_SRC)/size_main.c $(RT_BENCH_SRC)/crt.c $(RT_ARM_OBJS)
	@mkdir -p $(@D)
	@$(RT_BENCH_ARM) -std=c11 -Os $(RT_STACK_DEFS) -I$(RT_DIR)/include $(RT_BENCH_SRC)/crt.c $(RT_BENCH_SRC)/size_main.c $(RT_ARM_OBJS) -lgcc -Wl,-Map=$(RT_BENCH)/size.map -o $@
RT_BENCH_ARTIFACTS += $(RT_BENCH)/ram.elf $(RT_BENCH)/size.elf
# The register form on Cortex-M (floats off): rf_engine.c through the dispatch step
# (host-tools/fwbuild/regform-dispatch.ts), loader.c and api.c, with the every-op numbering; size_rf.elf's map
# measures that runtime as size.map measures the stack form's (runtime_flash_bytes).
RT_RF_ARM := $(RT_OUT)/arm-rf
$(RT_RF_ARM)/rf_engine.o: $(RT_DIR)/src/rf_engine.c $(RT_HDRS) $(RT_RF_OPS) host-tools/fwbuild/regform-dispatch.ts | npm
	@mkdir -p $(@D)
	@$(NODE_TS) host-tools/fwbuild/regform-dispatch.ts $(RT_ARM_CC) $(RT_ARM_FLAGS) $(RT_RF_DEFS) -c $< -o $@
$(RT_RF_ARM)/%.o: $(RT_DIR)/src/%.c $(RT_HDRS)
	@mkdir -p $(@D)
	@$(RT_ARM_CC) $(RT_ARM_FLAGS) $(RT_RF_DEFS) -c $< -o $@
$(RT_BENCH)/size_rf.elf: $(RT_BENCH_SRC)/size_main.c $(RT_BENCH_SRC)/crt.c $(RT_RF_ARM)/rf_engine.o $(RT_RF_ARM)/loader.o $(RT_RF_ARM)/api.o
	@mkdir -p $(@D)
	@$(RT_BENCH_ARM) -std=c11 -Os -I$(RT_DIR)/include $(RT_BENCH_SRC)/crt.c $(RT_BENCH_SRC)/size_main.c $(filter %.o,$^) -lgcc -Wl,-Map=$(RT_BENCH)/size_rf.map -o $@
$(RT_BENCH)/host_count_%: $(RT_BENCH_SRC)/interp_main.c $(RT_BENCH_SRC)/workload.h $(RT_BENCH_SRC)/workload_m3.h $(RT_BENCH_SRC)/host_count.c $(RT_BENCH)/codec_module.c $(RT_SRCS) $(RT_HDRS)
	@gcc -std=c11 -O2 -DWQRT_COUNT_OPS -DHOST_WRAPPER -DITERATIONS=$* $(RT_STACK_DEFS) -I$(RT_DIR)/include -I$(RT_BENCH_SRC) $(RT_BENCH_SRC)/interp_main.c $(RT_BENCH_SRC)/host_count.c $(RT_BENCH)/codec_module.c $(RT_SRCS) -o $@
RT_BENCH_ARTIFACTS += $(RT_BENCH)/host_count_1000 $(RT_BENCH)/host_count_0
# The same workload on upstream wasm3 (only when WASM3_SRC is given; `make bench WASM3_SRC=DIR`).
$(RT_BENCH)/codec_plain.c: build/core/codec-test.wasm host-tools/wasm/embed-c.ts
	@mkdir -p $(@D)
	@$(NODE_TS) host-tools/wasm/embed-c.ts $< $@ bench_plain_module
$(RT_BENCH)/wasm3_%.elf: $(RT_BENCH_SRC)/wasm3_main.c $(RT_BENCH_SRC)/workload.h $(RT_BENCH_SRC)/workload_m3.h $(RT_BENCH_SRC)/crt.c $(RT_BENCH)/codec_plain.c
	@test -n "$(WASM3_SRC)" -a -d "$(WASM3_SRC)/source" || { echo "set WASM3_SRC to a wasm3 checkout (the folder that holds source/)"; exit 2; }
	@arm-none-eabi-gcc -mthumb -mcpu=cortex-m3 -Os -std=gnu11 -w -ffunction-sections -fdata-sections -Wl,--gc-sections \
	  -nostartfiles --specs=nano.specs -T $(RT_BENCH_SRC)/bench.ld -Dd_m3HasFloat=0 -DITERATIONS=$* \
	  -I$(WASM3_SRC)/source -I$(RT_BENCH_SRC) $(RT_BENCH_SRC)/crt.c $< $(RT_BENCH)/codec_plain.c \
	  $(filter-out %/m3_api_libc.c %/m3_api_meta_wasi.c %/m3_api_tracer.c %/m3_api_uvwasi.c %/m3_api_wasi.c,$(wildcard $(WASM3_SRC)/source/*.c)) -o $@

# Call cost (bench/runtime.bench.ts): the same loop with and without a call to an accessor.
# Built by pattern rules; kept so make does not delete them after the build (and print it).
.SECONDARY: $(RT_OUT)/callbench.wasm $(RT_OUT)/callbench.pd.wasm
$(RT_BENCH)/callbench_module.c: $(RT_OUT)/callbench.pd.wasm host-tools/wasm/embed-c.ts
	@mkdir -p $(@D)
	@$(NODE_TS) host-tools/wasm/embed-c.ts $< $@ callbench_module
$(RT_BENCH)/call_%.elf: $(RT_BENCH_SRC)/call_main.c $(RT_BENCH_SRC)/crt.c $(RT_BENCH)/callbench_module.c $(RT_BENCH_RT) $(RT_HDRS)
	@$(RT_BENCH_ARM) -std=c11 -Os -DCALLS=$* -DN=1000 $(RT_STACK_DEFS) -I$(RT_DIR)/include $(RT_BENCH_SRC)/crt.c $(RT_BENCH_SRC)/call_main.c $(RT_BENCH)/callbench_module.c $(RT_BENCH_RT) -lgcc -o $@
RT_BENCH_ARTIFACTS += $(RT_BENCH)/call_1.elf $(RT_BENCH)/call_0.elf

# Last, so every RT_BENCH_ARTIFACTS addition above is in (BUILD_ARTIFACTS expands on +=).
ifneq ($(wildcard mk/core.mk),)
BUILD_ARTIFACTS += $(RT_BENCH_ARTIFACTS)
endif

# ---- interpreter suite (bench/interp-suite.bench.ts; not part of `make build`): Embench-IoT
# programs (from an Embench checkout, EMBENCH_SRC=DIR, never committed) and our loop kernel,
# compiled from C by clang-14 to wasm32, plus the core codec above; each run on Cortex-M3 by
# our interpreter, by upstream wasm3 (WASM3_SRC=DIR) and natively through wasm2c -O2, with
# the same wasm3-API driver (interp_main.c / wasm3_main.c with -DSUITE). Per workload W:
# build/runtime/bench/suite/W/{interp,native,wasm3}_{n,0}.elf (run(n) and run(0), the baseline).
RT_SUITE     := $(RT_BENCH)/suite
RT_SUITE_SRC := $(RT_BENCH_SRC)/suite
SUITE_CC     := clang-14 --target=wasm32 -O2 -ffreestanding -nostdlib -w -I$(RT_SUITE_SRC)/include \
                -Wl,--no-entry -Wl,-z,stack-size=8192 -Wl,--initial-memory=65536 -Wl,--max-memory=65536 -Wl,--export=run
SUITE_EMBENCH := crc32 edn mont64 sha256
SUITE_FILE_crc32  := src/crc32/crc_32.c
SUITE_FILE_edn    := src/edn/libedn.c
SUITE_FILE_mont64 := src/aha-mont64/mont64.c
SUITE_FILE_sha256 := src/nettle-sha256/nettle-sha256.c
# run(n): inner repetitions (Embench's local scale factor is 170/81/472/475: a fraction of it)
SUITE_N_crc32 := 8
SUITE_N_edn := 2
SUITE_N_mont64 := 40
SUITE_N_sha256 := 10
SUITE_N_kernel := 4
SUITE_N_coremark := 1
# Every other integer Embench-IoT program, the outside check (interp_embench in the bench): code
# no session tuned for. wikisort is left out: it takes a square root in double precision and the
# device's runtime has no floats. Per program: the file with benchmark_body, any other files,
# extra defines, and run(n)'s n (for 0.3-1.4 M wasm instructions; xgboost's one run is 7 M).
SUITE_EMBENCH_MORE := depthconv huffbench matmult-int md5sum nettle-aes nsichneu picojpeg qrduino \
                      sglib-combined slre statemate tarfind ud xgboost
SUITE_FILE_depthconv      := src/depthconv/depthconv.c
SUITE_FILE_huffbench      := src/huffbench/libhuffbench.c
SUITE_FILE_matmult-int    := src/matmult-int/matmult-int.c
SUITE_FILE_md5sum         := src/md5sum/md5.c
SUITE_DEFS_md5sum         := -DEMBENCH_BODY_ARG=MSG_SIZE
SUITE_FILE_nettle-aes     := src/nettle-aes/nettle-aes.c
SUITE_FILE_nsichneu       := src/nsichneu/libnsichneu.c
SUITE_FILE_picojpeg       := src/picojpeg/picojpeg_test.c
SUITE_EXTRA_picojpeg      := src/picojpeg/libpicojpeg.c
SUITE_FILE_qrduino        := src/qrduino/qrtest.c
SUITE_EXTRA_qrduino       := src/qrduino/qrencode.c src/qrduino/qrframe.c
SUITE_FILE_sglib-combined := src/sglib-combined/combined.c
SUITE_FILE_slre           := src/slre/libslre.c
SUITE_FILE_statemate      := src/statemate/libstatemate.c
SUITE_FILE_tarfind        := src/tarfind/tarfind.c
SUITE_FILE_ud             := src/ud/libud.c
SUITE_FILE_xgboost        := src/xgboost/testbench.c
SUITE_EXTRA_xgboost       := src/xgboost/xgboost.c
SUITE_N_depthconv := 100
SUITE_N_huffbench := 1
SUITE_N_matmult-int := 3
SUITE_N_md5sum := 4
SUITE_N_nettle-aes := 4
SUITE_N_nsichneu := 100
SUITE_N_picojpeg := 1
SUITE_N_qrduino := 1
SUITE_N_sglib-combined := 2
SUITE_N_slre := 10
SUITE_N_statemate := 150
SUITE_N_tarfind := 5
SUITE_N_ud := 60
SUITE_N_xgboost := 1
.PHONY: suite-clang
suite-clang:
	@scripts/ensure-apt.sh clang-14 lld-14
$(patsubst %,$(RT_SUITE)/%/plain.wasm,$(SUITE_EMBENCH) $(SUITE_EMBENCH_MORE)): $(RT_SUITE)/%/plain.wasm: $(RT_SUITE_SRC)/embench_entry.c $(RT_SUITE_SRC)/libc.c $(wildcard $(RT_SUITE_SRC)/include/*.h) | suite-clang
	@test -n "$(EMBENCH_SRC)" -a -f "$(EMBENCH_SRC)/support/beebsc.c" || { echo "$@: set EMBENCH_SRC to an Embench-IoT checkout (the folder that holds support/ and src/)" >&2; exit 2; }
	@mkdir -p $(@D)
	@$(SUITE_CC) -I$(EMBENCH_SRC)/support -I$(EMBENCH_SRC)/$(dir $(SUITE_FILE_$*)) -DGLOBAL_SCALE_FACTOR=1 $(SUITE_DEFS_$*) \
	  '-DEMBENCH_FILE="$(abspath $(EMBENCH_SRC))/$(SUITE_FILE_$*)"' \
	  $(RT_SUITE_SRC)/embench_entry.c $(EMBENCH_SRC)/support/beebsc.c $(RT_SUITE_SRC)/libc.c $(addprefix $(EMBENCH_SRC)/,$(SUITE_EXTRA_$*)) -o $@
# EEMBC CoreMark (COREMARK_SRC=DIR, a CoreMark checkout, never committed) with our port
# (suite/coremark/: seeds from run(n), no clock, no printing).
COREMARK_FILES := core_list_join.c core_main.c core_matrix.c core_state.c core_util.c
$(RT_SUITE)/coremark/plain.wasm: $(RT_SUITE_SRC)/coremark/coremark_entry.c $(RT_SUITE_SRC)/coremark/core_portme.h $(RT_SUITE_SRC)/libc.c | suite-clang
	@test -n "$(COREMARK_SRC)" -a -f "$(COREMARK_SRC)/core_main.c" || { echo "$@: set COREMARK_SRC to a CoreMark checkout (the folder that holds core_main.c)" >&2; exit 2; }
	@mkdir -p $(@D)
	@$(SUITE_CC) -I$(RT_SUITE_SRC)/coremark -I$(COREMARK_SRC) -Dmain=coremark_main \
	  $(addprefix $(COREMARK_SRC)/,$(COREMARK_FILES)) $(RT_SUITE_SRC)/coremark/coremark_entry.c $(RT_SUITE_SRC)/libc.c -o $@
$(RT_SUITE)/kernel/plain.wasm: $(RT_SUITE_SRC)/kernel.c | suite-clang
	@mkdir -p $(@D)
	@$(SUITE_CC) $< -o $@
$(RT_SUITE)/%/pd.wasm: $(RT_SUITE)/%/plain.wasm $(RT_TS) | npm
	@$(NODE_TS) host-tools/wasm/predecode.ts $< $@ >/dev/null
$(RT_SUITE)/%/module.c: $(RT_SUITE)/%/pd.wasm host-tools/wasm/embed-c.ts
	@$(NODE_TS) host-tools/wasm/embed-c.ts $< $@ bench_module
$(RT_SUITE)/%/plain_module.c: $(RT_SUITE)/%/plain.wasm host-tools/wasm/embed-c.ts
	@$(NODE_TS) host-tools/wasm/embed-c.ts $< $@ bench_plain_module
$(RT_SUITE)/%/suite.c: $(RT_SUITE)/%/plain.wasm
	@wasm2c $< -n suite -o $@
	@cp /usr/include/wasm-rt.h $(@D)/wasm-rt.h
.SECONDARY: $(foreach w,$(SUITE_EMBENCH) $(SUITE_EMBENCH_MORE) kernel coremark,$(addprefix $(RT_SUITE)/$(w)/,plain.wasm pd.wasm module.c plain_module.c suite.c))
# Two programs per engine and workload: run(n) (K = n) and run(0) (K = 0, the baseline).
define SUITE_RULES
$(RT_SUITE)/%/interp_$(1).elf: $(RT_SUITE)/%/module.c $(RT_BENCH_SRC)/interp_main.c $(RT_BENCH_SRC)/workload_m3.h $(RT_BENCH_SRC)/crt.c $(RT_BENCH_RT) $(RT_HDRS)
	@$(RT_BENCH_ARM) -std=c11 -Os -DSUITE -DITERATIONS=$(2) $(RT_STACK_DEFS) -I$(RT_DIR)/include -I$(RT_BENCH_SRC) $(RT_BENCH_SRC)/crt.c $(RT_BENCH_SRC)/interp_main.c $$< $(RT_BENCH_RT) -lgcc -o $$@
$(RT_SUITE)/%/native_$(1).elf: $(RT_SUITE)/%/suite.c $(RT_BENCH_SRC)/native_main.c $(RT_BENCH_SRC)/crt.c
	@$(RT_BENCH_ARM) -std=gnu11 -O2 -w -DNDEBUG -DSUITE -DITERATIONS=$(2) -I$$(@D) -I$(RT_BENCH_SRC) $(RT_BENCH_SRC)/crt.c $(RT_BENCH_SRC)/native_main.c $$< -lgcc -o $$@
$(RT_SUITE)/%/host_$(1): $(RT_SUITE)/%/module.c $(RT_BENCH_SRC)/interp_main.c $(RT_BENCH_SRC)/workload_m3.h $(RT_BENCH_SRC)/host_count.c $(RT_SRCS) $(RT_HDRS)
	@gcc -std=c11 -O2 -DWQRT_COUNT_OPS -DHOST_WRAPPER -DSUITE -DITERATIONS=$(2) $(RT_STACK_DEFS) -I$(RT_DIR)/include -I$(RT_BENCH_SRC) $(RT_BENCH_SRC)/interp_main.c $(RT_BENCH_SRC)/host_count.c $$< $(RT_SRCS) -o $$@
$(RT_SUITE)/%/wasm3_$(1).elf: $(RT_SUITE)/%/plain_module.c $(RT_BENCH_SRC)/wasm3_main.c $(RT_BENCH_SRC)/workload_m3.h $(RT_BENCH_SRC)/crt.c
	@test -n "$(WASM3_SRC)" -a -d "$(WASM3_SRC)/source" || { echo "set WASM3_SRC to a wasm3 checkout (the folder that holds source/)"; exit 2; }
	@arm-none-eabi-gcc -mthumb -mcpu=cortex-m3 -Os -std=gnu11 -w -ffunction-sections -fdata-sections -Wl,--gc-sections \
	  -nostartfiles --specs=nano.specs -T $(RT_BENCH_SRC)/bench.ld -Dd_m3HasFloat=0 -DSUITE -DITERATIONS=$(2) \
	  -I$(WASM3_SRC)/source -I$(RT_BENCH_SRC) $(RT_BENCH_SRC)/crt.c $(RT_BENCH_SRC)/wasm3_main.c $$< \
	  $$(filter-out %/m3_api_libc.c %/m3_api_meta_wasi.c %/m3_api_tracer.c %/m3_api_uvwasi.c %/m3_api_wasi.c,$$(wildcard $(WASM3_SRC)/source/*.c)) -o $$@
endef
$(eval $(call SUITE_RULES,n,$$(SUITE_N_$$*)))
$(eval $(call SUITE_RULES,0,0))
# The register form on the same programs (bench/interp-suite.bench.ts, the `regform_` keys): the
# module in format 40 with the every-op numbering, the runtime as RT_BENCH_RT but on the register
# form and rf_engine.c through the dispatch step (the every-op engine, as interp.o is for
# the stack form); host_rf_* count its dispatches.
RT_RF_BENCH_RT := $(filter-out %/interp.c %/rf_engine.c,$(RT_SRCS)) $(RT_RF_ARM)/rf_engine.o
$(RT_SUITE)/%/rf.wasm: $(RT_SUITE)/%/plain.wasm $(RT_TS) $(RT_RF_TS) | npm
	@$(NODE_TS) host-tools/wasm/regform/blob.ts $< $@ >/dev/null
$(RT_SUITE)/%/rf_module.c: $(RT_SUITE)/%/rf.wasm host-tools/wasm/embed-c.ts
	@$(NODE_TS) host-tools/wasm/embed-c.ts $< $@ bench_module
$(RT_BENCH)/codec-test.rf.wasm: build/core/codec-test.wasm $(RT_TS) $(RT_RF_TS) | npm
	@mkdir -p $(@D)
	@$(NODE_TS) host-tools/wasm/regform/blob.ts $< $@ >/dev/null
$(RT_BENCH)/codec_rf_module.c: $(RT_BENCH)/codec-test.rf.wasm host-tools/wasm/embed-c.ts
	@$(NODE_TS) host-tools/wasm/embed-c.ts $< $@ bench_module
.SECONDARY: $(foreach w,$(SUITE_EMBENCH) $(SUITE_EMBENCH_MORE) kernel coremark,$(addprefix $(RT_SUITE)/$(w)/,rf.wasm rf_module.c)) $(RT_BENCH)/codec-test.rf.wasm $(RT_BENCH)/codec_rf_module.c
define SUITE_RF_RULES
$(RT_SUITE)/%/rf_$(1).elf: $(RT_SUITE)/%/rf_module.c $(RT_BENCH_SRC)/interp_main.c $(RT_BENCH_SRC)/workload_m3.h $(RT_BENCH_SRC)/crt.c $(RT_RF_BENCH_RT) $(RT_HDRS) $(RT_RF_OPS)
	@$(RT_BENCH_ARM) -std=c11 -Os -DSUITE -DITERATIONS=$(2) $(RT_RF_DEFS) -I$(RT_DIR)/include -I$(RT_BENCH_SRC) $(RT_BENCH_SRC)/crt.c $(RT_BENCH_SRC)/interp_main.c $$< $(RT_RF_BENCH_RT) -lgcc -o $$@
$(RT_SUITE)/%/host_rf_$(1): $(RT_SUITE)/%/rf_module.c $(RT_BENCH_SRC)/interp_main.c $(RT_BENCH_SRC)/workload_m3.h $(RT_BENCH_SRC)/host_count.c $(RT_SRCS) $(RT_HDRS) $(RT_RF_OPS)
	@gcc -std=c11 -O2 -DWQRT_COUNT_OPS -DHOST_WRAPPER -DSUITE -DITERATIONS=$(2) $(RT_RF_DEFS) -I$(RT_DIR)/include -I$(RT_BENCH_SRC) $(RT_BENCH_SRC)/interp_main.c $(RT_BENCH_SRC)/host_count.c $$< $(RT_SRCS) -o $$@
endef
$(eval $(call SUITE_RF_RULES,n,$$(SUITE_N_$$*)))
$(eval $(call SUITE_RF_RULES,0,0))
$(RT_BENCH)/rf_%.elf: $(RT_BENCH_SRC)/interp_main.c $(RT_BENCH_SRC)/workload.h $(RT_BENCH_SRC)/workload_m3.h $(RT_BENCH_SRC)/crt.c $(RT_BENCH)/codec_rf_module.c $(RT_RF_BENCH_RT) $(RT_HDRS) $(RT_RF_OPS)
	@$(RT_BENCH_ARM) -std=c11 -Os -DITERATIONS=$* $(RT_RF_DEFS) -I$(RT_DIR)/include -I$(RT_BENCH_SRC) $(RT_BENCH_SRC)/crt.c $(RT_BENCH_SRC)/interp_main.c $(RT_BENCH)/codec_rf_module.c $(RT_RF_BENCH_RT) -lgcc -o $@
$(RT_BENCH)/host_rf_count_%: $(RT_BENCH_SRC)/interp_main.c $(RT_BENCH_SRC)/workload.h $(RT_BENCH_SRC)/workload_m3.h $(RT_BENCH_SRC)/host_count.c $(RT_BENCH)/codec_rf_module.c $(RT_SRCS) $(RT_HDRS) $(RT_RF_OPS)
	@gcc -std=c11 -O2 -DWQRT_COUNT_OPS -DHOST_WRAPPER -DITERATIONS=$* $(RT_RF_DEFS) -I$(RT_DIR)/include -I$(RT_BENCH_SRC) $(RT_BENCH_SRC)/interp_main.c $(RT_BENCH_SRC)/host_count.c $(RT_BENCH)/codec_rf_module.c $(RT_SRCS) -o $@
# The default interpreter's RAM and call cost (bench/runtime.bench.ts): ram.elf's and call_*.elf's programs
# on the register form (format 40, every-op numbering), linked as the suite's rf_*.elf are.
$(RT_OUT)/device.rf.wasm: build/core/device.wasm $(RT_TS) $(RT_RF_TS) | npm
	@$(NODE_TS) host-tools/wasm/regform/blob.ts $< $@ >/dev/null
$(RT_BENCH)/core_rf_module.c: $(RT_OUT)/device.rf.wasm host-tools/wasm/embed-c.ts
	@mkdir -p $(@D)
	@$(NODE_TS) host-tools/wasm/embed-c.ts $< $@ core_module
$(RT_BENCH)/ram_rf.elf: $(RT_BENCH_SRC)/ram_main.c $(RT_BENCH_SRC)/crt.c $(RT_BENCH)/core_rf_module.c $(RT_RF_BENCH_RT) $(RT_HDRS) $(RT_RF_OPS)
	@$(RT_BENCH_ARM) -std=c11 -Os $(RT_RF_DEFS) -I$(RT_DIR)/include $(RT_BENCH_SRC)/crt.c $(RT_BENCH_SRC)/ram_main.c $(RT_BENCH)/core_rf_module.c $(RT_RF_BENCH_RT) -lgcc -o $@
.SECONDARY: $(RT_OUT)/callbench.rf.wasm $(RT_BENCH)/core_rf_module.c $(RT_BENCH)/callbench_rf_module.c
$(RT_BENCH)/callbench_rf_module.c: $(RT_OUT)/callbench.rf.wasm host-tools/wasm/embed-c.ts
	@mkdir -p $(@D)
	@$(NODE_TS) host-tools/wasm/embed-c.ts $< $@ callbench_module
# (call_%.elf matches these names too; make takes the rule with the shorter stem)
$(RT_BENCH)/call_rf_%.elf: $(RT_BENCH_SRC)/call_main.c $(RT_BENCH_SRC)/crt.c $(RT_BENCH)/callbench_rf_module.c $(RT_RF_BENCH_RT) $(RT_HDRS) $(RT_RF_OPS)
	@$(RT_BENCH_ARM) -std=c11 -Os -DCALLS=$* -DN=1000 $(RT_RF_DEFS) -I$(RT_DIR)/include $(RT_BENCH_SRC)/crt.c $(RT_BENCH_SRC)/call_main.c $(RT_BENCH)/callbench_rf_module.c $(RT_RF_BENCH_RT) -lgcc -o $@
