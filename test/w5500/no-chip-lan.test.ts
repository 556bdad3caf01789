// The LAN image's side of no-chip.test.ts: a W5500 that stops answering on SPI (MISO floating
// high, so PHYCFGR reads "link up") is reported as ERR_NO_CHIP ("check the wiring/board") also
// when a connect would first wait for a DHCP lease or resolve the broker's name, not as the
// DHCP or DNS server's timeout (ERR_DHCP_NO_OFFER, ERR_DNS_TIMEOUT: "check the server"), which
// is what a DHCP wait or a DNS query over a silent chip ends in.
// build/w5500/core-lan.wasm (the core with the LAN services, as the *-lan images run them) in
// NodeDevice over the W5500 model; no DHCP or DNS server answers, so the first failure is the
// server's and the ones after the chip falls silent are the chip's.
import { afterEach, describe, expect, it } from 'vitest';
import { Cfg, Err } from '../../host-tools/sim/host/abi.ts';
import { silentChipRig } from '../helpers/silent-chip-rig.ts';

const CORE_LAN = 'build/w5500/core-lan.wasm';
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.reverse()) await c(); cleanup = []; });

async function rig(deviceBroker: string, deviceConfig: Array<[number, number]>) {
  const { net, failed, run } = await silentChipRig({}, {
    wasm: CORE_LAN, clientId: 'w5-no-chip-lan', deviceBroker, deviceConfig, connectTimeoutMs: 10_000,
  }, cleanup);
  /** The first failure (the server's), then the chip falls silent: the next two are the chip's. */
  const failThenSilence = async (first: number) => {
    await run(15_000, () => failed.length > 0);
    expect(failed[0]!.error).toBe(first);
    net.model.readByte = () => 0xff;
    await run(1000, () => failed.length > 2);
    expect(failed.length).toBe(3);
    for (const f of failed.slice(1)) {
      expect(f.error).toBe(Err.NO_CHIP);
      expect(f.message).toMatch(/^no W5500 answered on SPI: check the wiring\/board/);
      expect(f.tried).toBeUndefined();
    }
  };
  return { failThenSilence };
}

describe('a W5500 that stops answering, in a module with the LAN services', () => {
  it('with DHCP (CFG_DEVICE_IP 0): ERR_NO_CHIP, not ERR_DHCP_NO_OFFER', async () => {
    const { failThenSilence } = await rig('192.168.1.10:1883', [[Cfg.DEVICE_IP, 0]]);
    await failThenSilence(Err.DHCP_NO_OFFER);
  });

  it('with the broker by host name (DNS): ERR_NO_CHIP, not ERR_DNS_TIMEOUT', async () => {
    const { failThenSilence } = await rig('broker.wq.test:1883', []);
    await failThenSilence(Err.DNS_TIMEOUT);
  });
});
