/* Platform types for WAMR (WebAssembly Micro Runtime) on the bench's bare-metal Cortex-M3:
 * no OS, one thread, newlib for the C library. Only the interpreter suite's WAMR peer uses
 * this (mk/wamr-bench.mk); WAMR's own headers include it by this name. */
#ifndef WQ_WAMR_PLATFORM_INTERNAL_H
#define WQ_WAMR_PLATFORM_INTERNAL_H

#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <limits.h>
#include <errno.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#define BH_PLATFORM_WASMQTT_BARE_METAL

/* One thread of execution: the thread, lock and file types exist only so that WAMR's
 * platform API headers compile; nothing of ours creates a second thread or opens a file. */
typedef int korp_tid;
typedef int korp_thread;
typedef int korp_mutex;
typedef int korp_cond;
typedef int korp_sem;
typedef int korp_rwlock;
typedef int os_file_handle;
typedef void *os_dir_stream;
typedef int os_raw_file_handle;
typedef int os_poll_file_handle;
typedef unsigned int os_nfds_t;
typedef int os_timespec;

static inline os_file_handle os_get_invalid_handle(void) { return -1; }
/* No MMU: the size WAMR rounds its "mappings" to (they come from its pool). */
static inline int os_getpagesize(void) { return 4096; }

#endif
