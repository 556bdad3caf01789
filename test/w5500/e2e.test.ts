// End to end: core.wasm (whose transport is the W5500 driver) in NodeDevice → driver → W5500
// model → real Mosquitto, with an
// MQTT.js peer on the same broker. QoS 2 both ways; a cable pull mid-transfer.
import { afterEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { NodeDevice, type Message } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { COMMON, DATASHEET_TIMING, SR } from '../../host-tools/sim/w5500/index.ts';
import { W5500NetworkBackend } from '../../host-tools/sim/host/w5500-backend.ts';
import { ClientState, Err, Stat } from '../../host-tools/sim/host/abi.ts';
import type { CoreEvent } from '../../host-tools/sim/host/abi.ts';

const CORE = 'build/core/core.wasm';
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.reverse()) await c(); cleanup = []; });

async function rig(clientId: string) {
  const broker: Mosquitto = await startMosquitto();
  cleanup.push(() => broker.stop());
  const net = new W5500NetworkBackend({ routes: { '192.168.1.10:1883': `127.0.0.1:${broker.port}` } });
  cleanup.push(() => net.close());
  const clock = new VirtualClock();
  const dev = await NodeDevice.start({
    wasm: CORE, network: net, clock, clientId, cleanSession: false, keepalive: 0,
    backoffMinMs: 100, backoffMaxMs: 200, realTimeoutMs: 20_000, seed: 7,
  });
  cleanup.push(() => { if (dev.alive) dev.kill(); });
  const peer = await mqtt.connectAsync(broker.url, { clientId: `${clientId}-peer`, clean: true, reconnectPeriod: 0 });
  cleanup.push(() => peer.endAsync());
  return { broker, net, clock, dev, peer };
}

describe('core.wasm over the W5500 driver and model, real Mosquitto', () => {
  it('the chip was brought up from the device config and the MQTT socket is ESTABLISHED', async () => {
    const { net } = await rig('w5-e2e-up');
    const m = net.model;
    expect(Array.from(m.read(COMMON.SIPR, 0, 4))).toEqual([192, 168, 1, 50]);
    expect(m.sockets[0]!.sr).toBe(SR.ESTABLISHED);
  });

  it('QoS 2 both directions: PUBLISH/PUBREC/PUBREL/PUBCOMP, each message exactly once', async () => {
    const { dev, peer } = await rig('w5-e2e-q2');
    await dev.subscribe({ 'w5/in': 2 });
    await peer.subscribeAsync('w5/out', { qos: 2 });
    const atPeer: string[] = [];
    peer.on('message', (_t, p) => atPeer.push(p.toString()));
    const atDev: Message[] = [];
    dev.on('message', (m: Message) => atDev.push(m));
    const trace: string[] = [];
    dev.on('trace', (t: { packetType?: number; dir?: string }) => trace.push(JSON.stringify(t)));

    for (let i = 0; i < 10; i++) await dev.publish('w5/out', `d${i}`, { qos: 2 });
    for (let i = 0; i < 10; i++) await peer.publishAsync('w5/in', `p${i}`, { qos: 2 });
    const deadline = Date.now() + 10_000;
    while ((atPeer.length < 10 || atDev.length < 10) && Date.now() < deadline) {
      await dev.waitFor(() => true, 'traffic', 2000).catch(() => {});
    }
    expect(atPeer).toEqual(Array.from({ length: 10 }, (_, i) => `d${i}`));
    expect(atDev.map((m) => m.payload.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `p${i}`));
    expect(atDev.every((m) => m.qos === 2)).toBe(true);
  });

  it('cable pulled mid-transfer: the chip times out, the core reconnects, nothing is lost', async () => {
    const { dev, peer, net } = await rig('w5-e2e-cable');
    await peer.subscribeAsync('w5/cable', { qos: 2 });
    const atPeer = new Map<string, number>();
    peer.on('message', (_t, p) => atPeer.set(p.toString(), (atPeer.get(p.toString()) ?? 0) + 1));
    const N = 40;
    const done: Array<Promise<void>> = [];
    let pulled = false;
    for (let i = 0; i < N; i++) {
      const qos = i % 2 === 0 ? 2 : 1;
      for (;;) {
        const pid = dev.publishNow('w5/cable', `m${i}`, qos);
        if (pid > 0) { const p = dev.onDone(pid); p.catch(() => {}); done.push(p); break; }
        await dev.waitFor((e) => e.kind === 'publish_done', 'a free slot');
      }
      if (i === 10 && !pulled) {
        pulled = true;
        net.model.faults.linkDown();
      }
    }
    // With the cable out nothing moves; TCPTO (31.8 s of virtual time) closes the socket.
    dev.advance(32_000);
    expect(net.model.sockets[0]!.sr).not.toBe(SR.ESTABLISHED);
    dev.advance(5_000); // reconnect attempts fail by ARPTO while the link is down
    net.model.faults.linkUp();
    let connected = false;
    dev.on('event', (e: { kind: string }) => { if (e.kind === 'connected') connected = true; });
    // A connect started while the cable was out still fails by ARPTO; then backoff, then success.
    for (let i = 0; i < 40 && !connected; i++) {
      dev.advance(250);
      await Promise.race(
        [net.model.waitForInput(), dev.waitFor((e) => e.kind === 'connected', 'reconnect', 200).catch(() => {})]);
    }
    expect(connected).toBe(true);
    await Promise.all(done);
    const deadline = Date.now() + 10_000;
    while (atPeer.size < N && Date.now() < deadline) await new Promise<void>((r) => peer.once('message', () => r()));
    for (let i = 0; i < N; i++) {
      const n = atPeer.get(`m${i}`) ?? 0;
      if (i % 2 === 0) expect(n, `QoS 2 m${i}`).toBe(1);
      else expect(n, `QoS 1 m${i}`).toBeGreaterThanOrEqual(1);
    }
  });

  it('link awareness with datasheet timing: waits for auto-negotiation, drops at once on cable out, reconnects ' +
      'within 1 s of link up, QoS 2 exactly once', async () => {
    const broker: Mosquitto = await startMosquitto();
    cleanup.push(() => broker.stop());
    const net = new W5500NetworkBackend(
      { routes: { '192.168.1.10:1883': `127.0.0.1:${broker.port}` }, timing: DATASHEET_TIMING });
    cleanup.push(() => net.close());
    const clock = new VirtualClock();
    const dev = await NodeDevice.start({
      wasm: CORE, network: net, clock, clientId: 'w5-e2e-link', cleanSession: false, keepalive: 0,
      backoffMinMs: 100, backoffMaxMs: 200, realTimeoutMs: 20_000, seed: 7, waitConnected: false,
    });
    cleanup.push(() => { if (dev.alive) dev.kill(); });
    const events: Array<{ at: number; e: CoreEvent }> = [];
    dev.on('event', (e: CoreEvent) => events.push({ at: clock.now(), e }));
    const seen = (kind: string) => events.filter((x) => x.e.kind === kind);
    /**
     * Advance virtual time in 10 ms steps, letting real socket traffic land in between. While the
     * core waits on the real network (TCP connect, CONNACK) virtual time stands still, so the
     * figures below are the core's own delays, not the host's socket latency.
     */
    const run = async (ms: number, until: () => boolean = () => false) => {
      const end = clock.now() + ms;
      const realDeadline = Date.now() + 20_000;
      while (clock.now() < end && !until() && Date.now() < realDeadline) {
        const st = dev.stat(Stat.STATE);
        if (st === ClientState.TCP_CONNECTING || st === ClientState.MQTT_CONNECTING) {
          await Promise.race([net.model.waitForInput(), new Promise<void>((r) => setTimeout(r, 20))]);
          dev.advance(0);
          continue;
        }
        dev.advance(10);
        await Promise.race([net.model.waitForInput(), new Promise<void>((r) => setImmediate(r))]);
      }
    };
    // Auto-negotiation takes 1.5 s after the reset: no connect attempt (no SYN, no failure) before the link is up.
    await run(1400);
    expect(seen('link').map((x) => (x.e as { up: boolean }).up)).toEqual([false]);
    expect(seen('connect_failed')).toEqual([]);
    expect(net.model.sockets[0]!.sr).toBe(SR.CLOSED);
    expect(dev.stat(Stat.LINK)).toBe(0);
    await run(2000, () => seen('connected').length > 0);
    // no failed attempt before this connect (a PLL still locking is not "no chip"; a link not up is waited for)
    expect(dev.stat(Stat.RECONNECTS)).toBe(0);
    const up1 = seen('link')[1]!;
    expect((up1.e as { up: boolean }).up).toBe(true);
    expect(seen('connected')[0]!.at - up1.at).toBeLessThan(1000);

    const peer = await mqtt.connectAsync(broker.url, { clientId: 'w5-e2e-link-peer', clean: true, reconnectPeriod: 0 });
    cleanup.push(() => peer.endAsync());
    await peer.subscribeAsync('w5/link', { qos: 2 });
    const atPeer = new Map<string, number>();
    peer.on('message', (_t, p) => atPeer.set(p.toString(), (atPeer.get(p.toString()) ?? 0) + 1));
    const N = 20;
    const done: Array<Promise<void>> = [];
    for (let i = 0; i < N; i++) {
      const pid = dev.publishNow('w5/link', `m${i}`, 2);
      expect(pid).toBeGreaterThan(0);
      const p = dev.onDone(pid); p.catch(() => {}); done.push(p);
      if (i === 8) {
        net.model.faults.linkDown(); // cable out mid-QoS 2
        const pulledAt = clock.now();
        await run(300, () => seen('disconnected').length > 0);
        const d = seen('disconnected')[0]!;
        expect((d.e as { reason: number }).reason).toBe(Err.LINK_DOWN);
        expect(d.at - pulledAt).toBeLessThanOrEqual(100); // at once (one link poll), not after keepalive or TCPTO
      }
    }
    const reconnects = dev.stat(Stat.RECONNECTS);
    await run(5000); // cable out for 5 s: the core waits for the link, it does not hammer ARP
    expect(dev.stat(Stat.RECONNECTS)).toBe(reconnects);
    expect(seen('connect_failed')).toEqual([]);
    net.model.faults.linkUp(); // cable back: auto-negotiation again, then reconnect at once
    const connectedBefore = seen('connected').length;
    await run(4000, () => seen('connected').length > connectedBefore);
    const up2 = seen('link').at(-1)!;
    expect((up2.e as { up: boolean }).up).toBe(true);
    expect(seen('connected').at(-1)!.at - up2.at).toBeLessThan(1000);
    await run(3000, () => atPeer.size === N);
    await Promise.all(done);
    const deadline = Date.now() + 10_000; // the peer's copies come through the broker on real time
    while (atPeer.size < N && Date.now() < deadline) await new Promise<void>(
      (r) => { peer.once('message', () => r()); setTimeout(r, 200); });
    for (let i = 0; i < N; i++) expect(atPeer.get(`m${i}`), `m${i}`).toBe(1);
  });
});
