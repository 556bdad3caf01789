# ---- WAMR, the interpreter suite's second peer (bench/interp-suite.bench.ts; not part of
# `make build`): the WebAssembly Micro Runtime's fast interpreter (WAMR_SRC=DIR, a checkout
# that holds core/; never committed) built for bare-metal Cortex-M3 with the bench's flags
# (-Os, Thumb, sections collected, newlib-nano), classic interpreter, AOT and JITs off, no
# libc-wasi / libc-builtin (the suite's modules import nothing), no threads. Our platform layer
# (wamr_platform*) and driver (wamr_main.c) run the plain module wasm3 runs. Per workload W:
# build/runtime/bench/suite/W/wamr_{n,0}.elf, wamrO2_{n,0}.elf and wamr_pool.elf (returns the
# pool's high-water mark); the codec: build/runtime/bench/wamr_{1000,0}.elf, wamrO2_... and wamr_pool.elf.
WAMR_OUT  := $(RT_BENCH)/wamr
WAMR_CORE  = $(WAMR_SRC)/core
WAMR_CC   := arm-none-eabi-gcc -mthumb -mcpu=cortex-m3 -std=gnu11 -ffunction-sections -fdata-sections
# What WAMR's cmake sets for WAMR_BUILD_INTERP=1 WAMR_BUILD_FAST_INTERP=1 WAMR_BUILD_AOT=0
# WAMR_BUILD_LIBC_BUILTIN=0 WAMR_BUILD_LIBC_WASI=0 WAMR_BUILD_TARGET=THUMB (bulk memory is its
# default, and the codec uses memory.copy); no MMU, so no hardware bounds checks; logging off.
WAMR_DEFS := -DBUILD_TARGET_THUMB '-DBUILD_TARGET="THUMBV7M"' -DWASM_ENABLE_INTERP=1 -DWASM_ENABLE_FAST_INTERP=1 \
             -DWASM_ENABLE_AOT=0 -DWASM_ENABLE_JIT=0 -DWASM_ENABLE_FAST_JIT=0 -DWASM_ENABLE_LIBC_BUILTIN=0 \
             -DWASM_ENABLE_LIBC_WASI=0 -DWASM_ENABLE_THREAD_MGR=0 -DWASM_ENABLE_SHARED_MEMORY=0 \
             -DWASM_ENABLE_BULK_MEMORY=1 -DWASM_ENABLE_BULK_MEMORY_OPT=1 -DWASM_ENABLE_MINI_LOADER=0 \
             -DWASM_DISABLE_HW_BOUND_CHECK=1 -DWASM_DISABLE_STACK_HW_BOUND_CHECK=1 -DWASM_DISABLE_WAKEUP_BLOCKING_OP=1 \
             -DWASM_ENABLE_QUICK_AOT_ENTRY=0 -DWASM_ENABLE_AOT_INTRINSICS=0 \
             -DWASM_ENABLE_LOG=0 -DBH_MALLOC=wasm_runtime_malloc -DBH_FREE=wasm_runtime_free
WAMR_INC   = -I$(RT_BENCH_SRC)/wamr_platform -I$(WAMR_CORE)/shared/platform/include -I$(WAMR_CORE)/shared/utils \
             -I$(WAMR_CORE)/shared/mem-alloc -I$(WAMR_CORE)/iwasm/include -I$(WAMR_CORE)/iwasm/common \
             -I$(WAMR_CORE)/iwasm/interpreter -I$(WAMR_CORE)
WAMR_LIB_SRCS = $(wildcard $(WAMR_CORE)/iwasm/common/*.c) \
                $(addprefix $(WAMR_CORE)/iwasm/interpreter/,wasm_interp_fast.c wasm_loader.c wasm_runtime.c) \
                $(wildcard $(WAMR_CORE)/shared/utils/*.c) $(WAMR_CORE)/shared/mem-alloc/mem_alloc.c \
                $(wildcard $(WAMR_CORE)/shared/mem-alloc/ems/*.c)
WAMR_CHECK = test -n "$(WAMR_SRC)" -a -f "$(WAMR_SRC)/core/iwasm/include/wasm_export.h" || \
             { echo "$@: set WAMR_SRC to a WAMR (wasm-micro-runtime) checkout (the folder that holds core/)" >&2; exit 2; }

# The library is rebuilt when WAMR_SRC names another tree (source.txt changes only then).
.PHONY: wamr-source
$(WAMR_OUT)/source.txt: wamr-source
	@mkdir -p $(@D)
	@echo "$(WAMR_SRC)" | cmp -s - $@ || echo "$(WAMR_SRC)" > $@
# A program: crt + driver + the embedded plain module + WAMR (the driver always -Os). ld's
# executable-stack warning (newlib's reent object has no .note.GNU-stack) means nothing on bare metal.
WAMR_LINK = $(WAMR_CC) -Os -Wall -Wextra -Wno-type-limits -nostartfiles --specs=nano.specs -Wl,--gc-sections,--no-warn-execstack -T $(RT_BENCH_SRC)/bench.ld \
            -I$(RT_BENCH_SRC) $(WAMR_INC) $(RT_BENCH_SRC)/crt.c $(RT_BENCH_SRC)/wamr_main.c
WAMR_DEPS = $(RT_BENCH_SRC)/wamr_main.c $(RT_BENCH_SRC)/workload.h $(RT_BENCH_SRC)/crt.c

# Two builds of WAMR: $(1) is the programs' prefix (wamr = -Os, the bench's flags for every
# engine; wamrO2 = -O2, for context: at -Os GCC outlines WAMR's operand-read helpers), $(2) the
# optimisation flag. WAMR's objects and our platform layer go into one archive (the flash
# figure sums its members).
define WAMR_BUILD
$(WAMR_OUT)/$(1)/libwamr.a: $(WAMR_OUT)/source.txt mk/wamr-bench.mk $(RT_BENCH_SRC)/wamr_platform.c $(RT_BENCH_SRC)/wamr_platform/platform_internal.h
	@$$(WAMR_CHECK)
	@rm -rf $$(@D) && mkdir -p $$(@D)/obj
	@for f in $$(WAMR_LIB_SRCS); do $(WAMR_CC) $(2) -w $(WAMR_DEFS) $$(WAMR_INC) -c $$$$f -o $$(@D)/obj/$$$$(basename $$$$f .c).o || exit 1; done
	@$(WAMR_CC) $(2) -Wall -Wextra -Wno-unused-parameter $(WAMR_DEFS) $$(WAMR_INC) -c $(RT_BENCH_SRC)/wamr_platform.c -o $$(@D)/obj/wamr_platform.o
	@$(WAMR_CC) -c $$(WAMR_CORE)/iwasm/common/arch/invokeNative_thumb.s -o $$(@D)/obj/invokeNative_thumb.o
	@arm-none-eabi-ar rcs $$@ $$(@D)/obj/*.o
$(RT_BENCH)/$(1)_1000.elf $(RT_BENCH)/$(1)_0.elf: $(RT_BENCH)/$(1)_%.elf: $(RT_BENCH)/codec_plain.c $(WAMR_DEPS) $(WAMR_OUT)/$(1)/libwamr.a
	@$$(WAMR_LINK) -DITERATIONS=$$* $$< $(WAMR_OUT)/$(1)/libwamr.a -lm -Wl,-Map=$$(@:.elf=.map) -o $$@
$(RT_SUITE)/%/$(1)_n.elf: $(RT_SUITE)/%/plain_module.c $(WAMR_DEPS) $(WAMR_OUT)/$(1)/libwamr.a
	@$$(WAMR_LINK) -DSUITE -DITERATIONS=$$(SUITE_N_$$*) $$< $(WAMR_OUT)/$(1)/libwamr.a -lm -o $$@
$(RT_SUITE)/%/$(1)_0.elf: $(RT_SUITE)/%/plain_module.c $(WAMR_DEPS) $(WAMR_OUT)/$(1)/libwamr.a
	@$$(WAMR_LINK) -DSUITE -DITERATIONS=0 $$< $(WAMR_OUT)/$(1)/libwamr.a -lm -o $$@
endef
$(eval $(call WAMR_BUILD,wamr,-Os))
$(eval $(call WAMR_BUILD,wamrO2,-O2))
# The pool's high-water mark after load, instantiation and one run (the -Os build).
$(RT_BENCH)/wamr_pool.elf: $(RT_BENCH)/codec_plain.c $(WAMR_DEPS) $(WAMR_OUT)/wamr/libwamr.a
	@$(WAMR_LINK) -DITERATIONS=1 -DWAMR_POOL_PROBE $< $(WAMR_OUT)/wamr/libwamr.a -lm -o $@
$(RT_SUITE)/%/wamr_pool.elf: $(RT_SUITE)/%/plain_module.c $(WAMR_DEPS) $(WAMR_OUT)/wamr/libwamr.a
	@$(WAMR_LINK) -DSUITE -DITERATIONS=1 -DWAMR_POOL_PROBE $< $(WAMR_OUT)/wamr/libwamr.a -lm -o $@
