// The device console of the LAN image (build/core/device-lan.wasm: firmware/app/console/index-lan.ts)
// on NodeDevice over its UART, against Debian's dnsmasq and a real Mosquitto: `set host NAME`
// and `net dns A.B.C.D` (kept by `save` across a restart on the same store), a connect by name, a name that does not
// resolve (the event names the DNS server asked), `set host A.B.C.D` dropping the name; and
// device.wasm (the bluepill's image, no DNS client) still refusing a name with bad-ip.
import { afterEach, describe, expect, it } from 'vitest';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { NodeDevice } from '../../host-tools/sim/host/device.ts';
import { MemoryStore } from '../../host-tools/sim/host/store.ts';
import { W5500NetworkBackend } from '../../host-tools/sim/host/w5500-backend.ts';
import { startDnsmasq, type Dnsmasq } from '../../host-tools/sim/w5500/dnsmasq.ts';

const DEVICE_LAN = 'build/core/device-lan.wasm';
const DEVICE = 'build/core/device.wasm';
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.reverse()) await c(); cleanup = []; });

/** A console on UART: `send(line)` resolves with the reply line; `lines` holds everything printed. */
async function consoleOn(wasm: string, store: MemoryStore, routes: Record<string, string>) {
  const net = new W5500NetworkBackend({ routes });
  const dev = await NodeDevice.start(
    { wasm, console: true, network: net, store, waitConnected: false, backoffMinMs: 200, backoffMaxMs: 400 });
  cleanup.push(() => { if (dev.alive) dev.kill(); return net.close(); });
  let text = '';
  dev.on('uart', (s: string) => { text += s; });
  const lines = (): string[] => text.split('\r\n').filter(Boolean);
  const waitLine = async (re: RegExp, from = 0, ms = 15_000): Promise<string> => {
    const until = Date.now() + ms;
    for (;;) {
      const hit = lines().slice(from).find((l) => re.test(l));
      if (hit) return hit;
      if (Date.now() > until) throw new Error(
        `no line matching ${re} within ${ms} ms; the console printed:\n${lines().join('\n')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const send = async (line: string): Promise<string> => {
    const from = lines().length;
    dev.uartInput(`${line}\r\n`);
    return waitLine(new RegExp(`^(ok|err) (${line.split(' ')[0]}|-)\\b`), from, 5000);
  };
  // NodeDevice connects at start; the tests connect when they say so
  await send('disconnect');
  return { dev, send, lines, waitLine, kill: () => dev.kill() };
}

async function lan(): Promise<{ broker: Mosquitto; dns: Dnsmasq; routes: Record<string, string> }> {
  const broker = await startMosquitto();
  cleanup.push(() => broker.stop());
  const dns = await startDnsmasq({ hosts: { 'broker.wq.test': '10.0.0.9' } });
  cleanup.push(() => dns.stop());
  // the device's gateway (its default DNS server) is 192.168.1.1
  return {
    broker, dns, routes: { '10.0.0.9:1883': `127.0.0.1:${broker.port}`, '192.168.1.1:53': `127.0.0.1:${dns.port}` } };
}

describe('the LAN image\'s console (device-lan.wasm)', () => {
  it('set host NAME is saved, survives a restart, and the device connects by that name', async () => {
    const { dns, routes } = await lan();
    const store = new MemoryStore();
    const first = await consoleOn(DEVICE_LAN, store, routes);
    expect(await first.send('set host broker.wq.test')).toBe('ok set');
    expect(await first.send('net dns 192.168.1.1')).toBe('ok net');
    expect(await first.send('show')).toMatch(/ host=broker\.wq\.test .* dns=192\.168\.1\.1$/);
    expect(await first.send('save')).toBe('ok save');
    first.kill();
    expect(dns.queries).toEqual([]);

    const again = await consoleOn(DEVICE_LAN, store, routes);
    expect(await again.send('show')).toMatch(/ host=broker\.wq\.test .* dns=192\.168\.1\.1$/);
    expect(await again.send('set port 1883')).toBe('ok set');
    const at = again.lines().length;
    expect(await again.send('connect')).toBe('ok connect');
    await again.waitLine(/^evt connected /, at);
    expect(dns.queries.filter((q) => q.includes('query[A] broker.wq.test')).length).toBeGreaterThanOrEqual(1);
    expect(await again.send('status')).toMatch(/ state=connected .* link=1 ip=192\.168\.1\.50 dhcp=0 lease=-1$/);
  }, 30_000);

  it('a name that does not resolve: connect-failed names the error and the DNS server asked, and it ' +
      'retries', async () => {
    const { dns, routes } = await lan();
    const c = await consoleOn(DEVICE_LAN, new MemoryStore(), routes);
    expect(await c.send('set host nosuch.wq.test')).toBe('ok set');
    const at = c.lines().length;
    await c.send('connect');
    expect(await c.waitLine(/^evt connect-failed /, at)).toBe(
      'evt connect-failed error=dns-name rc=none addr=192.168.1.1:53');
    const n = c.lines().length;
    await c.waitLine(/^evt connect-failed /, n);
    expect(dns.queries.filter((q) => q.includes('query[A] nosuch.wq.test')).length).toBeGreaterThanOrEqual(2);
    await c.send('disconnect');
  }, 30_000);

  it('set host A.B.C.D drops the name (no lookup; a refused connect names the address), and 300.1.1.1 is ' +
      'bad-ip', async () => {
    const { dns, routes } = await lan();
    const c = await consoleOn(DEVICE_LAN, new MemoryStore(), routes);
    expect(await c.send('set host broker.wq.test')).toBe('ok set');
    expect(await c.send('set host 10.0.0.7')).toBe('ok set');
    expect(await c.send('show')).toMatch(/ host=10\.0\.0\.7 /);
    expect(await c.send('set host 300.1.1.1')).toBe('err set bad-ip');
    expect(await c.send('net dns 10.0.0.53')).toBe('ok net');
    expect(await c.send('show')).toMatch(/ dns=10\.0\.0\.53$/);
    expect(await c.send('net dns 10.0.0')).toBe('err net bad-ip');
    expect(await c.send('set host a.b c')).toBe('err set extra-argument');
    expect(await c.send(`set host ${'x'.repeat(64)}`)).toBe('err set config-value');
    const at = c.lines().length;
    await c.send('connect');
    // 10.0.0.7 is routed nowhere: no ARP answer, the connect fails naming the address and port tried
    expect(await c.waitLine(/^evt connect-failed /, at)).toMatch(
      /^evt connect-failed error=\S+ rc=none addr=10\.0\.0\.7:1883$/);
    expect(dns.queries).toEqual([]);
    await c.send('disconnect');
  }, 30_000);

  it('device.wasm (the bluepill\'s image, no DNS client) still takes IPv4 only, and a failed connect names the ' +
      'address tried', async () => {
    const c = await consoleOn(DEVICE, new MemoryStore(), {});
    expect(await c.send('set host broker.wq.test')).toBe('err set bad-ip');
    expect(await c.send('set host 10.0.0.7')).toBe('ok set');
    const at = c.lines().length;
    await c.send('connect');
    expect(await c.waitLine(/^evt connect-failed /, at)).toMatch(
      /^evt connect-failed error=\S+ rc=none addr=10\.0\.0\.7:1883$/);
    await c.send('disconnect');
  }, 30_000);
});
