// The DNS client (firmware/core/net/dns.ts, enabled by net/lan.ts in build/w5500/core-lan.wasm)
// against Debian's dnsmasq: the broker by host name, the TTL cache, a name that does not resolve
// (clear error, retries), a DNS server that is gone (timeout after 1 + 2 + 4 s of virtual time),
// a malformed name, and core.wasm, which has no DNS client, refusing a host name clearly.
import { afterEach, describe, expect, it } from 'vitest';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { NodeDevice } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { ClientState, Err, Stat, errorText, type CoreEvent } from '../../host-tools/sim/host/abi.ts';
import { W5500NetworkBackend } from '../../host-tools/sim/host/w5500-backend.ts';
import { startDnsmasq, type Dnsmasq } from '../../host-tools/sim/w5500/dnsmasq.ts';

const CORE_LAN = 'build/w5500/core-lan.wasm';
const CORE = 'build/core/core.wasm';
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.reverse()) await c(); cleanup = []; });

/** A LAN: the gateway 192.168.1.1 is the DNS server (dnsmasq), the broker is 10.0.0.9 (Mosquitto). */
async function rig(opts: { name: string; wasm?: string; dns?: Dnsmasq; ttl?: number }) {
  const broker: Mosquitto = await startMosquitto();
  cleanup.push(() => broker.stop());
  const dns = opts.dns ?? await startDnsmasq({ hosts: { 'broker.wq.test': '10.0.0.9' }, ttl: opts.ttl });
  cleanup.push(() => dns.stop());
  const net = new W5500NetworkBackend({
    routes: { '10.0.0.9:1883': `127.0.0.1:${broker.port}`, '192.168.1.1:53': `127.0.0.1:${dns.port}` },
  });
  cleanup.push(() => net.close());
  const clock = new VirtualClock();
  const dev = await NodeDevice.start({
    wasm: opts.wasm ?? CORE_LAN, network: net, clock, clientId: 'w5-dns', deviceBroker: `${opts.name}:1883`,
    keepalive: 0, backoffMinMs: 500, backoffMaxMs: 1000, realTimeoutMs: 20_000, seed: 3, waitConnected: false,
  });
  cleanup.push(() => { if (dev.alive) dev.kill(); });
  const events: Array<{ at: number; e: CoreEvent }> = [];
  dev.on('event', (e: CoreEvent) => events.push({ at: clock.now(), e }));
  /** Virtual time in 10 ms steps; it stands still while the core waits on the real network. */
  const run = async (ms: number, until: () => boolean = () => false) => {
    const end = clock.now() + ms;
    const realDeadline = Date.now() + 20_000;
    let idle = 0;
    while (clock.now() < end && !until() && Date.now() < realDeadline) {
      const st = dev.stat(Stat.STATE);
      const waitingOnNet = (st === ClientState.TCP_CONNECTING || st === ClientState.MQTT_CONNECTING) && idle < 5;
      if (waitingOnNet) {
        const news = await Promise.race(
          [net.model.waitForInput().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20))]);
        idle = news ? 0 : idle + 1;
        dev.advance(0);
        continue;
      }
      idle = 0;
      dev.advance(10);
      await Promise.race([net.model.waitForInput(), new Promise<void>((r) => setImmediate(r))]);
    }
  };
  return { broker, dns, net, clock, dev, events, run };
}

const failures = (events: Array<{ e: CoreEvent }>) =>
  events.flatMap((x) => (x.e.kind === 'connect_failed' ? [x.e] : []));

describe('DNS client against dnsmasq', () => {
  it('connects to the broker by host name: one A query, the answer cached for its TTL across a reconnect', async () => {
    const r = await rig({ name: 'broker.wq.test', ttl: 60 });
    await r.run(5000, () => r.events.some((x) => x.e.kind === 'connected'));
    expect(r.events.some((x) => x.e.kind === 'connected')).toBe(true);
    expect(r.dns.queries.filter((q) => q.includes('query[A] broker.wq.test'))).toHaveLength(1);
    await r.dev.publish('dns/t', 'by name', { qos: 1 });
    r.net.model.faults.dropConnection(0); // the broker side closes: the core reconnects
    const n = r.events.filter((x) => x.e.kind === 'connected').length;
    await r.run(10_000, () => r.events.filter((x) => x.e.kind === 'connected').length > n);
    expect(r.events.filter((x) => x.e.kind === 'connected').length).toBe(n + 1);
    expect(r.dns.queries.filter((q) => q.includes('query[A] broker.wq.test'))).toHaveLength(1); // from the cache
  });

  it('after the TTL the cached answer expires: the next connect asks again', async () => {
    const r = await rig({ name: 'broker.wq.test', ttl: 1 });
    await r.run(5000, () => r.events.some((x) => x.e.kind === 'connected'));
    await r.run(1500); // connected for 1.5 s of virtual time: past the 1 s TTL
    r.net.model.faults.dropConnection(0);
    const n = r.events.filter((x) => x.e.kind === 'connected').length;
    await r.run(10_000, () => r.events.filter((x) => x.e.kind === 'connected').length > n);
    expect(r.events.filter((x) => x.e.kind === 'connected').length).toBe(n + 1);
    expect(r.dns.queries.filter((q) => q.includes('query[A] broker.wq.test'))).toHaveLength(2);
  });

  it('a name that does not resolve: ERR_DNS_NAME naming what to check, then retries with backoff, each asking ' +
      'again', async () => {
    const r = await rig({ name: 'nosuch.wq.test' });
    await r.run(5000, () => failures(r.events).length >= 3);
    const f = failures(r.events);
    expect(f.length).toBeGreaterThanOrEqual(3);
    expect(f.every((e) => e.error === Err.DNS_NAME)).toBe(true);
    expect(f[0]!.message).toBe(`${errorText(Err.DNS_NAME)} (asked the DNS server 192.168.1.1:53)`);
    expect(f[0]!.message).toMatch(/does not resolve.*check the spelling and the DNS server/);
    expect(r.dns.queries.filter((q) => q.includes('query[A] nosuch.wq.test')).length).toBeGreaterThanOrEqual(3);
    expect(r.dev.stat(Stat.LAST_ERROR)).toBe(Err.DNS_NAME);
    expect(r.events.some((x) => x.e.kind === 'connected')).toBe(false);
  });

  it('the DNS server is gone: ERR_DNS_TIMEOUT once the tries at 0, 1 and 3 s have had 4 s more (7 s of virtual ' +
      'time)', async () => {
    const dns = await startDnsmasq({ hosts: { 'broker.wq.test': '10.0.0.9' } });
    await dns.stop(); // before the device asks: its port now answers with ICMP port unreachable
    const r = await rig({ name: 'broker.wq.test', dns });
    r.dev.advance(0);
    for (let t = 0; t < 6900; t += 100) r.dev.advance(100);
    expect(failures(r.events)).toEqual([]);
    r.dev.advance(200);
    const f = failures(r.events);
    expect(f.map((e) => e.error)).toEqual([Err.DNS_TIMEOUT]);
    expect(f[0]!.message).toMatch(
      /no answer from the DNS server.*UDP port 53.*\(asked the DNS server 192\.168\.1\.1:53\)$/);
  });

  it('core.wasm has no DNS client: a host name is refused at start, saying which module to use', async () => {
    const net = new W5500NetworkBackend({ routes: {} });
    cleanup.push(() => net.close());
    await expect(NodeDevice.start({
      wasm: CORE, network: net, clock: new VirtualClock(), deviceBroker: 'broker.wq.test:1883', waitConnected: false }))
      .rejects.toThrow(/"broker\.wq\.test" is a host name, but this module has no DNS client.*core-lan\.wasm/);
  });

  it('a host name that is not one (empty label) fails with ERR_DNS_BAD before any query', async () => {
    const r = await rig({ name: 'broker..wq.test' });
    await r.run(1000, () => failures(r.events).length > 0);
    expect(failures(r.events)[0]!.error).toBe(Err.DNS_BAD);
    expect(r.dns.queries).toEqual([]);
  });

  it('a resolved broker that refuses the connection: ERR_TCP_FAILED naming the address and port tried', async () => {
    const dns = await startDnsmasq({ hosts: { 'broker.wq.test': '10.0.0.9', 'down.wq.test': '10.0.0.66' } });
    const closed = await startMosquitto();
    const port = closed.port;
    await closed.stop(); // nothing listens there now: the connect is refused
    const r = await rig({ name: 'down.wq.test', dns });
    r.net.model.addressMap.add('10.0.0.66:1883', `127.0.0.1:${port}`);
    await r.run(3000, () => failures(r.events).length > 0);
    const f = failures(r.events)[0]!;
    expect(f.error).toBe(Err.TCP_FAILED);
    expect(f.tried).toBe('10.0.0.66:1883');
    expect(f.message).toMatch(/check the broker address\/port.*\(tried 10\.0\.0\.66:1883\)$/);
  });
});
