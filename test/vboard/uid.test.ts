import { describe, expect, it } from 'vitest';
import { UniqueId } from '../../host-tools/sim/board/uid.ts';

describe('unique ID / flash size', () => {
  it('returns the 96-bit ID and the flash size in KB', () => {
    const uid = new UniqueId(64, [1, 2, 3]);
    expect(uid.read(0x7e0, 2)).toBe(64);
    expect([0x7e8, 0x7ec, 0x7f0].map((o) => uid.read(o, 4))).toEqual([1, 2, 3]);
  });
});
