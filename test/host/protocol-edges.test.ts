// Protocol edges of MQTT 3.1.1 a scripted broker plays: a topic that begins with U+FEFF, a SUBACK
// with the wrong number of return codes or for an id nobody waits for, and a PUBACK answering a
// QoS 2 PUBLISH. A broker's violation closes the link with an error that names the packet; the
// session is kept, what was pending is sent again on reconnect, and no API call stays pending.
import { describe, it, expect, afterEach } from 'vitest';
import { NodeDevice, CoreError, type Message } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { Err, decodeEvent, EventKind, type CoreEvent } from '../../host-tools/sim/host/abi.ts';
import { ConsoleDevice } from '../../host-tools/hil/console-device.ts';
import { FakeBroker, type FakeConn } from './fake-broker.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

async function connected(name: string): Promise<{
    fake: FakeBroker; dev: NodeDevice; c1: FakeConn; events: CoreEvent[] }> {
  const fake = await FakeBroker.start();
  cleanups.push(() => fake.close());
  const clock = new VirtualClock();
  const dev = await NodeDevice.start({
    broker: fake.url, clientId: name, cleanSession: false, clock, keepalive: 0, backoffMinMs: 100, backoffMaxMs: 100 });
  cleanups.push(() => dev.kill());
  const events: CoreEvent[] = [];
  dev.on('event', (e: CoreEvent) => events.push(e));
  dev.on('error', () => {}); // (errors are checked through `events`)
  const c1 = await fake.connection(1);
  fake.autoConnack = false; // the test answers later connections itself (session present)
  return { fake, dev, c1, events };
}
const pidOf = (p: { messageId?: number }) => p.messageId!;

describe('a topic that begins with U+FEFF keeps it [MQTT-1.5.3-3]', () => {
  const bomTopic = [0xef, 0xbb, 0xbf, ...Buffer.from('t/bom')];
  it('NodeDevice delivers the topic with its BOM', async () => {
    const { dev, c1 } = await connected('bom');
    const got = new Promise<Message>((r) => dev.once('message', r));
    c1.send([0x30, 2 + bomTopic.length + 2, 0x00, bomTopic.length, ...bomTopic, 0x68, 0x69]);
    const m = await got;
    expect(m.topic).toBe('\uFEFFt/bom');
    expect([...Buffer.from(m.topic)]).toEqual(bomTopic);
  });
  it('the event decoder and the console host decode it the same way', () => {
    const rec = Uint8Array.from([0x00, 0xff, 0x00, 0x00, bomTopic.length, 0x00, 0x02, 0x00, ...bomTopic, 0x68, 0x69]);
    expect(decodeEvent(EventKind.MESSAGE, rec)).toMatchObject({ kind: 'message', topic: '\uFEFFt/bom' });
    let feed!: (chunk: Buffer) => void;
    const consoleHost = new ConsoleDevice({
      description: 'a scripted console', reachesRunnerLoopback: false, write: () => {},
      onData: (fn) => { feed = fn; }, brokerAddress: async () => ({ ip: '127.0.0.1', port: 1883 }),
      close: async () => {},
    });
    const got: Array<{ topic: string }> = [];
    consoleHost.on('message', (m: { topic: string }) => got.push(m));
    feed(Buffer.from('evt message topic=%EF%BB%BFt/bom qos=0 retain=0 dup=0 pid=0 len=2 payload=hi\r\n'));
    expect(got.map((m) => m.topic)).toEqual(['\uFEFFt/bom']);
  });
});

describe('a close never throws away acks already built', () => {
  it('QoS 2 PUBLISHes and a malformed packet in one segment: every PUBREC goes out before the FIN', async () => {
    const { c1, events } = await connected('flush-before-close');
    const pubs = [1, 2, 3].flatMap((id) => {
      const body = [0x00, 0x01, 0x66, 0x00, id, 0x6d];
      return [0x34, body.length, ...body];
    });
    c1.send([...pubs, 0x30, 0x03, 0x00, 0x00, 0x78]); // then a PUBLISH with an empty topic
    await c1.closed;
    expect(events.find((e) => e.kind === 'error')).toMatchObject({ code: Err.TOPIC_EMPTY });
    expect(c1.packets.filter((p) => p.cmd === 'pubrec').map((p) => p.messageId)).toEqual([1, 2, 3]);
  });
});

describe('acks that do not match what the device sent: protocol errors, session kept', () => {
  for (const [name, codes] of [['fewer', [0x01]], ['more', [0x01, 0x02, 0x00]]] as const) {
    it(`a SUBACK with ${name} return codes than the SUBSCRIBE had filters`, async () => {
      const { fake, dev, c1, events } = await connected(`suback-${name}`);
      const sub = dev.subscribe({ 'a/1': 1, 'a/2': 2 });
      const s1 = await c1.next('subscribe', 0);
      c1.send([0x90, 2 + codes.length, pidOf(s1) >> 8, pidOf(s1) & 0xff, ...codes]);
      const err = await sub.then(() => null, (e: Error) => e);
      expect(err).toBeInstanceOf(CoreError);
      expect(err!.message).toMatch(/SUBACK.*return-code count differs/);
      expect(events.find((e) => e.kind === 'error')).toMatchObject(
        { code: Err.SUBACK_MISMATCH, packetType: 9, detail: pidOf(s1) });
      await c1.closed;
      // reconnect, session present: the subscription goes again and is granted
      dev.advance(200);
      const c2 = await fake.connection(2);
      c2.send([0x20, 0x02, 0x01, 0x00]);
      const s2 = await c2.next('subscribe', 0);
      expect(s2).toMatchObject({ subscriptions: [{ topic: 'a/1', qos: 1 }, { topic: 'a/2', qos: 2 }] });
      const granted = dev.waitFor((e) => e.kind === 'suback', 'the SUBACK');
      c2.send([0x90, 0x04, pidOf(s2) >> 8, pidOf(s2) & 0xff, 0x01, 0x02]);
      expect(await granted).toMatchObject({ kind: 'suback', granted: [1, 2] });
    });
  }

  it('a SUBACK for a packet id no SUBSCRIBE waits for: error naming it, and the pending subscribe() ' +
      'settles', async () => {
    const { dev, c1, events } = await connected('suback-unknown');
    const sub = dev.subscribe('b/1', { qos: 1 });
    const s1 = await c1.next('subscribe', 0);
    const wrong = pidOf(s1) + 100;
    c1.send([0x90, 0x03, wrong >> 8, wrong & 0xff, 0x01]);
    const err = await sub.then(() => null, (e: Error) => e);
    expect(err!.message).toMatch(
      new RegExp(`connection dropped before the SUBACK for packet ${pidOf(s1)}.*no request is waiting`));
    expect(events.find((e) => e.kind === 'error')).toMatchObject(
      { code: Err.ACK_UNKNOWN, packetType: 9, detail: wrong });
  });

  it('an UNSUBACK for a packet id nobody waits for is an error too', async () => {
    const { c1, events } = await connected('unsuback-unknown');
    c1.send([0xb0, 0x02, 0x12, 0x34]);
    await c1.closed;
    expect(events.find((e) => e.kind === 'error')).toMatchObject(
      { code: Err.ACK_UNKNOWN, packetType: 11, detail: 0x1234 });
  });

  it('a PUBACK answering a QoS 2 PUBLISH: error, link closed, the PUBLISH goes again (DUP) and publish() ' +
      'completes', async () => {
    const { fake, dev, c1, events } = await connected('puback-q2');
    const done = dev.publish('c/2', 'two', { qos: 2 });
    const p1 = await c1.next('publish', 0);
    c1.send([0x40, 0x02, pidOf(p1) >> 8, pidOf(p1) & 0xff]);
    await c1.closed;
    expect(events.find((e) => e.kind === 'error')).toMatchObject(
      { code: Err.ACK_QOS, packetType: 4, detail: pidOf(p1) });
    dev.advance(200);
    const c2 = await fake.connection(2);
    c2.send([0x20, 0x02, 0x01, 0x00]);
    const p2 = await c2.next('publish', 0);
    expect(p2).toMatchObject({ messageId: pidOf(p1), dup: true, qos: 2 });
    c2.send([0x50, 0x02, pidOf(p2) >> 8, pidOf(p2) & 0xff]);
    const rel = await c2.next('pubrel', 0);
    c2.send([0x70, 0x02, pidOf(rel) >> 8, pidOf(rel) & 0xff]);
    await done;
  });

  it('a PUBREC answering a QoS 1 PUBLISH is an error as well', async () => {
    const { c1, events, dev } = await connected('pubrec-q1');
    void dev.publish('c/1', 'one', { qos: 1 }).catch(() => {});
    const p1 = await c1.next('publish', 0);
    c1.send([0x50, 0x02, pidOf(p1) >> 8, pidOf(p1) & 0xff]);
    await c1.closed;
    expect(events.find((e) => e.kind === 'error')).toMatchObject(
      { code: Err.ACK_QOS, packetType: 5, detail: pidOf(p1) });
    expect(c1.packets.some((p) => p.cmd === 'pubrel')).toBe(false);
  });
});
