/* WAMR's platform functions (os_*) for the bench's bare-metal Cortex-M3: no OS, no MMU, one
 * thread. Every byte WAMR uses comes from the pool the driver gives wasm_runtime_full_init
 * (Alloc_With_Pool): os_malloc has no heap behind it, and "mappings" (linear memory) are
 * zeroed pool blocks. */
#include "platform_api_vmcore.h"
#include "platform_api_extension.h"
#include "wasm_export.h"

int bh_platform_init(void) { return 0; }
void bh_platform_destroy(void) {}

/* Only the pool allocates (Alloc_With_System_Allocator is not used). */
void * os_malloc(unsigned size) { (void)size; return NULL; }
void * os_realloc(void * ptr, unsigned size) { (void)ptr; (void)size; return NULL; }
void os_free(void * ptr) { (void)ptr; }

/* No console under the instruction counter: WAMR's messages are dropped (a board would send
 * them to its UART). Errors still reach the driver through WAMR's error buffers. */
int os_printf(const char * format, ...) { (void)format; return 0; }
int os_vprintf(const char * format, va_list ap) { (void)format; (void)ap; return 0; }

/* No clock: the bench counts instructions, and nothing timed runs. */
uint64 os_time_get_boot_us(void) { return 0; }
uint64 os_time_thread_cputime_us(void) { return 0; }

korp_tid os_self_thread(void) { return 1; }
/* NULL: the stack bounds are not known here, so WAMR skips its native stack-overflow check
 * (the bench's stack is the top of a 4 MB RAM map). */
uint8 * os_thread_get_stack_boundary(void) { return NULL; }
void os_thread_jit_write_protect_np(bool enabled) { (void)enabled; }

/* Single-threaded: there is no other thread to exclude, so a lock that does nothing is
 * correct here (it is not on an RTOS, where these must map to real mutexes). */
int os_mutex_init(korp_mutex * mutex) { *mutex = 0; return BHT_OK; }
int os_mutex_destroy(korp_mutex * mutex) { (void)mutex; return BHT_OK; }
int os_mutex_lock(korp_mutex * mutex) { (void)mutex; return BHT_OK; }
int os_mutex_unlock(korp_mutex * mutex) { (void)mutex; return BHT_OK; }

/* No MMU: a "mapping" is a zeroed block of WAMR's pool, protection is a no-op. */
void * os_mmap(void * hint, size_t size, int prot, int flags, os_file_handle file)
{
    (void)hint; (void)prot; (void)flags; (void)file;
    if (size >= UINT32_MAX) return NULL;
    void * p = wasm_runtime_malloc((uint32)size);
    if (p) memset(p, 0, size);
    return p;
}
void * os_mremap(void * old_addr, size_t old_size, size_t new_size) { return os_mremap_slow(old_addr, old_size, new_size); }
void os_munmap(void * addr, size_t size) { (void)size; wasm_runtime_free(addr); }
int os_mprotect(void * addr, size_t size, int prot) { (void)addr; (void)size; (void)prot; return 0; }

/* Cortex-M3 has no caches. */
void os_dcache_flush(void) {}
void os_icache_flush(void * start, size_t len) { (void)start; (void)len; }
