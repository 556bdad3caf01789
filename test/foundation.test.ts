import { describe, it, expect } from 'vitest';
import { startMosquitto } from './helpers/mosquitto.ts';
import mqtt from 'mqtt';

describe('test foundation', () => {
  it('starts a real Mosquitto on a free loopback port and MQTT.js round-trips a QoS 1 message', async () => {
    const broker = await startMosquitto();
    try {
      const client = await mqtt.connectAsync(broker.url, { clientId: 'foundation-check' });
      await client.subscribeAsync('wasmqtt/foundation', { qos: 1 });
      const got = new Promise<string>((resolve) => client.on('message', (_t, p) => resolve(p.toString())));
      await client.publishAsync('wasmqtt/foundation', 'hello', { qos: 1 });
      expect(await got).toBe('hello');
      await client.endAsync();
    } finally {
      await broker.stop();
    }
  });
});
