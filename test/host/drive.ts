// Virtual-time driving for tests: the device's reconnect backoff is a timer, so under a
// VirtualClock a test moves time on whenever the device is waiting to reconnect.
import type { NodeDevice } from '../../host-tools/sim/host/device.ts';

/**
 * After every CONNECT_FAILED or DISCONNECTED event, advances the device's virtual clock by `ms`
 * (at least its maximum backoff) so the next attempt starts. Returns a function that stops it.
 */
export function autoReconnect(dev: NodeDevice, ms: number): () => void {
  let on = true;
  const handler = (e: { kind: string }) => {
    if (e.kind === 'connect_failed' || e.kind === 'disconnected') {
      setImmediate(() => {
        if (!on || !dev.alive) return;
        try {
          dev.advance(ms);
        } catch (err) {
          if (dev.alive) throw err; // a death (e.g. a simulated power cut) is reported through 'fatal'
        }
      });
    }
  };
  dev.on('event', handler);
  return () => { on = false; dev.off('event', handler); };
}
