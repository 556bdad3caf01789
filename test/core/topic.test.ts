// Topic names, filters and matching (MQTT 3.1.1 §4.7) as compiled into the core.
import { describe, it, expect } from 'vitest';
import { Codec } from './codec-wasm.ts';
import { Err } from '../../host-tools/sim/host/abi.ts';

const c = new Codec();
const matches = (f: string, t: string) => {
  const fp = c.put(f, 0), fb = Buffer.byteLength(f);
  const tp = c.put(t, 512), tb = Buffer.byteLength(t);
  return c.fn('matches')(fp, fb, tp, tb) === 1;
};
const check = (fn: string, s: string) => c.fn(fn)(c.put(s, 0), Buffer.byteLength(s));

describe('topic filter matching', () => {
  const yes: Array<[string, string]> = [
    ['a/b', 'a/b'], ['a/+', 'a/b'], ['a/+', 'a/'], ['+/+', '/finance'], ['+', 'x'], ['#', 'a/b/c'],
    ['a/#', 'a'], ['a/#', 'a/b/c'], ['a/+/c', 'a/b/c'], ['+/b/#', 'x/b'], ['/+', '/x'], ['$SYS/#', '$SYS/broker'],
    ['$SYS/+', '$SYS/x'], ['a/b/#', 'a/b/'], ['sport/tennis/+', 'sport/tennis/player1'],
  ];
  const no: Array<[string, string]> = [
    ['a/b', 'a/c'], ['a/+', 'a/b/c'], ['a/+', 'a'], ['+', '/x'], ['a/b', 'a/b/c'], ['a/b/c', 'a/b'],
    ['#', '$SYS/broker'], ['+/broker', '$SYS/broker'], ['+', '$x'], ['a/#', 'b/a'], ['ab', 'a'], ['a', 'ab'],
    ['sport/+', 'sport'],
  ];
  for (const [f, t] of yes) it(`"${f}" matches "${t}"`, () => expect(matches(f, t)).toBe(true));
  for (const [f, t] of no) it(`"${f}" does not match "${t}"`, () => expect(matches(f, t)).toBe(false));
  it('agrees with a level-by-level reference matcher on 20,000 random filter/topic pairs', () => {
    // Reference: §4.7 applied level by level ('+' one level, '#' the rest incl. the parent, '$' rule).
    const ref = (f: string, t: string): boolean => {
      if (t.startsWith('$') && (f.startsWith('+') || f.startsWith('#'))) return false;
      const fl = f.split('/'), tl = t.split('/');
      for (let i = 0; i < fl.length; i++) {
        if (fl[i] === '#') return true;
        if (i >= tl.length) return false;
        if (fl[i] !== '+' && fl[i] !== tl[i]) return false;
      }
      return fl.length === tl.length;
    };
    let seed = 7;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
    const level = () => ['', 'a', 'b', 'ab', '$x'][rnd(5)]!;
    let agreed = 0, matched = 0;
    for (let i = 0; i < 20_000; i++) {
      const tl = Array.from({ length: 1 + rnd(4) }, level);
      const fl = Array.from({ length: 1 + rnd(4) }, () => (rnd(3) === 0 ? '+' : level()));
      if (rnd(3) === 0) fl.push('#');
      const t = tl.join('/'), f = fl.join('/');
      if (t === '' || f.includes('$') && !f.startsWith('$')) continue;
      const want = ref(f, t);
      expect(matches(f, t), `"${f}" vs "${t}"`).toBe(want);
      agreed++;
      if (want) matched++;
    }
    expect(agreed).toBeGreaterThan(10_000);
    expect(matched).toBeGreaterThan(500); // the sample exercises both outcomes
  });
});

describe('topic name and filter validation', () => {
  it('accepts valid filters', () => {
    for (const f of ['#', '+', 'a/+/b', 'a/#', '+/+', '/', 'a//b', '$SYS/#', 'ü/+']) expect(check('checkFilter', f), f)
      .toBe(0);
  });
  it('rejects misplaced wildcards', () => {
    for (const f of ['a#', 'a/#/b', 'a+', '+a', 'a/b+', '##', '']) expect(check('checkFilter', f), f).toBe(Err.FILTER);
  });
  it('topic names: no wildcards, not empty, valid UTF-8', () => {
    expect(check('checkTopicName', 'a/b')).toBe(0);
    expect(check('checkTopicName', 'a/+')).toBe(Err.TOPIC_WILDCARD);
    expect(check('checkTopicName', '#')).toBe(Err.TOPIC_WILDCARD);
    expect(check('checkTopicName', '')).toBe(Err.TOPIC_EMPTY);
    expect(c.fn('checkTopicName')(c.put([0x61, 0xed, 0xbf, 0xbf], 0), 4)).toBe(Err.UTF8_SURROGATE);
    expect(c.fn('checkTopicName')(c.put([0x61, 0x00], 0), 2)).toBe(Err.UTF8_NULL);
    expect(c.fn('checkTopicName')(c.put([0xf0, 0x9f, 0x98, 0x80], 0), 4)).toBe(0); // U+1F600
    expect(c.fn('checkTopicName')(c.put([0xe0, 0x80, 0x80], 0), 3)).toBe(Err.UTF8); // overlong
  });
  it('strict UTF-8 agrees with a fatal TextDecoder (plus the no-U+0000 rule) on 20,000 random byte strings', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const valid = (b: Uint8Array) => { try { return !fatal.decode(b).includes('\0'); } catch { return false; } };
    // bytes biased toward lead/continuation/boundary values so that valid and invalid cases both occur
    const pool = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0,
      0xf4, 0xf5, 0xf8, 0xff];
    let seed = 11, ok = 0;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
    for (let i = 0; i < 20_000; i++) {
      const b = Uint8Array.from({ length: 1 + rnd(6) }, () => pool[rnd(pool.length)]!);
      const want = valid(b);
      expect(c.fn('checkUtf8')(c.put(b, 0), b.length) === 0, Buffer.from(b).toString('hex')).toBe(want);
      if (want) ok++;
    }
    expect(ok).toBeGreaterThan(500); // both outcomes are exercised
  });
});
