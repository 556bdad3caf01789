// examples/sensor on NodeDevice (build/app/sensor.wasm: the app API + the core, as the firmware
// embeds it) against a real Mosquitto, in virtual time: settings provisioned into the store, the
// internal temperature set on the ADC and read back from the broker at QoS 1, the PC13 LED
// switched by QoS 2 messages; and the identity the chip id gives two devices.
import { afterEach, describe, expect, it } from 'vitest';
import { NodeDevice } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { MemoryStore } from '../../host-tools/sim/host/store.ts';
import { PinMode } from '../../host-tools/sim/host/pins.ts';
import { Stat } from '../../host-tools/sim/host/abi.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { subscribedPeer } from '../helpers/peer.ts';
import { ROOT } from '../vboard/helpers.ts';

const SENSOR_WASM = `${ROOT}/build/app/sensor.wasm`;
const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

async function broker(): Promise<{ url: string; port: number }> {
  const mq = await startMosquitto();
  cleanup.push(() => mq.stop());
  return { url: `mqtt://127.0.0.1:${mq.port}`, port: mq.port };
}

const peer = (port: number, topic: string) => subscribedPeer(port, topic, cleanup);

async function startSensor(url: string, store: MemoryStore, clock: VirtualClock, uid?: string): Promise<NodeDevice> {
  const dev = await NodeDevice.start({ wasm: SENSOR_WASM, broker: url, store, clock, uid });
  cleanup.push(() => dev.close());
  return dev;
}

/** Advances virtual time in steps until `done()`, letting real I/O (the broker) answer between steps. */
async function runUntil(dev: NodeDevice, done: () => boolean, maxMs: number, what: string): Promise<void> {
  for (let t = 0; t <= maxMs; t += 100) {
    if (done()) return;
    dev.advance(100);
    await new Promise((r) => setTimeout(r, 5));
  }
  if (!done()) throw new Error(`no ${what} within ${maxMs} virtual ms`);
}

describe('examples/sensor on NodeDevice', () => {
  it('after the broker restarts (no session kept), it reconnects and subscribes again: the LED still ' +
      'obeys', async () => {
    const mq = await startMosquitto();
    cleanup.push(() => mq.stop());
    const clock = new VirtualClock();
    const dev = await startSensor(
      mq.url, new MemoryStore({ size: 12 * 1024, pageSize: 1024 }), clock, 'a1a2a3a4a5a6a7a8a9aaabac');
    const prefix = 'wasmqtt-a1a2a3a4a5a6a7a8a9aaabac';
    await runUntil(dev, () => dev.stat(Stat.RX_PACKETS) >= 2, 2000, 'SUBACK');
    await mq.restart();
    const p = await peer(mq.port, `${prefix}/temp`);
    const rx = dev.stat(Stat.RX_PACKETS);
    // the device sees the drop, backs off, reconnects (CONNACK) and sends its SUBSCRIBE again (SUBACK)
    await runUntil(
      dev, () => dev.state() === 4 && dev.stat(Stat.RX_PACKETS) >= rx + 2, 60_000, 'reconnection and SUBACK');
    await p.client.publishAsync(`${prefix}/led`, 'on', { qos: 2 });
    await runUntil(dev, () => dev.pins.levelOf('PC13') === 0, 2000, 'LED on after the restart');
  });

  it('publishes the internal temperature at QoS 1 to <prefix>/temp every `period` s, from provisioned ' +
      'settings', async () => {
    const { url, port } = await broker();
    const store = new MemoryStore({ size: 12 * 1024, pageSize: 1024 });
    const clock = new VirtualClock();
    const first = await startSensor(url, store, clock);
    first.setAppSettings({ prefix: 'lab/s1', period: 2 });
    await first.close();

    const p = await peer(port, 'lab/s1/temp');
    const dev = await startSensor(url, store, clock);
    dev.pins.setTemperature(31.5);
    await runUntil(dev, () => p.got.length >= 1, 2500, 'first temperature');
    expect(p.got[0]!.qos).toBe(1);
    expect(Math.abs(Number(p.got[0]!.payload) - 31.5)).toBeLessThanOrEqual(0.2);
    expect(p.got[0]!.payload).toMatch(/^-?\d+\.\d$/);

    dev.pins.setTemperature(-5);
    const t0 = clock.now();
    await runUntil(dev, () => p.got.length >= 2, 2500, 'second temperature');
    expect(clock.now() - t0).toBeLessThanOrEqual(2100); // the 2 s period, not the default 10 s
    expect(Math.abs(Number(p.got[1]!.payload) + 5)).toBeLessThanOrEqual(0.2);
  });

  it('switches the PC13 LED (active low) from QoS 2 messages on <prefix>/led', async () => {
    const { url, port } = await broker();
    const clock = new VirtualClock();
    const dev = await startSensor(
      url, new MemoryStore({ size: 12 * 1024, pageSize: 1024 }), clock, '0102030405060708090a0b0c');
    const prefix = 'wasmqtt-0102030405060708090a0b0c'; // no prefix setting: the client id
    expect(dev.pins.modeOf('PC13')).toBe(PinMode.OUTPUT);
    expect(dev.pins.levelOf('PC13')).toBe(1); // off
    const changes: string[] = [];
    dev.on('pin', (e: { pin: string; level: number }) => changes.push(`${e.pin}=${e.level}`));
    const p = await peer(port, `${prefix}/temp`);
    await runUntil(dev, () => dev.state() === 4, 2000, 'connection');
    await runUntil(dev, () => dev.stat(Stat.RX_PACKETS) >= 2, 2000, 'SUBACK'); // CONNACK + SUBACK
    for (const [payload, level] of [['on', 0], ['off', 1], ['toggle', 0], ['toggle', 1], ['1', 0]] as const) {
      await p.client.publishAsync(`${prefix}/led`, payload, { qos: 2 });
      await runUntil(dev, () => dev.pins.levelOf('PC13') === level, 2000, `LED ${payload}`);
    }
    expect(changes).toEqual(['PC13=0', 'PC13=1', 'PC13=0', 'PC13=1', 'PC13=0']);
  });
});
