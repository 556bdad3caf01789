// The MQTT packet limit (PACKET_MAX) is a build setting: a board's mqtt.packetMax reaches asc as
// --use WQ_PACKET_MAX=N (mk/core.mk, mk/firmware.mk). The same core, built for 1024 (the
// default, bluepill) and for 4096 (stm32f103rc's board file), each taking what fits and refusing
// what does not, in both directions.
import { describe, it, expect } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { CoreHarness, DEVICE_WASM } from './harness.ts';
import { Err } from '../../host-tools/sim/host/abi.ts';

const P4096 = 'build/core/device-p4096.wasm';

/** A QoS 0 PUBLISH of `total` bytes in all. */
function publishOf(total: number): Buffer {
  const topic = 't';
  const head = mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.alloc(0), qos: 0, dup: false, retain: false });
  let payload = total - head.length;
  for (;;) {
    const b = mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.alloc(payload, 0x41), qos: 0, dup: false, retain: false });
    if (b.length === total) return b;
    payload -= b.length - total;
  }
}

describe('PACKET_MAX per build', () => {
  for (const [limit, wasm] of [[1024, DEVICE_WASM], [4096, P4096]] as const) {
    it(`${wasm}: a ${limit}-byte PUBLISH is delivered, one byte more closes the link (ERR_OVERSIZE); publish() refuses more than ${limit} (ERR_TOO_BIG)`, () => {
      const h = CoreHarness.started(undefined, wasm);
      h.connect();
      h.feed(publishOf(limit));
      h.run();
      expect(h.ofKind('message').map((m) => m.payload.length)).toEqual([limit - 6]); // fixed header 3 (remaining length > 127) + topic 3
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
