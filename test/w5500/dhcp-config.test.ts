// network.dhcp in wasmqtt.config.json: saved into a device's store as the device address 0.0.0.0
// (what makes the LAN module's DHCP client lease one), refused with a clear error for a module
// without a DHCP client and when it comes with a static address; a device booted from such a
// store leases its address from dnsmasq and connects.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { projectConfigSchema, type ProjectConfig } from '../../host-tools/config/schema.ts';
import { provisionStore } from '../../host-tools/config/store-image.ts';
import { loadBoard } from '../../host-tools/fwbuild/boards.ts';
import { NodeDevice } from '../../host-tools/sim/host/device.ts';
import { MemoryStore } from '../../host-tools/sim/host/store.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { ClientState, DhcpState, Stat, type CoreEvent } from '../../host-tools/sim/host/abi.ts';
import { W5500NetworkBackend } from '../../host-tools/sim/host/w5500-backend.ts';
import { startDhcpRig } from '../helpers/dhcp-rig.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.reverse()) await c(); cleanup = []; });

const board = loadBoard('bluepill');
const chipId: [number, number, number] = [0x11223344, 0x55667788, 0x99aabbcc];
const uid = '4433221188776655ccbbaa99'; // the same 96 bits, in the byte order the uid import hands out
const storeBytes = () => new Uint8Array(board.storePages * board.memory.flashPageBytes).fill(0xff);

describe('network.dhcp in the project config', () => {
  it('is refused together with a static ip, gateway or mask (the lease gives them)', () => {
    const r = projectConfigSchema.safeParse({ network: { dhcp: true, ip: '192.168.1.50' } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(
      /takes the address, gateway and mask from the DHCP lease; drop ip, gateway and mask/);
    expect(projectConfigSchema.safeParse({ network: { dhcp: true } }).success).toBe(true);
  });

  it('a module without a DHCP client (core.wasm) is refused, naming the module to use', async () => {
    const config: ProjectConfig = { network: { dhcp: true } } as ProjectConfig;
    await expect(
      provisionStore({ module: readFileSync('build/core/core.wasm'), board, store: storeBytes(), chipId, config }))
      .rejects.toThrow(/network\.dhcp: this module has no DHCP or DNS client.*build\/w5500\/core-lan\.wasm/);
  });

  it('saved by core-lan.wasm into the store: the device boots from it, leases its address from dnsmasq and ' +
      'connects', async () => {
    const rig = await startDhcpRig();
    cleanup.push(() => rig.close());
    const broker = await startMosquitto();
    cleanup.push(() => broker.stop());
    const config = projectConfigSchema.parse({ network: { dhcp: true }, broker: { host: rig.routerIp, port: 1883 } });
    const saved = await provisionStore(
      { module: readFileSync('build/w5500/core-lan.wasm'), board, store: storeBytes(), chipId, config });
    const store = new MemoryStore({ size: saved.length, pageSize: board.memory.flashPageBytes });
    store.write(0, saved);
    const net = new W5500NetworkBackend({ routes: { [`${rig.routerIp}:1883`]: `127.0.0.1:${broker.port}` } });
    rig.route(net.model.addressMap);
    cleanup.push(() => net.close());
    const clock = new VirtualClock();
    // no deviceConfig: the address 0.0.0.0 comes from the store
    const dev = await NodeDevice.start({ wasm: 'build/w5500/core-lan.wasm', network: net, clock, store, uid,
      deviceBroker: `${rig.routerIp}:1883`, waitConnected: false, keepalive: 0, seed: 2 });
    cleanup.push(() => { if (dev.alive) dev.kill(); });
    const events: CoreEvent[] = [];
    dev.on('event', (e: CoreEvent) => events.push(e));
    // each DISCOVER and REQUEST (option 53 = 1, 3) gets its answer before virtual time moves on (5 s of real time at
    // most)
    let owed = 0;
    net.model.onUdp((dir, peer, data) => {
      if (peer.host !== rig.serverIp) return;
      if (dir === 'received') owed = Math.max(0, owed - 1); else if (data[242] === 1 || data[242] === 3) owed++;
    });
    for (let i = 0; i < 400 && dev.stat(Stat.STATE) !== ClientState.CONNECTED; i++) {
      dev.advance(20);
      for (const give = Date.now() + 5000; owed > 0 && Date.now() < give;) {
        await Promise.race([net.model.waitForInput(), new Promise<void>((r) => setTimeout(r, 20))]);
      }
      await net.model.settled();
      // CONNECT sent: the CONNACK comes in real time (2 s of it at most)
      if (dev.stat(Stat.STATE) === ClientState.MQTT_CONNECTING) await Promise.race(
        [net.model.waitForInput(), new Promise<void>((r) => setTimeout(r, 2000))]);
      await new Promise<void>((r) => setImmediate(r));
    }
    expect(events.find((e) => e.kind === 'dhcp')).toMatchObject({ event: 'bound', ip: rig.leaseIp });
    expect(dev.stat(Stat.DHCP_STATE)).toBe(DhcpState.BOUND);
    expect(dev.stat(Stat.STATE)).toBe(ClientState.CONNECTED);
  });
});
