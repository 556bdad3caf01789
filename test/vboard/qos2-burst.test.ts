// QoS 2 bursts to the firmware image on the virtual board (the real bluepill ELF, the W5500
// model, a real Mosquitto): 1,000 messages published back to back to a topic the device
// subscribed at QoS 2, each delivered once (counted on its console), and no link drop other
// than the cuts a fault proxy makes. The NodeDevice side of the same runs is
// test/host/qos2-burst.test.ts (and why the publisher keeps 20 in flight at Mosquitto's 20).
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy } from '../helpers/proxy.ts';
import { FW_W5500, setupDevice, type Device } from './mqtt-device.ts';

const N = 1000;
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

/** Publishes n0..n<n-1> at QoS 2 with at most `window` outstanding. */
async function publishBurst(port: number, topic: string, window: number): Promise<void> {
  const pub = await mqtt.connectAsync(
    `mqtt://127.0.0.1:${port}`, { clientId: `burst-pub-${process.pid}`, reconnectPeriod: 0 });
  cleanup.push(() => pub.endAsync(true));
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(window, N) }, async () => {
    while (next < N) await pub.publishAsync(topic, `n${next++}`, { qos: 2 });
  }));
}

/** Payloads of the device's `evt message` lines on a topic, with how often each came. */
function delivered(dev: Device, topic: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of dev.out.matchAll(new RegExp(`evt message topic=${topic} [^\\n]*payload=(n\\d+)\\r?\\n`, 'g'))) {
    counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  }
  return counts;
}

async function subscribed(dev: Device, topic: string): Promise<void> {
  await dev.see(/evt loaded [^\n]*\n/, 2000);
  dev.send('connect');
  await dev.see(/evt connected session_present=\d/, 20_000);
  dev.send(`sub ${topic} 2`);
  await dev.see(/evt suback pid=\d+ codes=2/, 5000);
}

describe('firmware image: QoS 2 bursts to the device', () => {
  for (const [inflight, window] of [[0, N], [20, 20]] as const) {
    it(`Mosquitto max_inflight_messages ${inflight}: ${N} QoS 2 back to back (publisher window ${window}), each ` +
        `delivered once, no link drop`, async () => {
      const { mq, dev } = await setupDevice(cleanup, FW_W5500, [`max_inflight_messages ${inflight}`]);
      await subscribed(dev, 'vb/b');
      const publishing = publishBurst(mq.port, 'vb/b', window);
      await dev.runner.until(
        () => delivered(dev, 'vb\\/b').size === N, 300_000, `${N} distinct messages on the console`);
      await publishing;
      dev.board.runFor(500); // a late duplicate, if any, would show now
      const counts = delivered(dev, 'vb\\/b');
      expect(counts.size).toBe(N);
      expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
      expect(dev.count(/evt disconnected/)).toBe(0);
      expect(dev.count(/evt (fault|trap)/)).toBe(0);
      expect(dev.count(/evt boot /)).toBe(1); // no restart on the way
      expect(dev.board.fault).toBeUndefined();
      console.log(
        `firmware QoS 2 burst, Mosquitto inflight ` +
        `${inflight}: ${counts.size}/${N} delivered once, ${dev.count(/evt disconnected/)} link drops`);
    }, 240_000);
  }

  it(`random FIN cuts in front of Mosquitto (unlimited): ${N} QoS 2 back to back, exactly once, every link drop a ` +
      `cut`, async () => {
    let proxy!: FaultProxy;
    const { mq, dev } = await setupDevice(
        cleanup, FW_W5500, ['max_inflight_messages 0', 'max_queued_messages 0'], async (m) => {
      proxy = await FaultProxy.start(m.port);
      proxy.recordPackets = false;
      cleanup.push(() => proxy.close());
      return proxy.port;
    });
    await subscribed(dev, 'vb/c');
    // a cut every 4-16 KB of traffic: a reconnect brings a resend of every unreleased message, so
    // cuts closer than one such flood would only measure how slowly the device works through it
    proxy.randomCuts({ seed: 20261206, minBytes: 4_000, maxBytes: 16_000, mode: 'fin' });
    const publishing = publishBurst(mq.port, 'vb/c', N);
    await dev.runner.until(() => delivered(dev, 'vb\\/c').size === N, 600_000, `${N} distinct messages on the console`);
    await publishing;
    proxy.stopRandomCuts();
    const cuts = proxy.cuts;
    dev.board.runFor(2000);
    const counts = delivered(dev, 'vb\\/c');
    expect(cuts, 'the proxy must have cut connections').toBeGreaterThanOrEqual(2);
    expect(counts.size).toBe(N);
    expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
    expect(dev.count(/evt disconnected/), 'link drops beyond the cuts are self-inflicted').toBeLessThanOrEqual(cuts);
    expect(dev.count(/evt (fault|trap)/)).toBe(0);
    expect(dev.count(/evt boot /)).toBe(1);
    console.log(
      `firmware QoS 2 burst with FIN cuts: ` +
      `${counts.size}/${N} delivered once, ${cuts} cuts, ${dev.count(/evt disconnected/)} link drops`);
  }, 400_000);
});
