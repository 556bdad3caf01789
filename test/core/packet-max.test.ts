// The MQTT packet limit (PACKET_MAX) is a build setting: a board's mqtt.packetMax reaches asc as
// --use WQ_PACKET_MAX=N (mk/core.mk, mk/firmware.mk). The same core, built for 1024 (the
// default, bluepill) and for 4096 (stm32f103rc's board file), each taking what fits and refusing
// what does not, in both directions.
import { describe, it, expect } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { CoreHarness, DEVICE_WASM } from './harness.ts';
import { Cfg, Err } from '../../host-tools/sim/host/abi.ts';

const P4096 = 'build/core/device-p4096.wasm';
/** the board schema's smallest packet limit (host-tools/fwbuild/boards.ts) */
const P128 = 'build/core/device-p128.wasm';

/** A QoS 0 PUBLISH of `total` bytes in all. */
function publishOf(total: number): Buffer {
  const topic = 't';
  const head = mqttPacket.generate(
    { cmd: 'publish', topic, payload: Buffer.alloc(0), qos: 0, dup: false, retain: false });
  let payload = total - head.length;
  for (;;) {
    const b = mqttPacket.generate(
      { cmd: 'publish', topic, payload: Buffer.alloc(payload, 0x41), qos: 0, dup: false, retain: false });
    if (b.length === total) return b;
    payload -= b.length - total;
  }
}

describe('PACKET_MAX per build', () => {
  for (const [limit, wasm] of [[1024, DEVICE_WASM], [4096, P4096]] as const) {
    it(`${wasm}: a ${limit}-byte PUBLISH is delivered, one byte more closes the link (ERR_OVERSIZE); publish() ` +
        `refuses more than ${limit} (ERR_TOO_BIG)`, () => {
      const h = CoreHarness.started(undefined, wasm);
      h.connect();
      h.feed(publishOf(limit));
      h.run();
      // fixed header 3 (remaining length > 127) + topic 3
      expect(h.ofKind('message').map((m) => m.payload.length)).toEqual([limit - 6]);
      expect(h.ofKind('error')).toEqual([]);
      h.feed(publishOf(limit + 1));
      h.run();
      expect(h.ofKind('error').map((e) => e.code)).toEqual([Err.OVERSIZE]);

      const h2 = CoreHarness.started(undefined, wasm);
      h2.connect();
      expect(h2.publish('t', Buffer.alloc(limit - 6, 0x42), 0)).toBe(0); // 1 + 2 (RL) + 3 (topic) + payload = limit
      expect(h2.publish('t', Buffer.alloc(limit - 5, 0x42), 0)).toBe(Err.TOO_BIG);
    });
  }
});

describe('the CONNECT at every configured maximum', () => {
  // The CONNECT is built in the TX buffer before anything else is queued; with every string at
  // its config maximum it is 409 bytes, longer than a 128-byte packet limit's TX room (384).
  for (const wasm of [DEVICE_WASM, P128]) {
    it(`${wasm}: goes out whole and leaves the memory after the TX buffer alone`, () => {
      const strings: Array<[number, string]> = [[Cfg.CLIENT_ID, 'c'.repeat(64)], [Cfg.USERNAME, 'u'.repeat(64)],
        [Cfg.PASSWORD, 'p'.repeat(64)], [Cfg.WILL_TOPIC, 'w'.repeat(96)], [Cfg.WILL_PAYLOAD, 'l'.repeat(96)]];
      const h = CoreHarness.started(
        undefined, wasm, (s) => { for (const [k, v] of strings) expect(s.config(k, v)).toBe(0); });
      const c = h.connect();
      expect(c.clientId).toBe('c'.repeat(64));
      expect(c.username).toBe('u'.repeat(64));
      expect(Buffer.from(c.password!).toString()).toBe('p'.repeat(64));
      expect(c.will?.topic).toBe('w'.repeat(96));
      expect(Buffer.from(c.will!.payload).toString()).toBe('l'.repeat(96));
      // the console's word table lies past the TX buffer in this build: an overrun turned this
      // line into `net pubed session_present=0`
      expect(h.uartOut).toContain('evt connected session_present=0\r\n');
      // the client still works after it: a subscribe and a QoS 1 publish round trip
      expect(h.subscribe([{ filter: 'a/b', qos: 1 }])).toBeGreaterThan(0);
      expect(h.publish('a/b', 'x', 1)).toBeGreaterThan(0);
      h.run();
      expect(h.ofKind('error')).toEqual([]);
      const sent = h.sentPackets().map((p) => p.cmd);
      expect(sent).toEqual(['subscribe', 'publish']);
    });
  }
});
