/* A fake HAL for running the real binding + runtime + core.wasm on a Linux host in tests:
 * UART = stdin/stdout, store = a file (NOR-flash semantics enforced, like the chip), clock =
 * CLOCK_MONOTONIC, W5500 = the TypeScript register model (host-tools/sim/w5500/spi-bridge.ts)
 * in a child process: each SPI frame goes over a socketpair and waits for its reply, and the
 * bridge writes a byte to a pipe when INTn news arrives, which ends hal_idle_until's wait. The
 * model's sockets are real loopback sockets; its clock is real time like ours.
 *
 * Options (argv): --store FILE (default wasmqtt-store.bin), --store-pages N (default 2),
 * --page-size N (default 1024), --w5500-bridge CMD (shell command that runs the bridge; default
 * $WASMQTT_W5500_BRIDGE, else the one the build baked in, WASMQTT_W5500_BRIDGE_CMD: every
 * device address routed to 127.0.0.1 on the same port). The bridge starts on the first W5500
 * frame. --uid HEX (24 hex digits) sets the unique id; by default it is a hash of the store
 * file's path, so it survives a restart and two hosts with their own stores differ. hal_reset() re-executes the program with the same arguments; the file keeps the
 * store, so a restart after a trap resumes the session like the chip does. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "../hal.h"
#include "board_config.h"

#define STORE_MAX_BYTES (64u * 1024u)

static char **saved_argv;
static const char *store_path = "wasmqtt-store.bin";
static uint32_t page_size = 1024;
static uint32_t store_pages = 2;
static uint8_t store_image[STORE_MAX_BYTES];
static struct timespec t0;
#ifndef WASMQTT_W5500_BRIDGE_CMD
#define WASMQTT_W5500_BRIDGE_CMD ""
#endif
static const char *bridge_cmd;
static int bridge_fd = -1;  /* frames out, replies in */
static int bridge_evt = -1; /* one byte whenever the chip may have news (INTn) */
static int stdin_eof;
static const char *uid_hex;

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
        else if (strcmp(argv[i], "--w5500-bridge") == 0) bridge_cmd = argv[++i];
        else if (strcmp(argv[i], "--uid") == 0) uid_hex = argv[++i];
        else { fprintf(stderr, "wasmqtt-host: unknown option %s (known: --store --store-pages --page-size --w5500-bridge --uid)\n", argv[i]); exit(2); }
    }
    if (uid_hex != NULL && (strlen(uid_hex) != 24 || strspn(uid_hex, "0123456789abcdefABCDEF") != 24))
        die("--uid needs 24 hex digits (the 96-bit unique id)");
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
    if (bridge_evt >= 0) { fds[n].fd = bridge_evt; fds[n].events = POLLIN; n++; }
    (void)poll(fds, (nfds_t)n, wait);
    if (bridge_evt >= 0) {
        uint8_t drain[64];
        while (read(bridge_evt, drain, sizeof drain) > 0) {}
    }
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

/* ---- W5500: frames to the model in spi-bridge.ts (protocol described there) ---- */
static void bridge_io(int write_side, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r = write_side ? write(bridge_fd, p, n) : read(bridge_fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) die("the W5500 bridge (spi-bridge.ts) went away; its error is printed above");
        p += r;
        n -= (size_t)r;
    }
}

static void bridge_start(void)
{
    const char *cmd = bridge_cmd ? bridge_cmd : getenv("WASMQTT_W5500_BRIDGE");
    if (cmd == NULL || *cmd == 0) cmd = WASMQTT_W5500_BRIDGE_CMD;
    if (*cmd == 0) die("no W5500 bridge command: pass --w5500-bridge 'node --import tsx host-tools/sim/w5500/spi-bridge.ts'");
    int sv[2], ev[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 || pipe2(ev, O_CLOEXEC) != 0) die("cannot create the W5500 bridge channels");
    pid_t pid = fork();
    if (pid < 0) die("cannot start the W5500 bridge (fork)");
    if (pid == 0) {
        /* The child: stdin/stdout = frames, fd 3 = INTn news; stderr stays ours. dup2 clears CLOEXEC. */
        dup2(sv[1], 0);
        dup2(sv[1], 1);
        dup2(ev[1], 3);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    close(ev[1]);
    bridge_fd = sv[0];
    bridge_evt = ev[0];
    fcntl(bridge_evt, F_SETFL, fcntl(bridge_evt, F_GETFL) | O_NONBLOCK);
    uint8_t ready = 0;
    bridge_io(0, &ready, 1);
    if (ready != 0x57) die("the W5500 bridge answered with something else than its ready byte (wrong --w5500-bridge command?)");
}

static void bridge_request(char op, uint16_t addr, uint8_t block, uint32_t len)
{
    if (bridge_fd < 0) bridge_start();
    uint8_t h[8] = {(uint8_t)op, block, (uint8_t)addr, (uint8_t)(addr >> 8),
                    (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24)};
    bridge_io(1, h, sizeof h);
}

void hal_w5500_read(uint16_t addr, uint8_t block, uint8_t *dst, uint32_t len)
{
    bridge_request('R', addr, block, len);
    bridge_io(0, dst, len);
}

void hal_w5500_write(uint16_t addr, uint8_t block, const uint8_t *src, uint32_t len)
{
    uint8_t ack;
    bridge_request('W', addr, block, len);
    bridge_io(1, (uint8_t *)src, len);
    bridge_io(0, &ack, 1);
}

void hal_w5500_reset(void)
{
    uint8_t ack;
    bridge_request('X', 0, 0, 0);
    bridge_io(0, &ack, 1);
}

int hal_w5500_irq(void)
{
    uint8_t v;
    bridge_request('Q', 0, 0, 0);
    bridge_io(0, &v, 1);
    return v;
}

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
    /* The bridge's channels are close-on-exec: it sees EOF, exits, and the new image starts a
     * fresh one (a reset chip, as RSTn follows the MCU reset on the board). */
    setenv("WASMQTT_HOST_RESTARTED", "1", 1);
    execv("/proc/self/exe", saved_argv);
    die("restart failed (execv)");
    exit(3);
}

/* ---- app pins and ADC: the same rules as the chip's HAL (stm32f103/pins.c, adc.c), in memory.
 * Inputs read their pull (floating: 0); analog pins read 0 V, the temperature sensor 1.43 V
 * (25 C, datasheet V25) and VREFINT 1.20 V, against VDDA = 3.3 V: NodeDevice's and the virtual
 * board's defaults. */
#define PIN_BIT(port, n) (1ull << ((port) * 16u + (n)))
static const uint64_t reserved_pins = PIN_BIT(0, 5) | PIN_BIT(0, 6) | PIN_BIT(0, 7) | PIN_BIT(0, 9) |
    PIN_BIT(0, 10) | PIN_BIT(0, 13) | PIN_BIT(0, 14) |
    PIN_BIT(BOARD_W5500_CS_PORT, BOARD_W5500_CS_PIN) | PIN_BIT(BOARD_W5500_RST_PORT, BOARD_W5500_RST_PIN) |
    PIN_BIT(BOARD_W5500_INT_PORT, BOARD_W5500_INT_PIN);
static uint8_t pin_mode[80];
static uint8_t pin_latch[80];

static int pin_check(uint32_t pin)
{
    if (pin >= 80u) return HAL_PIN_NONE;
    return (reserved_pins & (1ull << pin)) ? HAL_PIN_RESERVED : 0;
}

int hal_gpio_mode(uint32_t pin, uint32_t mode)
{
    int r = pin_check(pin);
    if (r != 0) return r;
    if (mode > HAL_PIN_ANALOG) return HAL_PIN_NONE;
    pin_mode[pin] = (uint8_t)mode;
    if (mode == HAL_PIN_INPUT_PULLUP) pin_latch[pin] = 1;
    else if (mode == HAL_PIN_INPUT_PULLDOWN) pin_latch[pin] = 0;
    return 0;
}

int hal_gpio_write(uint32_t pin, uint32_t level)
{
    int r = pin_check(pin);
    if (r != 0) return r;
    pin_latch[pin] = level != 0;
    return 0;
}

int hal_gpio_read(uint32_t pin)
{
    int r = pin_check(pin);
    if (r != 0) return r;
    uint8_t m = pin_mode[pin];
    if (m == HAL_PIN_OUTPUT || m == HAL_PIN_OUTPUT_OPEN_DRAIN || m == HAL_PIN_INPUT_PULLUP || m == HAL_PIN_INPUT_PULLDOWN) return pin_latch[pin];
    return 0;
}

int hal_adc_read(uint32_t channel)
{
    static const uint8_t channel_pin[16] = {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 32, 33, 34, 35, 36, 37};
    if (channel > 17u) return HAL_PIN_NONE;
    if (channel == 16u) return 1775; /* 1.43 V */
    if (channel == 17u) return 1489; /* 1.20 V */
    int r = pin_check(channel_pin[channel]);
    return r != 0 ? r : 0;
}

void hal_uid(uint8_t dst[12])
{
    if (uid_hex != NULL) {
        for (int i = 0; i < 12; i++) {
            char byte[3] = {uid_hex[2 * i], uid_hex[2 * i + 1], 0};
            dst[i] = (uint8_t)strtoul(byte, NULL, 16);
        }
        return;
    }
    /* FNV-1a over the store path, spread over 12 bytes */
    uint32_t h = 2166136261u;
    for (const char *p = store_path; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
    for (int i = 0; i < 12; i++) {
        h = (h ^ (uint32_t)i) * 16777619u;
        dst[i] = (uint8_t)(h >> 24);
    }
}
