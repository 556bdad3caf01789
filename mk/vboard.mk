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
