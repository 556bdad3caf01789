// The W5500 SPI frame decoder: 16-bit offset address (MSB first), control byte (BSB[4:0],
// RWB, OM[1:0]), then data. Variable-length data mode (OM=00) runs until chip select goes high;
// fixed-length modes (OM=01/10/11: 1, 2, 4 bytes) end the frame after that many bytes and the
// next byte starts a new frame while SCSn stays low. The address auto-increments per data byte.
import { CTRL_RWB_WRITE } from './registers.ts';

/** What the decoder drives: one byte at a time at (block, address). */
export interface FrameTarget {
  /** A frame header is complete (the chip applies network input at frame boundaries). */
  frameStart(addr: number, control: number): void;
  readByte(block: number, addr: number): number;
  writeByte(block: number, addr: number, value: number): void;
  frameEnd(addr: number, control: number, data: Uint8Array): void;
}

const FDM_LENGTH = [0, 1, 2, 4];

export class SpiFrameDecoder {
  private selected = false;
  private phase = 0; // 0,1: address bytes; 2: control byte; 3: data
  private addr = 0;
  private startAddr = 0;
  private control = 0;
  private count = 0;
  private data: number[] = [];

  constructor(private readonly target: FrameTarget) {}

  get isSelected(): boolean { return this.selected; }

  /** SCSn low: a new frame starts. */
  select(): void {
    if (this.selected) this.deselect();
    this.selected = true;
    this.phase = 0;
  }

  /** One byte clocked on MOSI; returns the byte the chip drives on MISO in the same 8 clocks. */
  transfer(mosi: number): number {
    if (!this.selected) return 0xff; // MISO is high-impedance while SCSn is high; a pull-up reads 0xFF
    mosi &= 0xff;
    switch (this.phase) {
      case 0: this.addr = mosi << 8; this.phase = 1; return 0x00;
      case 1: this.addr |= mosi; this.phase = 2; return 0x00;
      case 2:
        this.control = mosi;
        this.startAddr = this.addr;
        this.count = 0;
        this.data = [];
        this.phase = 3;
        this.target.frameStart(this.addr, this.control);
        return 0x00;
      default: {
        const block = this.control >> 3;
        let miso = 0;
        if (this.control & CTRL_RWB_WRITE) this.target.writeByte(block, this.addr, mosi);
        else miso = this.target.readByte(block, this.addr);
        this.data.push(this.control & CTRL_RWB_WRITE ? mosi : miso);
        this.addr = (this.addr + 1) & 0xffff;
        this.count++;
        const fixed = FDM_LENGTH[this.control & 3]!;
        if (fixed !== 0 && this.count === fixed) this.endFrame();
        return miso;
      }
    }
  }

  /** SCSn high: the frame (if any data was clocked) ends. */
  deselect(): void {
    if (this.selected && this.phase === 3 && (this.control & 3) === 0) this.endFrame();
    this.selected = false;
    this.phase = 0;
  }

  private endFrame(): void {
    this.target.frameEnd(this.startAddr, this.control, Uint8Array.from(this.data));
    this.phase = 0;
  }
}
