// Whose session is it? The stored session (subscriptions, inbound QoS 2 ids, outgoing flows)
// belongs to one (client id, broker). A device that connects under another client id must not
// replay the old id's subscriptions, and must still deliver what the app queued, as new
// messages (DUP=0). Checked on the wire through a sniffing proxy in front of a real Mosquitto.
import { describe, it, expect } from 'vitest';
import type { IConnectPacket, IPublishPacket } from 'mqtt-packet';
import { useProxiedBroker } from '../helpers/proxied-broker.ts';
import { NodeDevice } from '../../host-tools/sim/host/device.ts';
import { MemoryStore } from '../../host-tools/sim/host/store.ts';
import { Cfg } from '../../host-tools/sim/host/abi.ts';

const rig = useProxiedBroker('owner-observer');

async function boot(clientId: string, store: MemoryStore, window?: number): Promise<NodeDevice> {
  const dev = await NodeDevice.start(
    { broker: rig.proxy.url, clientId, cleanSession: false, store, window, backoffMinMs: 20, backoffMaxMs: 40 });
  rig.cleanups.push(() => dev.kill());
  return dev;
}

/** The proxy connection on which the device sent CONNECT with this client id (the latest one). */
function connOf(clientId: string): number {
  const c = rig.proxy.sniffed('connect', 'up').filter((p) => (p.packet as IConnectPacket).clientId === clientId);
  expect(c.length, `a CONNECT from ${clientId}`).toBeGreaterThan(0);
  return c[c.length - 1]!.conn;
}

/** What the device sent on a connection, as `cmd[ topic][ dup]` strings. */
function upOn(conn: number): string[] {
  return rig.proxy.packets.filter((p) => p.conn === conn && p.dir === 'up' && p.packet.cmd !== 'pingreq').map((p) => {
    const k = p.packet as Partial<IPublishPacket>;
    return `${p.packet.cmd}${k.topic ? ` ${k.topic}` : ''}${k.dup ? ' dup' : ''}`;
  });
}

/** Counts observer deliveries per payload on a topic; `until` waits for a marker payload. */
async function watch(topic: string): Promise<{
    got: Map<string, number>; until: (payload: string) => Promise<void>; stop: () => void }> {
  await rig.observer.subscribeAsync(topic, { qos: 1 });
  const got = new Map<string, number>();
  const waiters: Array<() => void> = [];
  const on = (t: string, p: Buffer) => {
    if (t !== topic) return;
    got.set(p.toString(), (got.get(p.toString()) ?? 0) + 1);
    for (const w of waiters.splice(0)) w();
  };
  rig.observer.on('message', on);
  const until = async (payload: string) =>
    { while (!got.has(payload)) await new Promise<void>((r) => waiters.push(r)); };
  return { got, until, stop: () => rig.observer.off('message', on) };
}

describe('the stored session belongs to one (client id, broker)', () => {
  it('a running device switched to another client id: no SUBSCRIBE for the old filters, the queued QoS 1 goes once ' +
      'as new', async () => {
    const seen = await watch('owner/out/1');
    const store = new MemoryStore();
    const dev = await boot('owner-a1', store);
    expect(await dev.subscribe({ 'owner/a1/x': 1, 'owner/a1/y': 1, 'owner/a1/z/#': 1 })).toEqual([1, 1, 1]);
    // Offline: the link is cut and reconnects are refused while the app queues a message.
    rig.proxy.refuse(true);
    const down = dev.waitFor((e) => e.kind === 'disconnected', 'DISCONNECTED');
    rig.proxy.cutAll();
    await down;
    const pid = dev.publishNow('owner/out/1', 'queued-under-a', 1);
    expect(pid).toBeGreaterThan(0);
    dev.config(Cfg.CLIENT_ID, 'owner-b1');
    const connected = dev.waitFor((e) => e.kind === 'connected', 'CONNECTED as owner-b1');
    rig.proxy.refuse(false);
    await connected;
    await dev.onDone(pid);
    await dev.publish('owner/out/1', 'marker', { qos: 1 });
    await seen.until('marker');
    seen.stop();
    const b = connOf('owner-b1');
    expect(upOn(b)).toEqual(['connect', 'publish owner/out/1', 'publish owner/out/1']);
    expect(seen.got.get('queued-under-a')).toBe(1);
    // The new session routes nothing to the old filters: the broker has none for owner-b1.
    const stray = dev.waitFor((e) => e.kind === 'message', 'a message', 300).then(() => 'delivered', () => 'none');
    await rig.observer.publishAsync('owner/a1/x', 'for-a-only', { qos: 1 });
    expect(await stray).toBe('none');
  });

  it('a reset into another client id: both the in-flight and the never-sent QoS 1 of the old id go as new messages ' +
      '(DUP=0), once each', async () => {
    const seen = await watch('owner/out/2');
    const store = new MemoryStore();
    const a = await boot('owner-a2', store, 1);
    await a.subscribe({ 'owner/a2/x': 1 });
    // The broker never gets the first PUBLISH (so it cannot deliver it twice); the window of 1
    // keeps the second one queued in the store, never sent.
    rig.proxy.blackhole(true, ['up']);
    const aConn = rig.proxy.connections;
    const dropped = new Promise<void>((r) => {
      const on = (conn: number, dir: string) =>
        { if (conn === aConn && dir === 'up') { rig.proxy.off('dropped', on); r(); } };
      rig.proxy.on('dropped', on);
    });
    const sent = a.publishNow('owner/out/2', 'in-flight', 1);
    const queued = a.publishNow('owner/out/2', 'never-sent', 1);
    expect(sent).toBeGreaterThan(0);
    expect(queued).toBeGreaterThan(0);
    await dropped; // the first PUBLISH left the device (and met the black hole)
    a.kill();
    await rig.proxy.clientClosed(aConn);
    rig.proxy.blackhole(false);
    const b = await boot('owner-b2', store, 1);
    await Promise.all([b.onDone(sent), b.onDone(queued)]);
    await b.publish('owner/out/2', 'marker', { qos: 1 });
    await seen.until('marker');
    seen.stop();
    expect(upOn(connOf('owner-b2'))).toEqual(
      ['connect', 'publish owner/out/2', 'publish owner/out/2', 'publish owner/out/2']);
    expect([...seen.got]).toEqual([['in-flight', 1], ['never-sent', 1], ['marker', 1]]);
  });

  it('the same client id after a reset keeps its session: nothing is re-subscribed while the broker has ' +
      'it', async () => {
    const store = new MemoryStore();
    const a = await boot('owner-same', store);
    await a.subscribe({ 'owner/same/x': 1 });
    a.kill();
    const b = await boot('owner-same', store);
    await b.publish('owner/same/out', 'after-reset', { qos: 1 });
    expect(upOn(connOf('owner-same'))).toEqual(['connect', 'publish owner/same/out']);
    // the broker-side subscription of the resumed session still delivers
    const got = b.waitFor(
      (e) => e.kind === 'message' && e.topic === 'owner/same/x', 'a message on the resumed subscription');
    await rig.observer.publishAsync('owner/same/x', 'still-mine', { qos: 1 });
    await got;
  });
});
