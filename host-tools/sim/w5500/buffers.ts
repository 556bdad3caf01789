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

  /**
   * The physical run for `len` bytes from 16-bit offset `from` of socket sn: calls `span(phys,
   * k, n)` for each contiguous piece (k = index into the caller's data), splitting where the
   * socket's region wraps or the memory ends. Bulk copies go through here instead of per byte.
   */
  private spans(sn: number, from: number, len: number, span: (phys: number, k: number, n: number) => void): void {
    const size = this.size(sn);
    if (size === 0) return;
    const base = this.base(sn);
    for (let k = 0; k < len;) {
      const pos = (from + k) & (size - 1);
      const phys = (base + pos) % this.totalBytes;
      const n = Math.min(len - k, size - pos, this.totalBytes - phys);
      span(phys, k, n);
      k += n;
    }
  }

  /** Fill `out` from 16-bit offset `from` (wrapping) of socket sn's buffer; a 0 KB buffer reads 0. */
  readInto(sn: number, from: number, out: Uint8Array): void {
    if (this.size(sn) === 0) { out.fill(0); return; }
    this.spans(sn, from, out.length, (phys, k, n) => out.set(this.mem.subarray(phys, phys + n), k));
  }

  /** Copy `len` bytes starting at 16-bit offset `from` (wrapping) out of socket sn's buffer. */
  copyOut(sn: number, from: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.readInto(sn, from, out);
    return out;
  }

  /** Copy `data` into socket sn's buffer at 16-bit offset `at` (wrapping); a 0 KB buffer ignores it. */
  copyIn(sn: number, at: number, data: Uint8Array): void {
    this.spans(sn, at, data.length, (phys, k, n) => this.mem.set(data.subarray(k, k + n), phys));
  }
}
