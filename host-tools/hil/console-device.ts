// HIL adapter for any device with the wasmqtt console on a byte stream: a real board's UART,
// the virtual board's pty, or NodeDevice's UART. The line syntax lives in
// monitor/console-protocol.ts; this file only knows which commands a scenario needs.
import { ConnectRefused, DeviceBase, type ClientSettings, type HilDevice } from './device.ts';
import { escapeArg, packetName, parseConsoleLine, valueBytes, type ConsoleLine } from '../monitor/console-protocol.ts';
import { DHCP_EVENT_NAMES, Err, EventKind, decodeEvent, topicDecoder, type CoreEvent } from '../sim/host/abi.ts';
import { ipv4ToU32 } from '../sim/host/network.ts';
import type { LanRouting } from './lan-routes.ts';

/** What carries the console, and what the runner may do to the device around it. */
export interface ConsoleTransport {
  readonly description: string;
  /** The device reaches this machine's loopback (NodeDevice, the virtual board). */
  readonly reachesRunnerLoopback: boolean;
  write(text: string): void;
  /** Registers the receiver of console bytes (called again after a power cycle if the stream changes). */
  onData(fn: (chunk: Buffer) => void): void;
  /** The IPv4 address and port the device must be told for a broker URL. */
  brokerAddress(url: string): Promise<{ ip: string; port: number }>;
  powerOff?(): Promise<void>;
  /** Boots the device again; `settings` are the last ones used (some transports need them at boot). */
  powerOn?(settings: ClientSettings): Promise<void>;
  linkDown?(): Promise<void>;
  linkUp?(): Promise<void>;
  /** The device's own clock in ms (a virtual board the runner booted: its virtual time). */
  millis?(): number;
  /** The runner owns the device's network and the device runs the LAN image (DHCP, DNS): LAN scenarios can run. */
  readonly lan?: LanRouting;
  close(): Promise<void>;
}

/** The core's error number for a console error name (dns-name → Err.DNS_NAME), for the host's texts. */
function errCode(name: string | undefined): number | undefined {
  const e = Object.entries(Err).find(([k]) => k.toLowerCase().replace(/_/g, '-') === name);
  return e?.[1];
}

/** A console `evt connect-failed` / `evt dhcp` line as the core's event record, decoded as NodeDevice decodes it
 * (so both name what was tried, and the DHCP messages read the same). */
function connectFailed(f: Record<string, string>): Extract<CoreEvent, { kind: 'connect_failed' }> {
  const rec = new Uint8Array(14);
  const dv = new DataView(rec.buffer);
  dv.setInt32(0, errCode(f.error) ?? 0, true);
  rec[4] = f.rc === undefined || f.rc === 'none' ? 0xff : Number(f.rc);
  const [ip, port] = (f.addr ?? '').split(':');
  if (ip && port) { dv.setUint32(8, ipv4ToU32(ip), true); dv.setUint16(12, Number(port), true); }
  return decodeEvent(EventKind.CONNECT_FAILED, f.addr ? rec : rec.subarray(0, 8)) as Extract<CoreEvent,
    { kind: 'connect_failed' }>;
}
function dhcpEvent(f: Record<string, string>): CoreEvent {
  const rec = new Uint8Array(28);
  const dv = new DataView(rec.buffer);
  rec[0] = Math.max(0, DHCP_EVENT_NAMES.indexOf((f.event ?? '') as typeof DHCP_EVENT_NAMES[number]));
  rec[1] = Number(f.state ?? 0);
  const ip = (v: string | undefined) => (v ? ipv4ToU32(v) : 0);
  [f.ip, f.gw, f.mask, f.dns].forEach((v, i) => dv.setUint32(4 + 4 * i, ip(v), true));
  dv.setUint32(20, Number(f.lease ?? 0), true);
  dv.setUint32(24, ip(f.server), true);
  return decodeEvent(EventKind.DHCP, rec);
}

interface Pending { cmd: string; resolve: (l: ConsoleLine) => void; reject: (e: Error) => void }
/** A console line with its arrival number: events that arrive in the same chunk as a reply
 * are seen by waits registered after that reply (they look back from the reply's number). */
type Numbered = ConsoleLine & { seq: number };
interface EventWaiter {
  match: (l: ConsoleLine) => boolean; resolve: (l: ConsoleLine) => void; reject: (e: Error) => void }
const HISTORY = 1000;

function seqOf(l: ConsoleLine): number {
  return (l as Numbered).seq;
}

export class ConsoleDevice extends DeviceBase implements HilDevice {
  readonly description: string;
  readonly canPowerCycle: boolean;
  readonly canControlLink: boolean;
  readonly deviceMillis?: () => number;
  readonly reachesRunnerLoopback: boolean;
  /** The LAN image on a network the runner owns: it takes the broker by name and leases its address. */
  readonly resolvesNames: boolean;
  readonly leasesAddress: boolean;
  /** The device's own static address, read from `show` before a DHCP scenario first clears it. */
  private staticIp: string | undefined;
  /** The LAN the device was last configured on ('static', or a DHCP rig's router). */
  private segment: string | undefined;
  private partial = '';
  private readonly replies: Pending[] = [];
  private readonly eventWaiters = new Set<EventWaiter>();
  private readonly history: Numbered[] = [];
  private seq = 0;
  private settings: ClientSettings | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  /** Between powerOff and the next powerOn/connect: the console hears nothing. */
  private poweredOff = false;

  constructor(private readonly transport: ConsoleTransport, private readonly replyTimeoutMs = 5000,
      private readonly connectWaitMs = 15_000) {
    super();
    this.description = transport.description;
    this.canPowerCycle = !!(transport.powerOff && transport.powerOn);
    this.canControlLink = !!(transport.linkDown && transport.linkUp);
    this.reachesRunnerLoopback = transport.reachesRunnerLoopback;
    this.resolvesNames = this.leasesAddress = transport.lan !== undefined;
    if (transport.millis) this.deviceMillis = () => transport.millis!();
    transport.onData((chunk) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    this.partial += chunk.toString('latin1');
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      const line = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      this.onLine(parseConsoleLine(line));
    }
  }

  private onLine(line: ConsoleLine): void {
    const l: Numbered = { ...line, seq: ++this.seq };
    if (l.kind === 'ok' || l.kind === 'error') {
      const i = this.replies.findIndex((p) => p.cmd === l.name || l.name === '-');
      if (i >= 0) {
        const [p] = this.replies.splice(i, 1);
        if (l.kind === 'ok') p!.resolve(l);
        else p!.reject(new Error(`device answered "${l.raw}"`));
      }
      return;
    }
    if (l.kind !== 'event') return;
    this.history.push(l);
    if (this.history.length > HISTORY) this.history.shift();
    const f = l.fields;
    switch (l.name) {
      case 'connected': this.markConnected(true); break;
      case 'disconnected': this.markConnected(false); break;
      case 'message':
        // the console prints topic bytes %XX-escaped: decoded as UTF-8 like every host (BOM kept)
        this.emit('message', { topic: topicDecoder.decode(valueBytes(f.topic ?? '')),
          payload: valueBytes(f.payload ?? ''), qos: Number(f.qos), retain: f.retain === '1', dup: f.dup === '1' });
        break;
      case 'dhcp': this.emit('dhcp', dhcpEvent(f)); break;
      case 'error': this.emit('device-error', { code: f.code ?? '?',
        message: `${f.code ?? '?'}${f.packet && f.packet !== '0' ? ` in ${packetName(f.packet)}` : ''}` }); break;
      case 'trace': {
        const name = packetName(f.type);
        const flags = Number(f.flags ?? 0);
        const pid = Number(f.pid ?? 0);
        this.emit('packet', {
          from: f.dir === 'tx' ? 'device' : 'broker', packet: name, packetId: pid || undefined,
          qos: name === 'PUBLISH' ? (flags >> 1) & 3 : undefined,
          dup: name === 'PUBLISH' ? (flags & 8) !== 0 : undefined,
        });
        break;
      }
      default: break;
    }
    for (const w of [...this.eventWaiters]) if (w.match(l)) { this.eventWaiters.delete(w); w.resolve(l); }
  }

  /** Sends one command and resolves with its ok line (rejects on err or silence). Commands are serialised. */
  command(line: string): Promise<ConsoleLine> {
    const cmd = line.split(' ')[0]!;
    const run = (): Promise<ConsoleLine> => new Promise<ConsoleLine>((resolve, reject) => {
      const p: Pending = {
        cmd,
        resolve: (l) => { clearTimeout(t); resolve(l); },
        reject: (e) => { clearTimeout(t); reject(e); },
      };
      const t = setTimeout(() => {
        const i = this.replies.indexOf(p);
        if (i >= 0) this.replies.splice(i, 1);
        reject(new Error(
          `no reply to "${line}" within ${this.replyTimeoutMs} ms (is the console running at the right baud rate?)`));
      }, this.replyTimeoutMs);
      this.replies.push(p);
      this.transport.write(line + '\r\n');
    });
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Resolves with the first event matching that arrived after line number `since` (default: from now on). */
  private nextEvent(match: (l: ConsoleLine) => boolean, what: string, ms: number, since?: number): {
      promise: Promise<ConsoleLine>; cancel: () => void } {
    let w!: EventWaiter;
    let timer: NodeJS.Timeout;
    const seen = since === undefined ? undefined : this.history.find((l) => l.seq > since && match(l));
    if (seen) return { promise: Promise.resolve(seen), cancel: () => {} };
    const promise = new Promise<ConsoleLine>((resolve, reject) => {
      w = { match, resolve: (l) => { clearTimeout(timer); resolve(l); },
        reject: (e) => { clearTimeout(timer); reject(e); } };
      timer = setTimeout(
        () => { this.eventWaiters.delete(w); reject(new Error(`timed out after ${ms} ms waiting for ${what}`)); }, ms);
      this.eventWaiters.add(w);
    });
    return { promise, cancel: () => { clearTimeout(timer); this.eventWaiters.delete(w); } };
  }

  private async configure(s: ClientSettings): Promise<void> {
    // The LAN image moving to another segment (a DHCP rig, or back to the static LAN) is powered
    // on there, as a board plugged into a new network is: no lease or address carried over.
    const segment = s.dhcp ? `dhcp ${s.dhcp.routerIp}` : 'static';
    if (this.transport.lan && this.segment !== undefined && segment !== this.segment && this.canPowerCycle &&
      !this.poweredOff) await this.powerOff();
    this.segment = segment;
    if (this.poweredOff && this.transport.powerOn) {
      // An earlier scenario ended with the power cut (last-will): a new one starts from a powered board.
      await this.transport.powerOn(s);
      this.poweredOff = false;
      await this.waitForConsole();
    }
    const addr = await this.transport.brokerAddress(s.broker);
    this.poweredOff = false;
    await this.command('disconnect').catch(() => undefined);
    this.connected = false;
    await this.command('set trace 1');
    let host = addr.ip;
    const lan = this.transport.lan;
    if (lan) {
      // The LAN image: by name through the scenario's DNS server, or a lease from its DHCP rig; else static.
      this.staticIp ??= (await this.command('show')).fields.ip;
      if (s.brokerName !== undefined && s.dnsServer !== undefined) { await lan.routeDns(s.dnsServer);
        host = s.brokerName; }
      if (s.dhcp) host = await lan.routeDhcp(s.dhcp);
      await this.command(`net ip ${s.dhcp ? '0.0.0.0' : this.staticIp}`);
    }
    await this.command(`set host ${escapeArg(host)}`).catch((e: Error) => {
      if (/^\d+(\.\d+){3}$/.test(host) || !/bad-ip/.test(e.message)) throw e;
      throw new Error(
        `the device has no DNS client, so it cannot take the broker as "${host}" (${e.message}): run the console's ` +
        `LAN image (build/<board>-lan, docs/w5500.md "LAN images") or give the broker as an IPv4 address`);
    });
    await this.command(`set port ${addr.port}`);
    await this.command(`set id ${escapeArg(s.clientId)}`);
    await this.command(`set clean ${s.cleanSession ? 1 : 0}`);
    await this.command(`set keepalive ${s.keepalive}`);
    if (s.will) await this.command(
      `set will ${escapeArg(s.will.topic)} ${s.will.qos} ${s.will.retain ? 1 : 0} ${escapeArg(s.will.payload)}`);
    else await this.command('set will');
  }

  async connect(s: ClientSettings): Promise<{ sessionPresent: boolean }> {
    this.settings = s;
    await this.configure(s);
    return this.startConnect();
  }

  private async startConnect(): Promise<{ sessionPresent: boolean }> {
    // A refusal ends the wait at once; a broker name that does not resolve after the device's
    // retry (its second lookup failed too) as well, with what it asked.
    // Any other failure is retried by the device; a wait that runs out says what it tried last.
    let lookups = 0;
    let last: ConsoleLine | undefined;
    const outcome = this.nextEvent((l) => {
      if (l.name === 'connect-failed') last = l;
      return l.name === 'connected' ||
        (l.name === 'connect-failed' && l.fields.rc !== undefined && l.fields.rc !== 'none')
        || (l.name === 'connect-failed' && /^dns-/.test(l.fields.error ?? '') && ++lookups >= 2);
    }, 'evt connected (CONNACK)', this.connectWaitMs);
    try {
      await this.command('connect');
    } catch (e) {
      outcome.cancel();
      throw e;
    }
    const l = await outcome.promise.catch(async (e: Error) => {
      if (!last) throw e;
      await this.command('disconnect').catch(() => undefined);
      throw new Error(`${e.message}; the device's last attempt: ${connectFailed(last.fields).message}`);
    });
    if (l.name === 'connect-failed' && l.fields.rc === 'none') {
      await this.command('disconnect').catch(() => undefined);
      throw new Error(`connect failed after ${lookups} attempts: ${connectFailed(l.fields).message}`);
    }
    if (l.name === 'connect-failed') {
      await this.command('disconnect').catch(() => undefined);
      const rc = Number(l.fields.rc);
      throw new ConnectRefused(
        rc, `broker refused the connection: CONNACK return code ${rc} (${l.fields.error ?? ''})`);
    }
    return { sessionPresent: l.fields.session_present === '1' };
  }

  async publish(topic: string, payload: string, qos: 0 | 1 | 2, retain = false): Promise<void> {
    const ok = await this.command(`pub ${escapeArg(topic)} ${qos} ${retain ? 1 : 0} ${escapeArg(payload)}`);
    if (qos === 0) return;
    const pid = ok.fields.pid;
    await this.nextEvent((l) => l.name === 'publish-done' && l.fields.pid === pid, `publish-done for packet ${pid}`,
      30_000, seqOf(ok)).promise;
  }

  async subscribe(filter: string, qos: 0 | 1 | 2): Promise<number> {
    const ok = await this.command(`sub ${escapeArg(filter)} ${qos}`);
    const ack = await this.nextEvent((l) => l.name === 'suback' && l.fields.pid === ok.fields.pid,
      `suback for packet ${ok.fields.pid}`, 15_000, seqOf(ok)).promise;
    const first = (ack.fields.codes ?? '').split(',')[0];
    return first === 'failure' ? 0x80 : Number(first);
  }

  async unsubscribe(filter: string): Promise<void> {
    const ok = await this.command(`unsub ${escapeArg(filter)}`);
    await this.nextEvent((l) => l.name === 'unsuback' && l.fields.pid === ok.fields.pid,
      `unsuback for packet ${ok.fields.pid}`, 15_000, seqOf(ok)).promise;
  }

  async disconnect(): Promise<void> {
    if (this.poweredOff) return;
    await this.command('disconnect');
    this.markConnected(false);
  }

  async powerOff(): Promise<void> {
    if (!this.transport.powerOff) throw new Error(`${this.description} cannot be power-cycled`);
    await this.transport.powerOff();
    this.poweredOff = true;
    for (const p of this.replies.splice(0)) p.reject(new Error('device powered off'));
    for (const w of [...this.eventWaiters]) { this.eventWaiters.delete(w); w.reject(new Error('device powered off')); }
    this.partial = '';
    this.markConnected(false);
  }

  async powerOn(): Promise<void> {
    if (!this.transport.powerOn || !this.settings) throw new Error(`${this.description} cannot be powered on`);
    await this.transport.powerOn(this.settings);
    this.poweredOff = false;
    await this.waitForConsole();
    // The board boots with its saved session; configure it as before and connect again.
    await this.configure(this.settings);
    await this.startConnect();
  }

  async outgoingHeld(): Promise<number> {
    const l = await this.command('status');
    const n = Number(l.fields.inflight) + Number(l.fields.queued);
    if (!Number.isFinite(n)) throw new Error(`the console's status line has no inflight/queued counts: ${l.raw}`);
    return n;
  }

  /** After a boot: asks `status` until the console answers (bounded). */
  private async waitForConsole(attempts = 10): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        await this.command('status');
        return;
      } catch (e) {
        if (i + 1 >= attempts) {
          throw new Error(`the console did not answer after power-on (${(e as Error).message})`, { cause: e });
        }
      }
    }
  }

  async linkDown(): Promise<void> {
    if (!this.transport.linkDown) throw new Error(`${this.description} has no link control`);
    await this.transport.linkDown();
  }

  async linkUp(): Promise<void> {
    await this.transport.linkUp?.();
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
