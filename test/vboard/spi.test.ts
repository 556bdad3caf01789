import { describe, expect, it } from 'vitest';
import { ManualTime } from '../../host-tools/sim/board/peripheral.ts';
import { Spi, type SpiDevice } from '../../host-tools/sim/board/spi.ts';
import { W5500 } from '../../host-tools/sim/w5500/index.ts';

const CR1 = 0, SR = 8, DR = 0xc;

class Recorder implements SpiDevice {
  log: string[] = [];
  select(): void { this.log.push('sel'); }
  transfer(b: number): number { this.log.push(b.toString(16)); return b ^ 0xff; }
  deselect(): void { this.log.push('desel'); }
}

describe('SPI1 model', () => {
  it('clocks bytes only while chip select is low, with RXNE after 8 SPI clocks', () => {
    const time = new ManualTime();
    const dev = new Recorder();
    const spi = new Spi(time, dev);
    spi.write(CR1, 4, (1 << 2) | (1 << 3) | (1 << 6)); // master, /4, enable
    expect(spi.byteCycles()).toBe(32);
    spi.write(DR, 4, 0x12); // not selected: the device sees nothing
    time.now = 100;
    expect(spi.read(DR, 4)).toBe(0xff);
    spi.setChipSelect(0);
    spi.write(DR, 4, 0x34);
    expect(spi.read(SR, 4) & 0x81).toBe(0x80); // BSY, no RXNE yet
    time.now += 32;
    expect(spi.read(SR, 4) & 0x83).toBe(0x03);
    expect(spi.read(DR, 4)).toBe(0x34 ^ 0xff);
    spi.setChipSelect(1);
    expect(dev.log).toEqual(['sel', '34', 'desel']);
  });

  it('reads VERSIONR 0x04 from the real W5500 model', () => {
    const time = new ManualTime();
    const chip = new W5500({ clock: () => 0 });
    const spi = new Spi(time, chip);
    spi.write(CR1, 4, (1 << 2) | (1 << 6));
    spi.setChipSelect(0);
    const out = [0x00, 0x39, 0x00, 0xff].map((b) => { spi.write(DR, 4, b); time.now += 16; return spi.read(DR, 4); });
    spi.setChipSelect(1);
    expect(out[3]).toBe(0x04);
    expect(chip.counters.frames).toBe(1);
  });
});
