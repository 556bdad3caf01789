// A W5500 that stops answering on SPI (MISO floating high: a loose wire, the chip unpowered behind a
// pull-up) is reported as the board's fault, ERR_NO_CHIP ("check the wiring/board"), not as
// ERR_TCP_FAILED ("check the broker address"), also when the driver finds it at a connect
// (netConnect fails before anything reaches the broker) rather than at a link poll.
// core.wasm in NodeDevice over the W5500 model; the broker's address refuses connections (a real
// closed port), so the first failure is the broker's and the next one the chip's.
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Err } from '../../host-tools/sim/host/abi.ts';
import { silentChipRig } from '../helpers/silent-chip-rig.ts';

const CORE = 'build/core/core.wasm';
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.reverse()) await c(); cleanup = []; });

/** A local TCP port nothing listens on (bound, then closed): connecting there is refused. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function rig() {
  return silentChipRig(
    { '192.168.1.10:1883': `127.0.0.1:${await closedPort()}` }, { wasm: CORE, clientId: 'w5-no-chip' }, cleanup);
}

describe('a W5500 that stops answering', () => {
  it('found at a connect: ERR_NO_CHIP with the wiring/board text, not ERR_TCP_FAILED', async () => {
    const { net, failed, run } = await rig();
    await run(5000, () => failed.length > 0);
    // the broker's address refuses: that one is the broker's (TCP_FAILED names the address)
    expect(failed[0]!.error).toBe(Err.TCP_FAILED);
    expect(failed[0]!.message).toMatch(/check the broker address/);
    // MISO floats high from now on: PHYCFGR reads 0xff (link "up"), so the next attempt reaches
    // netConnect, whose check of the chip's identity registers finds nothing there
    net.model.readByte = () => 0xff;
    await run(1000, () => failed.length > 1);
    expect(failed.length).toBe(2);
    expect(failed[1]!.error).toBe(Err.NO_CHIP);
    expect(failed[1]!.message).toMatch(/^no W5500 answered on SPI: check the wiring\/board/);
    expect(failed[1]!.message).not.toMatch(/check the broker address|tried \d/);
    expect(failed[1]!.tried).toBeUndefined();
    // and it stays the chip's fault while the bus floats
    await run(1000, () => failed.length > 2);
    expect(failed[2]!.error).toBe(Err.NO_CHIP);
  });
});
