// The shapes NodeDevice's API takes and gives: start options, publish options, a delivered message.
import type { Clock } from './clock.ts';
import type { MemoryStore } from './store.ts';
import type { RetainedRam } from './keep.ts';
import type { NetworkBackend } from './network.ts';

export interface Will {
  topic: string;
  payload: string | Uint8Array;
  qos?: 0 | 1 | 2;
  retain?: boolean;
}

export interface NodeDeviceOptions {
  /** mqtt://host:port of the real broker (loopback): the default W5500 model routes deviceBroker here. */
  broker?: string;
  clientId?: string;
  /** Default true (a fresh device); false keeps the session in the store and at the broker. */
  cleanSession?: boolean;
  /** Seconds; 0 disables keepalive. Default 60. */
  keepalive?: number;
  username?: string;
  password?: string;
  will?: Will;
  /** QoS 1/2 in flight at once (1..32). Default: the core's (8). */
  window?: number;
  /** Resend unacked PUBLISH/PUBREL after this many ms while connected (0 = only on reconnect). */
  retryMs?: number;
  maxRetries?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** TCP connect + CONNACK timeout in (device) ms. */
  connectTimeoutMs?: number;
  /** Persistent area; default a fresh 4 KB in-memory store (1 KB pages). */
  store?: MemoryStore;
  /** Retained RAM for the core's RAM log (keep_* imports): a system reset (NodeDevice.reset())
   * keeps it, a power cut (kill()) fills it with noise. Default none: keep_size() is 0 and the
   * core writes every QoS 1/2 message to the store first (flash-first). */
  keep?: RetainedRam;
  /** CFG_SPILL_MS: ms a QoS 1/2 message waits for its ack in the retained RAM log before it is
   * copied to the store; 0 = flash-first. Default: the core's (1000). */
  spillMs?: number;
  /** Default RealClock; pass a VirtualClock and drive time with advance(). */
  clock?: Clock;
  /** Path or bytes of the module; default build/core/core.wasm, or build/core/device.wasm
   * (core + console) with `console: true`. */
  wasm?: string | Uint8Array;
  /** The network seam; default a W5500 model routing deviceBroker → broker. */
  network?: NetworkBackend;
  /**
   * More config keys (Cfg.*) set after the others, before connecting: e.g. [[Cfg.DEVICE_IP, 0]] for DHCP (LAN module).
   */
  deviceConfig?: Array<[key: number, value: number | string]>;
  /**
   * The broker address the device is configured with: IPv4 or host name (resolved by the device's DNS) and port.
   * Default 192.168.1.10:1883.
   */
  deviceBroker?: string;
  /**
   * true: run the device console (docs/console.md) as the firmware does: device.wasm unless
   * `wasm` names another module, its `evt` lines on from the first instruction (a 'uart' listener
   * added after start() misses nothing), input through uartInput(). Default: core.wasm, which
   * has no console ('uart' listeners and uartInput() throw). A module with a console given as
   * `wasm` without `console: true` prints its `evt` lines only while something listens for 'uart'
   * (a line nobody reads is core work spent on every message for nothing: docs/node-host.md,
   * "Where QoS 1 time goes").
   */
  console?: boolean;
  /** Seed for entropy() so packet ids and jitter are reproducible; default random. */
  seed?: number;
  /** Emit 'trace' events (one per packet). Default: on when a 'trace' listener exists at start. */
  trace?: boolean;
  /** Attached before connecting; messages delivered during start() also reach later 'message' listeners. */
  onMessage?: (m: Message) => void;
  /** Wait for CONNACK before start() resolves (default true); a refusal rejects start(). */
  waitConnected?: boolean;
  /**
   * Real-time guard for waits (start, publish acks...) so a broken link fails a test instead of hanging. Default 15000.
   */
  realTimeoutMs?: number;
  /** The chip's 96-bit unique id as 24 hex digits (the default client id and MAC come from it);
   * default random, or derived from `seed` when given. */
  uid?: string;
  /** Board file (boards/<name>.json) whose own pins an app may not use. Default bluepill. */
  board?: string;
}

export interface PublishOptions {
  qos?: 0 | 1 | 2;
  retain?: boolean;
  /** When the core's outgoing slots are full, wait for one to free instead of failing with QueueFullError. */
  waitForSlot?: boolean;
  /** QoS 1/2: write it to the store before anything else, whatever spillMs says (PUB_DURABLE). */
  durable?: boolean;
}

export interface Message {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  dup: boolean;
  /** QoS 2 only: a power cut tore the core's "delivered" mark for this message, so the app may
   * already have it (from before the reset); de-duplicate on it if that matters. */
  redelivered: boolean;
  packetId: number;
  /** Index of the first matching subscription, null if none matched. */
  subscription: number | null;
}
