// A hostile fake broker sends malformed packets: the device must report a clear error, close
// the connection, keep its queued QoS 1/2 messages, and resend them (DUP=1) after reconnecting.
// Also: the offline queue is bounded and a full queue is an error to the caller, never a drop.
import { describe, it, expect, afterEach } from 'vitest';
import mqtt from 'mqtt';
import { NodeDevice, QueueFullError } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { Err, Stat, ClientState, errorText } from '../../host-tools/sim/host/abi.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { FaultProxy } from '../helpers/proxy.ts';
import { FakeBroker } from './fake-broker.ts';
import { autoReconnect } from './drive.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const s = (text: string) => [...Buffer.from(text)];

// Each case: bytes a broker must never send, and the error the core must name.
const MALFORMED: Array<{ name: string; bytes: number[]; code: number }> = [
  { name: 'remaining length in 5 bytes', bytes: [0x30, 0xff, 0xff, 0xff, 0xff, 0x01], code: Err.RL_TOO_LONG },
  { name: 'PUBLISH with QoS 3', bytes: [0x36, 0x05, 0x00, 0x01, ...s('a'), 0x00, 0x01], code: Err.QOS3 },
  { name: 'QoS 1 PUBLISH with packet id 0', bytes: [0x32, 0x05, 0x00, 0x01, ...s('a'), 0x00, 0x00],
    code: Err.PID_ZERO },
  { name: 'wildcard # in a PUBLISH topic', bytes: [0x30, 0x04, 0x00, 0x02, ...s('a#')], code: Err.TOPIC_WILDCARD },
  { name: 'wildcard + in a PUBLISH topic', bytes: [0x30, 0x05, 0x00, 0x03, ...s('a/+')], code: Err.TOPIC_WILDCARD },
  { name: 'U+0000 in a topic', bytes: [0x30, 0x04, 0x00, 0x02, 0x61, 0x00], code: Err.UTF8_NULL },
  { name: 'encoded surrogate U+D800 in a topic', bytes: [0x30, 0x05, 0x00, 0x03, 0xed, 0xa0, 0x80],
    code: Err.UTF8_SURROGATE },
  { name: 'invalid UTF-8 (lone continuation byte) in a topic', bytes: [0x30, 0x03, 0x00, 0x01, 0x80], code: Err.UTF8 },
  { name: 'empty PUBLISH topic', bytes: [0x30, 0x03, 0x00, 0x00, 0x78], code: Err.TOPIC_EMPTY },
  { name: 'reserved packet type 0', bytes: [0x00, 0x00], code: Err.TYPE_RESERVED },
  { name: 'reserved packet type 15', bytes: [0xf0, 0x00], code: Err.TYPE_RESERVED },
  { name: 'PUBACK with reserved flag bits set', bytes: [0x42, 0x02, 0x00, 0x01], code: Err.FLAGS },
  { name: 'PUBREL without its required flags 0010', bytes: [0x60, 0x02, 0x00, 0x01], code: Err.FLAGS },
  { name: 'PUBACK with remaining length 3', bytes: [0x40, 0x03, 0x00, 0x01, 0x00], code: Err.RL_MISMATCH },
  { name: 'PINGRESP with a body', bytes: [0xd0, 0x01, 0x00], code: Err.RL_MISMATCH },
  { name: 'topic length running past the packet end', bytes: [0x30, 0x04, 0x00, 0x09, ...s('ab')],
    code: Err.STRING_OVERRUN },
  { name: 'a 2000-byte PUBLISH (over PACKET_MAX)',
    bytes: [0x30, 0xd0, 0x0f, 0x00, 0x01, ...s('t'), ...new Array<number>(1997).fill(0x41)], code: Err.OVERSIZE },
  { name: 'a second CONNACK', bytes: [0x20, 0x02, 0x00, 0x00], code: Err.UNEXPECTED },
  { name: 'a CONNECT sent to the client',
    bytes: [0x10, 0x0c, 0x00, 0x04, ...s('MQTT'), 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00], code: Err.UNEXPECTED },
  { name: 'a SUBSCRIBE sent to the client', bytes: [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, ...s('a'), 0x00],
    code: Err.UNEXPECTED },
];

describe('malformed packets from a hostile broker', () => {
  for (const c of MALFORMED) {
    it(`${c.name} → "${errorText(c.code).split(':')[0]}", connection closed, QoS 1/2 kept and resent`, async () => {
      const fake = await FakeBroker.start();
      cleanups.push(() => fake.close());
      const clock = new VirtualClock();
      const dev = await NodeDevice.start(
        { broker: fake.url, clientId: 'hostile', cleanSession: false, clock, backoffMinMs: 100, backoffMaxMs: 200 });
      cleanups.push(() => dev.kill());
      const errors: Error[] = [];
      dev.on('error', (e: Error) => errors.push(e));
      const c1 = await fake.connection(1);
      const p1 = dev.publish('q/1', 'one', { qos: 1 });
      const p2 = dev.publish('q/2', 'two', { qos: 2 });
      const [pub1, pub2] = [
        await c1.next('publish', 0), await c1.next('publish', c1.packets.findIndex((p) => p.cmd === 'publish') + 1)];
      const failed = dev.waitFor((e) => e.kind === 'error' || e.kind === 'disconnected', 'an error event');
      c1.send(c.bytes);
      const ev = await failed;
      await c1.closed; // the device closed the connection
      expect(ev.kind === 'error' ? ev.code : ev.kind === 'disconnected' ? ev.reason : 0).toBe(c.code);
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect(errors[0]!.message).toContain(errorText(c.code));
      expect(dev.stat(Stat.PROTOCOL_ERRORS)).toBeGreaterThanOrEqual(1);
      expect(dev.stat(Stat.INFLIGHT_OUT) + dev.stat(Stat.QUEUED_OUT)).toBe(2);

      // Reconnect (virtual backoff) with the session kept: both resent with DUP=1 and their ids.
      dev.advance(1000);
      const c2 = await fake.connection(2);
      expect((c2.packets[0] as { clean: boolean }).clean).toBe(false);
      const r1 = await c2.next('publish', 0);
      const r2 = await c2.next('publish', c2.packets.indexOf(r1) + 1);
      const byTopic = new Map(
        [r1, r2].map((p) => [(p as { topic: string }).topic, p as { messageId: number; dup: boolean }]));
      expect(byTopic.get('q/1')).toMatchObject({ messageId: (pub1 as { messageId: number }).messageId, dup: true });
      expect(byTopic.get('q/2')).toMatchObject({ messageId: (pub2 as { messageId: number }).messageId, dup: true });
      const id1 = byTopic.get('q/1')!.messageId;
      const id2 = byTopic.get('q/2')!.messageId;
      c2.send([0x40, 0x02, id1 >> 8, id1 & 0xff]); // PUBACK
      c2.send([0x50, 0x02, id2 >> 8, id2 & 0xff]); // PUBREC
      expect(await c2.next('pubrel')).toMatchObject({ messageId: id2 });
      c2.send([0x70, 0x02, id2 >> 8, id2 & 0xff]); // PUBCOMP
      expect(await p1).toBe(byTopic.get('q/1')!.messageId);
      expect(await p2).toBe(byTopic.get('q/2')!.messageId);
      expect(dev.stat(Stat.INFLIGHT_OUT)).toBe(0);
    });
  }
});

describe('offline queue', () => {
  it('queues publishes while the broker is unreachable, fails the caller when full, then delivers every queued ' +
      'one', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const proxy = await FaultProxy.start(broker.port);
    cleanups.push(() => proxy.close());
    proxy.refuse(true);
    const obs = await mqtt.connectAsync(broker.url, { clientId: 'queue-observer', reconnectPeriod: 0 });
    cleanups.push(() => obs.endAsync(true));
    await obs.subscribeAsync('queue/#', { qos: 1 });
    const received = new Map<string, number>();
    obs.on('message', (_t, p) => received.set(p.toString(), (received.get(p.toString()) ?? 0) + 1));

    const clock = new VirtualClock();
    const dev = await NodeDevice.start(
      { broker: proxy.url, clientId: 'queue-dev', clock, backoffMinMs: 100, backoffMaxMs: 100, waitConnected: false });
    cleanups.push(() => dev.kill());
    const accepted: Array<Promise<number>> = [];
    let full: unknown = null;
    for (let i = 0; i < 1000 && full === null; i++) {
      const p = dev.publish(`queue/${i % 2 ? 2 : 1}`, `m${i}`, { qos: (i % 2 ? 2 : 1) as 1 | 2 });
      // A full queue rejects synchronously-resolved: tell it apart from a pending (queued) publish.
      const settled = await Promise.race(
        [p.then(() => 'done', (e: unknown) => e), new Promise((r) => setImmediate(() => r('pending')))]);
      if (settled === 'pending') accepted.push(p);
      else full = settled;
    }
    expect(full).toBeInstanceOf(QueueFullError);
    expect((full as Error).message).toMatch(/full; nothing was queued/);
    expect(accepted.length).toBeGreaterThan(0);
    expect(dev.stat(Stat.QUEUED_OUT) + dev.stat(Stat.INFLIGHT_OUT)).toBe(accepted.length);
    expect(dev.state()).not.toBe(ClientState.CONNECTED);

    // The broker becomes reachable: virtual time runs past each backoff; everything queued arrives.
    proxy.refuse(false);
    const connected = dev.waitFor((e) => e.kind === 'connected', 'CONNACK');
    cleanups.push(autoReconnect(dev, 200));
    dev.advance(200);
    await connected;
    await Promise.all(accepted);
    // The device has its acks; the observer's copies come through the same broker right after.
    while (received.size < accepted.length) await new Promise((r) => obs.once('message', r));
    expect(received.size).toBe(accepted.length);
  });
});
