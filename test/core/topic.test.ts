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
});

describe('topic name and filter validation', () => {
  it('accepts valid filters', () => {
    for (const f of ['#', '+', 'a/+/b', 'a/#', '+/+', '/', 'a//b', '$SYS/#', 'ü/+']) expect(check('checkFilter', f), f).toBe(0);
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
});
