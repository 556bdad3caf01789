// A human-readable trace of SPI frames and chip notes, one line each, for users debugging a
// driver: "t=12 W S0.TX_WR 0x0024 [00 53]". Kept in memory (bounded) and optionally streamed.
import { appendFileSync, writeFileSync } from 'node:fs';
import { CTRL_RWB_WRITE, describe, hex } from './registers.ts';

export class FrameTrace {
  readonly lines: string[] = [];

  /** `file`: also append each line to this path (truncated first). `max`: lines kept in memory. */
  constructor(private readonly file?: string, private readonly max = 100_000) {
    if (file) writeFileSync(file, '');
  }

  frame(t: number, addr: number, control: number, data: Uint8Array): void {
    const rw = control & CTRL_RWB_WRITE ? 'W' : 'R';
    const om = ['', ' FDM1', ' FDM2', ' FDM4'][control & 3];
    const shown = Array.from(data.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
    const more = data.length > 16 ? ` … (${data.length} bytes)` : '';
    this.add(`t=${t} ${rw} ${describe(control >> 3, addr)} ${hex(addr)}${om} [${shown}${more}]`);
  }

  note(t: number, text: string): void { this.add(`t=${t} ! ${text}`); }

  toString(): string { return this.lines.join('\n') + '\n'; }

  private add(line: string): void {
    this.lines.push(line);
    // Trim in batches so a long run does not shift the whole array on every frame.
    if (this.lines.length > this.max + (this.max >> 3)) this.lines.splice(0, this.lines.length - this.max);
    if (this.file) appendFileSync(this.file, line + '\n');
  }
}
