// The DHCP client (firmware/core/net/dhcp.ts, in build/w5500/core-lan.wasm) against Debian's
// dnsmasq in a network namespace the test makes (test/helpers/dhcp-rig.ts): a lease, then the MQTT
// link to a real Mosquitto; renewal at T1 keeping the address and the link; a NAK when the pool
// changed under the lease; expiry when the server is gone, and recovery when it is back; the static
// fallback; and a module without a DHCP client refusing the setting.
// Time: the device runs on virtual time (its T1/T2/expiry timers and retransmits), dnsmasq on real
// time. After every datagram the device sends, virtual time stands still until dnsmasq's answer
// is in (or, when the server is down, until the model has nothing more in flight), so no outcome
// depends on how fast dnsmasq or this machine is.
import { afterEach, describe, expect, it } from 'vitest';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { startDhcpRig, type DhcpRig, type DhcpRigOptions } from '../helpers/dhcp-rig.ts';
import { NodeDevice } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { Cfg, ClientState, DhcpState, Err, Stat, type CoreEvent } from '../../host-tools/sim/host/abi.ts';
import { ipv4ToU32 } from '../../host-tools/sim/host/network.ts';
import { W5500NetworkBackend } from '../../host-tools/sim/host/w5500-backend.ts';

const CORE_LAN = 'build/w5500/core-lan.wasm';
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.reverse()) await c(); cleanup = []; });

type Dhcp = Extract<CoreEvent, { kind: 'dhcp' }>;

async function lan(
    o: DhcpRigOptions & { config?: Array<[number, number]>; serverDown?: boolean; holder?: boolean } = {}) {
  const rig: DhcpRig = await startDhcpRig(o);
  cleanup.push(() => rig.close());
  if (o.serverDown) await rig.stop();
  const broker = await startMosquitto();
  cleanup.push(() => broker.stop());
  // the broker on the LAN's router address, reached on this machine's loopback
  const net = new W5500NetworkBackend({ routes: { [`${rig.routerIp}:1883`]: `127.0.0.1:${broker.port}` } });
  rig.route(net.model.addressMap);
  // another host on the LAN already using the address dnsmasq leases: it answers ARP (any route makes the model's ARP
  // succeed)
  if (o.holder) net.model.addressMap.add(`${rig.leaseIp}:*`, '127.0.0.1:0');
  cleanup.push(() => net.close());
  const clock = new VirtualClock();
  const dev = await NodeDevice.start({
    wasm: CORE_LAN, network: net, clock, clientId: 'w5-dhcp', deviceBroker: `${rig.routerIp}:1883`, keepalive: 0,
    backoffMinMs: 500, backoffMaxMs: 2000, seed: 11, waitConnected: false, realTimeoutMs: 30_000,
    deviceConfig: [[Cfg.DEVICE_IP, 0], ...(o.config ?? [])],
  });
  cleanup.push(() => { if (dev.alive) dev.kill(); });
  const events: Array<{ at: number; e: CoreEvent }> = [];
  dev.on('event', (e: CoreEvent) => events.push({ at: clock.now(), e }));
  let serverUp = !o.serverDown;
  /**
   * Answers dnsmasq owes: every DISCOVER and REQUEST sent to it while it runs gets exactly one
   * (OFFER, ACK or NAK); a DECLINE and the ARP probe's datagram get none.
   */
  let owed = 0;
  const server = `${rig.serverIp}:67`;
  net.model.onUdp((dir, peer, data) => {
    if (`${peer.host}:${peer.port}` !== server) return;
    if (dir === 'received') owed = Math.max(0, owed - 1);
    // option 53 (the first option): DISCOVER, REQUEST
    else if (serverUp && (data[242] === 1 || data[242] === 3)) owed++;
  });
  /**
   * Virtual time in 20 ms steps until `until` holds or `ms` have passed. While dnsmasq runs,
   * virtual time stands still until what it owes has arrived (the device may also send when an
   * arrival wakes it); a TCP connect in progress holds it until the model has nothing in flight,
   * a CONNECT until the broker's answer is in.
   */
  const run = async (ms: number, until: () => boolean = () => false) => {
    const end = clock.now() + ms;
    const realDeadline = Date.now() + 60_000;
    while (clock.now() < end && !until()) {
      if (Date.now() > realDeadline) throw new Error(`virtual time stuck at ${clock.now()} ms`);
      // dnsmasq answers within milliseconds; 5 s of real time is a dead server (the test then fails on what it
      // expected)
      const give = Date.now() + 5000;
      while (owed > 0 && Date.now() < give) {
        await Promise.race([net.model.waitForInput(), new Promise<void>((r) => setTimeout(r, 50))]);
      }
      const st = dev.stat(Stat.STATE);
      if (st === ClientState.TCP_CONNECTING) await net.model.settled();
      // CONNECT sent: Mosquitto's CONNACK comes in real time (2 s of it at most), not by luck within CFG_TIMEOUT_MS of
      // virtual time
      if (st === ClientState.MQTT_CONNECTING) await Promise.race(
        [net.model.waitForInput(), new Promise<void>((r) => setTimeout(r, 2000))]);
      dev.advance(20);
      await net.model.settled();
      await new Promise<void>((r) => setImmediate(r));
    }
  };
  const dhcp = (): Dhcp[] => events.flatMap((x) => (x.e.kind === 'dhcp' ? [x.e] : []));
  const count = (kind: CoreEvent['kind']) => events.filter((x) => x.e.kind === kind).length;
  return {
    rig, broker, net, clock, dev, events, run, dhcp, count,
    /** Until dnsmasq has logged a line like `re` (real time, at most 5 s). */
    async logged(re: RegExp) {
      for (const give = Date.now() + 5000; !rig.log.some((l) => re.test(l)) &&
        Date.now() < give;) await new Promise((res) => setTimeout(res, 20));
    },
    setServerUp(up: boolean) { serverUp = up; if (!up) owed = 0; },
  };
}

const ip = (s: string) => ipv4ToU32(s) | 0;

describe('DHCP client against dnsmasq (in a network namespace of its own)', () => {
  it('leases an address (DISCOVER, OFFER, REQUEST, ACK), reports it as an event and in the stats, then connects and ' +
      'publishes', async () => {
    const r = await lan();
    await r.run(5000, () => r.count('connected') > 0);
    expect(r.rig.log.map((l) => l.split('(')[0])).toEqual(['DHCPDISCOVER', 'DHCPOFFER', 'DHCPREQUEST', 'DHCPACK']);
    const bound = r.dhcp().find((e) => e.event === 'bound')!;
    expect(bound).toMatchObject({ ip: r.rig.leaseIp, gateway: r.rig.routerIp, netmask: '255.255.255.0',
      dns: r.rig.dnsIp, leaseS: 120, server: r.rig.serverIp });
    expect(bound.message).toBe(
      `DHCP bound: ${r.rig.leaseIp} mask 255.255.255.0 gateway ${r.rig.routerIp} dns ${r.rig.dnsIp}, lease 120 s ` +
      `from ${r.rig.serverIp}`);
    expect(r.count('connected')).toBe(1);
    expect(r.dev.stat(Stat.DHCP_STATE)).toBe(DhcpState.BOUND);
    expect(r.dev.stat(Stat.IP)).toBe(ip(r.rig.leaseIp));
    expect(r.dev.stat(Stat.GATEWAY)).toBe(ip(r.rig.routerIp));
    expect(r.dev.stat(Stat.NETMASK)).toBe(ip('255.255.255.0'));
    expect(r.dev.stat(Stat.DNS)).toBe(ip(r.rig.dnsIp));
    // counted from the REQUEST, 1.8 s (the ARP probe) before 'bound'
    const since = r.clock.now() - (r.events.find((x) => x.e.kind === 'dhcp')!.at - 1800);
    expect(Math.abs(r.dev.stat(Stat.LEASE_LEFT_S) - (120 - Math.floor(since / 1000)))).toBeLessThanOrEqual(1);
    // the address is on the chip (SIPR, GAR, SUBR as the W5500 would send from)
    const common = r.net.model.read(0x0001, 0, 18);
    expect([...common.subarray(14, 18)].join('.')).toBe(r.rig.leaseIp);
    expect([...common.subarray(0, 4)].join('.')).toBe(r.rig.routerIp);
    await r.dev.publish('dhcp/t', 'leased', { qos: 1 });
  });

  it('renews at T1 with a REQUEST to the server: same address, lease extended, the MQTT link stays up', async () => {
    const r = await lan();
    await r.run(5000, () => r.count('connected') > 0);
    const boundAt = r.events.find((x) => x.e.kind === 'dhcp')!.at;
    await r.run(70_000, () => r.dhcp().some((e) => e.event === 'renewed'));
    const ev = r.dhcp().map((e) => e.event);
    expect(ev).toEqual(['bound', 'renewing', 'renewed']);
    const renewingAt = r.events.find((x) => x.e.kind === 'dhcp' && x.e.event === 'renewing')!.at;
    // T1 = 60 s (dnsmasq's option 58), counted from the REQUEST: 20 ms before the ACK, and the ARP
    // probe of the new address (1.8 s: the chip's ARP timeout) came between the ACK and 'bound'
    expect(renewingAt - boundAt).toBeGreaterThanOrEqual(60_000 - 1800 - 100);
    expect(renewingAt - boundAt).toBeLessThan(60_000 - 1800 + 100);
    expect(r.rig.log.slice(4).map((l) => l.split('(')[0])).toEqual(['DHCPREQUEST', 'DHCPACK']);
    expect(r.dhcp().at(-1)!.ip).toBe(r.rig.leaseIp);
    expect(r.dev.stat(Stat.LEASE_LEFT_S)).toBe(120); // counted from the renewing REQUEST
    expect(r.count('disconnected')).toBe(0);
    expect(r.dev.stat(Stat.STATE)).toBe(ClientState.CONNECTED);
    await r.dev.publish('dhcp/t', 'after renew', { qos: 1 });
  });

  it('a NAK at renewal (the pool changed under the lease): the address and the MQTT link go at once, a new lease, ' +
      'reconnected', async () => {
    const r = await lan();
    await r.run(5000, () => r.count('connected') > 0);
    const newIp = r.rig.leaseIp.replace(/\.10$/, '.11');
    await r.rig.stop();
    await r.rig.start(newIp); // the same server, now leasing .11 only: it refuses .10
    await r.run(70_000, () => r.dhcp().some((e) => e.event === 'nak'));
    expect(r.rig.log.some((l) => l.startsWith('DHCPNAK'))).toBe(true);
    const drop = r.events.find((x) => x.e.kind === 'disconnected');
    expect(drop?.e).toMatchObject({ reason: Err.DHCP_NAK });
    await r.run(10_000, () => r.count('connected') > 1);
    expect(r.dhcp().map((e) => e.event)).toEqual(['bound', 'renewing', 'nak', 'bound']);
    expect(r.dhcp().at(-1)!.ip).toBe(newIp);
    expect(r.dev.stat(Stat.IP)).toBe(ip(newIp));
    expect(r.count('connected')).toBe(2);
  });

  it('the cable out and back in: the address is confirmed with a REQUEST (INIT-REBOOT) before it is trusted ' +
      'again', async () => {
    const r = await lan();
    await r.run(5000, () => r.count('connected') > 0);
    r.net.model.faults.linkDown();
    await r.run(1000);
    r.net.model.faults.linkUp();
    await r.run(5000, () => r.dhcp().some((e) => e.event === 'renewed') && r.count('connected') > 1);
    expect(r.dhcp().map((e) => e.event)).toEqual(['bound', 'verifying', 'renewed']);
    expect(r.rig.log.slice(4).map((l) => l.split('(')[0])).toEqual(['DHCPREQUEST', 'DHCPACK']);
    expect(r.dhcp().at(-1)!.ip).toBe(r.rig.leaseIp);
    expect(r.count('connected')).toBe(2);
  });

  it('the cable back in with no DHCP server answering: two REQUESTs, then the unexpired lease is kept', async () => {
    const r = await lan();
    await r.run(5000, () => r.count('connected') > 0);
    r.net.model.faults.linkDown();
    await r.rig.stop();
    r.setServerUp(false);
    await r.run(1000);
    const sent = r.net.model.udpDatagramsSent;
    r.net.model.faults.linkUp();
    await r.run(20_000);
    expect(r.dhcp().map((e) => e.event)).toEqual(['bound', 'verifying']);
    expect(r.net.model.udpDatagramsSent - sent).toBe(2); // at once and after 4 s, then no more until T1
    expect(r.dev.stat(Stat.DHCP_STATE)).toBe(DhcpState.BOUND);
    expect(r.dev.stat(Stat.IP)).toBe(ip(r.rig.leaseIp));
    expect(r.dev.stat(Stat.STATE)).toBe(ClientState.CONNECTED);
  });

  it('the cable moved to a network whose server refuses the address: NAK, a new lease, reconnected over ' +
      'it', async () => {
    const r = await lan();
    await r.run(5000, () => r.count('connected') > 0);
    const newIp = r.rig.leaseIp.replace(/\.10$/, '.11');
    r.net.model.faults.linkDown();
    await r.rig.stop();
    await r.rig.start(newIp);
    await r.run(1000);
    r.net.model.faults.linkUp();
    await r.run(10_000, () => r.dhcp().filter((e) => e.event === 'bound').length > 1 &&
      r.dev.stat(Stat.STATE) === ClientState.CONNECTED);
    expect(r.dhcp().map((e) => e.event)).toEqual(['bound', 'verifying', 'nak', 'bound']);
    expect(r.rig.log.some((l) => l.startsWith('DHCPNAK'))).toBe(true);
    expect(r.dev.stat(Stat.IP)).toBe(ip(newIp));
    expect(r.dev.stat(Stat.STATE)).toBe(ClientState.CONNECTED);
  });

  it('server gone: renew at T1 and rebind at T2 unanswered, the lease expires (address and link dropped), DISCOVER ' +
      'until it is back', async () => {
    const r = await lan();
    await r.run(5000, () => r.count('connected') > 0);
    const boundAt = r.events.find((x) => x.e.kind === 'dhcp')!.at;
    await r.rig.stop();
    r.setServerUp(false);
    await r.run(125_000, () => r.dhcp().some((e) => e.event === 'expired'));
    expect(r.dhcp().map((e) => e.event)).toEqual(['bound', 'renewing', 'rebinding', 'expired']);
    const at = (what: string) => r.events.find((x) => x.e.kind === 'dhcp' && x.e.event === what)!.at - boundAt;
    // T2 = 105 s (option 59) and the lease's 120 s, from the REQUEST (1.8 s of ARP probe before 'bound')
    expect(at('rebinding')).toBeGreaterThanOrEqual(105_000 - 1900);
    expect(at('rebinding')).toBeLessThan(105_000 - 1700);
    expect(at('expired')).toBeGreaterThanOrEqual(120_000 - 1900);
    expect(at('expired')).toBeLessThan(120_000 - 1700);
    const drop = r.events.find((x) => x.e.kind === 'disconnected')!;
    expect(drop.e).toMatchObject({ reason: Err.DHCP_LEASE_LOST });
    expect((drop.e as { message: string }).message).toMatch(
      /DHCP lease expired.*check that the DHCP server is running/);
    expect(drop.at - boundAt - at('expired')).toBeLessThan(100); // dropped with the address, not by a timeout
    expect(r.dev.stat(Stat.IP)).toBe(0);
    expect(r.dev.stat(Stat.LEASE_LEFT_S)).toBe(-1);
    expect(r.dev.stat(Stat.DHCP_STATE)).toBe(DhcpState.SELECTING);
    expect([...r.net.model.read(0x000f, 0, 4)]).toEqual([0, 0, 0, 0]); // SIPR cleared
    // connect attempts meanwhile fail naming the DHCP phase and whom they asked
    await r.run(15_000, () => r.events.some((x) => x.e.kind === 'connect_failed'));
    const failed = r.events.find((x) => x.e.kind === 'connect_failed')!.e as { error: number; message: string };
    expect(failed.error).toBe(Err.DHCP_NO_OFFER);
    expect(failed.message).toMatch(
      /^DHCP, DISCOVER phase: no DHCP server offered an address.*\(asked the DHCP server 255\.255\.255\.255:67\)$/);
    // the server is back: the next DISCOVER gets the address again and the device reconnects
    r.rig.log.length = 0;
    await r.rig.start();
    r.setServerUp(true);
    await r.run(80_000, () => r.count('connected') > 1);
    expect(r.rig.log.map((l) => l.split('(')[0])).toEqual(['DHCPDISCOVER', 'DHCPOFFER', 'DHCPREQUEST', 'DHCPACK']);
    expect(r.dhcp().at(-1)).toMatchObject({ event: 'bound', ip: r.rig.leaseIp });
    expect(r.count('connected')).toBe(2);
  }, 60_000);

  it('the leased address answers ARP (another host has it): DECLINE, no address taken, DISCOVER again after 10 ' +
      's', async () => {
    const r = await lan({ holder: true });
    await r.run(15_000, () => r.events.some((x) => x.e.kind === 'connect_failed'));
    expect(r.dhcp().map((e) => e.event)).toEqual(['declined']);
    await r.logged(/^DHCPDECLINE/); // (unanswered, so nothing else tells when dnsmasq has logged it)
    expect(r.rig.log.map((l) => l.split('(')[0])).toEqual(
      ['DHCPDISCOVER', 'DHCPOFFER', 'DHCPREQUEST', 'DHCPACK', 'DHCPDECLINE']);
    const failed = r.events.find((x) => x.e.kind === 'connect_failed')!.e as { error: number; message: string };
    expect(failed.error).toBe(Err.DHCP_DECLINED);
    expect(failed.message).toMatch(
      /another host answers ARP for the leased address.*\(asked the DHCP server 255\.255\.255\.255:67\)$/);
    expect(r.dev.stat(Stat.IP)).toBe(0);
    expect([...r.net.model.read(0x000f, 0, 4)]).toEqual([0, 0, 0, 0]); // never put on the chip
    const declinedAt = r.events.find((x) => x.e.kind === 'dhcp')!.at;
    await r.run(12_000, () => r.rig.log.length > 5);
    expect(r.rig.log[5]).toMatch(/^DHCPDISCOVER/);
    const again = r.net.model.udpDatagramsSent;
    expect(again).toBeGreaterThan(0);
    expect(r.clock.now() - declinedAt).toBeGreaterThanOrEqual(10_000);
    expect(r.count('connected')).toBe(0);
  }, 60_000);

  it('no DHCP server and a static fallback configured: the fallback after CFG_TIMEOUT_MS, connected over it, still ' +
      'asking; a lease later replaces it', async () => {
    const r = await lan({ serverDown: true,
      config: [[Cfg.DHCP_FALLBACK, ipv4ToU32('10.99.0.50')], [Cfg.GATEWAY, ipv4ToU32('10.99.0.1')]] });
    await r.run(30_000, () => r.count('connected') > 0);
    const fb = r.dhcp().find((e) => e.event === 'fallback')!;
    expect(fb).toMatchObject({ ip: '10.99.0.50', gateway: '10.99.0.1', netmask: '255.255.255.0', state: 'fallback' });
    expect(r.events.find((x) => x.e.kind === 'dhcp')!.at).toBeGreaterThanOrEqual(10_000); // CFG_TIMEOUT_MS
    expect(r.dev.stat(Stat.IP)).toBe(ip('10.99.0.50'));
    expect(r.dev.stat(Stat.DHCP_STATE)).toBe(DhcpState.FALLBACK);
    expect(r.count('connected')).toBe(1);
    const sent = r.net.model.udpDatagramsSent;
    await r.run(70_000);
    expect(r.net.model.udpDatagramsSent).toBeGreaterThan(sent); // DISCOVER goes on in the background
    // a server appears: the lease replaces the fallback, and the MQTT link is made again over it
    await r.rig.start();
    r.setServerUp(true);
    await r.run(80_000, () => r.count('connected') > 1);
    expect(r.dhcp().map((e) => e.event)).toEqual(['fallback', 'bound']);
    expect(r.dev.stat(Stat.IP)).toBe(ip(r.rig.leaseIp));
    expect(r.events.find((x) => x.e.kind === 'disconnected')?.e).toMatchObject({ reason: Err.DHCP_LEASE_LOST });
    expect(r.count('connected')).toBe(2);
  }, 60_000);

  it('core.wasm has no DHCP client: the fallback key is refused as unknown', async () => {
    const net = new W5500NetworkBackend({ routes: {} });
    cleanup.push(() => net.close());
    await expect(
      NodeDevice.start({ wasm: 'build/core/core.wasm', network: net, clock: new VirtualClock(), waitConnected: false,
      deviceConfig: [[Cfg.DHCP_FALLBACK, 1]] })).rejects.toThrow(/config DHCP_FALLBACK: unknown config key/);
  });
});
