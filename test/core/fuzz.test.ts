// Random and mutated input never traps the core: the decoder returns a type or an error for
// every byte string, and a connected core fed garbage only ever closes the link cleanly.
import { describe, it, expect } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { Codec } from './codec-wasm.ts';
import { CoreHarness } from './harness.ts';
import { Stat } from '../../host-tools/sim/host/abi.ts';

/** Small deterministic PRNG (xorshift32) so a failure names a reproducible seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

const VALID = [
  { cmd: 'publish', topic: 'a/b/c', payload: Buffer.from('hello world'), qos: 2, messageId: 300, retain: true,
    dup: false },
  { cmd: 'publish', topic: 'x', payload: Buffer.alloc(0), qos: 0, retain: false, dup: false },
  { cmd: 'suback', messageId: 7, granted: [0, 1, 2, 128] },
  { cmd: 'connack', returnCode: 0, sessionPresent: true },
  { cmd: 'pubrel', messageId: 9 },
  { cmd: 'subscribe', messageId: 5, subscriptions: [{ topic: 'a/+/#', qos: 1 }] },
  { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'c', clean: true, keepalive: 5, username: 'u',
    password: Buffer.from('p'),
    will: { topic: 'w', payload: Buffer.from('x'), qos: 1, retain: false } },
].map((p) => mqttPacket.generate(p as mqttPacket.Packet, { protocolVersion: 4 }));

describe('fuzz', () => {
  it('the decoder survives 50,000 mutated packets', () => {
    const c = new Codec();
    const r = rng(0xc0ffee);
    let ok = 0;
    for (let i = 0; i < 50_000; i++) {
      const b = Buffer.from(VALID[r() % VALID.length]!);
      const flips = 1 + (r() % 4);
      for (let f = 0; f < flips; f++) b[r() % b.length] = r() & 255;
      const len = r() % 8 === 0 ? r() % (b.length + 1) : b.length;
      const t = c.decode(b.subarray(0, len));
      const known = (t >= 1 && t <= 14) || (t <= -40 && t >= -62) || t === -25;
      if (!known) expect.fail(`case ${i}: ${b.subarray(0, len).toString('hex')} → ${t}`);
      if (t > 0) ok++;
    }
    expect(ok).toBeGreaterThan(100); // some mutations stay valid: the fuzzer reaches the decoders' bodies
  });
  it('a connected core fed random bytes closes cleanly and keeps its queued message', () => {
    const r = rng(42);
    for (let round = 0; round < 300; round++) {
      const h = CoreHarness.started();
      h.connect();
      h.publish('keep', 'me', 1);
      h.run(); h.takeSent();
      const garbage = Buffer.from(VALID[r() % VALID.length]!);
      for (let f = 0; f < 3; f++) garbage[r() % garbage.length] = r() & 255;
      h.feed(garbage);
      h.feed(Array.from({ length: r() % 40 }, () => r() & 255));
      h.run();
      expect(h.x.wq_stat(Stat.INFLIGHT_OUT) + h.x.wq_stat(Stat.QUEUED_OUT), `round ${round}`).toBe(1);
      const closed = h.ofKind('disconnected').length;
      expect(closed === 0 || h.closes === 1).toBe(true);
    }
  });
});
