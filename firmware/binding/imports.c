/* The board ABI (docs/board-abi.md) as wasm3 raw functions. Every pointer argument is an
 * offset into the core's linear memory and is checked against the memory's current size
 * before the HAL touches it (the sandbox rule); a bad one traps the call. */
#include <stddef.h>
#include <string.h>
#include "binding.h"
#include "../hal/hal.h"
#include "board_config.h"

/* Resolves (offset, len) to a host pointer, or NULL when any byte is outside linear memory. */
static uint8_t *mem_span(IM3Runtime runtime, uint32_t off, uint32_t len)
{
    uint32_t size = 0;
    uint8_t *base = m3_GetMemory(runtime, &size, 0);
    if (base == NULL || off > size || len > size - off) return NULL;
    return base + off;
}

#define SPAN_OR_TRAP(var, off, len) \
    uint8_t *var = mem_span(runtime, (off), (len)); \
    if (var == NULL) m3ApiTrap(m3Err_trapOutOfBoundsMemoryAccess)

static m3ApiRawFunction(b_w5500_read)
{
    m3ApiGetArg(uint32_t, addr) m3ApiGetArg(uint32_t, block) m3ApiGetArg(uint32_t, dst)
    m3ApiGetArg(uint32_t, len)
    SPAN_OR_TRAP(p, dst, len);
    (void)_ctx; (void)_mem;
    hal_w5500_read((uint16_t)addr, (uint8_t)block, p, len);
    m3ApiSuccess();
}

static m3ApiRawFunction(b_w5500_write)
{
    m3ApiGetArg(uint32_t, addr) m3ApiGetArg(uint32_t, block) m3ApiGetArg(uint32_t, src)
    m3ApiGetArg(uint32_t, len)
    SPAN_OR_TRAP(p, src, len);
    (void)_ctx; (void)_mem;
    hal_w5500_write((uint16_t)addr, (uint8_t)block, p, len);
    m3ApiSuccess();
}

static m3ApiRawFunction(b_w5500_reset)
{
    (void)runtime; (void)_ctx; (void)_sp; (void)_mem;
    hal_w5500_reset();
    m3ApiSuccess();
}

static m3ApiRawFunction(b_w5500_irq)
{
    m3ApiReturnType(uint32_t)
    (void)runtime; (void)_ctx; (void)_mem;
    m3ApiReturn((uint32_t)hal_w5500_irq());
}

static m3ApiRawFunction(b_millis)
{
    m3ApiReturnType(uint32_t)
    (void)runtime; (void)_ctx; (void)_mem;
    m3ApiReturn(hal_millis());
}

static m3ApiRawFunction(b_uart_write)
{
    m3ApiGetArg(uint32_t, src) m3ApiGetArg(uint32_t, len)
    SPAN_OR_TRAP(p, src, len);
    (void)_ctx; (void)_mem;
    hal_uart_write(p, len);
    m3ApiSuccess();
}

static m3ApiRawFunction(b_uart_read)
{
    m3ApiReturnType(int32_t)
    m3ApiGetArg(uint32_t, dst) m3ApiGetArg(uint32_t, max)
    SPAN_OR_TRAP(p, dst, max);
    (void)_ctx; (void)_mem;
    m3ApiReturn((int32_t)hal_uart_read(p, max));
}

static m3ApiRawFunction(b_store_size)
{
    m3ApiReturnType(uint32_t)
    (void)runtime; (void)_ctx; (void)_mem;
    m3ApiReturn(hal_store_size());
}

static m3ApiRawFunction(b_store_page_size)
{
    m3ApiReturnType(uint32_t)
    (void)runtime; (void)_ctx; (void)_mem;
    m3ApiReturn(hal_store_page_size());
}

static m3ApiRawFunction(b_store_read)
{
    m3ApiReturnType(int32_t)
    m3ApiGetArg(uint32_t, off) m3ApiGetArg(uint32_t, dst) m3ApiGetArg(uint32_t, len)
    SPAN_OR_TRAP(p, dst, len);
    (void)_ctx; (void)_mem;
    m3ApiReturn(hal_store_read(off, p, len));
}

static m3ApiRawFunction(b_store_write)
{
    m3ApiReturnType(int32_t)
    m3ApiGetArg(uint32_t, off) m3ApiGetArg(uint32_t, src) m3ApiGetArg(uint32_t, len)
    SPAN_OR_TRAP(p, src, len);
    (void)_ctx; (void)_mem;
    m3ApiReturn(hal_store_write(off, p, len));
}

static m3ApiRawFunction(b_store_erase)
{
    m3ApiReturnType(int32_t)
    m3ApiGetArg(uint32_t, off)
    (void)runtime; (void)_ctx; (void)_mem;
    m3ApiReturn(hal_store_erase(off));
}

static m3ApiRawFunction(b_entropy)
{
    m3ApiReturnType(uint32_t)
    (void)runtime; (void)_ctx; (void)_mem;
    m3ApiReturn(hal_entropy());
}

/* The app's pins, ADC and unique id: the HAL refuses pins it drives itself (hal.h). */
static m3ApiRawFunction(b_gpio_mode)
{
    m3ApiReturnType(int32_t)
    m3ApiGetArg(uint32_t, pin) m3ApiGetArg(uint32_t, mode)
    (void)runtime; (void)_ctx; (void)_mem;
    m3ApiReturn(hal_gpio_mode(pin, mode));
}

static m3ApiRawFunction(b_gpio_write)
{
    m3ApiReturnType(int32_t)
    m3ApiGetArg(uint32_t, pin) m3ApiGetArg(uint32_t, level)
    (void)runtime; (void)_ctx; (void)_mem;
    m3ApiReturn(hal_gpio_write(pin, level));
}

static m3ApiRawFunction(b_gpio_read)
{
    m3ApiReturnType(int32_t)
    m3ApiGetArg(uint32_t, pin)
    (void)runtime; (void)_ctx; (void)_mem;
    m3ApiReturn(hal_gpio_read(pin));
}

static m3ApiRawFunction(b_adc_read)
{
    m3ApiReturnType(int32_t)
    m3ApiGetArg(uint32_t, channel)
    (void)runtime; (void)_ctx; (void)_mem;
    m3ApiReturn(hal_adc_read(channel));
}

static m3ApiRawFunction(b_uid)
{
    m3ApiGetArg(uint32_t, dst)
    SPAN_OR_TRAP(p, dst, 12);
    (void)_ctx; (void)_mem;
    hal_uid(p);
    m3ApiSuccess();
}

/* The retained RAM of the keep_* imports (docs/board-abi.md): in .noinit, which the reset
 * handler does not touch, so a system reset (watchdog, NRST, SYSRESETREQ, a fault) leaves the
 * core's RAM log as it was; after a power cut it is noise, which the log's header CRC rejects. */
static uint8_t keep_area[BOARD_KEEP_BYTES] __attribute__((section(".noinit"), aligned(4)));

/* Copies between linear memory and the retained RAM: 0, or -1 when off/len leave it. A write
 * goes forward (libc.c's memcpy), and the core relies on it: a RAM-log record's last half-word,
 * written last, commits it (docs/mqtt-core.md, "Store format"). */
static int32_t keep_copy(uint32_t off, uint8_t *p, uint32_t len, int write)
{
    if (off > BOARD_KEEP_BYTES || len > BOARD_KEEP_BYTES - off) return -1;
    if (write) memcpy(keep_area + off, p, len);
    else memcpy(p, keep_area + off, len);
    return 0;
}

static m3ApiRawFunction(b_keep_size)
{
    m3ApiReturnType(uint32_t)
    (void)runtime; (void)_ctx; (void)_mem;
    m3ApiReturn(BOARD_KEEP_BYTES);
}

static m3ApiRawFunction(b_keep_read)
{
    m3ApiReturnType(int32_t)
    m3ApiGetArg(uint32_t, off) m3ApiGetArg(uint32_t, dst) m3ApiGetArg(uint32_t, len)
    SPAN_OR_TRAP(p, dst, len);
    (void)_ctx; (void)_mem;
    m3ApiReturn(keep_copy(off, p, len, 0));
}

static m3ApiRawFunction(b_keep_write)
{
    m3ApiReturnType(int32_t)
    m3ApiGetArg(uint32_t, off) m3ApiGetArg(uint32_t, src) m3ApiGetArg(uint32_t, len)
    SPAN_OR_TRAP(p, src, len);
    (void)_ctx; (void)_mem;
    m3ApiReturn(keep_copy(off, p, len, 1));
}

/* Events are for hosts that watch the core; the device console inside core.wasm already
 * turns them into lines, so the firmware only checks the record is inside memory. */
static m3ApiRawFunction(b_event)
{
    m3ApiGetArg(uint32_t, kind) m3ApiGetArg(uint32_t, ptr) m3ApiGetArg(uint32_t, len)
    SPAN_OR_TRAP(p, ptr, len);
    (void)kind; (void)p; (void)_ctx; (void)_mem;
    m3ApiSuccess();
}

typedef struct {
    const char *module;
    const char *name;
    const char *signature;
    M3RawCall fn;
} import_entry;

static const import_entry imports[] = {
    {"board", "w5500_read", "v(iiii)", b_w5500_read},
    {"board", "w5500_write", "v(iiii)", b_w5500_write},
    {"board", "w5500_reset", "v()", b_w5500_reset},
    {"board", "w5500_irq", "i()", b_w5500_irq},
    {"board", "millis", "i()", b_millis},
    {"board", "uart_write", "v(ii)", b_uart_write},
    {"board", "uart_read", "i(ii)", b_uart_read},
    {"board", "store_size", "i()", b_store_size},
    {"board", "store_page_size", "i()", b_store_page_size},
    {"board", "store_read", "i(iii)", b_store_read},
    {"board", "store_write", "i(iii)", b_store_write},
    {"board", "store_erase", "i(i)", b_store_erase},
    {"board", "entropy", "i()", b_entropy},
    {"board", "event", "v(iii)", b_event},
    {"board", "uid", "v(i)", b_uid},
    {"board", "gpio_mode", "i(ii)", b_gpio_mode},
    {"board", "gpio_write", "i(ii)", b_gpio_write},
    {"board", "gpio_read", "i(i)", b_gpio_read},
    {"board", "adc_read", "i(i)", b_adc_read},
    {"board", "keep_size", "i()", b_keep_size},
    {"board", "keep_read", "i(iii)", b_keep_read},
    {"board", "keep_write", "i(iii)", b_keep_write},
};

M3Result binding_link_imports(IM3Module module)
{
    for (size_t i = 0; i < sizeof imports / sizeof imports[0]; i++) {
        const import_entry *e = &imports[i];
        M3Result r = m3_LinkRawFunction(module, e->module, e->name, e->signature, e->fn);
        if (r == m3Err_functionLookupFailed) continue; /* the module does not import it */
        if (r != m3Err_none) return r;
    }
    return m3Err_none;
}
