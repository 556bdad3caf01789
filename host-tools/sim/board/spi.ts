// SPI1 master, 8-bit frames: each DR write clocks one byte through the attached device (the W5500
// model's byte-clocked interface) while it is selected; RXNE and BSY follow after 8 SPI clocks at
// f_PCLK2 / 2^(BR+1). Chip select is a GPIO pin owned by the board (software NSS, as the HAL does).
import { readSized, writeSized, type Peripheral, type TimeSource } from './peripheral.ts';

const CR1 = 0x00, CR2 = 0x04, SR = 0x08, DR = 0x0c, CRCPR = 0x10;
const CR1_MSTR = 1 << 2, CR1_SPE = 1 << 6;
export const CR2_RXDMAEN = 1 << 0, CR2_TXDMAEN = 1 << 1;
const SR_RXNE = 1 << 0, SR_TXE = 1 << 1, SR_OVR = 1 << 6, SR_BSY = 1 << 7;

/** A byte-clocked SPI slave with chip select (the W5500 model implements this). */
export interface SpiDevice {
  select(): void;
  transfer(mosi: number): number;
  deselect(): void;
}

export class Spi implements Peripheral {
  readonly name = 'SPI1';
  readonly base = 0x40013000;
  readonly size = 0x400;
  private cr1 = 0;
  private cr2 = 0;
  private rxByte = 0;
  private rxne = false;
  private ovr = false;
  private busyUntil = 0;
  private selected = false;
  private crcpr = 7;
  /** Bytes clocked since power-on (figures). */
  bytes = 0;
  /** Called when CR2 enables DMA requests (the DMA model then runs the transfer). */
  onDmaRequest: () => void = () => {};

  constructor(private readonly time: TimeSource, public device?: SpiDevice) {}

  reset(): void {
    if (this.selected) this.device?.deselect();
    this.cr1 = 0; this.cr2 = 0; this.rxByte = 0; this.rxne = false; this.ovr = false; this.busyUntil = 0;
    this.selected = false; this.crcpr = 7;
  }

  /** Chip-select level from the board's CS pin (active low). */
  setChipSelect(level: number): void {
    const sel = level === 0;
    if (sel === this.selected) return;
    this.selected = sel;
    if (sel) this.device?.select(); else this.device?.deselect();
  }

  /** Core cycles per byte: 8 SPI clocks at PCLK2 / 2^(BR+1) (PCLK2 = core clock on this HAL). */
  byteCycles(): number { return 8 * (2 << ((this.cr1 >>> 3) & 7)); }

  get dmaRequests(): number { return this.cr2 & (CR2_RXDMAEN | CR2_TXDMAEN); }

  /** One byte through the shift register (also the DMA path). */
  exchange(mosi: number): number {
    this.bytes++;
    const start = Math.max(this.time.cycles(), this.busyUntil);
    this.busyUntil = start + this.byteCycles();
    return this.selected && this.device ? this.device.transfer(mosi & 0xff) & 0xff : 0xff;
  }

  /** When the last byte queued by exchange() is done on the wire. */
  get idleAt(): number { return this.busyUntil; }

  read(offset: number, size: number): number {
    const now = this.time.cycles();
    let v = 0;
    switch (offset & ~3) {
      case CR1: v = this.cr1; break;
      case CR2: v = this.cr2; break;
      case SR:
        if (now >= this.busyUntil) v |= SR_TXE | (this.rxne ? SR_RXNE : 0);
        else v |= SR_TXE | SR_BSY;
        if (this.ovr) v |= SR_OVR;
        break;
      case DR:
        v = this.rxByte; this.rxne = false;
        if (this.ovr) this.ovr = false;
        break;
      case CRCPR: v = this.crcpr; break;
      default: v = 0;
    }
    return readSized(v, offset, size);
  }

  write(offset: number, size: number, value: number): void {
    switch (offset & ~3) {
      case CR1: this.cr1 = writeSized(this.cr1, offset, size, value) & 0xffff; return;
      case CR2:
        this.cr2 = value & 0xe7;
        if (this.dmaRequests) this.onDmaRequest();
        return;
      case DR: {
        if ((this.cr1 & (CR1_SPE | CR1_MSTR)) !== (CR1_SPE | CR1_MSTR)) return;
        if (this.rxne) this.ovr = true;
        this.rxByte = this.exchange(value);
        this.rxne = true;
        return;
      }
      case CRCPR: this.crcpr = value & 0xffff; return;
      default: return;
    }
  }
}
