// A broker host name in wasmqtt.config.json reaching the real firmware: the config is saved into
// the store by the LAN image's own module (host-tools/config/store-image.ts: wq_config, then
// wq_config_save, which keeps the name in the LAN record), and the stm32f103rc LAN image's ELF,
// booted on the virtual board with that store, shows the name and connects to Mosquitto through
// it, asking Debian's dnsmasq (its gateway). Before, the name was not saved at all and the
// console's images had no DNS client.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { loadBoard } from '../../host-tools/fwbuild/boards.ts';
import { imageModule, imageStoreRegion, provisionStore } from '../../host-tools/config/store-image.ts';
import { VirtualBoard } from '../../host-tools/sim/board/board.ts';
import { BoardRunner } from '../../host-tools/sim/board/runner.ts';
import { W5500NetworkBackend } from '../../host-tools/sim/host/w5500-backend.ts';
import { startDnsmasq } from '../../host-tools/sim/w5500/dnsmasq.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { ROOT, requireBuilt, tempStore } from '../vboard/helpers.ts';
import { readFileSync } from 'node:fs';

const ELF = `${ROOT}/build/stm32f103rc-lan/firmware.elf`;
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.reverse()) await c(); cleanup = []; });

describe('the LAN image with a broker host name from wasmqtt.config.json', () => {
  it('is saved into the store by the image\'s module; the firmware shows it and connects by it through ' +
      'dnsmasq', async () => {
    const broker = await startMosquitto();
    cleanup.push(() => broker.stop());
    const dns = await startDnsmasq({ hosts: { 'broker.office.test': '10.0.0.9' } });
    cleanup.push(() => dns.stop());

    const board = loadBoard('stm32f103rc');
    const module = imageModule(requireBuilt(ELF));
    expect(module, 'image.json beside the ELF names its module').toMatch(/device-lan-p4096\.wasm$/);
    const region = imageStoreRegion(ELF, board);
    const chipId: [number, number, number] = [0x11, 0x22, 0x33];
    const store = await provisionStore({
      module: readFileSync(module!), board, store: new Uint8Array(region.bytes).fill(0xff), chipId,
      config: { broker: { host: 'broker.office.test', port: 1883 }, client: { keepalive: 30 } },
    });
    const storeFile = tempStore();
    writeFileSync(storeFile, store);

    let vb: VirtualBoard | undefined;
    const net = new W5500NetworkBackend({ clock: () => vb?.millis() ?? 0,
      routes: { '10.0.0.9:1883': `127.0.0.1:${broker.port}`, '192.168.1.1:53': `127.0.0.1:${dns.port}` } });
    vb = new VirtualBoard({ board: 'stm32f103rc', elf: ELF, w5500: net.model, storeFile, uid: chipId });
    let out = '';
    vb.on('uart', (c: number) => { out += String.fromCharCode(c); });
    const runner = new BoardRunner(vb, { speed: 5 });
    cleanup.push(async () => { await runner.stop(); await net.close(); vb!.close(); });
    runner.start();
    const see = (re: RegExp, ms: number) => runner.until(() => re.test(out), ms, String(re)).catch(
      (e: Error) => { throw new Error(`${e.message}; console:\n${out}`); });
    await see(/evt loaded [^\n]*\n/, 3000);
    vb.uartInput('show\r\n');
    await see(/ok show [^\n]*\n/, 2000);
    expect(out).toMatch(/ok show .* host=broker\.office\.test port=1883 .*keepalive=30 /);
    vb.uartInput('connect\r\n');
    await see(/evt connected session_present=0/, 20_000);
    expect(dns.queries.filter((q) => q.includes('query[A] broker.office.test'))).toHaveLength(1);
  }, 60_000);
});
