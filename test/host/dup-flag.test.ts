// DUP after a power cut (MQTT 3.1.1 §3.3.1.1: DUP=1 marks a re-delivery attempt). A message that
// left the device goes again with DUP=1 after a reset; one that was only queued (offline, or
// beyond the in-flight window) and never transmitted goes with DUP=0. Checked on the wire
// through a sniffing proxy in front of a real Mosquitto, with a new NodeDevice on the same store.
import { describe, it, expect } from 'vitest';
import type { IPublishPacket } from 'mqtt-packet';
import { useProxiedBroker } from '../helpers/proxied-broker.ts';
import { NodeDevice } from '../../host-tools/sim/host/device.ts';
import { MemoryStore } from '../../host-tools/sim/host/store.ts';

const rig = useProxiedBroker('dup-observer');

describe('DUP flag after a power cut', () => {
  it('sent before the cut → DUP=1; queued beyond the window or offline, never sent → DUP=0 (QoS 1 and 2)', async () => {
    const { proxy, observer, cleanups } = rig;
    await observer.subscribeAsync('dup/out', { qos: 2 });
    const got = new Map<string, number>();
    observer.on('message', (_t, p) => got.set(p.toString(), (got.get(p.toString()) ?? 0) + 1));

    const store = new MemoryStore();
    const boot = async () => {
      const d = await NodeDevice.start({ broker: proxy.url, clientId: 'dup-dev', cleanSession: false, store, window: 2,
        backoffMinMs: 20, backoffMaxMs: 40 });
      cleanups.push(() => d.kill());
      return d;
    };
    const a = await boot();
    // The broker's acks never come back: the two that fill the window stay unacknowledged.
    proxy.blackhole(true, ['down']);
    const sent1 = a.publishNow('dup/out', 'sent-q1', 1);
    const sent2 = a.publishNow('dup/out', 'sent-q2', 2);
    const window1 = a.publishNow('dup/out', 'window-q1', 1); // beyond the window of 2: queued
    const window2 = a.publishNow('dup/out', 'window-q2', 2);
    await new Promise<void>((r) => { // both window PUBLISHes reached the broker
      const on = () => { if (proxy.sniffed('publish', 'up').length >= 2) { proxy.off('packet', on); r(); } };
      proxy.on('packet', on);
      on();
    });
    // Offline: the link goes down and stays down while two more are queued.
    proxy.refuse(true);
    const down = a.waitFor((e) => e.kind === 'disconnected', 'DISCONNECTED');
    proxy.cutAll();
    await down;
    const off1 = a.publishNow('dup/out', 'offline-q1', 1);
    const off2 = a.publishNow('dup/out', 'offline-q2', 2);
    const ids = [sent1, sent2, window1, window2, off1, off2];
    expect(ids.every((id) => id > 0)).toBe(true);
    a.kill(); // power cut: no DISCONNECT, the store keeps what was written
    proxy.blackhole(false);
    proxy.refuse(false);

    const before = proxy.packets.length;
    const b = await boot();
    await Promise.all(ids.map((id) => b.onDone(id)));
    await b.publish('dup/out', 'marker', { qos: 2 });
    while (!got.has('marker')) await new Promise((r) => observer.once('message', r));

    const publishes = proxy.packets.slice(before).filter((p) => p.dir === 'up' && p.packet.cmd === 'publish')
      .map((p) => p.packet as IPublishPacket).map((p) => `${p.payload.toString()} dup=${p.dup ? 1 : 0}`);
    expect(publishes).toEqual(['sent-q1 dup=1', 'sent-q2 dup=1', 'window-q1 dup=0', 'window-q2 dup=0',
      'offline-q1 dup=0', 'offline-q2 dup=0', 'marker dup=0']);
    // QoS 2 and the never-sent ones arrive exactly once; the resent QoS 1 at least once.
    expect(got.get('sent-q1')).toBeGreaterThanOrEqual(1);
    got.delete('sent-q1');
    expect([...got].filter(([, n]) => n !== 1)).toEqual([]);
    expect([...got.keys()].sort()).toEqual(['marker', 'offline-q1', 'offline-q2', 'sent-q2', 'window-q1', 'window-q2']);
  });
});
