// TX and RX buffer memory: 16 KB each, carved into per-socket regions by Sn_TXBUF_SIZE /
// Sn_RXBUF_SIZE (in socket order). A socket's buffer block is addressed with any 16-bit offset;
// the chip wraps it modulo the socket's buffer size, which is what makes 16-bit pointer
// arithmetic (carry ignored) work for the host.
import { SOCKET_COUNT } from './registers.ts';

export class BufferMemory {
  private readonly mem: Uint8Array;
  /** Size in KB per socket (0, 1, 2, 4, 8 or 16). */
  readonly sizesKb = new Array<number>(SOCKET_COUNT).fill(2);

  constructor(readonly totalBytes: number) {
    this.mem = new Uint8Array(totalBytes);
  }

  reset(): void {
    this.mem.fill(0);
    this.sizesKb.fill(2);
  }

  size(sn: number): number { return this.sizesKb[sn]! * 1024; }

  /** Start of socket sn's region: sockets are laid out in order; overflow past 16 KB wraps. */
  base(sn: number): number {
    let b = 0;
    for (let i = 0; i < sn; i++) b += this.size(i);
    return b;
  }

  /** Physical index of a 16-bit buffer offset of socket sn, or -1 if its buffer is 0 KB. */
  private index(sn: number, offset: number): number {
    const size = this.size(sn);
    if (size === 0) return -1;
    return (this.base(sn) + (offset & (size - 1))) % this.totalBytes;
  }

  read(sn: number, offset: number): number {
    const i = this.index(sn, offset);
    return i < 0 ? 0 : this.mem[i]!;
  }

  write(sn: number, offset: number, value: number): void {
    const i = this.index(sn, offset);
    if (i >= 0) this.mem[i] = value & 0xff;
  }

  /** Copy `len` bytes starting at 16-bit offset `from` (wrapping) out of socket sn's buffer. */
  copyOut(sn: number, from: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let k = 0; k < len; k++) out[k] = this.read(sn, (from + k) & 0xffff);
    return out;
  }

  /** Copy `data` into socket sn's buffer at 16-bit offset `at` (wrapping). */
  copyIn(sn: number, at: number, data: Uint8Array): void {
    for (let k = 0; k < data.length; k++) this.write(sn, (at + k) & 0xffff, data[k]!);
  }
}
