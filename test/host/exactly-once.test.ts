// Exactly-once under faults: N QoS 2 messages each way (and N/4 at QoS 1) between NodeDevice
// (through the fault proxy, which cuts the TCP connection with FIN at random byte counts, often
// mid-packet) and an MQTT.js peer on the same Mosquitto. Every QoS 2 message must arrive exactly
// once, every QoS 1 message at least once. `make soak` runs it with WASMQTT_FAULT_MESSAGES=20000.
import { describe, it, expect } from 'vitest';
import mqtt from 'mqtt';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { FaultProxy } from '../helpers/proxy.ts';
import { NodeDevice, type Message } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { Err, Stat } from '../../host-tools/sim/host/abi.ts';
import { autoReconnect } from './drive.ts';

const N = Number(process.env.WASMQTT_FAULT_MESSAGES ?? 1000);
const N1 = Math.max(50, Math.floor(N / 4));
const SEED = Number(process.env.WASMQTT_FAULT_SEED ?? 20261123);
const TIMEOUT = Number(process.env.WASMQTT_FAULT_TIMEOUT_MS ?? 150_000);
// The peer keeps at most this many QoS 1/2 publishes outstanding (Mosquitto 2.0.11 silently
// drops incoming QoS 2 beyond max_inflight_messages = 20; see DESIGN.md).
const PEER_WINDOW = 20;

function tally(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

describe('exactly-once under random connection cuts (FIN)', () => {
  it(`${N} QoS 2 and ${N1} QoS 1 messages each way`, async () => {
    // Unlimited queue so nothing is dropped for the device while it is between connections.
    const broker = await startMosquitto({ extraConfig: ['max_queued_messages 0'] });
    const proxy = await FaultProxy.start(broker.port);
    const clock = new VirtualClock();
    let dev: NodeDevice | null = null;
    const peer = await mqtt.connectAsync(broker.url, { clientId: 'eo-peer', clean: true, reconnectPeriod: 0 });
    try {
      dev = await NodeDevice.start({
        broker: proxy.url, clientId: 'eo-dev', cleanSession: false, clock, keepalive: 0,
        backoffMinMs: 50, backoffMaxMs: 100, realTimeoutMs: TIMEOUT, seed: SEED,
      });
      const d = dev;
      const stopDriving = autoReconnect(d, 200);
      const fatal = new Promise<never>((_, reject) => d.on('fatal', reject));
      await d.subscribe({ 'eo/in/#': 2 });
      await peer.subscribeAsync('eo/out/#', { qos: 2 });

      const atDevice = { q2: new Map<string, number>(), q1: new Map<string, number>() };
      const atPeer = { q2: new Map<string, number>(), q1: new Map<string, number>() };
      d.on('message', (m: Message) => tally(m.topic === 'eo/in/2' ? atDevice.q2 : atDevice.q1, m.payload.toString()));
      peer.on('message', (t, p) => tally(t === 'eo/out/2' ? atPeer.q2 : atPeer.q1, p.toString()));

      proxy.randomCuts({ seed: SEED, minBytes: 200, maxBytes: 3000, mode: 'fin' });

      // Device → peer: hand messages to the core as fast as its slots allow.
      const devicePublishing = (async () => {
        const done: Array<Promise<void>> = [];
        const total = N + N1;
        for (let i = 0; i < total; i++) {
          const qos = i % 5 === 4 && i / 5 < N1 ? 1 : 2;
          const topic = qos === 2 ? 'eo/out/2' : 'eo/out/1';
          const body = `d${qos}-${i}`;
          for (;;) {
            const pid = d.publishNow(topic, body, qos);
            if (pid === Err.QUEUE_FULL) {
              await d.waitFor((e) => e.kind === 'publish_done', 'a free slot', TIMEOUT);
              continue;
            }
            if (pid < 0) throw new Error(`publish ${body} failed: core error ${pid}`);
            done.push(d.onDone(pid));
            break;
          }
        }
        await Promise.all(done);
      })();

      // Peer → device, at most PEER_WINDOW outstanding.
      const peerPublishing = (async () => {
        let outstanding = 0;
        let wake: (() => void) | null = null;
        const pending: Array<Promise<unknown>> = [];
        for (let i = 0; i < N + N1; i++) {
          const qos = i % 5 === 4 && i / 5 < N1 ? 1 : 2;
          while (outstanding >= PEER_WINDOW) await new Promise<void>((r) => { wake = r; });
          outstanding++;
          pending.push(peer.publishAsync(qos === 2 ? 'eo/in/2' : 'eo/in/1', `p${qos}-${i}`, { qos }).finally(() => {
            outstanding--;
            const w = wake;
            wake = null;
            w?.();
          }));
        }
        await Promise.all(pending);
      })();

      await Promise.race([Promise.all([devicePublishing, peerPublishing]), fatal]);
      const expected = (prefix: string) => Array.from({ length: N + N1 }, (_, i) => i)
        .filter((i) => (prefix.endsWith('1') ? i % 5 === 4 && i / 5 < N1 : !(i % 5 === 4 && i / 5 < N1)));
      const wantDev2 = expected('p2').map((i) => `p2-${i}`);
      const wantDev1 = expected('p1').map((i) => `p1-${i}`);
      const wantPeer2 = expected('d2').map((i) => `d2-${i}`);
      const wantPeer1 = expected('d1').map((i) => `d1-${i}`);
      const complete = () => wantDev2.every((k) => atDevice.q2.has(k)) && wantDev1.every((k) => atDevice.q1.has(k)) &&
        wantPeer2.every((k) => atPeer.q2.has(k)) && wantPeer1.every((k) => atPeer.q1.has(k));
      // Messages still travelling broker → receivers: wait on receive events, not on time.
      const deadline = Date.now() + TIMEOUT;
      while (!complete()) {
        if (Date.now() > deadline) break;
        await Promise.race([
          new Promise((r) => d.once('message', r)),
          new Promise((r) => peer.once('message', r)),
          new Promise((r) => setTimeout(r, 500)), // guard: re-check even if the last event already happened
        ]);
      }

      // Quiesce: no more cuts; one clean reconnect lets both sides finish any retransmissions,
      // then a sentinel each way (after any resend, in order) closes the window for late duplicates.
      proxy.stopRandomCuts();
      const cutsDuringRun = proxy.cuts;
      const reconnected = d.waitFor((e) => e.kind === 'connected', 'the final reconnection', TIMEOUT);
      proxy.cutAll('fin');
      await reconnected;
      const sentinelAtDevice = d.waitFor((e) => e.kind === 'message' && e.topic === 'eo/in/end', 'the sentinel', TIMEOUT);
      const sentinelAtPeer = new Promise<void>((r) => peer.on('message', (t) => { if (t === 'eo/out/end') r(); }));
      await peer.publishAsync('eo/in/end', 'end', { qos: 2 });
      await d.publish('eo/out/end', 'end', { qos: 2 });
      await Promise.all([sentinelAtDevice, sentinelAtPeer]);
      stopDriving();

      const missing = (want: string[], got: Map<string, number>) => want.filter((k) => !got.has(k));
      const dups = (got: Map<string, number>) => [...got].filter(([, n]) => n > 1).map(([k, n]) => `${k}×${n}`);
      expect(cutsDuringRun, 'the proxy must actually have cut connections').toBeGreaterThanOrEqual(Math.min(10, N / 50));
      expect(missing(wantDev2, atDevice.q2), 'QoS 2 peer → device lost').toEqual([]);
      expect(missing(wantPeer2, atPeer.q2), 'QoS 2 device → peer lost').toEqual([]);
      expect(dups(atDevice.q2), 'QoS 2 peer → device duplicated').toEqual([]);
      expect(dups(atPeer.q2), 'QoS 2 device → peer duplicated').toEqual([]);
      expect(atDevice.q2.size).toBe(wantDev2.length);
      expect(atPeer.q2.size).toBe(wantPeer2.length);
      expect(missing(wantDev1, atDevice.q1), 'QoS 1 peer → device lost').toEqual([]);
      expect(missing(wantPeer1, atPeer.q1), 'QoS 1 device → peer lost').toEqual([]);
      expect(d.stat(Stat.INFLIGHT_OUT) + d.stat(Stat.QUEUED_OUT)).toBe(0);
      expect(d.stat(Stat.RECONNECTS)).toBeGreaterThanOrEqual(cutsDuringRun > 0 ? 1 : 0);
      console.log(`exactly-once: ${N} QoS 2 + ${N1} QoS 1 each way, ${cutsDuringRun} cuts, ` +
        `${d.stat(Stat.RETRANSMITS)} device retransmits, ${d.stat(Stat.DUPS_SUPPRESSED)} duplicate QoS 2 deliveries suppressed, ` +
        `QoS 1 duplicates at device ${dups(atDevice.q1).length}, at peer ${dups(atPeer.q1).length}`);
    } finally {
      dev?.kill();
      await peer.endAsync(true);
      await proxy.close();
      await broker.stop();
    }
  }, TIMEOUT + 30_000);
});
