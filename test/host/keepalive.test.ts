// Keepalive in virtual time: against a live Mosquitto the device pings and stays connected;
// when the proxy black-holes the link (the broker goes silent without closing anything) the
// device detects it within 1.5 × keepalive of virtual time and reconnects.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { FaultProxy } from '../helpers/proxy.ts';
import { NodeDevice } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { Err, ClientState, type CoreEvent } from '../../host-tools/sim/host/abi.ts';

const KEEPALIVE_S = 10;
let broker: Mosquitto;
let proxy: FaultProxy;

beforeAll(async () => {
  broker = await startMosquitto();
  proxy = await FaultProxy.start(broker.port);
});
afterAll(async () => {
  await proxy.close();
  await broker.stop();
});

describe('keepalive (virtual time)', () => {
  it('pings a live broker every keepalive and stays connected; detects a silent one within 1.5 × ' +
      'keepalive', async () => {
    const clock = new VirtualClock();
    const dev = await NodeDevice.start({ broker: proxy.url, clientId: 'ka-dev', keepalive: KEEPALIVE_S, clock,
      trace: true, backoffMinMs: 1000, backoffMaxMs: 1000 });
    try {
      const events: Array<{ t: number; e: CoreEvent }> = [];
      dev.on('event', (e: CoreEvent) => events.push({ t: clock.now(), e }));
      let lastHeard = clock.now();
      dev.on('trace',
        (e: Extract<CoreEvent, { kind: 'trace' }>) => { if (e.direction === 'received') lastHeard = clock.now(); });

      // Live link: 4 keepalive periods in 100 ms steps; each PINGREQ is answered (real I/O) before time moves on.
      for (let t = 0; t < 4 * KEEPALIVE_S * 1000; t += 100) {
        const pings = events.filter((x) => x.e.kind === 'trace' && x.e.name === 'PINGREQ').length;
        dev.advance(100);
        if (events.filter((x) => x.e.kind === 'trace' && x.e.name === 'PINGREQ').length > pings) {
          await dev.waitFor((e) => e.kind === 'trace' && e.name === 'PINGRESP', 'PINGRESP');
        }
      }
      const pingTimes = events.filter((x) => x.e.kind === 'trace' && x.e.name === 'PINGREQ').map((x) => x.t);
      expect(pingTimes.length).toBeGreaterThanOrEqual(3);
      // A PINGREQ goes out no later than one keepalive after the previous packet sent.
      for (let i = 1; i < pingTimes.length; i++) expect(
        pingTimes[i]! - pingTimes[i - 1]!).toBeLessThanOrEqual(KEEPALIVE_S * 1000);
      expect(events.some((x) => x.e.kind === 'disconnected')).toBe(false);
      expect(dev.state()).toBe(ClientState.CONNECTED);

      // Silent broker: nothing comes back, nothing is closed.
      proxy.blackhole(true);
      const silentFrom = lastHeard;
      let detectedAt = -1;
      for (let t = 0; t < 3 * KEEPALIVE_S * 1000 && detectedAt < 0; t += 100) {
        dev.advance(100);
        const d = events.find(
          (x) => x.e.kind === 'disconnected' || (x.e.kind === 'error' && x.e.code === Err.KEEPALIVE));
        if (d) detectedAt = d.t;
      }
      expect(detectedAt).toBeGreaterThan(0);
      const dis = events.find((x) => x.e.kind === 'disconnected')!.e as Extract<CoreEvent, { kind: 'disconnected' }>;
      expect(dis.reason).toBe(Err.KEEPALIVE);
      // the app hears it as an error too, as docs/node-host.md says, just before the disconnect
      const err = events.findIndex((x) => x.e.kind === 'error' && x.e.code === Err.KEEPALIVE);
      expect(err).toBeGreaterThanOrEqual(0);
      expect(err).toBeLessThan(events.findIndex((x) => x.e.kind === 'disconnected'));
      expect(detectedAt - silentFrom).toBeLessThanOrEqual(1.5 * KEEPALIVE_S * 1000);
      // And not too early: the broker had a full keepalive period to answer.
      expect(detectedAt - silentFrom).toBeGreaterThanOrEqual(KEEPALIVE_S * 1000);

      // The link comes back: the device reconnects after its backoff.
      proxy.blackhole(false);
      proxy.cutAll('fin');
      const again = dev.waitFor((e) => e.kind === 'connected', 'reconnection');
      dev.advance(2000);
      await again;
    } finally {
      dev.kill();
    }
  });
});
