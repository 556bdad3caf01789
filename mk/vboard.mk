# Virtual board (host-tools/sim/board): the native instruction-counter hook for unicorn and the
# small test firmwares under test/vboard/fixtures.
VBOARD_CC ?= gcc
VBOARD_ARM_CFLAGS := -mcpu=cortex-m3 -mthumb -Os -g -ffreestanding -nostdlib -Wall -Werror

build/vboard/libvbclock.so: host-tools/sim/board/native/vb_clock.c
	@mkdir -p $(@D)
	@$(VBOARD_CC) -O2 -shared -fPIC -Wall -Werror $< -o $@ -l:libunicorn.so.2

build/vboard/fixture.elf: test/vboard/fixtures/fixture.c test/vboard/fixtures/fixture.ld
	@mkdir -p $(@D)
	@arm-none-eabi-gcc $(VBOARD_ARM_CFLAGS) -T test/vboard/fixtures/fixture.ld $< -o $@ -lgcc

BUILD_ARTIFACTS += build/vboard/libvbclock.so build/vboard/fixture.elf

# The real firmware with core.wasm's transport switched to the W5500 driver (mk/w5500.mk builds
# that core variant), for the end-to-end MQTT tests on the virtual board until the default core
# makes the switch itself.
build/vboard/fw-w5500/firmware.elf: build/w5500/core-w5500.wasm boards/bluepill.json $(FW_DEPS) | npm
	@$(NODE_TS) host-tools/cli/main.ts build --board bluepill --core-wasm build/w5500/core-w5500.wasm --out build/vboard/fw-w5500 --allow-over-budget >/dev/null

ifneq ($(wildcard mk/w5500.mk),)
BUILD_ARTIFACTS += build/vboard/fw-w5500/firmware.elf
endif
