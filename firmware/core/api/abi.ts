// The core's ABI constants: config keys, stat keys, error codes, event kinds and the byte
// layout of every event record. Single source of truth; mirrored for TypeScript in
// host-tools/sim/host/abi.ts (test/core/abi-mirror.test.ts checks the two agree).
// All multi-byte fields in event records are little-endian (the wasm memory order).

// ---- Compile-time sizes (every static buffer is sized from these) ----
/** Largest MQTT packet the core sends or accepts, fixed header included, unless the build sets
 * another: a board's `mqtt.packetMax` (boards/<board>.json) reaches asc as `--use WQ_PACKET_MAX=N`.
 * A larger PUBLISH from the broker closes the link (ERR_OVERSIZE); a larger publish() is refused
 * (ERR_TOO_BIG). Each of the RX, TX and staging buffers is about this size. */
export const PACKET_MAX_DEFAULT: i32 = 1024;
// @ts-ignore: WQ_PACKET_MAX exists only when the build defines it
export const PACKET_MAX: i32 = isDefined(WQ_PACKET_MAX) ? <i32>WQ_PACKET_MAX : PACKET_MAX_DEFAULT;
/** Staging buffer for API arguments (topic + payload, filters, config values): a packet's worth. */
export const STAGING_SIZE: i32 = PACKET_MAX;
/** Outgoing message slots: QoS 1/2 in flight plus queued-offline publishes. */
export const OUT_SLOTS: i32 = 40;
/** Upper bound for CFG_WINDOW (QoS 1/2 PUBLISH/PUBREL in flight at once). */
export const WINDOW_MAX: i32 = 32;
/** Runs of consecutive incoming QoS 2 packet ids remembered between PUBLISH and PUBREL (any number of ids per run: session.ts). */
export const IN_QOS2_RUNS: i32 = 16;
/** Subscriptions remembered for routing and re-subscription. */
export const SUB_SLOTS: i32 = 8;
/** Longest subscription filter kept for routing (bytes). */
export const FILTER_MAX: i32 = 64;
/** SUBSCRIBE/UNSUBSCRIBE requests awaiting their ack. */
export const PENDING_REQ_SLOTS: i32 = 4;

// ---- Config keys: wq_config(key, len) reads the value from the staging buffer ----
// String keys take `len` bytes (UTF-8). Number keys take a little-endian unsigned integer
// of `len` = 1..4 bytes. IPv4 addresses are numbers with 192.168.1.10 = 0xC0A8010A.
export const CFG_CLIENT_ID: i32 = 1;      // string ≤ 64, default "wasmqtt-" + the chip's unique id in 24 hex digits
export const CFG_USERNAME: i32 = 2;       // string ≤ 64, empty = no username
export const CFG_PASSWORD: i32 = 3;       // string ≤ 64, empty = no password (needs a username)
export const CFG_WILL_TOPIC: i32 = 4;     // string ≤ 96, empty = no last will
export const CFG_WILL_PAYLOAD: i32 = 5;   // bytes ≤ 96
export const CFG_WILL_FLAGS: i32 = 6;     // number: bits 0-1 will QoS, bit 2 will retain
export const CFG_KEEPALIVE_S: i32 = 7;    // number: keepalive seconds, 0 = off; default 60
export const CFG_CLEAN_SESSION: i32 = 8;  // number 0/1; default 0 (session kept across resets)
export const CFG_BROKER_IP: i32 = 9;      // number: broker IPv4; default 0x7F000001
export const CFG_BROKER_PORT: i32 = 10;   // number; default 1883
export const CFG_MAC: i32 = 11;           // 6 bytes; default 02 + the unique id folded onto 5 bytes (config.ts)
export const CFG_DEVICE_IP: i32 = 12;     // number: device IPv4; default 192.168.1.50
export const CFG_GATEWAY: i32 = 13;       // number: gateway IPv4; default 192.168.1.1
export const CFG_NETMASK: i32 = 14;       // number: netmask; default 255.255.255.0
export const CFG_RETRY_MS: i32 = 15;      // number: resend unacked PUBLISH/PUBREL after this many ms while connected; 0 = only on reconnect (the spec's rule); default 0
export const CFG_MAX_RETRIES: i32 = 16;   // number: timed resends of one packet before the link is declared dead and reconnected; default 5
export const CFG_BACKOFF_MIN_MS: i32 = 17;// number: first reconnect delay; default 500
export const CFG_BACKOFF_MAX_MS: i32 = 18;// number: reconnect delay cap; default 30000
export const CFG_TIMEOUT_MS: i32 = 19;    // number: TCP connect + CONNACK timeout; default 10000
export const CFG_WINDOW: i32 = 20;        // number 1..WINDOW_MAX: QoS 1/2 in flight; default 8
export const CFG_TRACE: i32 = 21;         // number 0/1: emit EV_TRACE per packet; default 0
export const CFG_NEXT_PID: i32 = 22;      // number 1..65535: next packet id to try (session state, for tests); not saved with config
export const CFG_CONSOLE_QUIET: i32 = 23; // number 0/1: 1 = the console prints no evt lines (replies to typed commands still go out), for hosts that drive the core through its API and read no UART; default 0
// The next two exist only in a module with the LAN services (net/lan.ts lanEnable(); core.wasm: ERR_CONFIG_KEY)
// and are not part of the saved config blob (wq_config_save keeps the blob, and bluepill's 8 KB of linear memory, as they are).
export const CFG_BROKER_HOST: i32 = 24;   // string ≤ 63: the broker's host name, resolved by DNS (A record, cached for its TTL) before a connect; empty = use CFG_BROKER_IP; default empty
export const CFG_DNS_SERVER: i32 = 25;    // number: DNS server IPv4; 0 = the gateway (CFG_GATEWAY); default 0
// The LAN module's DHCP client (net/dhcp.ts) needs no key of its own: CFG_DEVICE_IP = 0 (0.0.0.0) means "no static
// address: lease one by DHCP", so the choice is saved with the config. Only the static fallback is a LAN key:
export const CFG_DHCP_FALLBACK: i32 = 26; // number: with CFG_DEVICE_IP 0, the IPv4 used (with CFG_GATEWAY, CFG_NETMASK) when no DHCP server offers a lease within CFG_TIMEOUT_MS; 0 = none (keep asking); not saved; default 0
/** number 0..65535, saved: ram-first persistence (docs/mqtt-core.md, "Persistence policies"): a QoS 1/2 PUBLISH made
 * while connected waits for its ack in the retained RAM log (board keep_* imports) and is copied to the flash when unacked
 * for this many ms after it was last sent (so also after a link loss); incoming QoS 2 ids stay in RAM. 0 = flash-first: every QoS 1/2 PUBLISH and
 * incoming QoS 2 id is written to the flash first. Default 1000. A config saved before this key existed reads 0 there
 * (flash-first, as before) until saved again. A board without retained RAM (keep_size() 0) is flash-first. */
export const CFG_SPILL_MS: i32 = 27;
export const CFG_KEY_COUNT: i32 = 27;

/** wq_publish flags bit 3: write this QoS 1/2 message to the flash first whatever CFG_SPILL_MS says. */
export const PUB_DURABLE: i32 = 8;

// ---- Stat keys: wq_stat(key) ----
export const STAT_STATE: i32 = 1;            // client state, ST_* below
export const STAT_INFLIGHT_OUT: i32 = 2;     // QoS 1/2 PUBLISH or PUBREL sent and not yet acked
export const STAT_QUEUED_OUT: i32 = 3;       // publishes waiting to be sent (offline queue or window full)
export const STAT_INFLIGHT_IN: i32 = 4;      // incoming QoS 2 ids awaiting PUBREL
export const STAT_NEXT_PID: i32 = 5;         // next packet id the allocator tries
export const STAT_TX_PACKETS: i32 = 6;       // packets sent
export const STAT_RX_PACKETS: i32 = 7;       // packets received
export const STAT_RETRANSMITS: i32 = 8;      // PUBLISH (DUP=1) and PUBREL resent
export const STAT_RECONNECTS: i32 = 9;       // connection attempts after the first
export const STAT_PROTOCOL_ERRORS: i32 = 10; // malformed/unexpected packets from the broker
export const STAT_LAST_ERROR: i32 = 11;      // last ERR_* reported (0 none)
export const STAT_MEM_HIGH_WATER: i32 = 12;  // highest linear-memory byte the core uses (static data end; nothing is allocated later)
export const STAT_STORE_USED: i32 = 13;      // bytes used in the active store page group
export const STAT_STORE_COMPACTIONS: i32 = 14;// ping-pong compactions since start()
export const STAT_DUPS_SUPPRESSED: i32 = 15; // incoming QoS 2 duplicates answered without re-delivery
export const STAT_STORE_CAPACITY: i32 = 16;  // bytes of one store page group (0 = no usable store)
export const STAT_STORE_ERRORS: i32 = 17;    // session records that could not be written (store full even after compaction, or I/O)
export const STAT_LINK: i32 = 18;           // Ethernet link (PHYCFGR.LNK, read every LINK_POLL_MS = 100 ms): 1 up, 0 down, -1 not read yet
export const STAT_KEY_COUNT: i32 = 18;
// LAN module only (net/lan-core.ts's wq_stat; other modules: ERR_ARG). Addresses are numbers (192.168.1.10 = 0xC0A8010A, read as i32).
export const STAT_DHCP_STATE: i32 = 19;     // DHCP_* below
export const STAT_IP: i32 = 20;             // the device's address in use (leased, static or fallback; 0 none)
export const STAT_GATEWAY: i32 = 21;        // the gateway in use
export const STAT_NETMASK: i32 = 22;        // the netmask in use
export const STAT_DNS: i32 = 23;            // the DNS server in use (CFG_DNS_SERVER, else the lease's, else the gateway)
export const STAT_LEASE_LEFT_S: i32 = 24;   // seconds until the lease expires; -1 no lease

// ---- DHCP client states (STAT_DHCP_STATE, EV_DHCP) ----
export const DHCP_STATIC: i32 = 0;      // not used: CFG_DEVICE_IP is a static address
export const DHCP_SELECTING: i32 = 1;   // DISCOVER sent (again after 4, 8, 16, 32, 64, 64... s), waiting for an OFFER
export const DHCP_REQUESTING: i32 = 2;  // REQUEST for the offered address sent, waiting for ACK/NAK (4 tries, then SELECTING)
export const DHCP_BOUND: i32 = 3;       // leased: the address is on the chip
export const DHCP_RENEWING: i32 = 4;    // past T1: REQUEST unicast to the server that leased it
export const DHCP_REBINDING: i32 = 5;   // past T2: REQUEST broadcast to any server
export const DHCP_FALLBACK: i32 = 6;    // no offer in time: CFG_DHCP_FALLBACK in use, still discovering

// ---- Client states (STAT_STATE) ----
export const ST_IDLE: i32 = 0;          // not connecting (before wq_connect / after wq_disconnect)
export const ST_BACKOFF: i32 = 1;       // waiting before the next connection attempt
export const ST_TCP_CONNECTING: i32 = 2;// transport connect in progress
export const ST_MQTT_CONNECTING: i32 = 3;// CONNECT sent, waiting for CONNACK
export const ST_CONNECTED: i32 = 4;     // CONNACK accepted

// ---- Error codes (negative returns and ERROR/DISCONNECTED/CONNECT_FAILED records) ----
// API misuse
export const ERR_ARG: i32 = -1;            // bad argument (length, count, QoS or flag bits)
export const ERR_TOO_BIG: i32 = -2;        // the packet would exceed PACKET_MAX
export const ERR_QUEUE_FULL: i32 = -3;     // offline queue / window slots / store full; nothing was queued
export const ERR_NOT_CONNECTED: i32 = -4;  // needs a connection (subscribe/unsubscribe)
export const ERR_BUSY: i32 = -5;           // too many SUBSCRIBE/UNSUBSCRIBE awaiting acks
export const ERR_TOPIC: i32 = -6;          // invalid topic name or filter
export const ERR_CONFIG_KEY: i32 = -7;     // unknown config key
export const ERR_CONFIG_VALUE: i32 = -8;   // config value too long or out of range
export const ERR_NO_STORE: i32 = -9;       // store missing or smaller than 2 pages
export const ERR_STORE_IO: i32 = -10;      // store_read/write/erase failed
export const ERR_NO_CONFIG: i32 = -11;     // configLoad found no valid config record
export const ERR_NOT_STARTED: i32 = -12;   // start() has not run
// Connection
export const ERR_TCP_FAILED: i32 = -20;    // the broker refused or did not answer the TCP connect, or the peer closed
export const ERR_TIMEOUT: i32 = -21;       // no TCP connection or CONNACK within CFG_TIMEOUT_MS
export const ERR_KEEPALIVE: i32 = -22;     // no PINGRESP: dead link
export const ERR_CONNACK_REFUSED: i32 = -23;// CONNACK return code != 0 (code in the record)
export const ERR_RETRIES: i32 = -24;       // CFG_MAX_RETRIES resends without ack
export const ERR_UNEXPECTED: i32 = -25;    // a packet the broker must not send (or before CONNACK)
export const ERR_ABORT: i32 = -26;         // internal assertion (never expected)
export const ERR_LINK_DOWN: i32 = -27;     // no Ethernet link (PHYCFGR.LNK = 0): connecting waits for it, a connection is dropped at once
export const ERR_NO_CHIP: i32 = -28;       // the W5500 does not answer (VERSIONR is not 4), at a link poll or a connect (chip reset and silent, or a socket command not taken): wiring, SPI, power, reset pin
export const ERR_DNS_NAME: i32 = -29;      // CFG_BROKER_HOST does not resolve: the DNS server says no such name (or it has no A record)
export const ERR_DNS_TIMEOUT: i32 = -30;   // no answer from the DNS server after 3 tries (1 + 2 + 4 s)
export const ERR_DNS_SERVER: i32 = -31;    // the DNS server failed or refused the query (SERVFAIL, REFUSED)
export const ERR_DNS_BAD: i32 = -32;       // CFG_BROKER_HOST is not a valid host name, or no DNS server is known
export const ERR_DHCP_NO_OFFER: i32 = -33; // DHCP DISCOVER phase: no server offered an address within CFG_TIMEOUT_MS (still asking)
export const ERR_DHCP_NO_ACK: i32 = -34;   // DHCP REQUEST phase: the server that offered the address did not confirm it (starts over)
export const ERR_DHCP_NAK: i32 = -35;      // DHCP REQUEST/RENEW phase: the server refused the address (NAK): it starts over with DISCOVER
export const ERR_DHCP_LEASE_LOST: i32 = -36;// DHCP lease expired (renew at T1 and rebind at T2 unanswered): address dropped, MQTT link dropped, starting over (also: a lease replaced the static fallback, or a renewal moved the address)
export const ERR_DHCP_DECLINED: i32 = -37; // DHCP ACK phase: another host answers ARP for the leased address: DECLINE sent, starting over
// Decoder: malformed packet from the peer (connection closed, session kept)
export const ERR_RL_TOO_LONG: i32 = -40;   // remaining length uses more than 4 bytes
export const ERR_RL_MISMATCH: i32 = -41;   // remaining length disagrees with the packet's contents
export const ERR_FLAGS: i32 = -42;         // reserved fixed-header flag bits not as the spec requires
export const ERR_QOS3: i32 = -43;          // QoS 3 in PUBLISH or will/subscription QoS
export const ERR_PID_ZERO: i32 = -44;      // packet identifier 0 where one is required
export const ERR_UTF8: i32 = -45;          // malformed UTF-8 in a string
export const ERR_UTF8_NULL: i32 = -46;     // U+0000 in a string
export const ERR_UTF8_SURROGATE: i32 = -47;// UTF-16 surrogate (U+D800..U+DFFF) encoded in a string
export const ERR_TOPIC_WILDCARD: i32 = -48;// + or # in a PUBLISH topic name
export const ERR_TOPIC_EMPTY: i32 = -49;   // empty topic name
export const ERR_OVERSIZE: i32 = -50;      // packet larger than PACKET_MAX
export const ERR_TYPE_RESERVED: i32 = -51; // packet type 0 or 15
export const ERR_STRING_OVERRUN: i32 = -52;// a length-prefixed field runs past the packet end
export const ERR_CONNACK_FLAGS: i32 = -53; // CONNACK acknowledge flags bits 7-1 not zero
export const ERR_CONNACK_CODE: i32 = -54;  // CONNACK return code above 5
export const ERR_SUBACK_CODE: i32 = -55;   // SUBACK return code not 0, 1, 2 or 0x80
export const ERR_EMPTY_LIST: i32 = -56;    // SUBSCRIBE/UNSUBSCRIBE/SUBACK without entries
export const ERR_SUB_OPTIONS: i32 = -57;   // SUBSCRIBE requested-QoS byte has reserved bits set
export const ERR_PROTOCOL_NAME: i32 = -58; // CONNECT protocol name is not "MQTT"
export const ERR_PROTOCOL_LEVEL: i32 = -59;// CONNECT protocol level is not 4
export const ERR_CONNECT_FLAGS: i32 = -60; // CONNECT reserved flag set, or will QoS/retain without will, or password without username
export const ERR_FILTER: i32 = -61;        // topic filter with misplaced + or #
export const ERR_SESSION_PRESENT: i32 = -62;// CONNACK session-present=1 with a non-zero return code
export const ERR_ACK_QOS: i32 = -63;       // PUBACK answering a QoS 2 PUBLISH, or PUBREC answering a QoS 1 one (detail: packet id)
export const ERR_SUBACK_MISMATCH: i32 = -64;  // SUBACK with more or fewer return codes than the SUBSCRIBE had filters (detail: packet id)
export const ERR_ACK_UNKNOWN: i32 = -65;   // SUBACK/UNSUBACK for a packet id with no SUBSCRIBE/UNSUBSCRIBE awaiting it (detail: packet id)

// ---- Event kinds: board.event(kind, ptr, len); the record is valid only during the call ----
/** [0] u8 session_present. */
export const EV_CONNECTED: i32 = 1;
/** [0] i32 error (ERR_TCP_FAILED, ERR_TIMEOUT, ERR_CONNACK_REFUSED, ERR_LINK_DOWN, ERR_NO_CHIP, ERR_DNS_* or a decoder error);
 * [4] u8 CONNACK return code (0xFF = none); [8] u32 address tried, [12] u16 port (the DNS server and 53
 * for ERR_DNS_*, else the broker's address, resolved or CFG_BROKER_IP, and port). */
export const EV_CONNECT_FAILED: i32 = 2;
/** [0] i32 reason: 0 = wq_disconnect, else ERR_*. The core reconnects unless the reason is 0.
 * [8] u32 address, [12] u16 port of the broker the connection was with (as in EV_CONNECT_FAILED). */
export const EV_DISCONNECTED: i32 = 3;
/** [0] u8 flags (bits 0-1 QoS, bit 2 retain, bit 3 dup, bit 4 redelivered: QoS 2 delivered again
 * because a power cut tore its "delivered" mark, so the app may have seen it); [1] u8 index of the first matching
 * subscription (0xFF none); [2] u16 packet id (0 for QoS 0); [4] u16 topic length T;
 * [6] u16 payload length P; [8] topic (T bytes); [8+T] payload (P bytes). */
export const EV_MESSAGE: i32 = 4;
/** [0] u16 packet id; [2] u8 QoS. A QoS 1 PUBLISH got its PUBACK or a QoS 2 one its PUBCOMP. */
export const EV_PUBLISH_DONE: i32 = 5;
/** [0] u16 packet id; [2] u8 count N; [3] N return codes (0,1,2 granted QoS; 0x80 failure). */
export const EV_SUBACK: i32 = 6;
/** [0] u16 packet id. */
export const EV_UNSUBACK: i32 = 7;
/** [0] i32 error code; [4] u8 packet type involved (0 none); [5] u8 0; [6] u16 detail
 * (e.g. the packet id, or the byte offset of a decoder error). */
export const EV_ERROR: i32 = 8;
/** [0] u8 direction (0 sent, 1 received); [1] u8 packet type (1..14); [2] u8 fixed-header
 * flags (low nibble); [3] u8 extra (CONNACK return code, SUBSCRIBE/SUBACK entry count, else 0);
 * [4] u16 packet id (0 none); [6] u16 total packet length. Only when CFG_TRACE = 1. */
export const EV_TRACE: i32 = 9;
/** [0] u8 1 = Ethernet link up, 0 = down. On every change of PHYCFGR.LNK (read every 100 ms once
 * connecting), and for the first reading. */
export const EV_LINK: i32 = 10;
/** LAN module only. [0] u8 what happened (DHCPEV_*), [1] u8 DHCP state after it (DHCP_*); [4] u32 address,
 * [8] u32 gateway, [12] u32 netmask, [16] u32 DNS server, [20] u32 lease seconds, [24] u32 DHCP server
 * (what the lease says; zeros when no lease is held). */
export const EV_DHCP: i32 = 11;
export const DHCPEV_BOUND: i32 = 1;     // a lease: the address is on the chip
export const DHCPEV_RENEWED: i32 = 2;   // the lease was extended (ACK in RENEWING or REBINDING)
export const DHCPEV_RENEWING: i32 = 3;  // T1 reached: asking the leasing server to extend
export const DHCPEV_REBINDING: i32 = 4; // T2 reached without an answer: asking any server
export const DHCPEV_EXPIRED: i32 = 5;   // the lease ran out: address dropped (ERR_DHCP_LEASE_LOST)
export const DHCPEV_NAK: i32 = 6;       // the server refused the address: starting over (ERR_DHCP_NAK)
export const DHCPEV_DECLINED: i32 = 7;  // the offered address is in use (ARP answered): DECLINE sent (ERR_DHCP_DECLINED)
export const DHCPEV_FALLBACK: i32 = 8;  // no offer in time: using CFG_DHCP_FALLBACK
export const DHCPEV_VERIFYING: i32 = 9; // the link came back with a lease held: REQUEST (INIT-REBOOT) to confirm the address

// ---- MQTT packet types ----
export const PT_CONNECT: i32 = 1;
export const PT_CONNACK: i32 = 2;
export const PT_PUBLISH: i32 = 3;
export const PT_PUBACK: i32 = 4;
export const PT_PUBREC: i32 = 5;
export const PT_PUBREL: i32 = 6;
export const PT_PUBCOMP: i32 = 7;
export const PT_SUBSCRIBE: i32 = 8;
export const PT_SUBACK: i32 = 9;
export const PT_UNSUBSCRIBE: i32 = 10;
export const PT_UNSUBACK: i32 = 11;
export const PT_PINGREQ: i32 = 12;
export const PT_PINGRESP: i32 = 13;
export const PT_DISCONNECT: i32 = 14;
