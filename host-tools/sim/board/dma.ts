// DMA1, the channels the HAL drives: SPI1_RX on channel 2 and SPI1_TX on channel 3 (8-bit,
// memory increment or fixed). When SPI1 raises its DMA requests the whole burst is clocked
// through SPI1 at once; TCIF appears when the last byte would be done on the wire. Other
// channels and peripheral-to-peripheral paths are not modelled and are reported.
import { readSized, type Peripheral, type TimeSource } from './peripheral.ts';
import { CR2_RXDMAEN, CR2_TXDMAEN, type Spi } from './spi.ts';

const ISR = 0x00, IFCR = 0x04;
const CCR_EN = 1 << 0, CCR_DIR = 1 << 4, CCR_MINC = 1 << 7;
const SPI1_DR = 0x4001300c;

/** Guest memory for DMA (the board passes the CPU's memory accessors). */
export interface DmaMemory {
  read(addr: number, len: number): Uint8Array;
  write(addr: number, bytes: Uint8Array): void;
}

interface Channel { ccr: number; cndtr: number; cpar: number; cmar: number }

export class Dma implements Peripheral {
  readonly name = 'DMA1';
  readonly base = 0x40020000;
  readonly size = 0x400;
  private isr = 0;
  private pendingIsr = 0;
  private doneAt = Infinity;
  private readonly ch: Channel[] = Array.from({ length: 7 }, () => ({ ccr: 0, cndtr: 0, cpar: 0, cmar: 0 }));
  onWarning: (text: string) => void = () => {};
  /** Called when the firmware polls ISR while a burst is still on the wire (the board skips ahead). */
  onBusyPoll: () => void = () => {};

  constructor(private readonly time: TimeSource, private readonly spi: Spi, private readonly mem: DmaMemory) {
    spi.onDmaRequest = () => this.serviceSpi();
  }

  reset(): void {
    this.isr = 0; this.pendingIsr = 0; this.doneAt = Infinity;
    for (const c of this.ch) { c.ccr = 0; c.cndtr = 0; c.cpar = 0; c.cmar = 0; }
  }

  nextEvent(): number { return this.doneAt; }

  tick(cycles: number): void {
    if (cycles >= this.doneAt) { this.isr |= this.pendingIsr; this.pendingIsr = 0; this.doneAt = Infinity; }
  }

  read(offset: number, size: number): number {
    this.tick(this.time.cycles());
    if (offset < 8) {
      if ((offset & ~3) === ISR && this.doneAt !== Infinity) this.onBusyPoll();
      return (offset & ~3) === ISR ? readSized(this.isr, offset, size) : 0;
    }
    const { c, reg } = this.locate(offset);
    if (!c) return 0;
    return readSized([c.ccr, c.cndtr, c.cpar, c.cmar][reg] ?? 0, offset, size);
  }

  write(offset: number, _size: number, value: number): void {
    this.tick(this.time.cycles());
    if ((offset & ~3) === IFCR) {
      for (let n = 0; n < 7; n++) {
        if (value & (1 << (4 * n))) { this.isr &= ~(0xf << (4 * n)); this.pendingIsr &= ~(0xf << (4 * n)); }
        else this.isr &= ~(value & (0xe << (4 * n)));
      }
      return;
    }
    if (offset < 8) return;
    const { c, reg, n } = this.locate(offset);
    if (!c) return;
    switch (reg) {
      case 0:
        c.ccr = value & 0x7fff;
        if ((c.ccr & CCR_EN) && n !== 2 && n !== 3) {
          this.onWarning(`DMA1 channel ${n} enabled: only channels 2/3 (SPI1) are modelled`);
        }
        break;
      case 1: if (!(c.ccr & CCR_EN)) c.cndtr = value & 0xffff; break;
      case 2: if (!(c.ccr & CCR_EN)) c.cpar = value >>> 0; break;
      case 3: if (!(c.ccr & CCR_EN)) c.cmar = value >>> 0; break;
      default: break;
    }
  }

  private locate(offset: number): { c?: Channel; reg: number; n: number } {
    const rel = offset - 8;
    const n = Math.floor(rel / 20) + 1;
    return { c: this.ch[n - 1], reg: (rel % 20) >> 2, n };
  }

  /** Runs the SPI1 burst set up on channels 2 (RX) and 3 (TX). */
  private serviceSpi(): void {
    const rx = this.ch[1]!, tx = this.ch[2]!;
    const req = this.spi.dmaRequests;
    const txOn = (req & CR2_TXDMAEN) !== 0 && (tx.ccr & CCR_EN) !== 0 && tx.cndtr > 0;
    const rxOn = (req & CR2_RXDMAEN) !== 0 && (rx.ccr & CCR_EN) !== 0 && rx.cndtr > 0;
    if (!txOn) return; // nothing clocks the bus without a TX request
    if (tx.cpar !== SPI1_DR || !(tx.ccr & CCR_DIR) || (rxOn && (rx.cpar !== SPI1_DR || (rx.ccr & CCR_DIR)))) {
      this.onWarning('DMA1 channels 2/3 set up for something other than SPI1_DR byte transfers: not modelled');
      this.isr |= (1 << (4 * 2 + 3)) | (1 << (4 * 1 + 3)); // TEIF3, TEIF2
      return;
    }
    const len = tx.cndtr;
    const out = (tx.ccr & CCR_MINC) ? this.mem.read(tx.cmar, len)
      : new Uint8Array(len).fill(this.mem.read(tx.cmar, 1)[0]!);
    const got = new Uint8Array(len);
    for (let i = 0; i < len; i++) got[i] = this.spi.exchange(out[i]!);
    if (rxOn) {
      const rlen = Math.min(len, rx.cndtr);
      if (rx.ccr & CCR_MINC) this.mem.write(rx.cmar, got.subarray(0, rlen));
      else this.mem.write(rx.cmar, got.subarray(rlen - 1, rlen));
      rx.cndtr -= rlen;
      this.pendingIsr |= 0x3 << (4 * 1); // GIF2 | TCIF2
    }
    tx.cndtr = 0;
    this.pendingIsr |= 0x3 << (4 * 2); // GIF3 | TCIF3
    this.doneAt = this.spi.idleAt;
  }
}
