// Byte-exact codec fixtures: the core's encoder against mqtt-packet's for all 14 packet types,
// and mqtt-packet's bytes decoded by the core's decoder.
import { describe, it, expect } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { Codec } from './codec-wasm.ts';

const gen = (p: object) => mqttPacket.generate(p as mqttPacket.Packet, { protocolVersion: 4 });
const c = new Codec();
const enc = (name: string, ...args: number[]) => {
  const dst = c.base + 3000;
  const n = c.fn(name)(dst, ...args);
  expect(n, `${name} length`).toBeGreaterThan(0);
  return c.bytes(dst, n);
};

/** Stages strings at fixed places and returns [ptr, len] pairs (len -1 for null). */
function strs(...values: Array<string | Buffer | null>): number[] {
  let at = 0;
  const out: number[] = [];
  for (const v of values) {
    if (v === null) { out.push(0, -1); continue; }
    const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    out.push(c.put(b, at), b.length);
    at += b.length + 8;
  }
  return out;
}

describe('codec: encode matches mqtt-packet byte for byte', () => {
  const connects = [
    { clientId: 'dev-1', clean: true, keepalive: 60 },
    { clientId: '', clean: true, keepalive: 0 },
    { clientId: 'sensor', clean: false, keepalive: 30, username: 'user', password: Buffer.from('s3cret') },
    { clientId: 'will', clean: false, keepalive: 10,
      will: { topic: 'dev/status', payload: Buffer.from('offline'), qos: 1, retain: true } },
    { clientId: 'all', clean: true, keepalive: 65535, username: 'ü', password: Buffer.from([0, 1, 2]),
      will: { topic: 'w/t', payload: Buffer.alloc(0), qos: 2, retain: false } },
  ];
  for (const [i, k] of connects.entries()) {
    it(`CONNECT #${i}`, () => {
      const w = (k as { will?: { topic: string; payload: Buffer; qos: number; retain: boolean } }).will;
      const kk = k as { username?: string; password?: Buffer };
      const [cid, cidL, u, uL, pw, pwL, wt, wtL, wp, wpL] = strs(k.clientId, kk.username ?? null, kk.password ?? null,
        w ? w.topic : null, w ? w.payload : Buffer.alloc(0));
      const got = enc('encodeConnect', cid!, cidL!, u!, uL!, pw!, pwL!, wt!, wtL!, wp!, w ? wpL! : 0,
        w ? w.qos | (w.retain ? 4 : 0) : 0, k.clean ? 1 : 0, k.keepalive);
      expect(got.toString('hex')).toBe(
        gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, ...k }).toString('hex'));
    });
  }
  it('CONNACK', () => {
    for (const [sp, rc] of [[0, 0], [1, 0], [0, 5], [0, 2]] as const) {
      expect(enc('encodeConnack', sp, rc)).toEqual(gen({ cmd: 'connack', sessionPresent: sp === 1, returnCode: rc }));
    }
  });
  const publishes = [
    { topic: 'a/b', payload: 'hello', qos: 0, retain: false, dup: false },
    { topic: 'a/b', payload: '', qos: 1, retain: true, dup: false, messageId: 1 },
    { topic: 'sensors/ü/temp', payload: 'x'.repeat(200), qos: 2, retain: false, dup: true, messageId: 65535 },
    { topic: 't', payload: 'y'.repeat(1000), qos: 1, retain: false, dup: true, messageId: 300 },
  ];
  for (const [i, pk] of publishes.entries()) {
    it(`PUBLISH #${i}`, () => {
      const [t, tl, p, pl] = strs(pk.topic, pk.payload);
      const flags = (pk.dup ? 8 : 0) | (pk.qos << 1) | (pk.retain ? 1 : 0);
      const got = enc('encodePublish', flags, t!, tl!, pk.messageId ?? 0, p!, pl!);
      expect(got.toString('hex')).toBe(gen({ cmd: 'publish', ...pk }).toString('hex'));
    });
  }
  for (const [name, cmd] of [['encodePuback', 'puback'], ['encodePubrec', 'pubrec'], ['encodePubrel', 'pubrel'],
    ['encodePubcomp', 'pubcomp'], ['encodeUnsuback', 'unsuback']] as const) {
    it(cmd.toUpperCase(), () => {
      for (const id of [1, 258, 65535]) expect(enc(name, id).toString('hex')).toBe(
        gen({ cmd, messageId: id }).toString('hex'));
    });
  }
  const subList = (subs: Array<{ topic: string; qos?: number }>, withQos: boolean) => {
    const parts: number[] = [];
    for (const s of subs) { const f = Buffer.from(s.topic); parts.push(f.length >> 8, f.length & 255, ...f);
      if (withQos) parts.push(s.qos!); }
    return Buffer.from(parts);
  };
  it('SUBSCRIBE', () => {
    const subs = [{ topic: 'a/+', qos: 1 }, { topic: '#', qos: 0 }, { topic: 'x/y/z', qos: 2 }];
    const l = subList(subs, true);
    const p = c.put(l, 0);
    expect(enc('encodeSubscribe', 42, p, l.length).toString('hex'))
      .toBe(gen({ cmd: 'subscribe', messageId: 42, subscriptions: subs }).toString('hex'));
  });
  it('SUBACK', () => {
    const codes = [0, 1, 2, 0x80];
    const p = c.put(codes, 0);
    expect(enc('encodeSuback', 7, p, codes.length)).toEqual(gen({ cmd: 'suback', messageId: 7, granted: codes }));
  });
  it('UNSUBSCRIBE', () => {
    const l = subList([{ topic: 'a/+' }, { topic: 'b' }], false);
    const p = c.put(l, 0);
    expect(enc('encodeUnsubscribe', 9, p, l.length)).toEqual(
      gen({ cmd: 'unsubscribe', messageId: 9, unsubscriptions: ['a/+', 'b'] }));
  });
  for (const [t, cmd] of [[12, 'pingreq'], [13, 'pingresp'], [14, 'disconnect']] as const) {
    it(cmd.toUpperCase(), () => expect(enc('encodeEmpty', t)).toEqual(gen({ cmd })));
  }
});

describe('codec: mqtt-packet bytes decode to the same fields', () => {
  it('CONNECT with will, username and password', () => {
    const b = gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'dev', clean: true, keepalive: 42,
      username: 'u', password: Buffer.from('pw'),
        will: { topic: 'w', payload: Buffer.from('bye'), qos: 2, retain: true } });
    expect(c.decode(b)).toBe(1);
    expect(c.str('a', 'alen')).toBe('dev');
    expect(c.str('b', 'blen')).toBe('w');
    expect(c.str('c', 'clen')).toBe('bye');
    expect(c.str('d', 'dlen')).toBe('u');
    expect(c.str('e', 'elen')).toBe('pw');
    expect(c.get('extra')).toBe(42);
    expect(c.get('code')).toBe(0x80 | 0x40 | 0x20 | 0x10 | 0x04 | 0x02);
  });
  it('CONNECT minimal', () => {
    expect(c.decode(gen(
      { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'x', clean: false, keepalive: 0 }))).toBe(1);
    expect(c.str('a', 'alen')).toBe('x');
    expect(c.get('dlen')).toBe(-1);
  });
  it('CONNACK', () => {
    expect(c.decode(gen({ cmd: 'connack', sessionPresent: true, returnCode: 0 }))).toBe(2);
    expect([c.get('extra'), c.get('code')]).toEqual([1, 0]);
    expect(c.decode(gen({ cmd: 'connack', sessionPresent: false, returnCode: 4 }))).toBe(2);
    expect([c.get('extra'), c.get('code')]).toEqual([0, 4]);
  });
  it('PUBLISH at each QoS', () => {
    for (const q of [0, 1, 2] as const) {
      const b = gen({ cmd: 'publish', topic: 'a/ü', payload: Buffer.from('data' + q), qos: q, retain: q === 1,
        dup: q === 2, messageId: q ? 1000 + q : undefined });
      expect(c.decode(b)).toBe(3);
      expect(c.get('qos')).toBe(q);
      expect(c.get('pid')).toBe(q ? 1000 + q : 0);
      expect(Buffer.from(c.str('a', 'alen')!, 'latin1').toString('utf8')).toBe('a/ü');
      expect(c.str('b', 'blen')).toBe('data' + q);
      expect(c.get('flags')).toBe((q === 2 ? 8 : 0) | (q << 1) | (q === 1 ? 1 : 0));
    }
  });
  for (const [cmd, t] of [['puback', 4], ['pubrec', 5], ['pubrel', 6], ['pubcomp', 7], ['unsuback', 11]] as const) {
    it(cmd.toUpperCase(), () => {
      expect(c.decode(gen({ cmd, messageId: 513 }))).toBe(t);
      expect(c.get('pid')).toBe(513);
    });
  }
  it('SUBSCRIBE', () => {
    expect(c.decode(gen(
      { cmd: 'subscribe', messageId: 5, subscriptions: [{ topic: 'a/#', qos: 2 }, { topic: '+', qos: 0 }] }))).toBe(8);
    expect([c.get('pid'), c.get('count')]).toEqual([5, 2]);
  });
  it('SUBACK', () => {
    expect(c.decode(gen({ cmd: 'suback', messageId: 6, granted: [0, 1, 2, 128] }))).toBe(9);
    expect([c.get('pid'), c.get('count')]).toEqual([6, 4]);
    expect([...c.bytes(c.get('a'), 4)]).toEqual([0, 1, 2, 128]);
  });
  it('UNSUBSCRIBE', () => {
    expect(c.decode(gen({ cmd: 'unsubscribe', messageId: 8, unsubscriptions: ['a', 'b/+', 'c/#'] }))).toBe(10);
    expect([c.get('pid'), c.get('count')]).toEqual([8, 3]);
  });
  for (const [cmd, t] of [['pingreq', 12], ['pingresp', 13], ['disconnect', 14]] as const) {
    it(cmd.toUpperCase(), () => expect(c.decode(gen({ cmd }))).toBe(t));
  }
});
