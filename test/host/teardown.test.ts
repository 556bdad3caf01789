// NodeDevice drops its network exactly once however it stops: close(), kill(), reset() or a trap
// in the core (a power cut in the store), and a second stop call after any of them does nothing.
// The backend is the default W5500 model, counting its destroy() calls.
import { describe, it, expect, afterEach } from 'vitest';
import { DEFAULT_DEVICE_BROKER, NodeDevice } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { MemoryStore } from '../../host-tools/sim/host/store.ts';
import { W5500NetworkBackend } from '../../host-tools/sim/host/w5500-backend.ts';

class CountingBackend extends W5500NetworkBackend {
  destroys = 0;
  override destroy(): void { this.destroys++; super.destroy(); }
}

const networks: CountingBackend[] = [];
afterEach(async () => { for (const n of networks.splice(0)) await n.close(); });

/** A device that never reaches a broker (nothing listens on the route), on virtual time. */
async function device(store = new MemoryStore()): Promise<{ dev: NodeDevice; net: CountingBackend }> {
  const net = new CountingBackend({ routes: { [DEFAULT_DEVICE_BROKER]: '127.0.0.1:9' } });
  networks.push(net);
  const dev = await NodeDevice.start({
    network: net, clock: new VirtualClock(), store, waitConnected: false, clientId: 'teardown',
  });
  return { dev, net };
}

describe('NodeDevice teardown', () => {
  const ways: Array<[string, (dev: NodeDevice, store: MemoryStore) => Promise<unknown> | void]> = [
    ['close()', (dev) => dev.close()],
    ['kill()', (dev) => dev.kill()],
    ['reset()', (dev) => dev.reset()],
    ['a trap in the core (power cut in the store)', (dev, store) => {
      store.powerCutAfter(0);
      expect(() => dev.publishNow('teardown/t', 'x', 1, false, true)).toThrow(/power cut/);
    }],
  ];
  for (const [way, stop] of ways) {
    it(`${way}: the network is destroyed once, and stays so`, async () => {
      const store = new MemoryStore();
      const { dev, net } = await device(store);
      expect(net.destroys).toBe(0);
      await stop(dev, store);
      expect(dev.alive).toBe(false);
      expect(net.destroys).toBe(1);
      dev.kill();
      dev.reset();
      await dev.close();
      expect(net.destroys).toBe(1);
    });
  }
});
