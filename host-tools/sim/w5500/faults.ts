// Faults on demand, for tests of delivery guarantees: a connection dropped or reset by the peer,
// a stalled or black-holed path, delayed packets, a pulled cable, a chip reset.
import type { Phy } from './phy.ts';
import type { ChipSocket } from './socket.ts';

export type SocketSel = number | 'all';

/** What the faults act on: the chip's sockets, its PHY's cable, its trace and its reset pin (the
 * W5500 is one; naming only these keeps this file from importing the chip). */
export interface FaultTarget {
  readonly sockets: readonly ChipSocket[];
  readonly phy: Pick<Phy, 'setCable'>;
  note(text: string): void;
  hardwareReset(): void;
}

export class FaultInjector {
  constructor(private readonly chip: FaultTarget) {}

  private pick(sel: SocketSel) {
    if (sel === 'all') return this.chip.sockets;
    const s = this.chip.sockets[sel];
    if (!s) throw new Error(`fault: socket ${sel} does not exist; the W5500 has sockets 0..7`);
    return [s];
  }

  /** The peer closes the connection gracefully (FIN): the socket goes to CLOSE_WAIT with Sn_IR.DISCON. */
  dropConnection(sel: SocketSel): void { for (const s of this.pick(sel)) s.peerClose(false);
    this.chip.note(`fault: drop connection ${sel}`); }
  /** The peer aborts the connection (RST): the socket goes to CLOSED with Sn_IR.DISCON. */
  resetConnection(sel: SocketSel): void { for (const s of this.pick(sel)) s.peerClose(true);
    this.chip.note(`fault: reset connection ${sel}`); }
  /** Nothing gets through either way; unacknowledged data times out after TCPTO (RTR/RCR). */
  blackHole(sel: SocketSel, on = true): void { for (const s of this.pick(sel)) s.blackHole = on;
    this.chip.note(`fault: black hole ${sel} ${on ? 'on' : 'off'}`); }
  /** The peer stops reading and sending but keeps the connection (zero window: no timeout). */
  stall(sel: SocketSel, on = true): void { for (const s of this.pick(sel)) s.stalled = on;
    this.chip.note(`fault: stall ${sel} ${on ? 'on' : 'off'}`); }
  /** Every received packet and ACK arrives `ms` virtual milliseconds late. */
  delay(sel: SocketSel, ms: number): void {
    if (!(ms >= 0)) throw new Error(`fault: delay must be ≥ 0 ms, got ${ms}`);
    for (const s of this.pick(sel)) s.delayMs = ms;
    this.chip.note(`fault: delay ${sel} ${ms} ms`);
  }
  /** Pull the cable: PHYCFGR.LNK = 0; nothing gets through, connections time out per RTR/RCR. */
  linkDown(): void { this.chip.phy.setCable(false); }
  /** Plug the cable back in. */
  linkUp(): void { this.chip.phy.setCable(true); }
  /** A brown-out or RSTn glitch: the chip forgets everything. */
  chipReset(): void { this.chip.hardwareReset(); }
}
