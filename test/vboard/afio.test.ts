import { describe, expect, it } from 'vitest';
import { Afio } from '../../host-tools/sim/board/afio.ts';

describe('AFIO model', () => {
  it('stores MAPR and EXTICR', () => {
    const afio = new Afio();
    afio.write(0x04, 4, 0x02000000);
    afio.write(0x08, 4, 0x1);
    expect(afio.read(0x04, 4)).toBe(0x02000000);
    expect(afio.read(0x08, 4)).toBe(1);
    afio.reset();
    expect(afio.mapr).toBe(0);
  });
});
