import { describe, expect, it } from 'vitest';
import { Dma } from '../../host-tools/sim/board/dma.ts';
import { ManualTime } from '../../host-tools/sim/board/peripheral.ts';
import { Spi, type SpiDevice } from '../../host-tools/sim/board/spi.ts';

const ch = (n: number, reg: number) => 0x08 + 20 * (n - 1) + 4 * reg;

describe('DMA1 model (SPI1 channels 2/3)', () => {
  it('runs a full-duplex burst through SPI1 and sets TCIF when the last byte is on the wire', () => {
    const time = new ManualTime();
    const mem = new Uint8Array(64);
    const seen: number[] = [];
    const dev: SpiDevice = { select() {}, deselect() {}, transfer: (b) => { seen.push(b); return b + 1; } };
    const spi = new Spi(time, dev);
    const dma = new Dma(time, spi, { read: (a, n) => mem.slice(a, a + n), write: (a, b) => mem.set(b, a) });
    spi.write(0, 4, (1 << 2) | (1 << 6)); // /2: 16 cycles per byte
    spi.setChipSelect(0);
    mem.set([1, 2, 3, 4], 0);
    dma.write(ch(2, 2), 4, 0x4001300c); dma.write(ch(2, 3), 4, 32); dma.write(ch(2, 1), 4, 4);
    dma.write(ch(2, 0), 4, (1 << 7) | 1);
    dma.write(ch(3, 2), 4, 0x4001300c); dma.write(ch(3, 3), 4, 0); dma.write(ch(3, 1), 4, 4);
    dma.write(ch(3, 0), 4, (1 << 7) | (1 << 4) | 1);
    spi.write(4, 4, 3); // RXDMAEN | TXDMAEN
    expect(seen).toEqual([1, 2, 3, 4]);
    expect([...mem.slice(32, 36)]).toEqual([2, 3, 4, 5]);
    expect(dma.read(0, 4) & (1 << 5)).toBe(0); // TCIF2 not yet
    time.now = 64;
    expect(dma.read(0, 4) & (1 << 5)).toBe(1 << 5);
    dma.write(4, 4, (1 << 4) | (1 << 8));
    expect(dma.read(0, 4)).toBe(0);
  });

  it('reports channels it does not model', () => {
    const time = new ManualTime();
    const spi = new Spi(time);
    const dma = new Dma(time, spi, { read: (_a, n) => new Uint8Array(n), write: () => {} });
    const warnings: string[] = [];
    dma.onWarning = (t) => warnings.push(t);
    dma.write(ch(5, 0), 4, 1);
    expect(warnings[0]).toMatch(/channel 5/);
  });
});
