// The core's step() returns 0 when it stopped reading with data still waiting (receive() takes at
// most 8 reads a step, so a burst bigger than that stays in the chip's RX buffer): "run me again
// now". The firmware's loop does; NodeDevice must too, also under a VirtualClock, where no timer
// runs and only network events wake the device. Data that has all arrived raises no further
// event: a device that waited for one sat on a full RX buffer (and the peer's FIN behind it)
// forever, with keepalive 0 nothing else ever woke it.
import { describe, it, expect, afterEach } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { NodeDevice, type Message } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { FakeBroker } from './fake-broker.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

describe('a step that asks to run again at once', () => {
  it('a burst larger than one step reads is all delivered with no further network event ' +
      '(virtual clock, keepalive 0)', async () => {
    const fake = await FakeBroker.start();
    cleanups.push(() => fake.close());
    const dev = await NodeDevice.start(
      { broker: fake.url, clientId: 'again', clock: new VirtualClock(), keepalive: 0, realTimeoutMs: 5000 });
    cleanups.push(() => dev.kill());
    const c = await fake.connection(1);
    const sub = dev.subscribe({ 'again/#': 0 });
    const s = await c.next('subscribe');
    c.send(mqttPacket.generate({ cmd: 'suback', messageId: s.messageId!, granted: [0] }));
    await sub;
    const got: string[] = [];
    dev.on('message', (m: Message) => got.push(m.payload.toString()));
    // 100 QoS 0 PUBLISHes of ~520 bytes (~52 KB) in one write: several times 8 reads of PACKET_MAX
    // (1024), so the first step returns 0 with most of it still in the chip.
    const COUNT = 100;
    const body = 'x'.repeat(500);
    const burst = Buffer.concat(Array.from({ length: COUNT }, (_, i) =>
      mqttPacket.generate(
        { cmd: 'publish', topic: 'again/t', payload: `${i}:${body}`, qos: 0, dup: false, retain: false })));
    const all = dev.waitFor(() => got.length === COUNT, `all ${COUNT} messages`);
    c.send(burst);
    await all;
    expect(got.map((p) => Number(p.split(':')[0]))).toEqual(Array.from({ length: COUNT }, (_, i) => i));
  });
});
