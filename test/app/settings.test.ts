// App settings (firmware/app/sdk/settings.ts) through a test app (test/app/fixtures/settings.ts)
// on NodeDevice: values provisioned by the host are read back, the app changes and saves them
// (strings with multi-byte characters, numbers), the change survives a restart, and a value
// too long for the 128-byte blob is refused without damaging what is there. The same app reads the
// core's running config (wq_config_get, wq_config_num: docs/app-api.md, "Config").
import { describe, expect, it } from 'vitest';
import { NodeDevice } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { MemoryStore } from '../../host-tools/sim/host/store.ts';
import { ROOT } from '../vboard/helpers.ts';

const WASM = `${ROOT}/build/app/settings-test.wasm`;

async function boot(store: MemoryStore): Promise<string[]> {
  const dev = await NodeDevice.start({ wasm: WASM, store, clock: new VirtualClock(), waitConnected: false });
  let out = '';
  dev.on('uart', (s: string) => { out += s; });
  await new Promise((r) => setImmediate(r));
  await dev.close();
  return out.split('\r\n').filter((l) => l.length > 0);
}

async function provisioned(settings: Record<string, string | number>): Promise<MemoryStore> {
  const store = new MemoryStore({ size: 12 * 1024, pageSize: 1024 });
  const dev = await NodeDevice.start({ wasm: WASM, store, clock: new VirtualClock(), waitConnected: false });
  dev.setAppSettings(settings);
  await dev.close();
  return store;
}

describe('app settings', () => {
  it('an app reads the running config: wq_config_get stages strings, numbers and the MAC and refuses unknown keys; ' +
      'wq_config_num returns a number', async () => {
    const store = new MemoryStore({ size: 12 * 1024, pageSize: 1024 });
    const dev = await NodeDevice.start({ wasm: WASM, store, clock: new VirtualClock(), waitConnected: false,
      clientId: 'cfg-read', username: 'ü', deviceBroker: '10.1.2.3:1999', spillMs: 250, window: 3 });
    dev.saveConfig();
    dev.setAppSettings({ op: 'config' });
    await dev.close();
    // client id, user name, password, port, IP (first and last byte),
    expect(await boot(store)).toEqual(['a=-1', 'b=-1',
      // spill, MAC (first byte), next pid and key 99: ERR_CONFIG_KEY
      '8,cfg-read', '2,ü', '0', '4,1999', '4,10,3', '4,250', '6,2', '-7,-7',
      '1999,250,0,3']); // wq_config_num: port, spill, console quiet, window
  });

  it('reads what the host provisioned; the app replaces a string and a number and saves; a restart sees ' +
      'them', async () => {
    const store = await provisioned({ a: 'first', b: 7, op: 'swap' });
    expect(await boot(store)).toEqual(['a=5', 'first', 'b=7', 'set=1,1', 'save=0']);
    expect((await boot(store)).slice(0, 3)).toEqual(['a=6', 'héllo', 'b=-42']);
  });

  it('a value that does not fit the 128-byte blob is refused and the others stay', async () => {
    const store = await provisioned({ a: 'kept', b: 3, op: 'fill' });
    expect(await boot(store)).toEqual(['a=4', 'kept', 'b=3', 'fill=0', 'save=0']);
    expect((await boot(store)).slice(0, 3)).toEqual(['a=4', 'kept', 'b=3']);
  });

  it('the host is told when its settings are too long', async () => {
    const store = new MemoryStore({ size: 12 * 1024, pageSize: 1024 });
    const dev = await NodeDevice.start({ wasm: WASM, store, clock: new VirtualClock(), waitConnected: false });
    try {
      expect(() => dev.setAppSettings({ a: 'x'.repeat(200) })).toThrow(/more than the 128 bytes an app keeps/);
    } finally {
      await dev.close();
    }
  });
});
