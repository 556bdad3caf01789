// The network backend: real Node sockets behind the chip's sockets. TCP through node:net, UDP
// through node:dgram. Everything here is event-driven; the chip model turns these events into
// register state on its own schedule (virtual time), and counts operations still in flight so a
// test can wait for them instead of sleeping.
import { createConnection, createServer, type Server, type Socket as NetSocket } from 'node:net';
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import type { HostEndpoint } from './address-map.ts';
import { hostAck, type HostAck } from './host-ack.ts';

export interface TcpEvents {
  connect(): void;
  data(chunk: Uint8Array): void;
  /** The peer sent FIN (our side stays open: half-close). */
  end(): void;
  /** The connection is gone both ways; `reset` when it ended by RST or an error (ECONNREFUSED, ECONNRESET). */
  close(reset: boolean): void;
}

/** One TCP connection as the chip's socket uses it. */
export interface TcpLink {
  /** Send bytes; `acked` runs when the peer side has taken them (the chip's ACK pointer moves). */
  write(data: Uint8Array, acked: () => void): void;
  /** FIN. */
  end(): void;
  /** RST. */
  reset(): void;
  pause(): void;
  resume(): void;
  /** Sn_MR.ND: ACK every data segment as it arrives instead of on the stack's delayed-ACK timer. */
  setNoDelayedAck(on: boolean): void;
  readonly remote: { address: string; port: number };
}

export interface UdpLink {
  send(to: HostEndpoint, data: Uint8Array, sent: () => void): void;
  close(): void;
  readonly hostPort: number;
}

export interface Listener {
  close(): void;
  readonly hostPort: number;
}

/** Activity counter shared by the model: `busy` > 0 while a Node operation has not called back. */
export class Activity {
  busy = 0;
  private waiters: Array<() => void> = [];
  private eventWaiters: Array<() => void> = [];
  private listeners: Array<() => void> = [];
  begin(): void { this.busy++; }
  onEvent(cb: () => void): void { this.listeners.push(cb); }
  end(): void {
    this.busy--;
    this.notify();
  }
  /** Something arrived from the network (state the host may want to look at). */
  notify(): void {
    for (const l of this.listeners) l();
    const ev = this.eventWaiters; this.eventWaiters = [];
    for (const w of ev) w();
    if (this.busy === 0) { const s = this.waiters; this.waiters = []; for (const w of s) w(); }
  }
  settled(): Promise<void> {
    if (this.busy === 0) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }
  nextEvent(): Promise<void> { return new Promise((r) => this.eventWaiters.push(r)); }
}

/** What the chip's sockets need from a network: real sockets (NodeNetwork) or a unit test's script. */
export interface ChipNetwork {
  tcpConnect(to: HostEndpoint, ev: TcpEvents): TcpLink;
  tcpListen(onConnection: (link: (ev: TcpEvents) => TcpLink) => void, ready: (port: number) => void): Listener;
  /** `unreachable` runs when a destination answered with ICMP port unreachable. */
  udpOpen(onMessage: (from: HostEndpoint, data: Uint8Array) => void, ready: (port: number) => void,
    unreachable?: (to: HostEndpoint) => void, bind?: HostEndpoint): UdpLink;
}

/** A process warning once, whatever the number of chips (the trace note is per chip). */
let ndWarned = false;

/** Destinations a UDP socket keeps a connected Node socket for (to hear ICMP errors), oldest dropped first. */
const UDP_PEERS_MAX = 8;

export interface NodeNetworkOptions {
  /** How the host is made to ACK now (Sn_MR.ND); default this platform's (TCP_QUICKACK on Linux). */
  ack?: HostAck;
  /** The chip's note (trace): told once when ND is asked for and the host cannot honour it. */
  note?: (text: string) => void;
}

export class NodeNetwork implements ChipNetwork {
  private readonly ack: HostAck;
  private readonly note: (text: string) => void;
  private ndUnsupportedNoted = false;
  /** The platform's own HostAck (not a test's): only then is a missing TCP_QUICKACK also a process warning. */
  private readonly platformAck: boolean;

  constructor(readonly activity: Activity, opts: NodeNetworkOptions = {}) {
    this.platformAck = !opts.ack;
    this.ack = opts.ack ?? hostAck();
    this.note = opts.note ?? (() => {});
  }

  tcpConnect(to: HostEndpoint, ev: TcpEvents): TcpLink {
    // allowHalfOpen: the peer's FIN does not end our side; the chip sends FIN on DISCON only
    const s = createConnection({ host: to.host, port: to.port, allowHalfOpen: true });
    this.activity.begin();
    let connecting = true;
    s.once('connect', () => { connecting = false; this.activity.end(); ev.connect(); });
    return this.wrap(s, ev, () => { if (connecting) { connecting = false; this.activity.end(); } });
  }

  tcpListen(onConnection: (link: (ev: TcpEvents) => TcpLink) => void, ready: (port: number) => void): Listener {
    const server: Server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (s) => {
      onConnection((ev) => { const l = this.wrap(s, ev, () => {}); s.resume(); return l; });
    });
    this.activity.begin();
    let hostPort = 0;
    let pending = true;
    const done = () => { if (pending) { pending = false; this.activity.end(); } };
    server.on('error', done);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      hostPort = typeof a === 'object' && a ? a.port : 0;
      done();
      ready(hostPort);
    });
    return { close: () => { done(); server.close(); }, get hostPort() { return hostPort; } };
  }

  /**
   * One bound socket receives from anyone; each destination sent to gets its own socket bound to
   * the same port (SO_REUSEADDR) and connected to it, because only a connected UDP socket hears
   * the ICMP port-unreachable its datagram caused (as ECONNREFUSED). The kernel hands a peer's
   * replies to the connected socket.
   */
  udpOpen(onMessage: (from: HostEndpoint, data: Uint8Array) => void, ready: (port: number) => void,
    unreachable?: (to: HostEndpoint) => void, bind?: HostEndpoint): UdpLink {
    const activity = this.activity;
    const sock: DgramSocket = createSocket({ type: 'udp4', reuseAddr: true });
    let hostPort = 0;
    let open = true;
    let binding = true;
    const bound = () => { if (binding) { binding = false; activity.end(); } };
    const receive = (msg: Buffer, rinfo: { address: string; port: number }) => {
      if (!open) return;
      onMessage({ host: rinfo.address, port: rinfo.port }, new Uint8Array(msg));
      activity.notify();
    };
    activity.begin();
    sock.on('message', receive);
    sock.on('error', () => { /* errors of the unconnected socket carry no destination */ });
    const afterBind: Array<() => void> = [];
    sock.bind(bind?.port ?? 0, bind?.host ?? '127.0.0.1', () => {
      hostPort = sock.address().port; bound();
      if (open) ready(hostPort);
      for (const f of afterBind.splice(0)) f();
    });
    interface Peer { sock: DgramSocket; ready: boolean; queue: Array<() => void>; settle: () => void }
    const drop = (p: Peer) => { p.settle(); p.sock.close(); for (const q of p.queue.splice(0)) q(); };
    const peers = new Map<string, Peer>();
    const peerFor = (to: HostEndpoint): Peer => {
      const key = `${to.host}:${to.port}`;
      const p = peers.get(key);
      if (p) { peers.delete(key); peers.set(key, p); return p; } // most recent last
      if (peers.size >= UDP_PEERS_MAX) {
        const [oldKey, old] = peers.entries().next().value!;
        peers.delete(oldKey); drop(old);
      }
      const c = createSocket({ type: 'udp4', reuseAddr: true });
      let pending = true;
      const peer: Peer = {
        sock: c, ready: false, queue: [], settle: () => { if (pending) { pending = false; activity.end(); } } };
      peers.set(key, peer);
      c.on('message', receive);
      c.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ECONNREFUSED' && open) { unreachable?.(to); activity.notify(); }
      });
      activity.begin();
      const start = () => c.bind(hostPort, '127.0.0.1', () => c.connect(to.port, to.host, () => {
        peer.settle();
        peer.ready = true;
        for (const q of peer.queue.splice(0)) q();
      }));
      if (binding) afterBind.push(() => { if (pending) start(); }); else start();
      return peer;
    };
    return {
      send(to, data, sent) {
        if (!open) return;
        activity.begin();
        const go = () => {
          if (!open) { activity.end(); return; }
          p.sock.send(data, () => { activity.end(); sent(); });
        };
        // A socket with its own binding (one that hears broadcasts) sends from itself: a connected
        // twin bound to the same port would get every broadcast a second time (the kernel hands a
        // broadcast to each matching socket), so ICMP unreachable is not heard there.
        if (bind) {
          const out = () => { if (!open) { activity.end(); return; } sock.send(
            data, to.port, to.host, () => { activity.end(); sent(); }); };
          if (binding) afterBind.push(out); else out();
          return;
        }
        const p = peerFor(to);
        if (p.ready) go(); else p.queue.push(go);
      },
      close() {
        if (!open) return;
        open = false; bound(); sock.close();
        for (const p of peers.values()) drop(p);
        peers.clear();
      },
      get hostPort() { return hostPort; },
    };
  }

  private wrap(s: NetSocket, ev: TcpEvents, onGone: () => void): TcpLink {
    const activity = this.activity;
    let closed = false;
    let noDelayedAck = false;
    s.setNoDelay(true);
    s.on('data', (b) => {
      // ACK first: the chip acknowledges a segment when it lands, before the host reads it.
      if (noDelayedAck) this.ack.ackNow(s);
      ev.data(new Uint8Array(b));
      activity.notify();
    });
    s.on('end', () => { ev.end(); activity.notify(); });
    s.on('error', () => { /* reported through 'close' with hadError */ });
    s.on('close', (hadError) => { closed = true; onGone(); ev.close(hadError); activity.notify(); });
    return {
      write(data, acked) {
        if (closed || s.destroyed) return;
        activity.begin();
        s.write(data, () => { activity.end(); acked(); });
      },
      end() { if (!closed) s.end(); },
      // An abrupt end: the Node socket is dropped at once, unsent bytes with it. Not
      // resetAndDestroy(): on Node 20 it leaves the process spinning a core once the socket has
      // carried data (reproduced with a bare client), so the peer sees a close, not an RST.
      reset() { if (!closed) s.destroy(); },
      pause() { s.pause(); },
      resume() { s.resume(); },
      setNoDelayedAck: (on) => {
        noDelayedAck = on;
        if (on && this.ack.unsupported && !this.ndUnsupportedNoted) {
          this.ndUnsupportedNoted = true;
          const text =
            `Sn_MR.ND not honoured: ${this.ack.unsupported}; the host's delayed ACK stands in for the chip's`;
          this.note(text);
          if (this.platformAck && !ndWarned) { ndWarned = true; process.emitWarning(text, 'W5500ModelWarning'); }
        }
      },
      get remote() { return { address: s.remoteAddress ?? '0.0.0.0', port: s.remotePort ?? 0 }; },
    };
  }
}
