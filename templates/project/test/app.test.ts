// The app's own tests: src/main.ts (build/<board>/app.wasm, compiled by `npm test`) runs on
// NodeDevice, wasmqtt's board in Node, with virtual time, against a broker started here. The test
// sets the chip's temperature and checks what the app publishes, then switches the LED.
import { afterEach, expect, it } from 'vitest';
import {
  ClientState, MemoryStore, NodeDevice, PinMode, Stat, TestBroker, VirtualClock, appModule, connectPeer, runUntil,
} from 'wasmqtt/testing';

const UID = '0102030405060708090a0b0c'; // the chip's unique id; the app's default prefix is wasmqtt-<uid>
const PREFIX = `wasmqtt-${UID}`;
const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

async function boot() {
  const broker = await TestBroker.start();
  cleanup.push(() => broker.close());
  const dev = await NodeDevice.start({
    wasm: appModule(), broker: broker.url, uid: UID, clock: new VirtualClock(),
    store: new MemoryStore({ size: 12 * 1024, pageSize: 1024 }),
  });
  cleanup.push(() => dev.stop());
  return { broker, dev };
}

async function peer(url: string, topic: string) {
  const client = await connectPeer(url);
  cleanup.push(() => client.endAsync());
  const got: Array<{ payload: string; qos: number }> = [];
  client.on('message', (_t, payload, packet) => got.push({ payload: payload.toString(), qos: packet.qos }));
  await client.subscribeAsync(topic, { qos: 2 });
  return { client, got };
}

it('publishes the chip temperature at QoS 1 every 10 s', async () => {
  const { broker, dev } = await boot();
  const p = await peer(broker.url, `${PREFIX}/temp`);
  dev.pins.setTemperature(31.5);
  await runUntil(dev, () => p.got.length >= 1, 11_000, 'temperature');
  expect(p.got[0]!.qos).toBe(1);
  expect(Number(p.got[0]!.payload)).toBeCloseTo(31.5, 0);
});

it('switches the LED on PC13 (active low) from QoS 2 messages', async () => {
  const { broker, dev } = await boot();
  expect(dev.pins.modeOf('PC13')).toBe(PinMode.OUTPUT);
  expect(dev.pins.levelOf('PC13')).toBe(1); // off
  const p = await peer(broker.url, `${PREFIX}/temp`);
  await runUntil(dev, () => dev.state() === ClientState.CONNECTED, 5_000, 'connection');
  // CONNACK, then the SUBACK of <prefix>/led
  await runUntil(dev, () => dev.stat(Stat.RX_PACKETS) >= 2, 5_000, 'SUBACK');
  for (const [payload, level] of [['on', 0], ['off', 1], ['toggle', 0]] as const) {
    await p.client.publishAsync(`${PREFIX}/led`, payload, { qos: 2 });
    await runUntil(dev, () => dev.pins.levelOf('PC13') === level, 5_000, `LED ${payload}`);
  }
});
