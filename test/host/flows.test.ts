// QoS 0/1/2 in both directions between NodeDevice (real core.wasm) and a real Mosquitto, every
// flow step checked on the wire by the sniffing proxy and in the device's own trace; plus
// retained messages, the last will, and CONNACK refusals.
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import type { Packet } from 'mqtt-packet';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { FaultProxy, type SniffedPacket } from '../helpers/proxy.ts';
import { NodeDevice, ConnackError, type Message } from '../../host-tools/sim/host/device.ts';
import type { CoreEvent } from '../../host-tools/sim/host/abi.ts';
import { FakeBroker } from './fake-broker.ts';

type Trace = Extract<CoreEvent, { kind: 'trace' }>;

let broker: Mosquitto;
let proxy: FaultProxy;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  broker = await startMosquitto();
  proxy = await FaultProxy.start(broker.port);
});
afterAll(async () => {
  await proxy.close();
  await broker.stop();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function device(clientId: string, extra: Parameters<typeof NodeDevice.start>[0] = {}): Promise<{
    dev: NodeDevice; traces: Trace[] }> {
  const traces: Trace[] = [];
  const dev = await NodeDevice.start({ broker: proxy.url, clientId, trace: true, ...extra });
  dev.on('trace', (t: Trace) => traces.push(t));
  cleanups.push(() => dev.kill());
  return { dev, traces };
}

async function observer(clientId: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.url, { clientId, reconnectPeriod: 0 });
  cleanups.push(() => c.endAsync(true));
  return c;
}

/** The packets of one device connection (the proxy's connection number) on one topic/packet id, as cmd names. */
function wire(conn: number, keep: (p: SniffedPacket) => boolean): string[] {
  return proxy.packets.filter((p) => p.conn === conn && keep(p)).map((p) => `${p.dir} ${p.packet.cmd}`);
}

/** 'up publish' (wire, proxy view) → 'sent PUBLISH' (device trace view). */
function asTrace(wireStep: string): string {
  const [dir, cmd] = wireStep.split(' ');
  return `${dir === 'up' ? 'sent' : 'received'} ${cmd!.toUpperCase()}`;
}

function pid(p: Packet): number | undefined {
  return (p as { messageId?: number }).messageId;
}

describe('QoS flows against Mosquitto, checked on the wire', () => {
  for (const qos of [0, 1, 2] as const) {
    it(`device publishes at QoS ` +
        `${qos}: PUBLISH${qos === 1 ? ' → PUBACK' : qos === 2 ? ' → PUBREC → PUBREL → PUBCOMP' : ''}`, async () => {
      const obs = await observer(`obs-out-${qos}`);
      await obs.subscribeAsync(`flows/out/${qos}`, { qos });
      const got = new Promise<{ payload: string; qos: number }>((resolve) =>
        obs.on('message', (_t, payload, packet) => resolve({ payload: payload.toString(), qos: packet.qos })));
      const before = proxy.connections;
      const { dev, traces } = await device(`dev-out-${qos}`);
      const conn = before + 1;
      const id = await dev.publish(`flows/out/${qos}`, `m${qos}`, { qos });
      expect(await got).toEqual({ payload: `m${qos}`, qos });
      if (qos === 0) expect(id).toBe(0);
      else expect(id).toBeGreaterThan(0);
      const flow = wire(conn, (p) => ['publish', 'puback', 'pubrec', 'pubrel', 'pubcomp'].includes(p.packet.cmd));
      const expected = qos === 0 ? ['up publish'] : qos === 1 ? ['up publish', 'down puback'] : [
        'up publish', 'down pubrec', 'up pubrel', 'down pubcomp'];
      expect(flow).toEqual(expected);
      // Every packet of the flow carries the id the core returned, and the first PUBLISH is not a DUP.
      const flowPackets = proxy.packets.filter(
        (p) => p.conn === conn && p.packet.cmd !== 'connect' && p.packet.cmd !== 'connack');
      for (const p of flowPackets) if (qos > 0) expect(pid(p.packet)).toBe(id);
      expect((flowPackets[0]!.packet as { dup?: boolean }).dup ?? false).toBe(false);
      // The device's trace agrees with the wire.
      const traced = traces.filter((t) => t.packetType >= 3 && t.packetType <= 7).map(
        (t) => `${t.direction} ${t.name}`);
      expect(traced).toEqual(expected.map(asTrace));
      expect(dev.stat(2 /* INFLIGHT_OUT */)).toBe(0);
    });

    it(`device receives at QoS ${qos}: delivered once, acked after delivery`, async () => {
      const before = proxy.connections;
      const { dev } = await device(`dev-in-${qos}`);
      const conn = before + 1;
      const granted = await dev.subscribe(`flows/in/${qos}`, { qos });
      expect(granted).toEqual([qos]);
      const messages: Message[] = [];
      dev.on('message', (m: Message) => messages.push(m));
      // The order in which the core raised things: delivery must come before the acknowledgement.
      const order: string[] = [];
      dev.on('event', (e: CoreEvent) => {
        if (e.kind === 'message') order.push('delivered');
        if (e.kind === 'trace' && e.direction === 'sent' &&
          (e.name === 'PUBACK' || e.name === 'PUBREC')) order.push(`sent ${e.name}`);
      });
      const pub = await observer(`obs-in-${qos}`);
      const lastAck = qos === 0 ? null : new Promise<void>((resolve) => {
        const want = qos === 1 ? 'puback' : 'pubcomp';
        const on = (p: SniffedPacket) =>
          { if (p.conn === conn && p.packet.cmd === want) { proxy.off('packet', on); resolve(); } };
        proxy.on('packet', on);
      });
      const delivered = dev.waitFor((e) => e.kind === 'message', 'the message');
      await pub.publishAsync(`flows/in/${qos}`, `in${qos}`, { qos });
      await delivered;
      if (lastAck) await lastAck;
      expect(messages).toHaveLength(1);
      expect(order).toEqual(qos === 0 ? ['delivered'] : ['delivered', qos === 1 ? 'sent PUBACK' : 'sent PUBREC']);
      expect(messages[0]).toMatchObject({ topic: `flows/in/${qos}`, qos, retain: false, subscription: 0 });
      expect(messages[0]!.payload.toString()).toBe(`in${qos}`);
      const flow = wire(conn, (p) => ['publish', 'puback', 'pubrec', 'pubrel', 'pubcomp'].includes(p.packet.cmd));
      const expected = qos === 0 ? ['down publish'] : qos === 1 ? ['down publish', 'up puback'] : [
        'down publish', 'up pubrec', 'down pubrel', 'up pubcomp'];
      expect(flow).toEqual(expected);
      if (qos > 0) {
        const ids = proxy.packets.filter((p) => p.conn === conn &&
          ['publish', 'puback', 'pubrec', 'pubrel', 'pubcomp'].includes(p.packet.cmd)).map((p) => pid(p.packet));
        expect(new Set(ids).size).toBe(1);
        expect(messages[0]!.packetId).toBe(ids[0]);
      }
    });
  }

  it('subscribes to several filters at once, routes by +, # and the $-topic rule, downgrades to the granted ' +
      'QoS', async () => {
    const { dev } = await device('dev-multi');
    const granted = await dev.subscribe({ 'multi/+/temp': 2, 'multi/#': 1, '#': 0 });
    expect(granted).toEqual([2, 1, 0]);
    const messages: Message[] = [];
    dev.on('message', (m: Message) => messages.push(m));
    const pub = await observer('obs-multi');
    const both = dev.waitFor((e) => e.kind === 'message' && e.topic === 'multi/end', 'the end marker');
    await pub.publishAsync('multi/room1/temp', 'a', { qos: 2 });
    await pub.publishAsync('$SYS-like/x', 'not for #', { qos: 1 }); // a $ topic: '#' must not match it
    await pub.publishAsync('other/x', 'via #', { qos: 2 }); // only '#' (granted 0) matches: downgraded to 0
    await pub.publishAsync('multi/end', 'z', { qos: 1 });
    await both;
    const temp = messages.filter((m) => m.topic === 'multi/room1/temp');
    // Mosquitto sends one copy per matching subscription (overlapping filters); the highest granted QoS is 2.
    expect(temp.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...temp.map((m) => m.qos))).toBe(2);
    expect(messages.find((m) => m.topic === 'multi/end')!.qos).toBe(1);
    expect(messages.filter((m) => m.topic === 'other/x').map((m) => [m.qos, m.subscription])).toEqual([[0, 2]]);
    expect(messages.some((m) => m.topic === '$SYS-like/x')).toBe(false);
  });

  it('routes each message to the first matching subscription, and never matches a $ topic with a leading ' +
      'wildcard', async () => {
    const fake = await FakeBroker.start();
    cleanups.push(() => fake.close());
    fake.on('packet', (c, p: Packet) => {
      if (p.cmd === 'subscribe') c.send([0x90, 0x05, pid(p)! >> 8, pid(p)! & 0xff, 0x00, 0x00, 0x00]);
    });
    const dev = await NodeDevice.start({ broker: fake.url, clientId: 'router' });
    cleanups.push(() => dev.kill());
    expect(await dev.subscribe({ 'a/+': 0, '#': 0, '+/x': 0 })).toEqual([0, 0, 0]);
    const messages: Message[] = [];
    dev.on('message', (m: Message) => messages.push(m));
    const c = await fake.connection(1);
    const publish = (topic: string) => c.send([0x30, 2 + topic.length, 0x00, topic.length, ...Buffer.from(topic)]);
    const last = dev.waitFor((e) => e.kind === 'message' && e.topic === 'end', 'the last message');
    for (const t of ['a/b', 'c', 'z/x', '$SYS/x', '$SYS', 'end']) publish(t);
    await last;
    expect(messages.map((m) => [m.topic, m.subscription])).toEqual(
      [['a/b', 0], ['c', 1], ['z/x', 1], ['$SYS/x', null], ['$SYS', null], ['end', 1]]);
  });

  it('unsubscribes: no more messages on that filter', async () => {
    const { dev } = await device('dev-unsub');
    await dev.subscribe(['unsub/a', 'unsub/b'], { qos: 1 });
    await dev.unsubscribe('unsub/a');
    const messages: Message[] = [];
    dev.on('message', (m: Message) => messages.push(m));
    const pub = await observer('obs-unsub');
    const marker = dev.waitFor((e) => e.kind === 'message' && e.topic === 'unsub/b', 'unsub/b');
    await pub.publishAsync('unsub/a', 'x', { qos: 1 });
    await pub.publishAsync('unsub/b', 'y', { qos: 1 });
    await marker;
    expect(messages.map((m) => m.topic)).toEqual(['unsub/b']);
  });

  it('retained messages: the device publishes one a new subscriber gets, and receives one with retain ' +
      'set', async () => {
    const { dev } = await device('dev-retain');
    await dev.publish('retain/from-device', 'kept', { qos: 1, retain: true });
    const late = await observer('obs-retain-late');
    const got = new Promise<{ payload: string; retain: boolean }>((resolve) =>
      late.on('message', (_t, p, packet) => resolve({ payload: p.toString(), retain: packet.retain })));
    await late.subscribeAsync('retain/from-device', { qos: 1 });
    expect(await got).toEqual({ payload: 'kept', retain: true });

    const pub = await observer('obs-retain-pub');
    await pub.publishAsync('retain/to-device', 'stored', { qos: 1, retain: true });
    const msg = dev.waitFor((e) => e.kind === 'message', 'the retained message');
    await dev.subscribe('retain/to-device', { qos: 1 });
    const m = await msg;
    expect(m).toMatchObject({ kind: 'message', topic: 'retain/to-device', retain: true });
    // Clear both retained messages so reruns start clean.
    await pub.publishAsync('retain/from-device', '', { qos: 1, retain: true });
    await pub.publishAsync('retain/to-device', '', { qos: 1, retain: true });
  });

  it('last will: published by the broker when the device loses power, not on a clean close', async () => {
    const obs = await observer('obs-will');
    await obs.subscribeAsync('will/+', { qos: 1 });
    const wills: string[] = [];
    obs.on('message', (t, p) => wills.push(`${t}=${p.toString()}`));
    const { dev: polite } = await device(
      'dev-will-polite', { will: { topic: 'will/polite', payload: 'gone', qos: 1 } });
    await polite.close();
    const { dev } = await device(
      'dev-will', { will: { topic: 'will/dev', payload: 'offline', qos: 1, retain: false } });
    const will = new Promise<void>((resolve) => obs.on('message', (t) => { if (t === 'will/dev') resolve(); }));
    dev.kill();
    await will;
    expect(wills).toEqual(['will/dev=offline']);
  });

  it('username/password reach the broker in CONNECT', async () => {
    const before = proxy.connections;
    const { dev } = await device('dev-cred', { username: 'alice', password: 's3cret' });
    const connect = proxy.packets.find((p) => p.conn === before + 1 && p.packet.cmd === 'connect')!.packet as {
      username?: string; password?: Buffer; clientId: string; clean: boolean; keepalive: number };
    expect(connect.username).toBe('alice');
    expect(connect.password?.toString()).toBe('s3cret');
    expect(connect.clientId).toBe('dev-cred');
    expect(connect.clean).toBe(true);
    await dev.close();
  });
});

describe('CONNACK refusals become clear errors', () => {
  for (const [code, text] of [[1, /protocol version/], [2, /identifier rejected/], [3, /server unavailable/],
      [4, /user name or password/], [5, /not authorized/]] as const) {
    it(`return code ${code}`, async () => {
      const fake = await FakeBroker.start();
      fake.autoConnack = false;
      fake.on('packet', (c, p: Packet) => { if (p.cmd === 'connect') c.send([0x20, 0x02, 0x00, code]); });
      try {
        const err = await NodeDevice.start(
          { broker: fake.url, clientId: 'refused' }).then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(ConnackError);
        expect((err as ConnackError).returnCode).toBe(code);
        expect((err as Error).message).toMatch(text);
        expect((err as Error).message).toMatch(/^broker refused the connection: CONNACK return code/);
      } finally {
        await fake.close();
      }
    });
  }
});
