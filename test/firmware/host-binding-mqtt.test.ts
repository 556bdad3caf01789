// The real chain minus the chip: the C binding + our interpreter + the real device.wasm (the
// core with the device console) on a Linux host with the fake HAL, talking MQTT to a real Mosquitto through
// its W5500 driver and the W5500 model behind the fake HAL's SPI bridge
// (host-tools/sim/w5500/spi-bridge.ts). Everything is driven through the console, as a person
// or HIL script would.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { CORE_HOST, CORE_HOST_AOT, HostDevice, requireArtifact } from './helpers.ts';

let broker: Mosquitto;
beforeAll(async () => { broker = await startMosquitto(); });
afterAll(async () => { await broker?.stop(); });

for (const [engine, exe, tag] of [
    ['interpreter', CORE_HOST, 'interp'], ['aot (wasm2c)', CORE_HOST_AOT, 'aot']] as const) {
const device = (store: string): HostDevice =>
  new HostDevice(requireArtifact(exe), ['--store', store, '--page-size', '1024', '--store-pages', '4']);

describe(`firmware binding + ${engine} + device.wasm on the host, against Mosquitto`, () => {
  it('configures, connects, subscribes, receives, publishes QoS 2, and keeps its config and queue across a power ' +
      'cut', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'wasmqtt-fw-mqtt-')), 'store.bin');
    const peer = await mqtt.connectAsync(broker.url, { clientId: `fw-peer-${tag}` });
    const got: { topic: string; payload: string; qos: number }[] = [];
    peer.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), qos: packet.qos }));
    await peer.subscribeAsync(`wasmqtt/fw/out-${tag}`, { qos: 2 });
    let dev = device(store);
    try {
      await dev.waitFor(/^evt loaded /);
      expect(await dev.command(`set port ${broker.port}`)).toBe('ok set');
      expect(await dev.command(`set id fw-host-${tag}`)).toBe('ok set');
      expect(await dev.command('set keepalive 30')).toBe('ok set');
      expect(await dev.command('save')).toBe('ok save');
      expect(await dev.command('connect')).toBe('ok connect');
      expect(await dev.waitFor(/^evt connected /)).toMatch(/^evt connected session_present=[01]$/);

      const sub = await dev.command(`sub wasmqtt/fw/in-${tag} 1`);
      const pid = /^ok sub pid=(\d+)$/.exec(sub)![1];
      await dev.waitFor(new RegExp(`^evt suback pid=${pid} codes=1$`));

      let from = dev.lines.length;
      await peer.publishAsync(`wasmqtt/fw/in-${tag}`, 'hello world', { qos: 1 });
      expect(await dev.waitFor(/^evt message /, from))
        .toMatch(new RegExp(
          `^evt message topic=wasmqtt/fw/in-${tag} qos=1 retain=0 dup=0 pid=\\d+ len=11 payload=hello%20world$`));

      from = dev.lines.length;
      const pub = await dev.command(`pub wasmqtt/fw/out-${tag} 2 0 from the device %E2%9C%93`);
      const ppid = /^ok pub pid=(\d+)$/.exec(pub)![1];
      await dev.waitFor(new RegExp(`^evt publish-done pid=${ppid} qos=2$`), from);
      await waitUntil(() => got.length === 1);
      expect(got[0]).toEqual({ topic: `wasmqtt/fw/out-${tag}`, payload: 'from the device \u2713', qos: 2 });

      expect(await dev.command('status')).toMatch(/^ok status state=connected inflight=0 queued=0 .* last_error=none$/);
      expect(await dev.command('disconnect')).toBe('ok disconnect');
      await dev.waitFor(/^evt disconnected reason=requested addr=127\.0\.0\.1:\d+$/);

      // Offline: a QoS 1 publish is queued in the session, then the power goes (SIGKILL).
      const queued = await dev.command(`pub wasmqtt/fw/out-${tag} 1 0 queued while offline`);
      expect(queued).toMatch(/^ok pub pid=\d+$/);
    } finally {
      await dev.stop();
    }

    dev = device(store);
    try {
      await dev.waitFor(/^evt loaded /);
      expect(await dev.command('show')).toMatch(
        new RegExp(`^ok show .* port=${broker.port} id=fw-host-${tag} .* keepalive=30 `));
      // The session came back from the store: one QoS 1 message waiting (the core counts a
      // restored, never-acked publish as in flight or queued; either way exactly one).
      const st = /inflight=(\d+) queued=(\d+)/.exec(await dev.command('status'))!;
      expect(Number(st[1]) + Number(st[2])).toBe(1);
      expect(await dev.command('connect')).toBe('ok connect');
      await dev.waitFor(/^evt connected /);
      await waitUntil(() => got.length === 2);
      expect(got[1]).toEqual({ topic: `wasmqtt/fw/out-${tag}`, payload: 'queued while offline', qos: 1 });
    } finally {
      await dev.stop();
      await peer.endAsync();
    }
  });
});
}

async function waitUntil(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
