// The transitional `hostnet` transport (docs/board-abi.md): one TCP connection on Node `net`,
// reached through an address map so the device keeps its embedded view (192.168.1.10:1883)
// while the bytes go to a broker on loopback. Non-blocking like the W5500: connect starts,
// state() reports, send/recv move what they can right now.
import { Socket } from 'node:net';
import type { Clock } from './clock.ts';
import type { LinearMemory } from './memory.ts';
import { type AddressMapEntry, type ImportModules, type NetworkBackend, u32ToIpv4 } from './network.ts';

export const HOSTNET_CLOSED = 0;
export const HOSTNET_CONNECTING = 1;
export const HOSTNET_ESTABLISHED = 2;
export const HOSTNET_CLOSING = 3;

/** Error results of hostnet.connect. */
export const HOSTNET_ERR_UNMAPPED = -2;

// Above this much unread input the socket is paused (TCP flow control does the rest).
const RX_HIGH_WATER = 256 * 1024;
// Above this much unsent output send() accepts nothing until 'drain'.
const TX_HIGH_WATER = 64 * 1024;

export interface HostNetOptions {
  /** Where device addresses really go. */
  map: AddressMapEntry[];
  /** Called with a readable reason when a connection fails or a device address is unmapped. */
  onError?: (message: string) => void;
}

export class HostNet implements NetworkBackend {
  private readonly map = new Map<string, { host: string; port: number }>();
  private socket: Socket | null = null;
  private connected = false;
  private peerEnded = false;
  private socketClosed = false;
  private rx: Buffer[] = [];
  private rxBytes = 0;
  private corked = false;
  private wake: () => void = () => {};
  private readonly onError: (m: string) => void;
  /** Counters for tests and the bench. */
  readonly stats = { connects: 0, bytesSent: 0, bytesReceived: 0 };

  constructor(opts: HostNetOptions) {
    for (const e of opts.map) this.map.set(e.device, { host: e.host, port: e.port });
    this.onError = opts.onError ?? (() => {});
  }

  setWake(wake: () => void): void {
    this.wake = wake;
  }

  imports(memory: LinearMemory, _clock: Clock): ImportModules {
    return {
      hostnet: {
        connect: (ip: number, port: number) => this.connect(ip >>> 0, port & 0xffff),
        state: () => this.state(),
        send: (src: number, len: number) => {
          if (this.state() !== HOSTNET_ESTABLISHED) return -1;
          return this.send(memory.range('hostnet.send', src, len));
        },
        recv: (dst: number, max: number) => this.recv(memory.range('hostnet.recv', dst, max)),
        close: () => this.close(),
      },
    };
  }

  connect(ip: number, port: number): number {
    this.drop();
    const key = `${u32ToIpv4(ip)}:${port}`;
    const target = this.map.get(key);
    if (!target) {
      this.onError(`hostnet: no address map entry for ${key} (known: ${[...this.map.keys()].join(', ') || 'none'})`);
      return HOSTNET_ERR_UNMAPPED;
    }
    this.stats.connects++;
    const s = new Socket();
    this.socket = s;
    this.connected = false;
    this.peerEnded = false;
    this.socketClosed = false;
    s.setNoDelay(true);
    s.on('connect', () => {
      if (this.socket !== s) return;
      this.connected = true;
      this.wake();
    });
    s.on('data', (chunk: Buffer) => {
      if (this.socket !== s) return;
      this.rx.push(chunk);
      this.rxBytes += chunk.byteLength;
      this.stats.bytesReceived += chunk.byteLength;
      if (this.rxBytes > RX_HIGH_WATER) s.pause();
      this.wake();
    });
    s.on('end', () => {
      if (this.socket !== s) return;
      this.peerEnded = true;
      this.wake();
    });
    s.on('drain', () => this.wake());
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (this.socket !== s) return;
      this.onError(`hostnet: connection to ${key} (${target.host}:${target.port}) failed: ${err.code ?? err.message}`);
    });
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socketClosed = true;
      this.wake();
    });
    s.connect({ host: target.host, port: target.port });
    return 0;
  }

  state(): number {
    const s = this.socket;
    if (!s) return HOSTNET_CLOSED;
    if (this.socketClosed || this.peerEnded || s.writableEnded) {
      // Unread input keeps the connection "closing" so the core can still drain it.
      return this.rxBytes > 0 || !this.socketClosed ? HOSTNET_CLOSING : HOSTNET_CLOSED;
    }
    return this.connected ? HOSTNET_ESTABLISHED : HOSTNET_CONNECTING;
  }

  send(bytes: Uint8Array): number {
    const s = this.socket;
    if (!s || !this.connected || s.writableEnded || this.socketClosed) return -1;
    if (s.writableLength > TX_HIGH_WATER) return 0;
    // Batch everything the core sends during one step into one write.
    if (!this.corked) {
      s.cork();
      this.corked = true;
    }
    s.write(Buffer.from(bytes)); // copies: the view is only valid during this call
    this.stats.bytesSent += bytes.byteLength;
    return bytes.byteLength;
  }

  recv(dst: Uint8Array): number {
    if (this.rxBytes === 0) {
      if (!this.socket || this.socketClosed || this.peerEnded) return -1;
      return 0;
    }
    let n = 0;
    while (n < dst.byteLength && this.rx.length > 0) {
      const head = this.rx[0]!;
      const take = Math.min(head.byteLength, dst.byteLength - n);
      dst.set(head.subarray(0, take), n);
      n += take;
      if (take === head.byteLength) this.rx.shift();
      else this.rx[0] = head.subarray(take);
    }
    this.rxBytes -= n;
    if (this.socket && this.socket.isPaused() && this.rxBytes < RX_HIGH_WATER / 2) this.socket.resume();
    return n;
  }

  /** Graceful close (FIN). */
  close(): void {
    const s = this.socket;
    if (!s) return;
    this.uncork();
    s.end();
    this.rx = [];
    this.rxBytes = 0;
  }

  afterStep(): void {
    this.uncork();
  }

  /** Power loss: resets a live connection. One the core already closed (FIN sent) is left to finish closing. */
  destroy(): void {
    if (this.socket && this.socket.writableEnded) {
      this.socket = null;
      this.rx = [];
      this.rxBytes = 0;
      return;
    }
    this.drop();
  }

  private uncork(): void {
    if (this.corked && this.socket) {
      this.corked = false;
      this.socket.uncork();
    }
  }

  private drop(): void {
    if (this.socket) {
      this.socket.destroy();
      this.socket = null;
    }
    this.corked = false;
    this.rx = [];
    this.rxBytes = 0;
    this.connected = false;
  }
}
