// Reset mid-QoS 2 flow: the device loses power at each step of a QoS 2 exchange, in both
// directions, and a new instance starts on the same store (clean session = 0). Nothing is lost
// and nothing is delivered twice; the resumed flow is checked on the wire.
import { describe, it, expect } from 'vitest';
import { useProxiedBroker } from '../helpers/proxied-broker.ts';
import { NodeDevice, type Message } from '../../host-tools/sim/host/device.ts';
import { MemoryStore } from '../../host-tools/sim/host/store.ts';

const rig = useProxiedBroker('reset-observer');

async function boot(clientId: string, store: MemoryStore): Promise<{
    dev: NodeDevice; conn: number; messages: Message[] }> {
  const conn = rig.proxy.connections + 1;
  const dev = await NodeDevice.start({ broker: rig.proxy.url, clientId, cleanSession: false, store, trace: true });
  const messages: Message[] = [];
  dev.on('message', (m: Message) => messages.push(m));
  rig.cleanups.push(() => dev.kill());
  return { dev, conn, messages };
}

function count(topic: string): { n: () => number; stop: () => void } {
  let n = 0;
  const on = (t: string) => { if (t === topic) n++; };
  rig.observer.on('message', on);
  return { n: () => n, stop: () => rig.observer.off('message', on) };
}

describe('reset mid-QoS 2 flow (new instance on the same store)', () => {
  it('device → broker, power lost after PUBLISH, before PUBREC: resent with DUP=1, delivered once', async () => {
    await rig.observer.subscribeAsync('reset/out/a', { qos: 2 });
    const seen = count('reset/out/a');
    const store = new MemoryStore();
    const a = await boot('reset-a', store);
    rig.proxy.blackhole(true, ['down']);
    void a.dev.publish('reset/out/a', 'x', { qos: 2 }).catch(() => {});
    const pub = await rig.proxy.nextPacket(a.conn, 'up', 'publish');
    const id = (pub.packet as { messageId: number }).messageId;
    a.dev.kill();
    await rig.proxy.clientClosed(a.conn); // whatever the device sent before dying has met the black hole
    rig.proxy.blackhole(false);
    const b = await boot('reset-a', store);
    await b.dev.waitFor((e) => e.kind === 'publish_done' && e.packetId === id, `PUBCOMP for ${id}`);
    expect(rig.proxy.flow(b.conn, id)).toEqual(['up publish dup', 'down pubrec', 'up pubrel', 'down pubcomp']);
    // The observer got its copy when the broker first received it; the resend must not add one.
    await b.dev.publish('reset/out/a', 'marker', { qos: 2 });
    while (seen.n() < 2) await new Promise((r) => rig.observer.once('message', r));
    expect(seen.n()).toBe(2);
    seen.stop();
  });

  it('device → broker, power lost after PUBREC/PUBREL, before PUBCOMP: only PUBREL is resent, never the ' +
      'PUBLISH', async () => {
    await rig.observer.subscribeAsync('reset/out/b', { qos: 2 });
    const seen = count('reset/out/b');
    const store = new MemoryStore();
    const a = await boot('reset-b', store);
    // PUBREC passes, PUBCOMP will not
    const recvd = rig.proxy.nextPacket(a.conn, 'down', 'pubrec', () => rig.proxy.blackhole(true, ['down']));
    void a.dev.publish('reset/out/b', 'y', { qos: 2 }).catch(() => {});
    const rec = await recvd;
    const id = (rec.packet as { messageId: number }).messageId;
    await rig.proxy.nextPacket(a.conn, 'up', 'pubrel');
    a.dev.kill();
    await rig.proxy.clientClosed(a.conn); // whatever the device sent before dying has met the black hole
    rig.proxy.blackhole(false);
    const b = await boot('reset-b', store);
    await b.dev.waitFor((e) => e.kind === 'publish_done' && e.packetId === id, `PUBCOMP for ${id}`);
    expect(rig.proxy.flow(b.conn, id)).toEqual(['up pubrel', 'down pubcomp']);
    await b.dev.publish('reset/out/b', 'marker', { qos: 2 });
    while (seen.n() < 2) await new Promise((r) => rig.observer.once('message', r));
    expect(seen.n()).toBe(2);
    seen.stop();
  });

  it('broker → device, power lost after delivery but before the PUBREC got out: the resent PUBLISH is not delivered ' +
      'again', async () => {
    const store = new MemoryStore();
    const a = await boot('reset-c', store);
    await a.dev.subscribe({ 'reset/in/c': 2 });
    const delivered = a.dev.waitFor((e) => e.kind === 'message', 'the message');
    const sentRec = a.dev.waitFor((e) => e.kind === 'trace' && e.direction === 'sent' && e.name === 'PUBREC', 'PUBREC');
    // the device's PUBREC will be lost
    rig.proxy.nextPacket(a.conn, 'down', 'publish', () => rig.proxy.blackhole(true, ['up']));
    await rig.observer.publishAsync('reset/in/c', 'once', { qos: 2 });
    await delivered;
    await sentRec;
    a.dev.kill();
    await rig.proxy.clientClosed(a.conn); // whatever the device sent before dying has met the black hole
    rig.proxy.blackhole(false);
    const b = await boot('reset-c', store);
    // The broker resends the PUBLISH (DUP) on the resumed session; the device answers without delivering.
    const done = rig.proxy.nextPacket(b.conn, 'up', 'pubcomp');
    await done;
    const id = (rig.proxy.packets.find(
      (p) => p.conn === b.conn && p.packet.cmd === 'publish')!.packet as { messageId: number }).messageId;
    expect(rig.proxy.flow(b.conn, id)).toEqual(['down publish dup', 'up pubrec', 'down pubrel', 'up pubcomp']);
    // A marker proves the new instance delivers normally; the first message was not delivered again.
    const marker = b.dev.waitFor((e) => e.kind === 'message' && e.topic === 'reset/in/c', 'the marker');
    await rig.observer.publishAsync('reset/in/c', 'marker', { qos: 2 });
    await marker;
    expect([...a.messages, ...b.messages].map((m) => m.payload.toString())).toEqual(['once', 'marker']);
  });

  it('broker → device, power lost after PUBREC, before PUBREL: the resumed PUBREL completes it, no second ' +
      'delivery', async () => {
    const store = new MemoryStore();
    const a = await boot('reset-d', store);
    await a.dev.subscribe({ 'reset/in/d': 2 });
    // the PUBREL will be lost
    const rec = rig.proxy.nextPacket(a.conn, 'up', 'pubrec', () => rig.proxy.blackhole(true, ['down']));
    await rig.observer.publishAsync('reset/in/d', 'once', { qos: 2 });
    await rec;
    a.dev.kill();
    await rig.proxy.clientClosed(a.conn); // whatever the device sent before dying has met the black hole
    rig.proxy.blackhole(false);
    const b = await boot('reset-d', store);
    await rig.proxy.nextPacket(b.conn, 'up', 'pubcomp');
    const marker = b.dev.waitFor((e) => e.kind === 'message' && e.topic === 'reset/in/d', 'the marker');
    await rig.observer.publishAsync('reset/in/d', 'marker', { qos: 2 });
    await marker;
    expect([...a.messages, ...b.messages].map((m) => m.payload.toString())).toEqual(['once', 'marker']);
    const first = rig.proxy.packets.find((p) => p.conn === b.conn && p.packet.cmd === 'pubrel')!;
    expect(
      rig.proxy.flow(b.conn, (first.packet as { messageId: number }).messageId)).toEqual(['down pubrel', 'up pubcomp']);
  });
});
