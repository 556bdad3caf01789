// The Node side of one hardware socket: the host connection behind it (a TCP link, a UDP link or
// a listener), network input queued until the chip applies it at a frame boundary (with
// back-pressure on the host socket), TCP output held while the path is blocked, and a generation
// guard so that the callbacks of a connection already torn down change nothing. It knows no
// registers: socket.ts keeps Sn_CR, Sn_SR and the buffers, and decides what each input means.
import type { HostEndpoint } from './address-map.ts';
import type { Listener, TcpEvents, TcpLink, UdpLink } from './network.ts';
import { TCP_MSS } from './registers.ts';

/** Network input for the chip to apply, stamped with its virtual arrival time. */
export type Inbound =
  | { kind: 'connected'; at: number }
  | { kind: 'data'; at: number; bytes: Uint8Array }
  | { kind: 'fin'; at: number }
  /** The Node connection ended both ways without error (after our FIN was acknowledged). */
  | { kind: 'closed'; at: number }
  | { kind: 'unreachable'; at: number; ip: Uint8Array; port: number }
  | { kind: 'rst'; at: number }
  | { kind: 'acked'; at: number; n: number }
  | { kind: 'datagram'; at: number; from: HostEndpoint; bytes: Uint8Array };

/** Bytes waiting in the inbound queue above which the Node socket is paused (back-pressure). */
const PAUSE_ABOVE = 256 * 1024;
const RESUME_BELOW = 64 * 1024;

export class SocketLink {
  tcp: TcpLink | null = null;
  udp: UdpLink | null = null;
  listener: Listener | null = null;
  /** Input not applied yet, oldest first; socket.ts takes from the head. */
  readonly inbound: Inbound[] = [];
  private inboundBytes = 0;
  private paused = false;
  /** Outbound TCP data held back by a black hole / stall / link down, with its first send time. */
  private held: Uint8Array[] = [];
  heldSince = -1;
  /** Bumped at every teardown: a callback whose generation is older belongs to a gone connection. */
  private generation = 0;

  constructor(private readonly now: () => number) {}

  /** Received TCP payload bytes queued (arrived from Node, not yet applied). */
  get queuedBytes(): number { return this.inboundBytes; }
  /** Output is held, or a hold began (a keep-alive probe unanswered). */
  get holding(): boolean { return this.held.length > 0 || this.heldSince >= 0; }
  /** The generation to capture in a callback; `live(gen)` tells whether it is still this one. */
  get current(): number { return this.generation; }
  live(gen: number): boolean { return gen === this.generation; }

  /** The callbacks for a TCP connection of generation `gen` (-1: one to refuse, which queues nothing). */
  events(gen: number): TcpEvents {
    return {
      connect: () => { if (this.live(gen)) this.push({ kind: 'connected', at: this.now() }); },
      data: (bytes: Uint8Array) => { if (this.live(gen)) this.push({ kind: 'data', at: this.now(), bytes }); },
      end: () => { if (this.live(gen)) this.push({ kind: 'fin', at: this.now() }); },
      close: (reset: boolean) => {
        if (!this.live(gen)) return;
        this.push(reset ? { kind: 'rst', at: this.now() } : { kind: 'closed', at: this.now() });
      },
    };
  }

  push(ev: Inbound): void {
    this.inbound.push(ev);
    if (ev.kind === 'data') {
      this.inboundBytes += ev.bytes.length;
      if (this.inboundBytes > PAUSE_ABOVE && this.tcp && !this.paused) { this.paused = true; this.tcp.pause(); }
    }
  }

  /** `n` bytes of the head data event reached RX memory: the peer may send again below the mark. */
  consumed(n: number): void {
    this.inboundBytes -= n;
    if (this.paused && this.inboundBytes < RESUME_BELOW) { this.paused = false; this.tcp?.resume(); }
  }

  /** Sends TCP data, or holds it while `blocked` (sent by flushHeld() once the path is open). */
  write(data: Uint8Array, blocked: boolean): void {
    if (blocked) {
      this.held.push(data);
      if (this.heldSince < 0) this.heldSince = this.now();
      return;
    }
    const gen = this.generation;
    // The peer's ACK arrives per segment; FSR grows as they land.
    for (let off = 0; off < data.length; off += TCP_MSS) {
      const seg = data.subarray(off, Math.min(data.length, off + TCP_MSS));
      this.tcp?.write(seg, () => { if (this.live(gen)) this.push({ kind: 'acked', at: this.now(), n: seg.length }); });
    }
  }

  /** The path is open again: what was held goes out, in order. */
  flushHeld(): void {
    const h = this.held; this.held = []; this.heldSince = -1;
    for (const d of h) this.write(d, false);
  }

  /** Drop the Node side. `close` sends FIN to the peer, `reset` RST, `gone` nothing (already closed). */
  drop(how: 'close' | 'reset' | 'gone'): void {
    this.generation++;
    if (this.tcp) {
      if (how === 'close') this.tcp.end();
      else if (how === 'reset') this.tcp.reset();
    }
    this.tcp = null;
    this.udp?.close(); this.udp = null;
    this.listener?.close(); this.listener = null;
    this.inbound.length = 0; this.inboundBytes = 0; this.paused = false;
    this.held = []; this.heldSince = -1;
  }
}
