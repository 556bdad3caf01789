// Malformed packets: each one is rejected by the core's decoder with its own error code (no
// trap, no hang), and fed to a connected core it reports that error, closes the connection
// and keeps the session (the in-flight QoS 1 message is resent after reconnecting).
import { describe, it, expect } from 'vitest';
import { Codec } from './codec-wasm.ts';
import { CoreHarness } from './harness.ts';
import { Err, Stat, errorText } from '../../host-tools/sim/host/abi.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const CASES: Array<[string, string, number]> = [
  ['reserved type 0', '00 00', Err.TYPE_RESERVED],
  ['reserved type 15', 'f0 00', Err.TYPE_RESERVED],
  ['remaining length in 5 bytes', '30 ff ff ff ff 01', Err.RL_TOO_LONG],
  ['remaining length 65535 > 1024', '30 ff ff 03', Err.OVERSIZE],
  ['PUBACK remaining length 3', '40 03 00 01 00', Err.RL_MISMATCH],
  ['PUBACK remaining length 1', '40 01 00', Err.RL_MISMATCH],
  ['PUBACK flags 0001', '41 02 00 01', Err.FLAGS],
  ['PUBREL flags 0000', '60 02 00 01', Err.FLAGS],
  ['PUBACK packet id 0', '40 02 00 00', Err.PID_ZERO],
  ['PUBREC packet id 0', '50 02 00 00', Err.PID_ZERO],
  ['PUBCOMP without packet id', '70 00', Err.RL_MISMATCH],
  ['PUBLISH QoS 3', '36 05 00 01 61 00 01', Err.QOS3],
  ['PUBLISH QoS 0 with DUP', '38 03 00 01 61', Err.FLAGS],
  ['PUBLISH QoS 1 packet id 0', '32 05 00 01 61 00 00', Err.PID_ZERO],
  ['PUBLISH topic "+"', '30 03 00 01 2b', Err.TOPIC_WILDCARD],
  ['PUBLISH topic "a/#"', '30 05 00 03 61 2f 23', Err.TOPIC_WILDCARD],
  ['PUBLISH empty topic', '30 02 00 00', Err.TOPIC_EMPTY],
  ['PUBLISH topic with U+0000', '30 04 00 02 61 00', Err.UTF8_NULL],
  ['PUBLISH topic with a surrogate', '30 05 00 03 ed a0 80', Err.UTF8_SURROGATE],
  ['PUBLISH topic lone continuation byte', '30 03 00 01 80', Err.UTF8],
  ['PUBLISH topic overlong UTF-8', '30 04 00 02 c0 af', Err.UTF8],
  ['PUBLISH topic truncated UTF-8', '30 04 00 02 e2 82', Err.UTF8],
  ['PUBLISH topic above U+10FFFF', '30 06 00 04 f4 90 80 80', Err.UTF8],
  ['PUBLISH topic length past the end', '30 03 00 05 61', Err.STRING_OVERRUN],
  ['PUBLISH QoS 1 without packet id', '32 03 00 01 61', Err.RL_MISMATCH],
  ['PUBLISH body shorter than a length', '30 01 00', Err.RL_MISMATCH],
  ['CONNACK remaining length 3', '20 03 00 00 00', Err.RL_MISMATCH],
  ['CONNACK reserved ack flag', '20 02 02 00', Err.CONNACK_FLAGS],
  ['CONNACK return code 6', '20 02 00 06', Err.CONNACK_CODE],
  ['CONNACK session present with refusal', '20 02 01 05', Err.SESSION_PRESENT],
  ['CONNACK fixed-header flags', '21 02 00 00', Err.FLAGS],
  ['SUBACK return code 3', '90 03 00 01 03', Err.SUBACK_CODE],
  ['SUBACK without return codes', '90 02 00 01', Err.EMPTY_LIST],
  ['SUBACK packet id 0', '90 03 00 00 00', Err.PID_ZERO],
  ['UNSUBACK remaining length 3', 'b0 03 00 01 00', Err.RL_MISMATCH],
  ['PINGRESP remaining length 1', 'd0 01 00', Err.RL_MISMATCH],
  ['PINGRESP flags', 'd1 00', Err.FLAGS],
  ['DISCONNECT remaining length 1', 'e0 01 00', Err.RL_MISMATCH],
  ['SUBSCRIBE flags 0000', '80 06 00 01 00 01 61 00', Err.FLAGS],
  ['SUBSCRIBE without entries', '82 02 00 01', Err.EMPTY_LIST],
  ['SUBSCRIBE options 4', '82 06 00 01 00 01 61 04', Err.SUB_OPTIONS],
  ['SUBSCRIBE QoS 3', '82 06 00 01 00 01 61 03', Err.QOS3],
  ['SUBSCRIBE filter "a#"', '82 07 00 01 00 02 61 23 00', Err.FILTER],
  ['UNSUBSCRIBE without entries', 'a2 02 00 01', Err.EMPTY_LIST],
  ['CONNECT protocol name MQIs', '10 0c 00 04 4d 51 49 73 04 02 00 3c 00 00', Err.PROTOCOL_NAME],
  ['CONNECT protocol level 3', '10 0c 00 04 4d 51 54 54 03 02 00 3c 00 00', Err.PROTOCOL_LEVEL],
  ['CONNECT reserved flag', '10 0c 00 04 4d 51 54 54 04 03 00 3c 00 00', Err.CONNECT_FLAGS],
  ['CONNECT password without username', '10 0c 00 04 4d 51 54 54 04 42 00 3c 00 00', Err.CONNECT_FLAGS],
  ['CONNECT will QoS 3', '10 0c 00 04 4d 51 54 54 04 1e 00 3c 00 00', Err.QOS3],
];

describe('decoder rejects malformed packets with a specific error', () => {
  const c = new Codec();
  it('has at least 30 distinct malformed inputs', () => {
    expect(new Set(CASES.map((x) => x[1])).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });
  for (const [name, bytes, code] of CASES) {
    it(`${name} → ${errorText(code).split(':')[0]}`, () => {
      expect(c.decode(hex(bytes))).toBe(code);
    });
  }
  it('every prefix of a valid packet is incomplete or an error, never a trap', () => {
    const full = hex('32 0a 00 03 61 2f 62 00 07 78 79 7a');
    expect(c.decode(full)).toBe(3);
    for (let n = 0; n < full.length; n++) expect(c.decode(full.subarray(0, n))).toBeLessThan(0);
  });
});

/** What a connected client reports: packets a broker must never send (CONNECT, SUBSCRIBE,
 * UNSUBSCRIBE, PINGREQ, DISCONNECT with valid header flags) are ERR_UNEXPECTED whatever their body. */
function atClient(bytes: string, code: number): number {
  const first = hex(bytes)[0]!;
  const type = first >> 4, flags = first & 15;
  const clientBound = ![1, 8, 10, 12, 14].includes(type);
  return clientBound || flags !== ((type === 8 || type === 10) ? 2 : 0) ? code : Err.UNEXPECTED;
}

describe('a connected core closes cleanly on malformed input and keeps its session', () => {
  for (const [name, bytes, decoderCode] of CASES) {
    const code = atClient(bytes, decoderCode);
    it(`${name} → ${errorText(code).split(':')[0]}`, () => {
      const h = CoreHarness.started();
      h.connect();
      const pid = h.publish('s/t', 'keep me', 1);
      h.run();
      expect(h.sentPackets().map((p) => p.cmd)).toEqual(['publish']);
      h.feed(hex(bytes));
      h.run();
      const err = h.ofKind('error').at(-1);
      expect(err?.code).toBe(code);
      expect(err?.message).toMatch(/.{20,}/);
      expect(h.ofKind('disconnected').at(-1)?.reason).toBe(code);
      expect(h.closes).toBe(1);
      expect(h.x.wq_stat(Stat.INFLIGHT_OUT)).toBe(1);
      if (name === 'reserved type 0') {
        // session kept: after the backoff the message is resent with DUP=1 and the same id
        h.advance(2000);
        h.netState = 2;
        h.run();
        h.sentPackets();
        h.feedPacket({ cmd: 'connack', returnCode: 0, sessionPresent: true });
        h.run();
        const again = h.sentPackets().filter((p) => p.cmd === 'publish');
        expect(again).toMatchObject([{ messageId: pid, dup: true, payload: Buffer.from('keep me') }]);
      }
    });
  }
});
