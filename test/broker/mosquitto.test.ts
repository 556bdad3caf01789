// The shared Mosquitto launcher: its log is readable and, with persistence on, a restart keeps
// sessions (tests of broker restarts depend on both).
import { it, expect } from 'vitest';
import mqtt from 'mqtt';
import { startMosquitto } from '../../host-tools/broker/mosquitto.ts';

it('a persistent Mosquitto keeps a clean-session=0 session across restart() and writes its log', async () => {
  const broker = await startMosquitto({ persistence: true });
  try {
    const first = await mqtt.connectAsync(
      broker.url, { clientId: 'launcher-persist', clean: false, reconnectPeriod: 0 });
    await first.subscribeAsync('launcher/x', { qos: 1 });
    await first.endAsync();
    await broker.restart();
    const again = mqtt.connect(broker.url, { clientId: 'launcher-persist', clean: false, reconnectPeriod: 0 });
    const sessionPresent = await new Promise<boolean>(
      (resolve) => again.once('connect', (ack) => resolve(ack.sessionPresent)));
    await again.endAsync();
    expect(broker.log()).toContain('mosquitto version');
    expect(sessionPresent).toBe(true);
  } finally {
    await broker.stop();
  }
});
