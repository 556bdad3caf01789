// NodeDevice: core.wasm run by Node's WebAssembly engine, with the board ABI implemented in
// TypeScript (docs/board-abi.md) and the client API of docs/core-api.md wrapped in promises.
// Time comes from a Clock (virtual in tests), the network from one NetworkBackend seam (by
// default the W5500 register model, host-tools/sim/w5500, whose clock is this Clock), persistence
// from a NOR-flash store.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Cfg, CFG_BYTES_KEYS, ClientState, Err, EventKind, PUB_DURABLE, Stat,
  errorText, type CoreEvent,
} from './abi.ts';
import { RealClock, type Clock, VirtualClock } from './clock.ts';
import { LinearMemory } from './memory.ts';
import { mulberry32 } from './prng.ts';
import { W5500NetworkBackend } from './w5500-backend.ts';
import { type ImportModules, type NetworkBackend, ipv4ToU32 } from './network.ts';
import { MemoryStore, PowerCut } from './store.ts';
import type { RetainedRam } from './keep.ts';
import { boardImports } from './board-imports.ts';
import { NodePins, reservedPins } from './pins.ts';
import { loadBoardSpec } from '../board/board-spec.ts';
import { CONNACK_TEXT, CoreError, QueueFullError, ConnackError, BadModuleError } from './errors.ts';
import type { Will, NodeDeviceOptions, PublishOptions, Message } from './types.ts';
import { loadModule, instantiateWith, type CoreExports } from './module-loader.ts';

// Split out of this file (STYLE.md); re-exported so importers keep one entry point.
export { CONNACK_TEXT, CoreError, QueueFullError, ConnackError, BadModuleError };
export { W5500NetworkBackend, type W5500BackendOptions } from './w5500-backend.ts';
export type { Will, NodeDeviceOptions, PublishOptions, Message };

const here = dirname(fileURLToPath(import.meta.url));
/** Where `make build` puts the MQTT core (no console): what a NodeDevice runs by default. */
export const DEFAULT_CORE_WASM = process.env.WASMQTT_CORE_WASM ?? resolve(here, '../../../build/core/core.wasm');
/** The core with the device console (firmware/app/console), as the firmware images run it: what
 * a NodeDevice started with `console: true` runs. */
export const DEFAULT_DEVICE_WASM = process.env.WASMQTT_DEVICE_WASM ?? resolve(here, '../../../build/core/device.wasm');
/** The broker address the device believes in (its embedded view); mapped to the real broker. */
export const DEFAULT_DEVICE_BROKER = '192.168.1.10:1883';

const CFG_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(Cfg).map(([k, v]) => [v, k]));
const STATE_NAMES: Readonly<Record<number, string>> = {
  [ClientState.IDLE]: 'idle', [ClientState.BACKOFF]: 'waiting to reconnect',
  [ClientState.TCP_CONNECTING]: 'connecting TCP',
  [ClientState.MQTT_CONNECTING]: 'waiting for CONNACK', [ClientState.CONNECTED]: 'connected',
};

/** Steps runStep() may chain when event handlers keep giving the core new work (then it yields to the event loop). */
const MAX_RESTEPS = 8;
const utf8 = new TextEncoder();

type Waiter = { match: (e: CoreEvent) => boolean; resolve: (e: CoreEvent) => void; reject: (e: Error) => void };

/**
 * One simulated device. Events: 'message' (Message), 'connected' ({sessionPresent}),
 * 'disconnected' ({reason, message}), 'connect_failed', 'error' (CoreError; a protocol error from
 * the broker, a keepalive timeout... the device keeps running and reconnects), 'trace'
 * (CoreEvent of kind trace), 'uart' (string), 'fatal' (the core trapped or power was cut; the
 * device is dead), 'event' (every CoreEvent), 'pin' ({pin: 'PC13', level}: an app's pin changed
 * level). Invariant: the core is never re-entered: events are queued during a wasm call and
 * emitted after it returns.
 */
export class NodeDevice extends EventEmitter {
  readonly clock: Clock;
  readonly store: MemoryStore;
  /** The retained RAM (keep_* imports), when given: survives reset(), noise after kill(). */
  readonly keep: RetainedRam | undefined;
  readonly network: NetworkBackend;
  /** The app's pins and ADC inputs: set inputs and analog volts, watch outputs (pins.ts). */
  readonly pins: NodePins;
  /** The unique id the device reports (24 hex digits). */
  readonly uid: string;
  /** Linear memory the board's runtime gives a module (its board file's wasm.linearMemoryCapBytes). */
  private readonly memoryCap: number;
  private exports!: CoreExports;
  private mem!: LinearMemory;
  private pending: CoreEvent[] = [];
  private inCall = false;
  private stepScheduled = false;
  /** runStep() is running (its events are being emitted); wake() then asks it to step again. */
  private stepping = false;
  private restep = false;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = Infinity;
  private nextDeadline = 0;
  private dead = false;
  private closing = false;
  private readonly doneWaiters = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly waiters = new Set<Waiter>();
  private readonly uartIn: number[] = [];
  private uartPending: Buffer[] = [];
  private readonly rand: () => number;
  private readonly realTimeoutMs: number;
  private traceOn = false;
  private consoleOn = true;
  /** The module has the device console (imports board.uart_read): device.wasm, not core.wasm. */
  private hasConsole = false;
  /** The module prints lines (imports board.uart_write): the console, or an app's log(). */
  private hasUartOut = false;
  /** The last `evt app-error` line an app printed (it stops right after). */
  private lastAppError: string | null = null;
  /** Messages delivered while start() was still running (see start()); null once released. */
  private heldMessages: Message[] | null = [];
  private lastLinkError: string | null = null;
  /** The error that killed the device, if any. */
  fatalError: Error | null = null;

  private constructor(private readonly opts: NodeDeviceOptions) {
    super();
    this.clock = opts.clock ?? new RealClock();
    this.store = opts.store ?? new MemoryStore();
    this.keep = opts.keep;
    this.realTimeoutMs = opts.realTimeoutMs ?? 15_000;
    this.network = opts.network ?? NodeDevice.defaultNetwork(opts);
    this.rand = opts.seed !== undefined ? mulberry32(opts.seed) : () => randomBytes(4).readUInt32LE(0);
    const spec = loadBoardSpec(opts.board ?? 'bluepill');
    this.pins = new NodePins(reservedPins(spec));
    this.memoryCap = spec.wasm.linearMemoryCapBytes;
    this.pins.onChange((pin, level) => this.emit('pin', { pin, level }));
    if (opts.uid !== undefined && !/^[0-9a-fA-F]{24}$/.test(opts.uid)) {
      throw new Error(`uid must be 24 hex digits (96 bits), got "${opts.uid}"`);
    }
    const seeded = opts.seed !== undefined ? mulberry32(opts.seed ^ 0x55494400) : undefined;
    const uidByte = () => (seeded ? seeded() : randomBytes(1)[0]!) & 0xff;
    const uidBytes = () => Buffer.from(Array.from({ length: 12 }, uidByte));
    this.uid = (opts.uid ?? uidBytes().toString('hex')).toLowerCase();
  }

  private static defaultNetwork(opts: NodeDeviceOptions): NetworkBackend {
    const url = new URL(opts.broker ?? 'mqtt://127.0.0.1:1883');
    if (url.protocol !== 'mqtt:' && url.protocol !== 'tcp:') {
      throw new Error(`broker URL must be mqtt://host:port (got ${opts.broker})`);
    }
    const port = url.port === '' ? 1883 : Number(url.port);
    const deviceBroker = opts.deviceBroker ?? DEFAULT_DEVICE_BROKER;
    return new W5500NetworkBackend({ routes: { [deviceBroker]: `${url.hostname}:${port}` } });
  }

  /** Loads core.wasm (device.wasm with console: true), implements its imports, configures it and
   * (unless waitConnected: false) connects. */
  static async start(opts: NodeDeviceOptions = {}): Promise<NodeDevice> {
    const mod = await loadModule(opts.wasm ?? (opts.console === true ? DEFAULT_DEVICE_WASM : DEFAULT_CORE_WASM));
    const dev = new NodeDevice(opts);
    dev.hasConsole = WebAssembly.Module.imports(mod).some((i) => i.module === 'board' && i.name === 'uart_read');
    dev.hasUartOut = WebAssembly.Module.imports(mod).some((i) => i.module === 'board' && i.name === 'uart_write');
    if (opts.console === true && !dev.hasConsole) {
      const which = typeof opts.wasm === 'string' ? opts.wasm : 'the given module';
      throw new BadModuleError(
        `console: true needs a module with the device console (build/core/device.wasm); ${which} has none`);
    }
    await dev.instantiate(mod);
    if (opts.trace === true || (opts.trace === undefined && dev.listenerCount('trace') > 0)) dev.setTrace(true);
    // Console event lines only when someone reads the UART (or asked for them up front).
    if (dev.hasConsole) dev.setConsole(opts.console === true || dev.listenerCount('uart') > 0);
    // Trace events and console lines cost the core work: turned on when someone listens.
    dev.on('newListener', (ev: string) => {
      if (ev === 'uart') dev.requireUartOut();
      if (dev.dead) return;
      if (ev === 'trace' && !dev.traceOn) dev.setTrace(true);
      else if (ev === 'uart' && !dev.consoleOn) dev.setConsole(true);
    });
    try {
      dev.applyConfig();
      dev.call(() => dev.exports.wq_connect());
    } catch (err) {
      dev.kill();
      throw err;
    }
    dev.wake();
    if (opts.onMessage) dev.on('message', opts.onMessage);
    if (opts.waitConnected !== false) {
      try {
        await dev.waitConnected();
      } catch (err) {
        dev.kill();
        throw err;
      }
    }
    // Messages can arrive in the same segment as CONNACK (a resumed session's queue): hold them
    // until the caller, resuming after this await, has attached its 'message' listeners.
    setImmediate(() => dev.releaseMessages());
    return dev;
  }

  /** Resolves on the next CONNECTED; rejects with ConnackError on a refusal or a clear timeout. */
  async waitConnected(): Promise<void> {
    if (this.state() === ClientState.CONNECTED) return;
    const ev = await this.waitFor(
      (e) => e.kind === 'connected' || (e.kind === 'connect_failed' && e.error === Err.CONNACK_REFUSED),
      `CONNACK from ${this.opts.broker ?? 'the broker'}`);
    if (ev.kind === 'connect_failed') throw new ConnackError(ev.returnCode ?? 0);
  }

  /** The last reason a connection attempt failed or dropped (for error messages), if any. */
  get lastConnectionError(): string | null {
    return this.lastLinkError;
  }

  // ---------------------------------------------------------------- imports (board ABI)

  private async instantiate(mod: WebAssembly.Module): Promise<void> {
    // Imports are bound before instantiation; the memory they check against is attached after it.
    const memory = new LinearMemory();
    const mem = (): LinearMemory => memory;
    const board = boardImports({
      clock: this.clock, rand: this.rand, store: this.store, keep: this.keep, pins: this.pins, uid: this.uid,
      uartOut: (bytes) => this.uartOut(bytes), uartIn: this.uartIn, onEvent: (e) => { this.pending.push(e); },
    }, mem);
    const provided: ImportModules = { board };
    const net = this.network.imports(memory, this.clock);
    for (const [modName, fns] of Object.entries(net)) provided[modName] = { ...(provided[modName] ?? {}), ...fns };

    const inst = await instantiateWith(mod, provided, this.network.constructor.name);
    this.exports = inst.exports as unknown as CoreExports;
    memory.attach(this.exports.memory);
    this.mem = memory;
    this.network.setWake(() => this.wake());
    const r = this.call(() => this.exports.start() ?? 0);
    if (this.dead) throw this.fatalError ?? new Error('core.wasm died in start()');
    // Node's engine gives a module whole 64 KB pages; the board's runtime gives it only its cap
    // and traps beyond it: an app that needs more must fail here as it would on the board.
    const end = this.exports.wq_app_memory_end?.() ?? 0;
    if (end > this.memoryCap) {
      this.stop(new Error('memory over the cap'));
      throw new BadModuleError(
        `the app uses ${end} bytes of linear memory after setup() (static data and its Texts), ` +
        `but ${this.opts.board ?? 'bluepill'} gives a module ${this.memoryCap} ` +
        '(wasm.linearMemoryCapBytes in its board file): ' +
        'on the board it traps; make fewer or smaller Texts, or shorten constant strings');
    }
    if (typeof r === 'number' && r < 0) throw new CoreError(r, `core.wasm start() failed: ${errorText(r)}`);
  }

  // ---------------------------------------------------------------- configuration

  /**
   * Replaces an app's settings (firmware/app/sdk/settings.ts: "key=value" lines, 128 bytes in
   * all) and saves them in the store; the app reads them at its next start (a NodeDevice started
   * again on the same store). Throws for a module that is not an app or values that do not fit.
   */
  setAppSettings(values: Readonly<Record<string, string | number>>): void {
    if (!this.exports.wq_app_settings) {
      throw new BadModuleError('this module has no app settings (it is not built on the app API, firmware/app/sdk)');
    }
    const text = Object.entries(values).map(([k, v]) => {
      if (/[=\n]/.test(k) || /\n/.test(String(v))) {
        throw new Error(`app setting ${JSON.stringify(k)}: keys may not hold "=" or newlines, values no newlines`);
      }
      return `${k}=${v}\n`;
    }).join('');
    const bytes = utf8.encode(text);
    this.stage(bytes);
    const r = this.call(() => this.exports.wq_app_settings!(bytes.byteLength));
    if (r < 0) {
      const why = r === Err.ARG ? 'more than the 128 bytes an app keeps' : errorText(r);
      throw new CoreError(r, `app settings (${bytes.byteLength} bytes): ${why}`);
    }
  }

  /** Sets one config key (Cfg.*) to a number or bytes; throws CoreError on a bad key/value. */
  config(key: number, value: number | string | Uint8Array): void {
    const name = CFG_NAMES[key] ?? `key ${key}`;
    let bytes: Uint8Array;
    if (CFG_BYTES_KEYS.has(key)) {
      if (typeof value === 'number') throw new Error(`config ${name} takes a string or bytes, not a number`);
      bytes = typeof value === 'string' ? utf8.encode(value) : value;
    } else {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
        throw new Error(`config ${name} takes an integer 0..4294967295, got ${String(value)}`);
      }
      bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setUint32(0, value, true);
    }
    this.stage(bytes);
    const r = this.call(() => this.exports.wq_config(key, bytes.byteLength));
    if (r < 0) throw new CoreError(r, `config ${name}: ${errorText(r)}`);
  }

  private applyConfig(): void {
    const o = this.opts;
    const [host, port] = (o.deviceBroker ?? DEFAULT_DEVICE_BROKER).split(':');
    // a host name goes to the device's DNS client (a module with LAN services, e.g. build/w5500/core-lan.wasm)
    if (/^\d+(\.\d+){3}$/.test(host!)) this.config(Cfg.BROKER_IP, ipv4ToU32(host!));
    else {
      try {
        this.config(Cfg.BROKER_HOST, host!);
      } catch (e) {
        if (e instanceof CoreError && e.code === Err.CONFIG_KEY) {
          throw new BadModuleError(`deviceBroker "${host}" is a host name, but this module has no DNS client ` +
            '(core.wasm is the MQTT client alone): use a module with the LAN services (build/w5500/core-lan.wasm) ' +
            'or give an IPv4 address');
        }
        throw e;
      }
    }
    this.config(Cfg.BROKER_PORT, Number(port ?? 1883));
    if (o.clientId !== undefined) this.config(Cfg.CLIENT_ID, o.clientId);
    this.config(Cfg.CLEAN_SESSION, o.cleanSession === false ? 0 : 1);
    if (o.keepalive !== undefined) this.config(Cfg.KEEPALIVE_S, o.keepalive);
    if (o.username !== undefined) this.config(Cfg.USERNAME, o.username);
    if (o.password !== undefined) this.config(Cfg.PASSWORD, o.password);
    if (o.will) {
      this.config(Cfg.WILL_TOPIC, o.will.topic);
      this.config(Cfg.WILL_PAYLOAD, typeof o.will.payload === 'string' ? utf8.encode(o.will.payload) : o.will.payload);
      this.config(Cfg.WILL_FLAGS, (o.will.qos ?? 0) | (o.will.retain ? 4 : 0));
    }
    if (o.window !== undefined) this.config(Cfg.WINDOW, o.window);
    if (o.retryMs !== undefined) this.config(Cfg.RETRY_MS, o.retryMs);
    if (o.maxRetries !== undefined) this.config(Cfg.MAX_RETRIES, o.maxRetries);
    if (o.backoffMinMs !== undefined) this.config(Cfg.BACKOFF_MIN_MS, o.backoffMinMs);
    if (o.backoffMaxMs !== undefined) this.config(Cfg.BACKOFF_MAX_MS, o.backoffMaxMs);
    if (o.connectTimeoutMs !== undefined) this.config(Cfg.TIMEOUT_MS, o.connectTimeoutMs);
    if (o.spillMs !== undefined) this.config(Cfg.SPILL_MS, o.spillMs);
    for (const [key, value] of o.deviceConfig ?? []) this.config(key, value);
  }

  /** Saves the running config (the options given to start()) in the store, as wq_config_save:
   * a device started later on this store boots with it. Throws CoreError when it cannot. */
  saveConfig(): void {
    this.assertAlive();
    if (!this.exports.wq_config_save) throw new BadModuleError('this module has no wq_config_save export');
    const r = this.call(() => this.exports.wq_config_save!());
    if (r < 0) throw new CoreError(r, `saving the config: ${errorText(r)}`);
  }

  /** For 'uart' listeners: the module must print (uart_write: the console, or an app's log lines). */
  private requireUartOut(): void {
    if (this.hasUartOut) return;
    this.requireConsole();
  }

  /** For uartInput(): the module must have the console. */
  private requireConsole(): void {
    if (this.hasConsole) return;
    throw new Error('this NodeDevice runs core.wasm, which has no console: start it with { console: true } ' +
      'to run device.wasm (the core with the device console)');
  }

  private setConsole(on: boolean): void {
    this.consoleOn = on;
    this.config(Cfg.CONSOLE_QUIET, on ? 0 : 1);
  }

  private setTrace(on: boolean): void {
    this.traceOn = on;
    this.config(Cfg.TRACE, on ? 1 : 0);
  }

  // ---------------------------------------------------------------- client API

  /**
   * Publishes; resolves when QoS 0 is handed to the core, on PUBACK (QoS 1) or PUBCOMP (QoS 2).
   * Offline publishes are queued by the core; a full queue rejects with QueueFullError
   * (unless waitForSlot), and nothing is dropped silently.
   */
  async publish(topic: string, payload: string | Uint8Array, opts: PublishOptions = {}): Promise<number> {
    const qos = opts.qos ?? 0;
    for (;;) {
      const pid = this.publishNow(topic, payload, qos, opts.retain ?? false, opts.durable ?? false);
      if (pid === Err.QUEUE_FULL && opts.waitForSlot) {
        await this.waitFor((e) => e.kind === 'publish_done' || e.kind === 'connected',
          'a free outgoing slot (PUBLISH_DONE)');
        continue;
      }
      if (pid === Err.QUEUE_FULL) throw new QueueFullError();
      if (pid < 0) throw new CoreError(pid, `publish to "${topic}": ${errorText(pid)}`);
      if (qos === 0) return 0;
      await this.waitDone(pid, `${qos === 1 ? 'PUBACK' : 'PUBCOMP'} for packet ${pid}`);
      return pid;
    }
  }

  /**
   * The synchronous form: hands one message to the core and returns its packet id (0 for
   * QoS 0) or a negative ERR_* (Err.QUEUE_FULL when the outgoing slots are full). Completion
   * shows as a 'publish_done' event; onDone(pid) resolves too.
   */
  publishNow(topic: string, payload: string | Uint8Array, qos: 0 | 1 | 2, retain = false, durable = false): number {
    this.assertAlive();
    const buf = this.exports.wq_buf();
    const size = this.exports.wq_buf_size();
    const mem = this.mem.bytes();
    const staging = mem.subarray(buf, buf + size);
    const t = utf8.encodeInto(topic, staging);
    if (t.read !== topic.length) {
      throw new CoreError(Err.TOO_BIG, `topic "${topic.slice(0, 40)}..." does not fit the ${size}-byte staging buffer`);
    }
    let plen: number;
    if (typeof payload === 'string') {
      const p = utf8.encodeInto(payload, staging.subarray(t.written));
      if (p.read !== payload.length) {
        throw new CoreError(Err.TOO_BIG, `topic + payload exceed the ${size}-byte staging buffer`);
      }
      plen = p.written;
    } else {
      if (t.written + payload.byteLength > size) {
        const total = t.written + payload.byteLength;
        throw new CoreError(Err.TOO_BIG, `topic + payload (${total} bytes) exceed the ${size}-byte staging buffer`);
      }
      staging.set(payload, t.written);
      plen = payload.byteLength;
    }
    const flags = (qos & 3) | (retain ? 4 : 0) | (durable ? PUB_DURABLE : 0);
    const pid = this.call(() => this.exports.wq_publish(t.written, plen, flags));
    this.wake();
    return pid;
  }

  /** Resolves when packet `pid` completes (PUBACK/PUBCOMP). */
  onDone(pid: number): Promise<void> {
    return this.waitDone(pid, `completion of packet ${pid}`);
  }

  /** Subscribes to one or more filters; resolves with the granted QoS per filter (128 = refused). */
  async subscribe(
    filters: string | string[] | Record<string, 0 | 1 | 2>, opts: { qos?: 0 | 1 | 2 } = {},
  ): Promise<number[]> {
    const entries: Array<[string, number]> = typeof filters === 'string' ? [[filters, opts.qos ?? 0]]
      : Array.isArray(filters) ? filters.map((f) => [f, opts.qos ?? 0]) : Object.entries(filters);
    const parts: number[] = [];
    for (const [f, q] of entries) {
      const b = utf8.encode(f);
      parts.push(b.byteLength >> 8, b.byteLength & 0xff, ...b, q);
    }
    this.stage(Uint8Array.from(parts));
    const pid = this.call(() => this.exports.wq_subscribe(entries.length));
    if (pid < 0) throw new CoreError(pid, `subscribe ${entries.map((e) => e[0]).join(', ')}: ${errorText(pid)}`);
    this.wake();
    const ev = await this.waitFor((e) => (e.kind === 'suback' && e.packetId === pid) || e.kind === 'disconnected',
      `SUBACK for packet ${pid}`);
    if (ev.kind === 'disconnected') {
      throw linkLostBefore(`subscribe ${entries.map((e) => e[0]).join(', ')}`, 'SUBACK', pid, ev);
    }
    return ev.kind === 'suback' ? ev.granted : [];
  }

  async unsubscribe(filters: string | string[]): Promise<void> {
    const list = typeof filters === 'string' ? [filters] : filters;
    const parts: number[] = [];
    for (const f of list) {
      const b = utf8.encode(f);
      parts.push(b.byteLength >> 8, b.byteLength & 0xff, ...b);
    }
    this.stage(Uint8Array.from(parts));
    const pid = this.call(() => this.exports.wq_unsubscribe(list.length));
    if (pid < 0) throw new CoreError(pid, `unsubscribe ${list.join(', ')}: ${errorText(pid)}`);
    this.wake();
    const ev = await this.waitFor((e) => (e.kind === 'unsuback' && e.packetId === pid) || e.kind === 'disconnected',
      `UNSUBACK for packet ${pid}`);
    if (ev.kind === 'disconnected') throw linkLostBefore(`unsubscribe ${list.join(', ')}`, 'UNSUBACK', pid, ev);
  }

  /** A number from wq_stat (Stat.*). */
  stat(key: number): number {
    this.assertAlive();
    return this.call(() => this.exports.wq_stat(key));
  }

  state(): number {
    return this.dead ? ClientState.IDLE : this.stat(Stat.STATE);
  }

  /** Bytes for the device console (uart_read); needs `console: true` (device.wasm). */
  uartInput(data: string | Uint8Array): void {
    this.requireConsole();
    for (const b of typeof data === 'string' ? utf8.encode(data) : data) this.uartIn.push(b);
    this.wake();
  }

  /** Sends DISCONNECT, closes the connection and stops the device. */
  async close(): Promise<void> {
    if (this.dead || this.closing) return;
    this.closing = true;
    try {
      this.call(() => this.exports.wq_disconnect());
      this.runStep();
    } finally {
      this.stop(new Error('device closed'));
    }
  }

  /** Power loss: no DISCONNECT, no FIN; the store keeps whatever was written, the retained RAM
   * (`keep`) holds noise. */
  kill(): void {
    if (this.dead) return;
    this.keep?.powerLoss();
    this.stop(new Error('device was killed (simulated power loss)'));
  }

  /** A system reset (watchdog, reset pin, software reset, fault): as kill(), but the retained
   * RAM keeps what the core wrote. Start a new NodeDevice on the same `store` and `keep` to boot again. */
  reset(): void {
    if (this.dead) return;
    this.stop(new Error('device was reset (simulated system reset)'));
  }

  get alive(): boolean {
    return !this.dead;
  }

  // ---------------------------------------------------------------- time and stepping

  /**
   * Virtual time only: moves the clock forward by `ms`, running step() at every deadline the
   * core asked for on the way and once at the end.
   */
  advance(ms: number): void {
    if (!(this.clock instanceof VirtualClock)) {
      throw new Error('advance() needs a VirtualClock (pass clock: new VirtualClock())');
    }
    const target = this.clock.now() + ms;
    this.runStep();
    for (let guard = 0; !this.dead && guard < 1_000_000; guard++) {
      const now = this.clock.now();
      if (this.nextDeadline > target || now >= target) break;
      this.clock.advance(Math.max(0, this.nextDeadline - now));
      this.runStep();
      // A core asking for 0 ms forever at one instant would spin; move time on by 1 ms.
      if (this.clock.now() === now && this.nextDeadline <= now) this.clock.advance(1);
    }
    if (!this.dead && this.clock.now() < target) {
      this.clock.advance(target - this.clock.now());
      this.runStep();
    }
  }

  /** Runs step() soon (coalesced); called on network news and after API calls. */
  wake(): void {
    // Called from an event handler while runStep() is emitting that step's events (e.g. a
    // publish on PUBLISH_DONE): runStep() steps again before it returns, so the new work
    // leaves in this turn of the event loop instead of the next.
    if (this.stepping) { this.restep = true; return; }
    if (this.stepScheduled || this.dead) return;
    this.stepScheduled = true;
    setImmediate(() => {
      this.stepScheduled = false;
      this.stepQuietly();
    });
  }

  /** Runs the core's step() now and schedules the next one (real time) or records the deadline (virtual). */
  runStep(): void {
    if (this.dead) return;
    let ms: number;
    const outer = !this.stepping;
    this.stepping = true;
    try {
      let rounds = 0;
      do {
        this.restep = false;
        ms = this.call(() => this.exports.step());
      } while (outer && this.restep && !this.dead && ++rounds < MAX_RESTEPS);
    } finally {
      if (outer) this.stepping = false;
    }
    // Work queued by handlers beyond the last round still gets its step.
    if (outer && this.restep && !this.dead) { this.restep = false; this.wake(); }
    if (this.dead) return;
    const delay = ms < 0 ? 0 : ms;
    this.nextDeadline = this.clock.now() + delay;
    // 0: "run me again now" (e.g. it stopped reading with more already in the chip). No time has
    // to pass, so a virtual clock gets the step too: the data has all arrived and no network
    // event would come to wake it (test/host/step-again.test.ts).
    if (this.clock.virtual && delay === 0) { this.wake(); return; }
    if (!this.clock.virtual) {
      // Re-arm only for an earlier deadline: a timer firing early just runs one harmless extra step.
      const due = this.nextDeadline;
      if (this.timer && due >= this.timerDue) return;
      if (this.timer) clearTimeout(this.timer);
      this.timerDue = due;
      this.timer = setTimeout(() => {
        this.timer = null; this.timerDue = Infinity; this.stepQuietly();
      }, Math.min(delay, 60_000));
    }
  }

  /** runStep() from a timer or I/O callback: a death is already reported ('fatal', fatalError), so do not rethrow. */
  private stepQuietly(): void {
    try {
      this.runStep();
    } catch (err) {
      if (!this.dead) throw err;
    }
  }

  // ---------------------------------------------------------------- events and waits

  /**
   * Resolves with the first core event matching `match` (from now on). Rejects after
   * realTimeoutMs of real time with a message naming what was awaited, or when the device dies.
   */
  waitFor(match: (e: CoreEvent) => boolean, what = 'an event', timeoutMs = this.realTimeoutMs): Promise<CoreEvent> {
    if (this.dead) return Promise.reject(this.fatalError ?? new Error('device is stopped'));
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        match,
        resolve: (e) => { clearTimeout(t); this.waiters.delete(w); resolve(e); },
        reject: (e) => { clearTimeout(t); this.waiters.delete(w); reject(e); },
      };
      const t = setTimeout(() => {
        this.waiters.delete(w);
        const state = this.dead ? 'dead' : (STATE_NAMES[this.stat(Stat.STATE)] ?? String(this.stat(Stat.STATE)));
        const last = this.lastLinkError ? `; last connection error: ${this.lastLinkError}` : '';
        reject(new Error(`timed out after ${timeoutMs} ms of real time waiting for ${what} (client ${state}${last})`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  private waitDone(pid: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.doneWaiters.delete(pid);
        reject(new Error(`timed out after ${this.realTimeoutMs} ms of real time waiting for ${what}`));
      }, this.realTimeoutMs);
      this.doneWaiters.set(pid, {
        resolve: () => { clearTimeout(t); resolve(); },
        reject: (e) => { clearTimeout(t); reject(e); },
      });
    });
  }

  /** Calls into wasm with the re-entrancy guard, then emits queued events. */
  private call<T>(fn: () => T): T {
    if (this.inCall) {
      throw new Error('NodeDevice: re-entrant call into core.wasm (call the API after events, not inside an import)');
    }
    this.inCall = true;
    let result: T;
    try {
      result = fn();
    } catch (err) {
      this.inCall = false;
      // Events the core raised before it died were delivered (their import returned): emit them.
      this.flush();
      this.die(err);
      throw this.fatalError!;
    } finally {
      this.inCall = false;
    }
    this.network.afterStep?.();
    this.flush();
    return result;
  }

  /**
   * Console output, emitted as 'uart' on the next turn of the event loop (never inside a wasm
   * call). The core writes a line per event, so the writes of one turn go out as one chunk:
   * one timer and one UTF-8 decode per turn, and a character split across writes stays whole.
   */
  private uartOut(bytes: Buffer): void {
    if (bytes.length > 14 && bytes.subarray(0, 14).toString('latin1') === 'evt app-error ') {
      this.lastAppError = bytes.toString('utf8').trim();
    }
    this.uartPending.push(bytes);
    if (this.uartPending.length > 1) return;
    setImmediate(() => {
      const chunks = this.uartPending;
      this.uartPending = [];
      if (this.listenerCount('uart') === 0) return;
      this.emit('uart', (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8'));
    });
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    for (const e of batch) this.dispatch(e);
  }

  private dispatch(e: CoreEvent): void {
    switch (e.kind) {
      case 'message':
        this.emitMessage({
          topic: e.topic, qos: e.qos,
          payload: Buffer.from(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength),
          retain: e.retain, dup: e.dup, redelivered: e.redelivered, packetId: e.packetId, subscription: e.subscription,
        } satisfies Message);
        break;
      case 'publish_done': {
        const w = this.doneWaiters.get(e.packetId);
        if (w) {
          this.doneWaiters.delete(e.packetId);
          w.resolve();
        }
        this.emit('publish_done', e);
        break;
      }
      case 'connected': this.emit('connected', e); break;
      case 'disconnected':
        if (e.reason !== 0) this.lastLinkError = e.message;
        this.emit('disconnected', e);
        break;
      case 'connect_failed':
        this.lastLinkError = e.message;
        this.emit('connect_failed', e);
        break;
      case 'error':
        // 'error' on an EventEmitter throws when unhandled; the device keeps running, so only emit if someone listens.
        if (this.listenerCount('error') > 0) {
          const where = `core error ${e.code}, packet type ${e.packetType}, detail ${e.detail}`;
          this.emit('error', new CoreError(e.code, `${e.message} (${where})`));
        }
        break;
      case 'trace': this.emit('trace', e); break;
      default: break;
    }
    this.emit('event', e);
    for (const w of [...this.waiters]) if (w.match(e)) w.resolve(e);
  }

  private emitMessage(m: Message): void {
    if (this.heldMessages) this.heldMessages.push(m);
    else this.emit('message', m);
  }

  private releaseMessages(): void {
    const held = this.heldMessages;
    this.heldMessages = null;
    for (const m of held ?? []) this.emit('message', m);
  }

  private stage(bytes: Uint8Array): void {
    this.assertAlive();
    const size = this.exports.wq_buf_size();
    if (bytes.byteLength > size) {
      throw new CoreError(Err.TOO_BIG, `argument of ${bytes.byteLength} bytes exceeds the ${size}-byte staging buffer`);
    }
    this.mem.copyIn('staging', this.exports.wq_buf(), bytes);
  }

  private assertAlive(): void {
    if (this.dead) throw this.fatalError ?? new Error('device is stopped');
  }

  private die(err: unknown): void {
    // An app on the app API says why it stopped in an `evt app-error <code>` line just before
    // its trap (docs/app-api.md "Errors").
    const why = this.lastAppError ? ` after "${this.lastAppError}" (see docs/app-api.md, Errors)` : '';
    const e = err instanceof PowerCut ? err
      : new Error(`core.wasm stopped: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}${why}`);
    this.stop(e);
    if (this.listenerCount('fatal') > 0) this.emit('fatal', e);
  }

  /** The one teardown: close(), kill(), reset() and a core trap (die) all end here, once. */
  private stop(reason: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.fatalError = reason;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.network.destroy();
    for (const [, w] of this.doneWaiters) w.reject(reason);
    this.doneWaiters.clear();
    for (const w of [...this.waiters]) w.reject(reason);
    this.waiters.clear();
  }
}


/** subscribe()/unsubscribe() settle when the link drops before their ack: the core sends a
 * pending SUBSCRIBE again on the next connection (session kept), an UNSUBSCRIBE is not. */
function linkLostBefore(
  what: string, ack: string, pid: number, ev: Extract<CoreEvent, { kind: 'disconnected' }>,
): CoreError {
  const again = ack === 'SUBACK' ? 'the device subscribes again when it reconnects'
    : 'call unsubscribe() again once connected';
  const dropped = `the connection dropped before the ${ack} for packet ${pid} (${ev.message})`;
  return new CoreError(ev.reason, `${what}: ${dropped}; ${again}`);
}

export { EventKind };
