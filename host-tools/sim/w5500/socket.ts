// One of the chip's 8 hardware sockets: its register block (BSB 1+4n), the Sn_CR command
// machine, the Sn_SR state machine and TX/RX pointer arithmetic; the real Node connection behind
// it is socket-link.ts's. Network input is queued and applied at frame boundaries (the chip receives packets between
// the host's SPI frames), so a 16-bit size register can change between two single-byte reads.
//
// TCP state transitions (Sn_SR), as modelled:
//   CLOSED  --OPEN(Sn_MR=TCP)--> INIT        CLOSED --OPEN(UDP)--> UDP   CLOSED --OPEN(MACRAW, S0)--> MACRAW
//   INIT    --LISTEN--> LISTEN --peer SYN--> ESTABLISHED (+CON)
//   INIT    --CONNECT--> SYNSENT --SYN/ACK--> ESTABLISHED (+CON) | --ARPTO/TCPTO--> CLOSED (+TIMEOUT)
//                                          | --RST--> CLOSED (+DISCON)
//   ESTABLISHED --peer FIN--> CLOSE_WAIT (+DISCON; SEND still works: half-close) --DISCON (our FIN)--> LAST_ACK
// --ACK--> CLOSED   ESTABLISHED --DISCON--> FIN_WAIT --peer FIN--> CLOSED (+DISCON) | --TCPTO--> CLOSED (+TIMEOUT)
//   ESTABLISHED/CLOSE_WAIT --unacked data for TCPTO--> CLOSED (+TIMEOUT);  any --RST--> CLOSED (+DISCON)
//   any --CLOSE--> CLOSED
// Sn_SR shows a command's new state only timing.statusLatencyFrames frames after Sn_CR reads 0.
// UDP: SEND to an unmapped destination → ARPTO → Sn_IR.TIMEOUT; to a mapped one whose port is
// closed (ICMP port unreachable) → IR.UNREACH with UIPR/UPORTR.
import type { AddressMap, HostEndpoint } from './address-map.ts';
import type { BufferMemory } from './buffers.ts';
import type { CommonRegisters } from './common-registers.ts';
import type { ChipNetwork } from './network.ts';
import {
  BUF_SIZES_KB, CMD, IR_UNREACH, SN, SN_MR_MACRAW, SN_MR_ND, SN_MR_TCP, SN_MR_UDP, SNIR_CON, SNIR_DISCON,
  SNIR_RECV, SNIR_SENDOK, SNIR_TIMEOUT, SOCKET_REG_SIZE, SR, TCP_MSS, hex,
} from './registers.ts';
import { SocketLink } from './socket-link.ts';

/** What a socket needs from its chip. */
export interface ChipContext {
  now(): number;
  common: CommonRegisters;
  tx: BufferMemory;
  rx: BufferMemory;
  network: ChipNetwork;
  addressMap: AddressMap;
  linkUp(): boolean;
  /** Cycles (frames) a command stays visible in Sn_CR before it is taken. */
  commandBusyFrames: number;
  /** Frames Sn_SR lags behind a taken command. */
  statusLatencyFrames: number;
  note(text: string): void;
  /** A listener got its host port (tests connect there). */
  listening(sn: number, hostPort: number): void;
  /** A UDP datagram went to the network / came from it (W5500.udpDatagramsSent / udpDatagramsReceived). */
  udpSent(to: HostEndpoint, data: Uint8Array): void;
  udpReceived(from: HostEndpoint, data: Uint8Array): void;
}

const WRITABLE = new Set<number>([
  SN.MR, SN.PORT, SN.PORT + 1, SN.DPORT, SN.DPORT + 1, SN.MSSR, SN.MSSR + 1, SN.TOS, SN.TTL,
  SN.TX_WR, SN.TX_WR + 1, SN.RX_RD, SN.RX_RD + 1, SN.IMR, SN.FRAG, SN.FRAG + 1, SN.KPALVTR,
  ...[0, 1, 2, 3, 4, 5].map((i) => SN.DHAR + i), ...[0, 1, 2, 3].map((i) => SN.DIPR + i),
]);

export class ChipSocket {
  private readonly regs = new Uint8Array(SOCKET_REG_SIZE);
  private status: number = SR.CLOSED;
  /** Sn_SR as read while a command's effect is not yet visible, and for how many more frame starts. */
  private shownStatus: number = SR.CLOSED;
  private statusLag = 0;
  /** The state the lagging command led to (a later change, e.g. a timeout, shows at once). */
  private laggedStatus: number = SR.CLOSED;
  /** The Node connection is fully closed (both FINs): a DISCON in CLOSE_WAIT completes at once. */
  private linkClosed = false;
  private ir = 0;
  private pendingCmd = 0;
  private cmdBusy = 0;
  private txRd = 0;
  private ackPtr = 0;
  private rxWr = 0;
  private rxRdCommitted = 0;
  /** The Node side: the host connection, queued input, held output (socket-link.ts). */
  private readonly link = new SocketLink(() => this.chip.now());
  /** Virtual-time deadline for the current timeout (ARPTO / TCPTO), or -1. */
  private deadline = -1;
  /** A CONNECT waiting for the path to open (black hole lifted) before its Node connect starts. */
  private connectTo: HostEndpoint | null = null;

  // Faults (set through FaultInjector).
  blackHole = false;
  stalled = false;
  delayMs = 0;

  constructor(readonly n: number, private readonly chip: ChipContext) {
    this.reset();
  }

  /** Chip reset: registers to datasheet reset values; any Node connection is torn down. */
  reset(): void {
    this.teardown('close'); // the peer sees the connection end (FIN), see docs/w5500.md
    this.regs.fill(0);
    this.regs.fill(0xff, SN.DHAR, SN.DHAR + 6);
    this.regs[SN.TTL] = 0x80;
    this.regs[SN.RXBUF_SIZE] = 2;
    this.regs[SN.TXBUF_SIZE] = 2;
    this.regs[SN.IMR] = 0xff;
    this.regs[SN.FRAG] = 0x40; // 0x4000 [unverified]
    this.status = SR.CLOSED;
    this.statusLag = 0;
    this.ir = 0;
    this.pendingCmd = 0;
    this.txRd = this.ackPtr = this.rxWr = this.rxRdCommitted = 0;
    // Faults (black hole, stall, delay) are network conditions: they survive a chip reset.
  }

  get sr(): number { return this.status; }
  /** Received TCP payload bytes queued behind the RX buffer (arrived from Node, not yet in RX memory). */
  get queuedInputBytes(): number { return this.link.queuedBytes; }
  get irBits(): number { return this.ir; }
  get mode(): number { return this.regs[SN.MR]! & 0x0f; }
  private get txSize(): number { return this.chip.tx.size(this.n); }
  private get rxSize(): number { return this.chip.rx.size(this.n); }
  private get txWr(): number { return this.r16(SN.TX_WR); }
  private get rxRd(): number { return this.r16(SN.RX_RD); }

  /** Sn_TX_FSR: free TX space; in TCP mode measured from the peer's ACK pointer, not TX_RD. */
  txFree(): number {
    const used = (this.txWr - (this.mode === SN_MR_TCP ? this.ackPtr : this.txRd)) & 0xffff;
    return Math.max(0, this.txSize - used);
  }
  /** Sn_RX_RSR: received bytes not yet released by RECV. */
  rxUsed(): number { return Math.min(this.rxSize, (this.rxWr - this.rxRdCommitted) & 0xffff); }

  read(addr: number): number {
    switch (addr) {
      case SN.CR: return this.pendingCmd;
      case SN.IR: return this.ir;
      case SN.SR: return this.statusLag > 0 && this.status === this.laggedStatus ? this.shownStatus : this.status;
      case SN.RXBUF_SIZE: return this.chip.rx.sizesKb[this.n]!;
      case SN.TXBUF_SIZE: return this.chip.tx.sizesKb[this.n]!;
      case SN.TX_FSR: return this.txFree() >> 8;
      case SN.TX_FSR + 1: return this.txFree() & 0xff;
      case SN.TX_RD: return this.txRd >> 8;
      case SN.TX_RD + 1: return this.txRd & 0xff;
      case SN.RX_RSR: return this.rxUsed() >> 8;
      case SN.RX_RSR + 1: return this.rxUsed() & 0xff;
      case SN.RX_WR: return this.rxWr >> 8;
      case SN.RX_WR + 1: return this.rxWr & 0xff;
    }
    if (addr >= SOCKET_REG_SIZE) return 0;
    if (addr === 0x14 || (addr >= 0x17 && addr <= 0x1d)) return 0; // reserved
    return this.regs[addr]!;
  }

  write(addr: number, value: number): void {
    value &= 0xff;
    if (addr === SN.CR) {
      if (value === 0) return;
      if (this.pendingCmd !== 0) {
        this.chip.note(
          `S${this.n}: Sn_CR ${hex(value, 2)} written while ${hex(this.pendingCmd, 2)} not yet taken: ignored (wait ` +
          `until Sn_CR reads 0)`);
        return;
      }
      this.cmdBusy = this.chip.commandBusyFrames;
      if (this.cmdBusy === 0) { this.take(value, 2); return; } // taken at once: Sn_CR reads 0 from the next frame
      this.pendingCmd = value;
      return;
    }
    if (addr === SN.IR) { this.ir &= ~value & 0x1f; return; }
    if (addr === SN.RXBUF_SIZE || addr === SN.TXBUF_SIZE) {
      if (!BUF_SIZES_KB.includes(value)) {
        this.chip.note(
          `S${this.n}: ${addr === SN.RXBUF_SIZE ? 'Sn_RXBUF_SIZE' : 'Sn_TXBUF_SIZE'}=${value} is not 0,1,2,4,8 or 16 ` +
          `KB: ignored`);
        return;
      }
      (addr === SN.RXBUF_SIZE ? this.chip.rx : this.chip.tx).sizesKb[this.n] = value;
      return;
    }
    if (WRITABLE.has(addr)) this.regs[addr] = value;
    if (addr === SN.MR) this.link.tcp?.setNoDelayedAck(this.noDelayedAck);
  }

  /** Sn_MR.ND: in TCP mode, ACK each data segment at once (clear: after the chip's RTR timeout). */
  private get noDelayedAck(): boolean { return (this.regs[SN.MR]! & SN_MR_ND) !== 0; }

  /** Raise Sn_IR bits; like the chip, a bit is only set when enabled in Sn_IMR. */
  private raise(bits: number): void { this.ir |= bits & this.regs[SN.IMR]!; }

  /**
   * Frame boundary: take a pending command, apply network input, fire virtual-time timeouts.
   * Returns true when anything changed (the host has something new to look at).
   */
  poll(): boolean {
    const before = this.changes;
    if (this.pendingCmd !== 0) {
      if (this.cmdBusy > 0) this.cmdBusy--;
      else { const c = this.pendingCmd; this.pendingCmd = 0; this.take(c, 1); }
    }
    // Each step only when it has something to do: this runs at every SPI frame for all 8 sockets.
    if (this.link.holding || this.connectTo) this.flushHeld();
    if (this.link.inbound.length > 0) this.deliver();
    if (this.deadline >= 0 || this.link.heldSince >= 0) this.checkTimers();
    return this.changes !== before;
  }

  /** Run a command; Sn_SR keeps showing the state before it for the latency (+ `extra` frame starts). */
  private take(cmd: number, extra: number): void {
    const shown = this.read(SN.SR);
    this.execute(cmd);
    this.changes++;
    if (this.status !== shown && this.chip.statusLatencyFrames > 0) {
      this.shownStatus = shown;
      this.laggedStatus = this.status;
      this.statusLag = this.chip.statusLatencyFrames + extra;
    }
  }

  /** A frame starts: the Sn_SR latency counts down. */
  frameTick(): void { if (this.statusLag > 0) this.statusLag--; }

  /** Count of state changes applied (commands, packets, timeouts). */
  private changes = 0;

  /** Next virtual time at which this socket has something scheduled (timeouts, delayed input), or -1. */
  nextDeadline(): number {
    let t = this.deadline;
    if (this.link.heldSince >= 0 && !this.stalled) {
      const to = this.link.heldSince + this.chip.common.tcpTimeoutMs();
      t = t < 0 ? to : Math.min(t, to);
    }
    const head = this.link.inbound[0];
    if (head && this.delayMs > 0 && !this.pathBlocked()) {
      const d = head.at + this.delayMs;
      t = t < 0 ? d : Math.min(t, d);
    }
    return t;
  }

  private pathBlocked(): boolean { return this.blackHole || this.stalled || !this.chip.linkUp(); }

  private execute(cmd: number): void {
    const mode = this.mode;
    switch (cmd) {
      case CMD.OPEN: return this.open(mode);
      case CMD.LISTEN:
        if (mode === SN_MR_TCP && this.status === SR.INIT) return this.listen();
        break;
      case CMD.CONNECT:
        if (mode === SN_MR_TCP && this.status === SR.INIT) return this.connect();
        break;
      case CMD.DISCON: return this.discon();
      case CMD.CLOSE: this.teardown('close'); this.status = SR.CLOSED; return;
      case CMD.SEND: case CMD.SEND_MAC: return this.send(cmd);
      case CMD.SEND_KEEP:
        if (this.status === SR.ESTABLISHED && this.regs[SN.KPALVTR] === 0 && this.pathBlocked() &&
            this.link.heldSince < 0) {
          this.link.heldSince = this.chip.now(); // the keep-alive probe goes unanswered
        }
        return;
      case CMD.RECV:
        this.rxRdCommitted = this.rxRd;
        return;
    }
    this.chip.note(`S${this.n}: command ${hex(cmd, 2)} has no effect in mode ${mode} / Sn_SR ${hex(this.status, 2)}`);
  }

  private open(mode: number): void {
    this.teardown('close');
    // Pointers restart where they are (the chip does not zero them); drivers must read them.
    this.txRd = this.ackPtr = this.txWr;
    this.rxRdCommitted = this.rxWr;
    this.w16(SN.RX_RD, this.rxWr);
    this.ir = 0;
    if (mode === SN_MR_TCP) this.status = SR.INIT;
    else if (mode === SN_MR_UDP) this.openUdp();
    else if (mode === SN_MR_MACRAW && this.n === 0) this.status = SR.MACRAW;
    else {
      this.status = SR.CLOSED;
      this.chip.note(`S${this.n}: OPEN with Sn_MR P=${mode} is not a supported protocol here: socket stays CLOSED`);
    }
  }

  private openUdp(): void {
    this.status = SR.UDP;
    const gen = this.link.current;
    const bind = this.chip.addressMap.udpBinding(this.r16(SN.PORT));
    this.link.udp = this.chip.network.udpOpen((from, bytes) => {
      if (this.link.live(gen)) { this.chip.udpReceived(from, bytes);
        this.link.push({ kind: 'datagram', at: this.chip.now(), from, bytes }); }
    }, (port) => this.chip.note(
        `S${this.n}: UDP port ${this.r16(SN.PORT)} is host ${bind?.host ?? '127.0.0.1'}:${port}`), (to) => {
      if (!this.link.live(gen)) return;
      const dev = this.udpDest.get(`${to.host}:${to.port}`);
      if (dev) this.link.push({ kind: 'unreachable', at: this.chip.now(), ip: dev.ip, port: dev.port });
    }, bind);
  }

  /** Host endpoint → device endpoint of UDP destinations sent to (for UIPR/UPORTR on ICMP unreachable). */
  private udpDest = new Map<string, { ip: Uint8Array; port: number }>();

  private listen(): void {
    this.status = SR.LISTEN;
    const gen = this.link.current;
    this.link.listener = this.chip.network.tcpListen((accept) => {
      if (!this.link.live(gen) || this.status !== SR.LISTEN || this.link.tcp) {
        accept(this.link.events(-1)).reset();
        return;
      }
      const tcp = this.link.tcp = accept(this.link.events(gen));
      tcp.setNoDelayedAck(this.noDelayedAck);
      const r = tcp.remote;
      const rev = this.chip.addressMap.reverse(r.address, r.port);
      this.regs.set(rev?.ip ?? r.address.split('.').map(Number), SN.DIPR);
      this.w16(SN.DPORT, rev?.port ?? r.port);
      this.link.push({ kind: 'connected', at: this.chip.now() });
      this.link.listener?.close();
      this.link.listener = null;
    }, (port) => this.chip.listening(this.n, port));
  }

  private connect(): void {
    this.status = SR.SYNSENT;
    const dip = this.regs.slice(SN.DIPR, SN.DIPR + 4);
    const dst = this.chip.linkUp() ? this.chip.addressMap.resolve(dip, this.r16(SN.DPORT)) : undefined;
    if (!dst) {
      // No ARP reply: the chip retries RCR+1 times, RTR apart, then gives up.
      this.deadline = this.chip.now() + this.chip.common.arpTimeoutMs();
      return;
    }
    this.connectTo = dst;
    this.deadline = this.chip.now() + this.chip.common.tcpTimeoutMs();
    this.startConnect();
  }

  private startConnect(): void {
    if (!this.connectTo || this.pathBlocked()) return;
    const to = this.connectTo;
    this.connectTo = null;
    const tcp = this.link.tcp = this.chip.network.tcpConnect(to, this.link.events(this.link.current));
    tcp.setNoDelayedAck(this.noDelayedAck);
  }

  private discon(): void {
    switch (this.status) {
      case SR.ESTABLISHED:
        this.status = SR.FIN_WAIT;
        this.deadline = this.chip.now() + this.chip.common.tcpTimeoutMs();
        if (!this.pathBlocked()) this.link.tcp?.end();
        return;
      case SR.CLOSE_WAIT:
        // Our FIN goes out only now (half-close: until DISCON the peer still gets our data);
        // CLOSED follows when it is acknowledged (the Node socket closes both ways).
        this.status = SR.LAST_ACK;
        this.deadline = this.chip.now() + this.chip.common.tcpTimeoutMs();
        if (this.linkClosed || !this.link.tcp) this.link.push({ kind: 'closed', at: this.chip.now() });
        else if (!this.pathBlocked()) this.link.tcp.end();
        return;
      case SR.INIT: case SR.LISTEN: case SR.SYNSENT:
        this.teardown('close');
        this.status = SR.CLOSED;
        return;
    }
  }

  private send(cmd: number): void {
    const len = Math.min((this.txWr - this.txRd) & 0xffff, this.txSize);
    const data = this.chip.tx.copyOut(this.n, this.txRd, len);
    if (this.status === SR.ESTABLISHED || this.status === SR.CLOSE_WAIT) {
      this.txRd = this.txWr;
      if (len > 0) this.link.write(data, this.pathBlocked());
      this.raise(SNIR_SENDOK);
      return;
    }
    if (this.status === SR.UDP) {
      this.txRd = this.ackPtr = this.txWr;
      const dip = this.regs.slice(SN.DIPR, SN.DIPR + 4);
      const dport = this.r16(SN.DPORT);
      const dst = this.chip.linkUp() && !this.blackHole ? this.chip.addressMap.resolve(dip, dport) : undefined;
      const udp = this.link.udp;
      if (dst && udp) {
        this.udpDest.set(`${dst.host}:${dst.port}`, { ip: dip, port: dport });
        udp.send(dst, data, () => {});
        this.chip.udpSent(dst, data);
        this.raise(SNIR_SENDOK);
      } else if (cmd === CMD.SEND_MAC) {
        this.raise(SNIR_SENDOK); // no ARP: the frame leaves, nobody answers
      } else {
        // No ARP reply: Sn_IR.TIMEOUT after ARPTO. UIPR/UPORTR are for ICMP unreachable only.
        this.deadline = this.chip.now() + this.chip.common.arpTimeoutMs();
      }
      return;
    }
    if (this.status === SR.MACRAW) {
      this.txRd = this.ackPtr = this.txWr;
      this.chip.note(`S${this.n}: MACRAW frame of ${len} bytes sent to no one (the model has no raw Ethernet)`);
      this.raise(SNIR_SENDOK);
      return;
    }
    this.chip.note(`S${this.n}: SEND in Sn_SR ${hex(this.status, 2)} ignored (not connected)`);
  }

  private flushHeld(): void {
    if (this.pathBlocked()) return;
    if (this.connectTo) this.startConnect();
    this.link.flushHeld();
  }

  private deliver(): void {
    if (this.pathBlocked()) return;
    const now = this.chip.now();
    let segmentBudget = TCP_MSS; // one segment's worth of payload per frame boundary
    while (this.link.inbound.length > 0) {
      const ev = this.link.inbound[0]!;
      if (now < ev.at + this.delayMs) return;
      switch (ev.kind) {
        case 'connected':
          if (this.status === SR.SYNSENT || this.status === SR.LISTEN) {
            this.status = SR.ESTABLISHED;
            this.deadline = -1;
            if (this.r16(SN.MSSR) === 0) this.w16(SN.MSSR, TCP_MSS);
            this.raise(SNIR_CON);
          }
          break;
        case 'acked':
          this.ackPtr = (this.ackPtr + ev.n) & 0xffff;
          break;
        case 'data': {
          if (this.status !== SR.ESTABLISHED && this.status !== SR.FIN_WAIT) break; // no reader: dropped
          const room = this.rxSize - this.rxUsed();
          const n = Math.min(room, segmentBudget, ev.bytes.length);
          if (n === 0) return; // window closed: the peer waits
          this.changes++;
          this.chip.rx.copyIn(this.n, this.rxWr, ev.bytes.subarray(0, n));
          this.rxWr = (this.rxWr + n) & 0xffff;
          this.raise(SNIR_RECV);
          segmentBudget -= n;
          this.link.consumed(n);
          if (n < ev.bytes.length) { ev.bytes = ev.bytes.subarray(n); return; }
          break;
        }
        case 'closed':
        case 'fin':
          if (ev.kind === 'closed') {
            this.linkClosed = true;
            if (this.status === SR.LAST_ACK) { this.teardown('gone'); this.status = SR.CLOSED; return; }
            // otherwise a close is also the peer's FIN (a FIN_WAIT ends, ESTABLISHED half-closes)
          }
          if (this.status === SR.ESTABLISHED) { this.status = SR.CLOSE_WAIT; this.raise(SNIR_DISCON); }
          else if (this.status === SR.FIN_WAIT || this.status === SR.LAST_ACK) {
            if (this.status === SR.FIN_WAIT) this.raise(SNIR_DISCON);
            this.teardown('close');
            this.status = SR.CLOSED;
            return;
          } else if (this.status === SR.SYNSENT) { this.teardown('close'); this.status = SR.CLOSED;
            this.raise(SNIR_DISCON); return; }
          break;
        case 'unreachable':
          if (this.status !== SR.UDP) break;
          this.chip.common.setUnreachable(ev.ip, ev.port);
          this.chip.common.raise(IR_UNREACH);
          this.chip.note(
            `S${this.n}: ICMP port unreachable from ${Array.from(ev.ip).join('.')}:${ev.port} → IR.UNREACH`);
          break;
        case 'rst':
          if (this.status !== SR.CLOSED && this.mode === SN_MR_TCP) {
            this.teardown('gone');
            this.status = SR.CLOSED;
            this.raise(SNIR_DISCON);
            return;
          }
          break;
        case 'datagram': {
          if (this.status !== SR.UDP) break;
          const rev = this.chip.addressMap.reverse(ev.from.host, ev.from.port);
          const ip = rev?.ip ?? ev.from.host.split('.').map(Number);
          const port = rev?.port ?? ev.from.port;
          const need = 8 + ev.bytes.length;
          if (this.rxSize - this.rxUsed() < need) {
            this.chip.note(`S${this.n}: UDP datagram of ${ev.bytes.length} bytes dropped (RX buffer full)`);
            break;
          }
          const hdr = new Uint8Array(
            [ip[0]!, ip[1]!, ip[2]!, ip[3]!, port >> 8, port & 0xff, ev.bytes.length >> 8, ev.bytes.length & 0xff]);
          this.chip.rx.copyIn(this.n, this.rxWr, hdr);
          this.chip.rx.copyIn(this.n, (this.rxWr + 8) & 0xffff, ev.bytes);
          this.rxWr = (this.rxWr + need) & 0xffff;
          this.raise(SNIR_RECV);
          break;
        }
      }
      this.link.inbound.shift();
      this.changes++;
    }
  }

  private checkTimers(): void {
    const now = this.chip.now();
    if (this.deadline >= 0 && now >= this.deadline) {
      this.deadline = -1;
      this.changes++;
      if (this.status === SR.UDP) { this.raise(SNIR_TIMEOUT); return; } // ARP failed; the socket stays open
      if (this.status === SR.SYNSENT || this.status === SR.FIN_WAIT || this.status === SR.LAST_ACK) {
        this.chip.note(`S${this.n}: timeout in Sn_SR ${hex(this.status, 2)} → CLOSED`);
        this.teardown('close');
        this.status = SR.CLOSED;
        this.raise(SNIR_TIMEOUT);
        return;
      }
    }
    if (this.link.heldSince >= 0 && !this.stalled && now >= this.link.heldSince + this.chip.common.tcpTimeoutMs()) {
      this.changes++;
      this.chip.note(`S${this.n}: no ACK for ${this.chip.common.tcpTimeoutMs()} ms (RTR/RCR) → TIMEOUT, CLOSED`);
      this.teardown('close');
      this.status = SR.CLOSED;
      this.raise(SNIR_TIMEOUT);
    }
  }

  /** Drop the Node side (`close` sends FIN to the peer, `reset` RST, `gone` nothing: already
   * closed) and the timers and pointers that belonged to the connection. */
  teardown(how: 'close' | 'reset' | 'gone'): void {
    this.link.drop(how);
    this.deadline = -1;
    this.connectTo = null;
    this.ackPtr = this.txRd;
    this.linkClosed = false;
    this.udpDest.clear();
  }

  /** Fault: the peer closes gracefully (FIN) or aborts (RST). */
  peerClose(reset: boolean): void {
    if (!this.link.tcp) return;
    if (reset) this.link.tcp.reset(); else this.link.tcp.end();
    this.link.push(reset ? { kind: 'rst', at: this.chip.now() } : { kind: 'fin', at: this.chip.now() });
  }

  private r16(a: number): number { return (this.regs[a]! << 8) | this.regs[a + 1]!; }
  private w16(a: number, v: number): void { this.regs[a] = (v >> 8) & 0xff; this.regs[a + 1] = v & 0xff; }
}
