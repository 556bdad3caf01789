// Sn_MR.ND (No Delayed ACK) on the host side. The model's TCP connections are host sockets, so
// the ACK for what a peer sent is the host stack's to send, and Linux delays it (40 ms and more
// once the connection looks interactive). Setting TCP_QUICKACK after an arrival makes Linux send
// the pending ACK at once (net/ipv4/tcp.c: __tcp_sock_set_quickack leaves ping-pong mode and
// calls tcp_cleanup_rbuf, which sends the ACK when the receive queue is read); the kernel clears
// the option again by itself, so it is set after every arrival. Other platforms have no such
// option here: `unsupported` says so and the host's delayed ACK stands.
import koffi from 'koffi';
import type { Socket } from 'node:net';

/** Sends the ACK for everything a host TCP socket has received so far. */
export interface HostAck {
  /** true when the host was told to ACK now. */
  ackNow(socket: Socket): boolean;
  /** Why this host cannot ACK on demand, or null. */
  readonly unsupported: string | null;
}

const IPPROTO_TCP = 6;
const TCP_QUICKACK = 12; // <netinet/tcp.h>, Linux since 2.4.4

/** The file descriptor behind a connected net.Socket (libuv's TCP handle), or -1. */
function fdOf(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: { fd?: number } })._handle;
  return typeof handle?.fd === 'number' ? handle.fd : -1;
}

class LinuxQuickAck implements HostAck {
  readonly unsupported: string | null;
  private readonly setsockopt?: (fd: number, level: number, name: number, value: Int32Array, len: number) => number;
  private readonly on = Int32Array.of(1);

  constructor() {
    let reason: string | null = null;
    try {
      const libc = koffi.load('libc.so.6');
      this.setsockopt = libc.func('int setsockopt(int fd, int level, int optname, const int *optval, uint32_t optlen)');
    } catch (err) {
      reason = `cannot call libc's setsockopt (${(err as Error).message})`;
    }
    this.unsupported = reason;
  }

  ackNow(socket: Socket): boolean {
    const fd = fdOf(socket);
    if (!this.setsockopt || fd < 0) return false;
    return this.setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, this.on, 4) === 0;
  }
}

class NoQuickAck implements HostAck {
  constructor(readonly unsupported: string) {}
  ackNow(): boolean { return false; }
}

let shared: HostAck | undefined;

/** This host's way to ACK now (one per process: libc is loaded once). */
export function hostAck(): HostAck {
  shared ??= process.platform === 'linux'
    ? new LinuxQuickAck()
    : new NoQuickAck(`TCP_QUICKACK is Linux-only (this host is ${process.platform})`);
  return shared;
}
