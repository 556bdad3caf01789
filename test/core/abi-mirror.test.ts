// The TypeScript mirror (host-tools/sim/host/abi.ts) must carry exactly the values of
// firmware/core/api/abi.ts, the single source of truth.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import * as M from '../../host-tools/sim/host/abi.ts';

const src = readFileSync('firmware/core/api/abi.ts', 'utf8');
const consts = new Map<string, number>();
for (const m of src.matchAll(/export const (\w+): i32 = (-?\d+);/g)) consts.set(m[1]!, Number(m[2]));

const groups: Array<[string, Record<string, number>]> = [
  ['CFG_', M.Cfg], ['STAT_', M.Stat], ['ST_', M.ClientState], ['ERR_', M.Err], ['EV_', M.EventKind],
  ['PT_', M.PacketType],
];

describe('ABI mirror', () => {
  it('found the constants in abi.ts', () => {
    expect(consts.size).toBeGreaterThan(80);
  });
  for (const [prefix, obj] of groups) {
    it(`${prefix}* agree both ways`, () => {
      const fromAs = [...consts].filter(([k]) => k.startsWith(prefix) && !k.endsWith('_COUNT') &&
        !(prefix === 'ST_' && k.startsWith('STAT_')) && !(prefix === 'ST_' && k.startsWith('STAGING')));
      const asObj = Object.fromEntries(fromAs.map(([k, v]) => [k.slice(prefix.length), v]));
      expect(obj).toEqual(asObj);
    });
  }
  it('sizes agree', () => {
    // PACKET_MAX (and the staging buffer sized from it) is a build setting: the mirror holds the default
    const fromDefault: Record<string, string> = {
      PACKET_MAX: 'PACKET_MAX_DEFAULT', STAGING_SIZE: 'PACKET_MAX_DEFAULT' };
    for (const [k, v] of Object.entries(M.Size)) expect(consts.get(fromDefault[k] ?? k), k).toBe(v);
  });
  it('every error code has a message that says what to do', () => {
    for (const code of Object.values(M.Err)) expect(M.ERROR_TEXT[code], String(code)).toMatch(/.{20,}/);
  });
});
