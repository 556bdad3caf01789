// NodeDevice over the W5500 model for the "a chip that stops answering" tests (test/w5500/no-chip*.test.ts):
// the device, its connect_failed events in order, and a virtual-time runner that waits for the model
// while a connect or a datagram is under way. The test makes the chip fall silent itself
// (net.model.readByte = () => 0xff: MISO floating high).
import { NodeDevice, type NodeDeviceOptions } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { W5500NetworkBackend } from '../../host-tools/sim/host/w5500-backend.ts';
import type { CoreEvent } from '../../host-tools/sim/host/abi.ts';

export type ConnectFailed = Extract<CoreEvent, { kind: 'connect_failed' }>;

/** Starts the device (no keepalive, 200 ms backoff, seed 5, not waiting for a connection) with
 * `options` on top; `cleanup` gets the device's and the network's teardown, in that order of need. */
export async function silentChipRig(routes: Record<string, string>, options: NodeDeviceOptions,
  cleanup: Array<() => Promise<void> | void>) {
  const net = new W5500NetworkBackend({ routes });
  cleanup.push(() => net.close());
  const clock = new VirtualClock();
  const dev = await NodeDevice.start({
    network: net, clock, keepalive: 0, backoffMinMs: 200, backoffMaxMs: 200, realTimeoutMs: 20_000, seed: 5,
    waitConnected: false, ...options,
  });
  cleanup.push(() => { if (dev.alive) dev.kill(); });
  const failed: ConnectFailed[] = [];
  dev.on('event', (e: CoreEvent) => { if (e.kind === 'connect_failed') failed.push(e); });
  /** Virtual time in 10 ms steps until `until()` or `ms` virtual ms, waiting for the model's input
   * between steps (20 s of real time at most). */
  const run = async (ms: number, until: () => boolean) => {
    const end = clock.now() + ms;
    const realDeadline = Date.now() + 20_000;
    while (clock.now() < end && !until() && Date.now() < realDeadline) {
      dev.advance(10);
      await Promise.race([net.model.waitForInput(), new Promise<void>((r) => setTimeout(r, 2))]);
    }
  };
  return { net, dev, failed, run };
}
