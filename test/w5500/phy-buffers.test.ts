// The PHY and buffer-memory classes on their own.
import { describe, expect, it } from 'vitest';
import { Phy } from '../../host-tools/sim/w5500/phy.ts';
import { BufferMemory } from '../../host-tools/sim/w5500/buffers.ts';

describe('Phy', () => {
  it('reports changes of the link to its owner, from the cable, PHY reset and power down', () => {
    const changes: boolean[] = [];
    const phy = new Phy((up) => changes.push(up));
    expect(phy.read()).toBe(0xbf);
    phy.setCable(false);
    phy.setCable(false);
    phy.setCable(true);
    phy.write(0x38); // RST = 0
    phy.write(0xb8);
    phy.write(0x70); // OPMD = 1, OPMDC = 110: power down, taken when the PHY leaves reset
    phy.write(0xf0);
    phy.reset();
    expect(changes).toEqual([false, true, false, true, false, true]);
  });
});

describe('BufferMemory', () => {
  it('lays sockets out in order and wraps each in its own size', () => {
    const mem = new BufferMemory(16 * 1024);
    mem.sizesKb.splice(0, 8, 8, 4, 2, 1, 1, 0, 0, 0);
    expect([0, 1, 2, 3, 4].map((n) => mem.base(n))).toEqual([0, 8192, 12288, 14336, 15360]);
    mem.copyIn(1, 0xfffe, Uint8Array.of(1, 2, 3));
    expect(Array.from(mem.copyOut(1, 0x0ffe, 3))).toEqual([1, 2, 3]);
    expect(mem.read(1, 0x1000)).toBe(3); // 4 KB: 0x1000 wraps to 0
    mem.write(0, 0x2000, 7); // socket 0 (8 KB): 0x2000 wraps to 0, not into socket 1
    expect(mem.read(0, 0)).toBe(7);
    expect(mem.read(1, 0)).toBe(3);
    mem.write(5, 0, 9);
    expect(mem.read(5, 0)).toBe(0); // 0 KB socket: nothing behind it
  });
});
