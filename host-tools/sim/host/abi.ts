// TypeScript mirror of firmware/core/api/abi.ts (the core's ABI constants). Keep the two in
// step: test/core/abi-mirror.test.ts compares every value. Event records are little-endian.
import { u32ToIpv4 } from './network.ts';

export const Size = {
  PACKET_MAX: 1024, STAGING_SIZE: 1024, OUT_SLOTS: 40, WINDOW_MAX: 32, IN_QOS2_RUNS: 16,
  SUB_SLOTS: 8, FILTER_MAX: 64, PENDING_REQ_SLOTS: 4,
} as const;

/**
 * wq_config keys. Strings: UTF-8 bytes. Numbers: little-endian, 1..4 bytes. IPv4 as u32 (192.168.1.10 = 0xC0A8010A).
 */
export const Cfg = {
  CLIENT_ID: 1, USERNAME: 2, PASSWORD: 3, WILL_TOPIC: 4, WILL_PAYLOAD: 5, WILL_FLAGS: 6,
  KEEPALIVE_S: 7, CLEAN_SESSION: 8, BROKER_IP: 9, BROKER_PORT: 10, MAC: 11, DEVICE_IP: 12,
  GATEWAY: 13, NETMASK: 14, RETRY_MS: 15, MAX_RETRIES: 16, BACKOFF_MIN_MS: 17,
  BACKOFF_MAX_MS: 18, TIMEOUT_MS: 19, WINDOW: 20, TRACE: 21, NEXT_PID: 22, CONSOLE_QUIET: 23,
  BROKER_HOST: 24, DNS_SERVER: 25, DHCP_FALLBACK: 26, SPILL_MS: 27,
} as const;
/** wq_publish flags bit 3: this QoS 1/2 message goes to the store first (PUB_DURABLE). */
export const PUB_DURABLE = 8;
/** Which config keys take a string/bytes value (the rest are numbers). */
export const CFG_BYTES_KEYS: ReadonlySet<number> = new Set([
  Cfg.CLIENT_ID, Cfg.USERNAME, Cfg.PASSWORD, Cfg.WILL_TOPIC, Cfg.WILL_PAYLOAD, Cfg.MAC, Cfg.BROKER_HOST,
]);

/** wq_stat keys. */
export const Stat = {
  STATE: 1, INFLIGHT_OUT: 2, QUEUED_OUT: 3, INFLIGHT_IN: 4, NEXT_PID: 5, TX_PACKETS: 6,
  RX_PACKETS: 7, RETRANSMITS: 8, RECONNECTS: 9, PROTOCOL_ERRORS: 10, LAST_ERROR: 11,
  MEM_HIGH_WATER: 12, STORE_USED: 13, STORE_COMPACTIONS: 14, DUPS_SUPPRESSED: 15,
  STORE_CAPACITY: 16, STORE_ERRORS: 17, LINK: 18,
  // LAN module only (build/w5500/core-lan.wasm)
  DHCP_STATE: 19, IP: 20, GATEWAY: 21, NETMASK: 22, DNS: 23, LEASE_LEFT_S: 24,
} as const;

/** STAT_DHCP_STATE values and the names `status` prints. */
export const DhcpState = {
  STATIC: 0, SELECTING: 1, REQUESTING: 2, BOUND: 3, RENEWING: 4, REBINDING: 5, FALLBACK: 6 } as const;
export const DHCP_STATE_NAMES = [
  'static', 'selecting', 'requesting', 'bound', 'renewing', 'rebinding', 'fallback'] as const;
/** EV_DHCP's [0]: what happened. */
export const DHCP_EVENT_NAMES = [
  '', 'bound', 'renewed', 'renewing', 'rebinding', 'expired', 'nak', 'declined', 'fallback', 'verifying'] as const;

/** STAT_STATE values. */
export const ClientState = { IDLE: 0, BACKOFF: 1, TCP_CONNECTING: 2, MQTT_CONNECTING: 3, CONNECTED: 4 } as const;

/** Negative results and error codes in event records. */
export const Err = {
  ARG: -1, TOO_BIG: -2, QUEUE_FULL: -3, NOT_CONNECTED: -4, BUSY: -5, TOPIC: -6, CONFIG_KEY: -7,
  CONFIG_VALUE: -8, NO_STORE: -9, STORE_IO: -10, NO_CONFIG: -11, NOT_STARTED: -12,
  TCP_FAILED: -20, TIMEOUT: -21, KEEPALIVE: -22, CONNACK_REFUSED: -23, RETRIES: -24,
  UNEXPECTED: -25, ABORT: -26, LINK_DOWN: -27, NO_CHIP: -28,
  DNS_NAME: -29, DNS_TIMEOUT: -30, DNS_SERVER: -31, DNS_BAD: -32,
  DHCP_NO_OFFER: -33, DHCP_NO_ACK: -34, DHCP_NAK: -35, DHCP_LEASE_LOST: -36, DHCP_DECLINED: -37,
  RL_TOO_LONG: -40, RL_MISMATCH: -41, FLAGS: -42, QOS3: -43, PID_ZERO: -44, UTF8: -45,
  UTF8_NULL: -46, UTF8_SURROGATE: -47, TOPIC_WILDCARD: -48, TOPIC_EMPTY: -49, OVERSIZE: -50,
  TYPE_RESERVED: -51, STRING_OVERRUN: -52, CONNACK_FLAGS: -53, CONNACK_CODE: -54,
  SUBACK_CODE: -55, EMPTY_LIST: -56, SUB_OPTIONS: -57, PROTOCOL_NAME: -58, PROTOCOL_LEVEL: -59,
  CONNECT_FLAGS: -60, FILTER: -61, SESSION_PRESENT: -62, ACK_QOS: -63, SUBACK_MISMATCH: -64, ACK_UNKNOWN: -65,
} as const;

/** What each error means and what to do about it (the core sends only the code). */
export const ERROR_TEXT: Readonly<Record<number, string>> = {
  [Err.ARG]: 'bad argument (length, count, QoS or flag bits): check the call against docs/core-api.md',
  [Err.TOO_BIG]: 'packet would exceed 1024 bytes: shorten the topic/payload or raise PACKET_MAX',
  [Err.QUEUE_FULL]: 'outgoing queue or store is full; nothing was queued: retry after PUBLISH_DONE events',
  [Err.NOT_CONNECTED]: 'not connected: wait for the CONNECTED event before subscribing',
  [Err.BUSY]: 'too many SUBSCRIBE/UNSUBSCRIBE awaiting acks: wait for SUBACK/UNSUBACK',
  [Err.TOPIC]: 'invalid topic name or filter: no wildcards in topics, + and # only as whole levels, # last',
  [Err.CONFIG_KEY]: 'unknown config key: see Cfg in host-tools/sim/host/abi.ts',
  [Err.CONFIG_VALUE]: 'config value too long or out of range: see the key comment in firmware/core/api/abi.ts',
  [Err.NO_STORE]: 'no usable persistent store (needs at least 2 erase pages): give the board a store area',
  [Err.STORE_IO]: 'persistent store read/write/erase failed: check the flash area and its bounds',
  [Err.NO_CONFIG]: 'no saved config in the store: the defaults are in use; save a config first',
  [Err.NOT_STARTED]: 'start() has not been called',
  [Err.TCP_FAILED]: 'TCP connection failed or closed by the peer: check the broker address/port; reconnecting',
  [Err.TIMEOUT]: 'no TCP connection or CONNACK in time: check the broker is reachable; reconnecting',
  [Err.KEEPALIVE]: 'broker silent past 1.5 x keepalive (no PINGRESP): dead link, reconnecting',
  [Err.CONNACK_REFUSED]: 'broker refused the connection (see CONNACK return code): fix client id/credentials',
  [Err.RETRIES]: 'no ack after the maximum number of resends: link declared dead, reconnecting',
  [Err.UNEXPECTED]: 'broker sent a packet a client must not receive here: protocol error, reconnecting',
  [Err.ABORT]: 'internal assertion failed in the core: please report with the trace',
  [Err.LINK_DOWN]: 'no Ethernet link (PHYCFGR.LNK = 0): check the cable and the switch port; the core reconnects as ' +
    'soon as the link is back',
  [Err.NO_CHIP]: 'no W5500 answered on SPI: check the wiring/board (SPI mode 0/3, power, reset pin; VERSIONR is not ' +
    '0x04, or the chip lost its setup or did not take a socket command); nothing was sent to the broker; retrying',
  [Err.DNS_NAME]: 'the broker host name does not resolve: the DNS server says no such name (or no IPv4 address); ' +
    'check the spelling and the DNS server; retrying',
  [Err.DNS_TIMEOUT]: 'no answer from the DNS server (3 tries over 7 s): check the DNS server address ' +
    '(CFG_DNS_SERVER, or the gateway) and that it answers on UDP port 53; retrying',
  [Err.DNS_SERVER]: 'the DNS server failed or refused to resolve the broker host name (SERVFAIL/REFUSED): check that ' +
    'it may answer this device; retrying',
  [Err.DNS_BAD]: 'the broker host name cannot be looked up: not a valid host name (dot-separated labels, at most 63 ' +
    'characters) or no DNS server known (set CFG_DNS_SERVER or a gateway)',
  [Err.DHCP_NO_OFFER]: 'DHCP, DISCOVER phase: no DHCP server offered an address in time: check that the LAN has a ' +
    'DHCP server (router) on this segment and VLAN, and the cable; still asking (or set a static fallback)',
  [Err.DHCP_NO_ACK]: 'DHCP, REQUEST phase: the server that offered an address did not confirm it: check the DHCP ' +
    'server\'s log and that it is not overloaded; starting over with DISCOVER',
  [Err.DHCP_NAK]: 'DHCP, REQUEST/RENEW phase: the DHCP server refused the address (NAK; e.g. the pool or subnet ' +
    'changed): starting over with DISCOVER',
  [Err.DHCP_LEASE_LOST]: 'DHCP lease expired: renewal at T1 and rebinding at T2 went unanswered, so the address was ' +
    'dropped and the MQTT link with it: check that the DHCP server is running; asking for a new lease (also when a ' +
    'lease replaces the static fallback or a renewal moves the address: the link is made again over the new one)',
  [Err.DHCP_DECLINED]: 'DHCP, ACK phase: another host answers ARP for the leased address (address conflict): DECLINE ' +
    'sent; check for a static address inside the DHCP pool; starting over',
  [Err.RL_TOO_LONG]: 'malformed packet: remaining length longer than 4 bytes; connection closed, session kept',
  [Err.RL_MISMATCH]: 'malformed packet: remaining length disagrees with its contents; connection closed, session kept',
  [Err.FLAGS]: 'malformed packet: reserved fixed-header flag bits wrong; connection closed, session kept',
  [Err.QOS3]: 'malformed packet: QoS 3 is not allowed; connection closed, session kept',
  [Err.PID_ZERO]: 'malformed packet: packet identifier 0; connection closed, session kept',
  [Err.UTF8]: 'malformed packet: invalid UTF-8 in a string; connection closed, session kept',
  [Err.UTF8_NULL]: 'malformed packet: U+0000 in a string; connection closed, session kept',
  [Err.UTF8_SURROGATE]: 'malformed packet: encoded UTF-16 surrogate in a string; connection closed, session kept',
  [Err.TOPIC_WILDCARD]: 'malformed packet: wildcard in a PUBLISH topic; connection closed, session kept',
  [Err.TOPIC_EMPTY]: 'malformed packet: empty topic name; connection closed, session kept',
  [Err.OVERSIZE]: 'packet larger than 1024 bytes: connection closed, session kept; raise PACKET_MAX if needed',
  [Err.TYPE_RESERVED]: 'malformed packet: reserved packet type 0 or 15; connection closed, session kept',
  [Err.STRING_OVERRUN]: 'malformed packet: a length-prefixed field runs past the end; connection closed, session kept',
  [Err.CONNACK_FLAGS]: 'malformed CONNACK: reserved acknowledge flag bits set; connection closed',
  [Err.CONNACK_CODE]: 'malformed CONNACK: return code above 5; connection closed',
  [Err.SUBACK_CODE]: 'malformed SUBACK: return code not 0, 1, 2 or 0x80; connection closed, session kept',
  [Err.EMPTY_LIST]: 'malformed packet: SUBSCRIBE/UNSUBSCRIBE/SUBACK without entries; connection closed',
  [Err.SUB_OPTIONS]: 'malformed SUBSCRIBE: reserved bits in the requested QoS byte',
  [Err.PROTOCOL_NAME]: 'malformed CONNECT: protocol name is not "MQTT"',
  [Err.PROTOCOL_LEVEL]: 'malformed CONNECT: protocol level is not 4 (MQTT 3.1.1)',
  [Err.CONNECT_FLAGS]: 'malformed CONNECT: reserved flag, will QoS/retain without will, or password without username',
  [Err.FILTER]: 'malformed topic filter: + and # must fill a whole level and # must be last',
  [Err.SESSION_PRESENT]: 'malformed CONNACK: session present set with a non-zero return code; connection closed',
  [Err.ACK_QOS]: 'broker acknowledged a PUBLISH with the wrong kind of ack (PUBACK for QoS 2 or PUBREC for QoS 1): ' +
    'protocol error; connection closed, session kept, the message is sent again on reconnect',
  [Err.SUBACK_MISMATCH]: 'broker sent a SUBACK whose return-code count differs from the SUBSCRIBE\'s filter count: ' +
    'protocol error; connection closed, session kept, the subscription is sent again on reconnect',
  [Err.ACK_UNKNOWN]: 'broker sent a SUBACK/UNSUBACK for a packet id no request is waiting for: protocol error; ' +
    'connection closed, session kept, pending subscriptions are sent again on reconnect',
};

/** CONNACK return codes 1..5 (MQTT 3.1.1 §3.2.2.3) and what to do about each. */
export const CONNACK_TEXT: Readonly<Record<number, string>> = {
  1: 'unacceptable protocol version: the broker does not speak MQTT 3.1.1',
  2: 'client identifier rejected: set another client id (CFG_CLIENT_ID)',
  3: 'server unavailable: the broker refuses clients for now; the core keeps retrying',
  4: 'bad user name or password: fix CFG_USERNAME / CFG_PASSWORD',
  5: 'not authorized: grant this client access on the broker',
};

/** Topic bytes → string. A leading U+FEFF is part of the topic and is kept [MQTT-1.5.3-3]
 * (TextDecoder strips it by default); every host decodes topics with this one. */
export const topicDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

export function errorText(code: number): string {
  return ERROR_TEXT[code] ?? `unknown error ${code}`;
}

export const EventKind = {
  CONNECTED: 1, CONNECT_FAILED: 2, DISCONNECTED: 3, MESSAGE: 4, PUBLISH_DONE: 5, SUBACK: 6,
  UNSUBACK: 7, ERROR: 8, TRACE: 9, LINK: 10, DHCP: 11,
} as const;

export const PacketType = {
  CONNECT: 1, CONNACK: 2, PUBLISH: 3, PUBACK: 4, PUBREC: 5, PUBREL: 6, PUBCOMP: 7, SUBSCRIBE: 8,
  SUBACK: 9, UNSUBSCRIBE: 10, UNSUBACK: 11, PINGREQ: 12, PINGRESP: 13, DISCONNECT: 14,
} as const;
export const PACKET_NAMES = ['', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL',
  'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT'] as const;

export type CoreEvent =
  | { kind: 'connected'; sessionPresent: boolean }
  | { kind: 'connect_failed'; error: number; returnCode: number | null; message: string; tried?: string }
  | { kind: 'disconnected'; reason: number; message: string; tried?: string }
  | { kind: 'message'; qos: number; retain: boolean; dup: boolean; redelivered: boolean; subscription: number | null;
      packetId: number; topic: string; payload: Uint8Array }
  | { kind: 'publish_done'; packetId: number; qos: number }
  | { kind: 'suback'; packetId: number; granted: number[] }
  | { kind: 'unsuback'; packetId: number }
  | { kind: 'error'; code: number; packetType: number; detail: number; message: string }
  | { kind: 'trace'; direction: 'sent' | 'received'; packetType: number; name: string; flags: number;
      extra: number; packetId: number; length: number }
  | { kind: 'link'; up: boolean }
  | { kind: 'dhcp'; event: string; state: string; ip: string; gateway: string; netmask: string; dns: string;
    leaseS: number; server: string; message: string };

/**
 * "a.b.c.d:port" from [8] u32 address, [12] u16 port of a CONNECT_FAILED/DISCONNECTED record (cores before it:
 * undefined).
 */
function triedEndpoint(rec: Uint8Array): string | undefined {
  if (rec.length < 14) return undefined;
  const dv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  return `${u32ToIpv4(dv.getUint32(8, true))}:${dv.getUint16(12, true)}`;
}

/** The MESSAGE record (layout in abi.ts, EV_MESSAGE) decoded on the hot path: one decoder, one payload copy. */
export function decodeMessage(rec: Uint8Array): CoreEvent {
  const dv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  const t = dv.getUint16(4, true);
  const p = dv.getUint16(6, true);
  if (8 + t + p > rec.byteLength) throw new Error(
    `core.wasm sent a MESSAGE record of ${rec.byteLength} bytes that claims ${8 + t + p}`);
  return {
    kind: 'message', qos: rec[0]! & 3, retain: (rec[0]! & 4) !== 0, dup: (rec[0]! & 8) !== 0,
    redelivered: (rec[0]! & 16) !== 0,
    subscription: rec[1] === 0xff ? null : rec[1]!, packetId: dv.getUint16(2, true),
    topic: topicDecoder.decode(rec.subarray(8, 8 + t)), payload: rec.slice(8 + t, 8 + t + p),
  };
}

/** Decodes one event record (copy the bytes out of wasm memory first; the payload is copied). */
export function decodeEvent(kind: number, rec: Uint8Array): CoreEvent {
  const dv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  switch (kind) {
    case EventKind.CONNECTED: return { kind: 'connected', sessionPresent: rec[0] === 1 };
    case EventKind.CONNECT_FAILED: {
      const error = dv.getInt32(0, true);
      const rc = rec[4] === 0xff ? null : rec[4]!;
      const text = error === Err.CONNACK_REFUSED && rc !== null ?
        `broker refused the connection (CONNACK ${rc}): ${CONNACK_TEXT[rc] ?? 'unknown code'}` : errorText(error);
      const tried = triedEndpoint(rec);
      const what = error <= Err.DNS_NAME && error >= Err.DNS_BAD ? 'asked the DNS server'
        : error <= Err.DHCP_NO_OFFER && error >= Err.DHCP_DECLINED ? 'asked the DHCP server' : 'tried';
      // (ERR_NO_CHIP: the chip failed before anything went out, so no address is named)
      const named = tried && error !== Err.NO_CHIP ? tried : undefined;
      return { kind: 'connect_failed', error, returnCode: rc, message: named ? `${text} (${what} ${named})` : text,
        ...(named ? { tried: named } : {}) };
    }
    case EventKind.DISCONNECTED: {
      const reason = dv.getInt32(0, true);
      const tried = triedEndpoint(rec);
      const text = reason === 0 ? 'disconnected by request' : errorText(reason);
      // (a requested disconnect says nothing about where: no `tried`)
      return { kind: 'disconnected', reason, message: tried && reason !== 0 ? `${text} (broker ${tried})` : text,
        ...(tried && reason !== 0 ? { tried } : {}) };
    }
    case EventKind.MESSAGE: {
      const t = dv.getUint16(4, true), p = dv.getUint16(6, true);
      return {
        kind: 'message', qos: rec[0]! & 3, retain: (rec[0]! & 4) !== 0, dup: (rec[0]! & 8) !== 0,
        redelivered: (rec[0]! & 16) !== 0,
        subscription: rec[1] === 0xff ? null : rec[1]!, packetId: dv.getUint16(2, true),
        topic: topicDecoder.decode(rec.subarray(8, 8 + t)), payload: rec.slice(8 + t, 8 + t + p),
      };
    }
    case EventKind.PUBLISH_DONE: return { kind: 'publish_done', packetId: dv.getUint16(0, true), qos: rec[2]! };
    case EventKind.SUBACK: return {
      kind: 'suback', packetId: dv.getUint16(0, true), granted: [...rec.subarray(3, 3 + rec[2]!)] };
    case EventKind.UNSUBACK: return { kind: 'unsuback', packetId: dv.getUint16(0, true) };
    case EventKind.ERROR: {
      const code = dv.getInt32(0, true);
      const packetType = rec[4]!;
      const message = errorText(code);
      return { kind: 'error', code, packetType, detail: dv.getUint16(6, true), message };
    }
    case EventKind.TRACE: return {
      kind: 'trace', direction: rec[0] === 0 ? 'sent' : 'received', packetType: rec[1]!,
      name: PACKET_NAMES[rec[1]!] ?? `type${rec[1]}`, flags: rec[2]!, extra: rec[3]!,
      packetId: dv.getUint16(4, true), length: dv.getUint16(6, true),
    };
    case EventKind.LINK: return { kind: 'link', up: rec[0] === 1 };
    case EventKind.DHCP: {
      const at = (o: number) => u32ToIpv4(dv.getUint32(o, true));
      const event = DHCP_EVENT_NAMES[rec[0]!] || `event${rec[0]}`;
      const state = DHCP_STATE_NAMES[rec[1]!] ?? `state${rec[1]}`;
      const leaseS = dv.getUint32(20, true);
      const lease = `${at(4)} mask ${at(12)} gateway ${at(8)} dns ${at(16)}`;
      const message = event === 'bound' ||
        event === 'renewed' ? `DHCP ${event}: ${lease}, lease ${leaseS} s from ${at(24)}`
        : event === 'fallback' ?
          `DHCP: no offer in time, static fallback ${at(4)} mask ${at(12)} gateway ${at(8)} (still asking)`
        : `DHCP ${event}${event === 'expired' ? ': address dropped' : ''} (now ${state})`;
      return { kind: 'dhcp', event, state, ip: at(4), gateway: at(8), netmask: at(12), dns: at(16), leaseS,
        server: at(24), message };
    }
    default: throw new Error(`core.wasm sent unknown event kind ${kind}; host and core ABI versions differ`);
  }
}
