// The incoming QoS 2 id table (IN_QOS2_SLOTS) is finite. A PUBLISH that finds it full must never
// be dropped silently: the core reports ERR_QUEUE_FULL and drops the link, and the broker resends
// it on the next connection (session kept). With a compliant broker and a sane inflight limit the
// table does not fill at all (real Mosquitto, max_inflight_messages 16).
import { describe, it, expect, afterEach } from 'vitest';
import mqtt from 'mqtt';
import { NodeDevice, type Message } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { Err, Stat, Size } from '../../host-tools/sim/host/abi.ts';
import { MemoryStore } from '../../host-tools/sim/host/store.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { FakeBroker } from './fake-broker.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

/** A QoS 2 PUBLISH on topic "f" with payload `m<id>` (DUP when asked). */
function publishQos2(id: number, dup = false): number[] {
  const payload = [...Buffer.from(`m${id}`)];
  const body = [0x00, 0x01, 0x66, id >> 8, id & 0xff, ...payload];
  return [0x34 | (dup ? 8 : 0), body.length, ...body];
}

describe('incoming QoS 2 table full', () => {
  it('one PUBLISH more than the table holds: ERR_QUEUE_FULL, link dropped, delivered once after the broker resends it', async () => {
    const slots = Size.IN_QOS2_SLOTS;
    const fake = await FakeBroker.start();
    cleanups.push(() => fake.close());
    fake.autoConnack = false;
    const clock = new VirtualClock();
    const starting = NodeDevice.start({ broker: fake.url, clientId: 'full', cleanSession: false, clock, store: new MemoryStore(), backoffMinMs: 100, backoffMaxMs: 100 });
    const c1 = await fake.connection(1);
    c1.send([0x20, 0x02, 0x00, 0x00]);
    const dev = await starting;
    cleanups.push(() => dev.kill());
    const got: Message[] = [];
    dev.on('message', (m: Message) => got.push(m));
    const errors: Error[] = [];
    dev.on('error', (e: Error) => errors.push(e));

    const full = dev.waitFor((e) => e.kind === 'error', 'the ERR_QUEUE_FULL error');
    for (let id = 1; id <= slots + 1; id++) c1.send(publishQos2(id));
    const ev = await full;
    expect(ev).toMatchObject({ kind: 'error', code: Err.QUEUE_FULL, packetType: 3, detail: slots + 1 });
    await c1.closed;
    expect(got.map((m) => m.payload.toString())).toEqual(Array.from({ length: slots }, (_, i) => `m${i + 1}`));
    expect(dev.stat(Stat.INFLIGHT_IN)).toBe(slots);

    // Reconnect with the session present: the broker resends PUBREL for the PUBRECs it got and the
    // PUBLISH it did not get an answer for (DUP=1).
    dev.advance(1000);
    const c2 = await fake.connection(2);
    c2.send([0x20, 0x02, 0x01, 0x00]);
    for (let id = 1; id <= slots; id++) c2.send([0x62, 0x02, id >> 8, id & 0xff]); // PUBREL
    c2.send(publishQos2(slots + 1, true));
    const rec = await c2.next('pubrec');
    expect(rec).toMatchObject({ messageId: slots + 1 });
    expect(c2.packets.filter((p) => p.cmd === 'pubcomp').length).toBe(slots);
    expect(got.map((m) => m.payload.toString())).toEqual(Array.from({ length: slots + 1 }, (_, i) => `m${i + 1}`));
    expect(dev.stat(Stat.INFLIGHT_IN)).toBe(1);
    expect(errors[0]!.message).toContain('incoming QoS 2');
  });

  it('real Mosquitto, max_inflight_messages 16: 320 QoS 2 messages to the device, each delivered once, the table never full', async () => {
    const broker = await startMosquitto({ extraConfig: ['max_inflight_messages 16'] });
    cleanups.push(() => broker.stop());
    const dev = await NodeDevice.start({ broker: broker.url, clientId: 'full-real', cleanSession: false, store: new MemoryStore() });
    cleanups.push(() => dev.kill());
    const errors: Error[] = [];
    dev.on('error', (e: Error) => errors.push(e));
    const counts = new Map<string, number>();
    let highest = 0;
    dev.on('message', (m: Message) => {
      counts.set(m.payload.toString(), (counts.get(m.payload.toString()) ?? 0) + 1);
      highest = Math.max(highest, dev.stat(Stat.INFLIGHT_IN));
    });
    await dev.subscribe({ 'full/in': 2 });
    const obs = await mqtt.connectAsync(broker.url, { clientId: 'full-observer', reconnectPeriod: 0 });
    cleanups.push(() => obs.endAsync(true));
    const N = 320;
    // Bursts of 16 (Mosquitto 2.0.11 itself stalls a subscriber when a publisher bursts past its
    // inflight limit, whatever the subscriber is: seen with MQTT.js as the subscriber too).
    for (let i = 0; i < N; i += 16) {
      await Promise.all(Array.from({ length: 16 }, (_, j) => obs.publishAsync('full/in', `n${i + j}`, { qos: 2 })));
    }
    const last = `n${N - 1}`;
    if (!counts.has(last)) await dev.waitFor((e) => e.kind === 'message' && Buffer.from(e.payload).toString() === last, last);
    expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
    expect(counts.size).toBe(N);
    expect(errors).toEqual([]);
    expect(highest).toBeLessThanOrEqual(Size.IN_QOS2_SLOTS);
    console.log(`incoming QoS 2: ${N} messages, highest ${highest} ids awaiting PUBREL (table ${Size.IN_QOS2_SLOTS})`);
  });
});
