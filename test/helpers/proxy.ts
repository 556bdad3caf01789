// A fault-injecting TCP proxy for tests: sits between a client and a broker on loopback,
// forwards bytes, sniffs the MQTT packets in both directions, and on demand cuts connections
// (FIN or RST, now or after a chosen/random number of bytes, even mid-packet), pauses,
// black-holes (accepts and silently drops) or refuses them.
import { EventEmitter } from 'node:events';
import { createServer, Socket, type Server } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { mulberry32 } from '../../host-tools/sim/host/prng.ts';

export type CutMode = 'fin' | 'rst';
/** up: client → broker; down: broker → client. */
export type Direction = 'up' | 'down';

export interface SniffedPacket {
  conn: number;
  dir: Direction;
  packet: Packet;
}

export interface RandomCutOptions {
  /** Seed of the PRNG picking the cut points, so a failing run can be replayed. */
  seed: number;
  /**
   * Each connection is cut after a random number of forwarded bytes in [minBytes, maxBytes] (both directions counted).
   */
  minBytes: number;
  maxBytes: number;
  mode: CutMode;
  /** Stop cutting after this many cuts (default: unlimited). */
  maxCuts?: number;
}

/** Seeded floats in [0, 1) for deterministic cut points (the host's mulberry32, scaled). */
export function prng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

class Link {
  dead = false;
  forwarded = 0;
  cutAt = Infinity;
  cutMode: CutMode = 'fin';
  readonly parsers: Record<Direction, ReturnType<typeof mqttPacket.parser>>;
  readonly held: Array<{ dir: Direction; data: Buffer }> = [];

  constructor(readonly id: number, readonly client: Socket, readonly server: Socket) {
    this.parsers = { up: mqttPacket.parser({ protocolVersion: 4 }), down: mqttPacket.parser({ protocolVersion: 4 }) };
  }
}

export class FaultProxy extends EventEmitter {
  readonly host = '127.0.0.1';
  port = 0;
  /** Every MQTT packet seen, in order, with its connection number and direction. */
  readonly packets: SniffedPacket[] = [];
  /** Keep `packets` (default true); long runs turn it off and decode only for 'packet' listeners. */
  recordPackets = true;
  /** Connections accepted so far, and cuts made. */
  connections = 0;
  cuts = 0;
  private readonly links = new Set<Link>();
  private readonly closedConns = new Set<number>();
  private server: Server | null = null;
  private paused = false;
  private holeDirs = new Set<Direction>();
  private refusing = false;
  private random: (RandomCutOptions & { next: () => number }) | null = null;
  private oneShot: { bytes: number; mode: CutMode } | null = null;

  private constructor(readonly targetHost: string, readonly targetPort: number) {
    super();
  }

  /** Starts a proxy on a free loopback port forwarding to targetHost:targetPort. */
  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
    const p = new FaultProxy(targetHost, targetPort);
    await p.listen();
    return p;
  }

  get url(): string {
    return `mqtt://${this.host}:${this.port}`;
  }

  /** Cuts every open connection now. */
  cutAll(mode: CutMode = 'fin'): void {
    for (const l of this.links) this.cut(l, mode);
  }

  /** The next connection (or the current one if open) is cut after `bytes` more forwarded bytes. */
  cutAfter(bytes: number, mode: CutMode = 'fin'): void {
    const open = [...this.links].filter((l) => !l.dead);
    if (open.length > 0) {
      for (const l of open) {
        l.cutAt = l.forwarded + bytes;
        l.cutMode = mode;
      }
    } else {
      this.oneShot = { bytes, mode };
    }
  }

  /** Cuts connections at random byte counts until stopRandomCuts() (or maxCuts). */
  randomCuts(opts: RandomCutOptions): void {
    if (opts.minBytes < 1 || opts.maxBytes < opts.minBytes) throw new RangeError(
      'randomCuts: need 1 ≤ minBytes ≤ maxBytes');
    this.random = { ...opts, next: prng(opts.seed) };
    for (const l of this.links) if (!l.dead) this.armRandom(l);
  }

  stopRandomCuts(): void {
    this.random = null;
    for (const l of this.links) l.cutAt = Infinity;
  }

  /** Holds all traffic (both directions) without closing anything; resume() delivers it. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const l of this.links) {
      const held = l.held.splice(0);
      for (const h of held) this.forward(l, h.dir, h.data);
    }
  }

  /**
   * Accepts and silently drops traffic in the given directions (default both): a dead link that never closes. Emits
   * 'dropped' (conn, dir, bytes).
   */
  blackhole(on: boolean, dirs: Direction[] = ['up', 'down']): void {
    this.holeDirs = on ? new Set(dirs) : new Set();
  }

  /** New connections are reset as soon as they are accepted. */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  /** Packets of one type (e.g. 'pubrec'), optionally in one direction. */
  sniffed(cmd: string, dir?: Direction): SniffedPacket[] {
    return this.packets.filter((p) => p.packet.cmd === cmd && (dir === undefined || p.dir === dir));
  }

  /** Resolves when `cmd` goes `dir` on connection `conn`; runs `then` synchronously at that
   * moment (before the packet is forwarded: a cut or a reset there lands in the flow's window). */
  nextPacket(conn: number, dir: Direction, cmd: string, then?: () => void): Promise<SniffedPacket> {
    return new Promise((resolve) => {
      const on = (p: SniffedPacket) => {
        if (p.conn === conn && p.dir === dir && p.packet.cmd === cmd) {
          this.off('packet', on);
          then?.();
          resolve(p);
        }
      };
      this.on('packet', on);
    });
  }

  /** The QoS 1/2 flow of packet id `id` on connection `conn` as seen on the wire, e.g.
   * ['up publish', 'down pubrec', 'up pubrel dup'...]. */
  flow(conn: number, id: number): string[] {
    return this.packets
      .filter((p) => p.conn === conn && ['publish', 'puback', 'pubrec', 'pubrel', 'pubcomp'].includes(p.packet.cmd) &&
        (p.packet as { messageId?: number }).messageId === id)
      .map((p) => `${p.dir} ${p.packet.cmd}${(p.packet as { dup?: boolean }).dup ? ' dup' : ''}`);
  }

  /**
   * Resolves once connection `conn` is over on the client side (its FIN/RST has been read, so
   * every byte the client sent before it has been forwarded or dropped).
   */
  clientClosed(conn: number): Promise<void> {
    if (this.closedConns.has(conn)) return Promise.resolve();
    return new Promise((r) => {
      const on = (id: number) => { if (id === conn) { this.off('clientClosed', on); r(); } };
      this.on('clientClosed', on);
    });
  }

  /** Resolves once `n` connections have been accepted in total. */
  async waitForConnections(n: number): Promise<void> {
    while (this.connections < n) await new Promise((r) => this.once('connection', r));
  }

  async close(): Promise<void> {
    this.random = null;
    for (const l of this.links) {
      l.dead = true;
      l.client.destroy();
      l.server.destroy();
    }
    this.links.clear();
    const srv = this.server;
    this.server = null;
    if (srv) await new Promise<void>((r) => srv.close(() => r()));
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const srv = createServer((client) => this.accept(client));
      this.server = srv;
      srv.once('error', reject);
      srv.listen(0, this.host, () => {
        const a = srv.address();
        this.port = typeof a === 'object' && a ? a.port : 0;
        resolve();
      });
    });
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    if (this.refusing) {
      client.resetAndDestroy();
      return;
    }
    const server = new Socket();
    server.setNoDelay(true);
    const link = new Link(++this.connections, client, server);
    this.links.add(link);
    if (this.oneShot) {
      link.cutAt = this.oneShot.bytes;
      link.cutMode = this.oneShot.mode;
      this.oneShot = null;
    } else if (this.random) {
      this.armRandom(link);
    }
    for (const dir of ['up', 'down'] as const) {
      link.parsers[dir].on('packet', (packet: Packet) => {
        const sp = { conn: link.id, dir, packet };
        if (this.recordPackets) this.packets.push(sp);
        this.emit('packet', sp);
      });
      // A cut mid-packet leaves the parser with garbage; the next connection gets fresh parsers.
      link.parsers[dir].on('error', () => {});
    }
    client.on('data', (d: Buffer) => this.onData(link, 'up', d));
    server.on('data', (d: Buffer) => this.onData(link, 'down', d));
    const finish = () => {
      if (link.dead) return;
      link.dead = true;
      client.end();
      server.end();
      this.links.delete(link);
    };
    client.on('end', finish);
    server.on('end', finish);
    client.on('error', () => { link.dead = true; server.destroy(); this.links.delete(link); });
    server.on('error', () => { link.dead = true; client.destroy(); this.links.delete(link); });
    client.on('close', () => {
      this.links.delete(link);
      this.closedConns.add(link.id);
      this.emit('clientClosed', link.id);
    });
    server.connect({ host: this.targetHost, port: this.targetPort });
    this.emit('connection', link.id);
  }

  private armRandom(l: Link): void {
    const r = this.random!;
    if (r.maxCuts !== undefined && this.cuts >= r.maxCuts) return;
    l.cutAt = l.forwarded + r.minBytes + Math.floor(r.next() * (r.maxBytes - r.minBytes + 1));
    l.cutMode = r.mode;
  }

  private onData(l: Link, dir: Direction, data: Buffer): void {
    if (l.dead) return;
    if (this.paused) {
      l.held.push({ dir, data });
      return;
    }
    this.forward(l, dir, data);
  }

  private forward(l: Link, dir: Direction, data: Buffer): void {
    if (l.dead) return;
    if (this.holeDirs.has(dir)) {
      this.emit('dropped', l.id, dir, data.byteLength);
      return;
    }
    let chunk = data;
    const room = l.cutAt - l.forwarded;
    const cutting = chunk.byteLength >= room;
    if (cutting) chunk = chunk.subarray(0, Math.max(0, room));
    if (chunk.byteLength > 0) {
      l.forwarded += chunk.byteLength;
      if (this.recordPackets || this.listenerCount('packet') > 0) l.parsers[dir].parse(chunk);
      (dir === 'up' ? l.server : l.client).write(chunk);
    }
    if (cutting) this.cut(l, l.cutMode);
  }

  private cut(l: Link, mode: CutMode): void {
    if (l.dead) return;
    l.dead = true;
    this.cuts++;
    this.links.delete(l);
    if (mode === 'rst') {
      l.client.resetAndDestroy();
      l.server.resetAndDestroy();
    } else {
      l.client.end();
      l.server.end();
      // A peer that never answers our FIN must not keep the socket forever.
      setTimeout(() => { l.client.destroy(); l.server.destroy(); }, 2000).unref();
    }
    this.emit('cut', l.id, mode);
  }
}
