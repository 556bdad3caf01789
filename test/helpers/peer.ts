// An MQTT.js client subscribed at QoS 2 that records what it receives: the broker-side view the
// app tests check the device against. `cleanup` gets its disconnect.
import mqtt from 'mqtt';

export interface Received { payload: string; qos: number }

export async function subscribedPeer(port: number, topic: string, cleanup: Array<() => Promise<unknown> | void>):
  Promise<{ client: mqtt.MqttClient; got: Received[] }> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`,
    { clientId: `peer-${process.pid}-${Math.random().toString(16).slice(2)}`, clean: true });
  cleanup.push(() => client.endAsync());
  const got: Received[] = [];
  client.on('message', (_t, payload, packet) => got.push({ payload: payload.toString(), qos: packet.qos }));
  await client.subscribeAsync(topic, { qos: 2 });
  return { client, got };
}
