// NodeDevice and the device console: core.wasm (the default) has none, and asking it for one is a
// clear error; console: true runs device.wasm with its lines on from the start; device.wasm run
// without console: true stays quiet (CFG_CONSOLE_QUIET) while nothing reads the UART: the API
// still gets every event, the console skips formatting `evt` lines nobody reads, and attaching a
// 'uart' listener turns the lines back on from then on.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import {
  BadModuleError, DEFAULT_CORE_WASM, DEFAULT_DEVICE_WASM, NodeDevice,
} from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import type { W5500NetworkBackend } from '../../host-tools/sim/host/w5500-backend.ts';

let broker: Mosquitto;
beforeAll(async () => { broker = await startMosquitto(); });
afterAll(async () => { await broker.stop(); });

/** Everything the core writes to its UART, seen below the 'uart' event. */
function tapUart(dev: NodeDevice): () => string {
  let text = '';
  const d = dev as unknown as { uartOut(b: Buffer): void };
  const orig = d.uartOut.bind(dev);
  d.uartOut = (b: Buffer) => { text += b.toString('latin1'); orig(b); };
  return () => text;
}

describe('NodeDevice console lines', () => {
  it('writes no evt lines while nothing listens for uart, and all of them once something does', async () => {
    const dev = await NodeDevice.start({ broker: broker.url, clientId: 'quiet-console', wasm: DEFAULT_DEVICE_WASM });
    try {
      const uart = tapUart(dev);
      const events: string[] = [];
      dev.on('publish_done', () => events.push('publish_done'));
      await dev.publish('quiet/t', 'unheard', { qos: 1 });
      expect(events).toEqual(['publish_done']); // the API is told either way
      expect(uart()).toBe('');

      const heard: string[] = [];
      dev.on('uart', (s: string) => heard.push(s));
      const pid = await dev.publish('quiet/t', 'heard', { qos: 1 });
      await new Promise((r) => setImmediate(r)); // 'uart' events are coalesced per event-loop turn
      expect(uart()).toContain(`evt publish-done pid=${pid} qos=1`);
      expect(heard.join('')).toContain(`evt publish-done pid=${pid} qos=1`);
    } finally {
      await dev.close();
    }
  });

  it('with console: true prints from the start, so a listener added after start() misses nothing', async () => {
    const dev = await NodeDevice.start({ broker: broker.url, clientId: 'loud-console', console: true });
    try {
      const uart = tapUart(dev);
      await dev.publish('quiet/t', 'x', { qos: 1 });
      expect(uart()).toMatch(/evt publish-done pid=\d+ qos=1/);
    } finally {
      await dev.close();
    }
  });

  it('prints the Ethernet link going down and up (evt link)', async () => {
    const clock = new VirtualClock();
    const dev = await NodeDevice.start(
      { broker: broker.url, clientId: 'link-console', console: true, clock, backoffMinMs: 100, backoffMaxMs: 100 });
    try {
      const uart = tapUart(dev);
      const model = (dev.network as W5500NetworkBackend).model;
      model.faults.linkDown();
      const down = dev.waitFor((e) => e.kind === 'disconnected', 'the drop on cable out');
      dev.advance(200);
      await down;
      model.faults.linkUp();
      const back = dev.waitFor((e) => e.kind === 'connected', 'the reconnection on link up');
      for (let i = 0; i < 30 && !/evt connected/.test(uart()); i++) { dev.advance(100);
        await new Promise((r) => setTimeout(r, 5)); }
      await back;
      expect(uart()).toMatch(
        /evt link up=0\r\n[^]*evt disconnected reason=link-down[^]*evt link up=1\r\n[^]*evt connected/);
      expect(uart()).not.toMatch(/evt unknown/);
    } finally {
      await dev.close();
    }
  });

  it('core.wasm (the default) has no console: uart listeners, uart input and console: true say so', async () => {
    const dev = await NodeDevice.start({ broker: broker.url, clientId: 'no-console' });
    try {
      const uart = tapUart(dev);
      expect(() => dev.on('uart', () => {})).toThrow(
        /runs core\.wasm, which has no console: start it with \{ console: true \}/);
      expect(() => dev.uartInput('status\r\n')).toThrow(/has no console/);
      expect(dev.listenerCount('uart')).toBe(0);
      await dev.publish('quiet/t', 'x', { qos: 1 }); // the device itself is unharmed
      expect(uart()).toBe('');
    } finally {
      await dev.close();
    }
    const err = await NodeDevice.start(
      { broker: broker.url, clientId: 'no-console', wasm: DEFAULT_CORE_WASM, console: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadModuleError);
    expect((err as Error).message).toMatch(
      /console: true needs a module with the device console \(build\/core\/device\.wasm\); .*core\.wasm has none/);
  });
});
