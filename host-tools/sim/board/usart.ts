// USART1: 8N1 transmit and receive at the rate BRR sets, with RXNE/TXE/TC interrupts (IRQ 37,
// a level: high while an enabled flag is set).
// TX: a DR write moves the byte to the shift register at once (TXE stays 1 while it is idle),
// and the byte reaches the host when its 10 bit-times have passed. RX: host bytes arrive one per
// 10 bit-times; a byte that arrives while RXNE is still set is lost and sets ORE, as on the chip.
import { readSized, type Peripheral, type TimeSource } from './peripheral.ts';

const SR = 0x00, DR = 0x04, BRR = 0x08, CR1 = 0x0c, CR2 = 0x10, CR3 = 0x14, GTPR = 0x18;
export const SR_ORE = 1 << 3, SR_RXNE = 1 << 5, SR_TC = 1 << 6, SR_TXE = 1 << 7;
const CR1_RE = 1 << 2, CR1_TE = 1 << 3, CR1_RXNEIE = 1 << 5, CR1_TCIE = 1 << 6, CR1_TXEIE = 1 << 7, CR1_UE = 1 << 13;
export const USART1_IRQ = 37;
/** Two SR reads that find TXE=0 this close together (core cycles), with no other USART access in
 * between, are a polling loop: a TXE poll loop is a handful of instructions per iteration. */
const BUSY_POLL_WINDOW = 64;

export class Usart implements Peripheral {
  readonly name = 'USART1';
  readonly base = 0x40013800;
  readonly size = 0x400;
  readonly irq = USART1_IRQ;
  private sr = SR_TXE | SR_TC;
  private rdr = 0;
  private brr = 0;
  private cr1 = 0;
  private cr2 = 0;
  private cr3 = 0;
  private gtpr = 0;
  private shifting?: { byte: number; doneAt: number };
  private txHolding?: number;
  private readonly rxQueue: number[] = [];
  /** Cycle of the last SR read that found the transmitter busy (TXE=0), while still a poll run. */
  private busyReadAt?: number;
  private nextRxAt = 0;
  /** Bytes lost to overrun (RXNE still set when the next one arrived). */
  overruns = 0;
  /** Receives every transmitted byte when its stop bit is done. */
  onTransmit: (byte: number) => void = () => {};
  /** Called when the firmware polls TXE in a loop while the transmitter is busy (the board skips
   * ahead). A single SR read with TXE=0 (an RX interrupt handler while output is going out) is
   * not a poll: skipping ahead there would steal CPU time the chip has. */
  onBusyPoll: () => void = () => {};
  /** Called when a register write raises the interrupt line (e.g. TXEIE set while TXE is 1), so
   * the board can end the CPU slice and take the interrupt right after that instruction, as the
   * chip would; lines raised by time passing are seen by the board between slices anyway. */
  onLineRaised: () => void = () => {};

  constructor(private readonly time: TimeSource) {}

  reset(): void {
    this.sr = SR_TXE | SR_TC; this.rdr = 0; this.brr = 0; this.cr1 = 0; this.cr2 = 0; this.cr3 = 0; this.gtpr = 0;
    this.shifting = undefined; this.txHolding = undefined; this.busyReadAt = undefined;
  }

  /** Queue bytes typed on the host side; they arrive at the line rate once the receiver is on. */
  receive(bytes: Uint8Array | string): void {
    const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
    if (this.rxQueue.length === 0) this.nextRxAt = Math.max(this.nextRxAt, this.time.cycles() + this.byteCycles());
    for (const b of data) this.rxQueue.push(b);
  }

  get rxBacklog(): number { return this.rxQueue.length; }

  /** Core cycles per 10-bit character at the current BRR (BRR = f_PCLK2 / baud). */
  byteCycles(): number { return Math.max(1, (this.brr || 625) * 10); }

  get interruptLine(): boolean {
    if (!(this.cr1 & CR1_UE)) return false;
    return ((this.cr1 & CR1_RXNEIE) !== 0 && (this.sr & (SR_RXNE | SR_ORE)) !== 0) ||
      ((this.cr1 & CR1_TXEIE) !== 0 && (this.sr & SR_TXE) !== 0) ||
      ((this.cr1 & CR1_TCIE) !== 0 && (this.sr & SR_TC) !== 0);
  }

  nextEvent(): number {
    let t = this.shifting ? this.shifting.doneAt : Infinity;
    if (this.rxQueue.length > 0 && this.receiving()) t = Math.min(t, this.nextRxAt);
    return t;
  }

  tick(cycles: number): void {
    while (this.shifting && cycles >= this.shifting.doneAt) {
      const done = this.shifting;
      this.onTransmit(done.byte);
      this.shifting = undefined;
      if (this.txHolding !== undefined) {
        this.shifting = { byte: this.txHolding, doneAt: done.doneAt + this.byteCycles() };
        this.txHolding = undefined;
        this.sr |= SR_TXE;
      } else {
        this.sr |= SR_TC;
      }
    }
    while (this.rxQueue.length > 0 && this.receiving() && cycles >= this.nextRxAt) {
      const b = this.rxQueue.shift()!;
      if (this.sr & SR_RXNE) { this.sr |= SR_ORE; this.overruns++; } else { this.rdr = b; this.sr |= SR_RXNE; }
      this.nextRxAt += this.byteCycles();
      if (this.nextRxAt < cycles - this.byteCycles()) this.nextRxAt = cycles; // idle line: no backlog of slots
    }
  }

  read(offset: number, size: number): number {
    this.tick(this.time.cycles());
    let v: number;
    switch (offset & ~3) {
      case SR: {
        v = this.sr;
        const now = this.time.cycles();
        if (this.sr & SR_TXE) this.busyReadAt = undefined;
        else {
          if (this.busyReadAt !== undefined && now - this.busyReadAt <= BUSY_POLL_WINDOW) this.onBusyPoll();
          this.busyReadAt = now;
        }
        break;
      }
      case DR:
        this.busyReadAt = undefined;
        v = this.rdr;
        this.sr &= ~(SR_RXNE | SR_ORE); // reading DR after SR clears both
        break;
      case BRR: v = this.brr; break;
      case CR1: v = this.cr1; break;
      case CR2: v = this.cr2; break;
      case CR3: v = this.cr3; break;
      case GTPR: v = this.gtpr; break;
      default: v = 0;
    }
    return readSized(v, offset, size);
  }

  write(offset: number, _size: number, value: number): void {
    this.tick(this.time.cycles());
    const before = this.interruptLine;
    this.writeRegister(offset, value);
    if (!before && this.interruptLine) this.onLineRaised();
  }

  private writeRegister(offset: number, value: number): void {
    this.busyReadAt = undefined;
    switch (offset & ~3) {
      case SR: this.sr &= (value | ~(SR_RXNE | SR_TC)) >>> 0; return; // rc_w0 bits
      case DR: this.transmit(value & 0xff); return;
      case BRR: this.brr = value & 0xffff; return;
      case CR1:
        if (!(this.cr1 & CR1_RE) && (value & CR1_RE)) this.nextRxAt = this.time.cycles() + this.byteCycles();
        this.cr1 = value & 0x3fff; return;
      case CR2: this.cr2 = value & 0x7fff; return;
      case CR3: this.cr3 = value & 0x7ff; return;
      case GTPR: this.gtpr = value & 0xffff; return;
      default: return;
    }
  }

  private receiving(): boolean { return (this.cr1 & (CR1_UE | CR1_RE)) === (CR1_UE | CR1_RE); }

  private transmit(byte: number): void {
    if ((this.cr1 & (CR1_UE | CR1_TE)) !== (CR1_UE | CR1_TE)) return; // transmitter off: byte lost
    this.sr &= ~SR_TC;
    if (!this.shifting) {
      this.shifting = { byte, doneAt: this.time.cycles() + this.byteCycles() };
    } else {
      this.txHolding = byte; // overwrites an unsent holding byte, as DR would
      this.sr &= ~SR_TXE;
    }
  }
}
