/* A fake HAL for running the real binding + runtime + core.wasm on a Linux host in tests:
 * UART = stdin/stdout, store = a file (NOR-flash semantics enforced, like the chip), clock =
 * CLOCK_MONOTONIC, hostnet = one non-blocking TCP socket to loopback, W5500 = absent (reads
 * return zeros, so a core using the W5500 transport sees no chip).
 *
 * Options (argv): --store FILE (default wasmqtt-store.bin), --store-pages N (default 2),
 * --page-size N (default 1024), --net-host IPV4 (where every hostnet connect goes; default
 * 127.0.0.1). hal_reset() re-executes the program with the same arguments; the file keeps the
 * store, so a restart after a trap resumes the session like the chip does. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "../hal.h"

#define STORE_MAX_BYTES (64u * 1024u)

static char **saved_argv;
static const char *store_path = "wasmqtt-store.bin";
static uint32_t page_size = 1024;
static uint32_t store_pages = 2;
static uint8_t store_image[STORE_MAX_BYTES];
static struct timespec t0;
static const char *net_host = "127.0.0.1";
static int net_fd = -1;
static int net_state_now; /* 0 closed, 1 connecting, 2 established, 3 closing */
static int stdin_eof;

static void die(const char *msg)
{
    fprintf(stderr, "wasmqtt-host: %s\n", msg);
    exit(2);
}

static uint32_t parse_u32(const char *s, const char *what)
{
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 0);
    if (end == s || *end != 0) {
        fprintf(stderr, "wasmqtt-host: %s must be a number, got '%s'\n", what, s);
        exit(2);
    }
    return (uint32_t)v;
}

static void store_flush(void)
{
    FILE *f = fopen(store_path, "wb");
    if (f == NULL) die("cannot write the store file (check --store)");
    if (fwrite(store_image, 1, hal_store_size(), f) != hal_store_size()) die("short write to the store file");
    fclose(f);
}

void hal_init(int argc, char **argv)
{
    saved_argv = argv;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) { fprintf(stderr, "wasmqtt-host: %s needs a value\n", argv[i]); exit(2); }
        if (strcmp(argv[i], "--store") == 0) store_path = argv[++i];
        else if (strcmp(argv[i], "--store-pages") == 0) store_pages = parse_u32(argv[++i], "--store-pages");
        else if (strcmp(argv[i], "--page-size") == 0) page_size = parse_u32(argv[++i], "--page-size");
        else if (strcmp(argv[i], "--net-host") == 0) net_host = argv[++i];
        else { fprintf(stderr, "wasmqtt-host: unknown option %s (known: --store --store-pages --page-size --net-host)\n", argv[i]); exit(2); }
    }
    if (page_size == 0 || (page_size & 1u) || store_pages == 0 || (uint64_t)page_size * store_pages > STORE_MAX_BYTES)
        die("store geometry out of range (page size even, pages >= 1, total <= 64 KiB)");
    signal(SIGPIPE, SIG_IGN);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(store_image, 0xFF, sizeof store_image);
    FILE *f = fopen(store_path, "rb");
    if (f != NULL) {
        size_t n = fread(store_image, 1, hal_store_size(), f);
        (void)n; /* a shorter file leaves the rest erased */
        fclose(f);
    }
    setvbuf(stdout, NULL, _IONBF, 0);
}

uint32_t hal_millis(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ms = (int64_t)(now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
    return (uint32_t)ms;
}

void hal_idle_until(uint32_t deadline_ms)
{
    int32_t wait = (int32_t)(deadline_ms - hal_millis());
    if (wait <= 0) return;
    struct pollfd fds[2];
    int n = 0;
    if (!stdin_eof) { fds[n].fd = 0; fds[n].events = POLLIN; n++; }
    if (net_fd >= 0) { fds[n].fd = net_fd; fds[n].events = POLLIN | (net_state_now == 1 ? POLLOUT : 0); n++; }
    (void)poll(fds, (nfds_t)n, wait);
}

void hal_uart_write(const uint8_t *src, uint32_t len)
{
    while (len > 0) {
        ssize_t w = write(1, src, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) exit(0); /* whoever read our console is gone */
        src += w;
        len -= (uint32_t)w;
    }
}

uint32_t hal_uart_read(uint8_t *dst, uint32_t max)
{
    if (stdin_eof || max == 0) return 0;
    struct pollfd p = {.fd = 0, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0) return 0;
    ssize_t r = read(0, dst, max);
    if (r == 0) {
        /* The test (or person) closed our input: finish like a device whose cable is pulled,
         * i.e. keep running; the harness ends us with a signal. */
        stdin_eof = 1;
        return 0;
    }
    return r < 0 ? 0 : (uint32_t)r;
}

void hal_w5500_read(uint16_t addr, uint8_t block, uint8_t *dst, uint32_t len)
{
    (void)addr; (void)block;
    memset(dst, 0, len);
}

void hal_w5500_write(uint16_t addr, uint8_t block, const uint8_t *src, uint32_t len)
{
    (void)addr; (void)block; (void)src; (void)len;
}

void hal_w5500_reset(void) {}
int hal_w5500_irq(void) { return 0; }

uint32_t hal_store_size(void) { return page_size * store_pages; }
uint32_t hal_store_page_size(void) { return page_size; }

int hal_store_read(uint32_t off, uint8_t *dst, uint32_t len)
{
    if (off > hal_store_size() || len > hal_store_size() - off) return -1;
    memcpy(dst, store_image + off, len);
    return 0;
}

int hal_store_write(uint32_t off, const uint8_t *src, uint32_t len)
{
    if (off > hal_store_size() || len > hal_store_size() - off || (off & 1u) || (len & 1u)) return -1;
    for (uint32_t i = 0; i < len; i += 2) {
        if (store_image[off + i] != 0xFF || store_image[off + i + 1] != 0xFF) return -2;
    }
    memcpy(store_image + off, src, len);
    store_flush();
    return 0;
}

int hal_store_erase(uint32_t off)
{
    if (off >= hal_store_size()) return -1;
    memset(store_image + (off / page_size) * page_size, 0xFF, page_size);
    store_flush();
    return 0;
}

uint32_t hal_entropy(void)
{
    uint32_t v = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f != NULL) {
        if (fread(&v, sizeof v, 1, f) != 1) v = 0;
        fclose(f);
    }
    return v ^ hal_millis();
}

void hal_watchdog_feed(void) {}
int hal_stack_guard_check(void) { return 0; }
const char *hal_reset_cause(void) { return getenv("WASMQTT_HOST_RESTARTED") ? "software" : "power"; }

void hal_reset(void)
{
    if (net_fd >= 0) close(net_fd);
    setenv("WASMQTT_HOST_RESTARTED", "1", 1);
    execv("/proc/self/exe", saved_argv);
    die("restart failed (execv)");
    exit(3);
}

/* ---- hostnet over one TCP socket ---- */
int hal_net_available(void) { return 1; }

int hal_net_connect(uint32_t ip, uint32_t port)
{
    (void)ip; /* device addresses all map to --net-host */
    if (port == 0 || port > 65535) return -1;
    if (net_fd >= 0) close(net_fd);
    net_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (net_fd < 0) return -1;
    int one = 1;
    setsockopt(net_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, net_host, &a.sin_addr) != 1) return -1;
    if (connect(net_fd, (struct sockaddr *)&a, sizeof a) == 0) net_state_now = 2;
    else if (errno == EINPROGRESS) net_state_now = 1;
    else { close(net_fd); net_fd = -1; net_state_now = 0; return -1; }
    return 0;
}

int hal_net_state(void)
{
    if (net_state_now == 1) {
        struct pollfd p = {.fd = net_fd, .events = POLLOUT};
        if (poll(&p, 1, 0) > 0) {
            int err = 0;
            socklen_t l = sizeof err;
            getsockopt(net_fd, SOL_SOCKET, SO_ERROR, &err, &l);
            if (err == 0) net_state_now = 2;
            else { close(net_fd); net_fd = -1; net_state_now = 0; }
        }
    }
    return net_state_now;
}

int hal_net_send(const uint8_t *src, uint32_t len)
{
    if (net_fd < 0 || net_state_now != 2) return -1;
    ssize_t w = send(net_fd, src, len, MSG_NOSIGNAL);
    if (w < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    return (int)w;
}

int hal_net_recv(uint8_t *dst, uint32_t max)
{
    if (net_fd < 0) return -1;
    if (net_state_now == 1) return 0;
    ssize_t r = recv(net_fd, dst, max, 0);
    if (r > 0) return (int)r;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    net_state_now = 0;
    return -1;
}

void hal_net_close(void)
{
    if (net_fd >= 0) {
        shutdown(net_fd, SHUT_WR);
        close(net_fd);
    }
    net_fd = -1;
    net_state_now = 0;
}
