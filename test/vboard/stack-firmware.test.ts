// The bluepill image on the stack form (build/bluepill-stack: `wasmqtt build --engine stack`, device.wasm
// pre-decoded in format 39 run by interp.c), the engine that is no longer the default, on the virtual board against
// a real Mosquitto, through its console: QoS 0, 1 and 2 in both directions, a reconnect after the broker drops the
// link, a power cut in a QoS 2 flow. The whole firmware suite runs on this image with WASMQTT_FIRMWARE_ENGINE=stack;
// these cases run on it always (the suite's default image is the register form's).
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { bluepillElf } from './helpers.ts';
import { Device, setupDevice } from './mqtt-device.ts';
import { configImage } from '../../host-tools/sim/host/provision-store.ts';

const ELF = bluepillElf('stack');
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

async function peer(port: number, topic: string): Promise<{ client: mqtt.MqttClient; got: string[] }> {
  const client = await mqtt.connectAsync(
    `mqtt://127.0.0.1:${port}`, { clientId: `stack-peer-${process.pid}`, clean: true });
  const got: string[] = [];
  client.on('message', (t, payload) => got.push(`${t} ${payload.toString()}`));
  await client.subscribeAsync(topic, { qos: 2 });
  cleanup.push(() => client.endAsync());
  return { client, got };
}

async function connected(dev: Device): Promise<void> {
  await dev.see(/evt loaded [^\n]*\n/, 2000);
  dev.send('connect');
  await dev.see(/evt connected session_present=\d/, 20_000);
}

describe('the stack-form image on the virtual board', () => {
  it('QoS 0, 1 and 2 both ways through the console, each message once, and the console answers', async () => {
    const { mq, dev } = await setupDevice(cleanup, ELF);
    const p = await peer(mq.port, 'st/out/#');
    await connected(dev);
    dev.send('sub st/in/# 2');
    await dev.see(/evt suback pid=\d+ codes=2/, 5000);
    for (const qos of [0, 1, 2]) {
      dev.send(`pub st/out/${qos} ${qos} 0 from-device-${qos}`);
      if (qos > 0) await dev.see(new RegExp(`evt publish-done pid=\\d+ qos=${qos}`), 5000);
      await dev.runner.until(() => p.got.length > qos, 5000, `the peer receiving the QoS ${qos} publish`);
    }
    for (const qos of [0, 1, 2] as const) {
      await p.client.publishAsync(`st/in/${qos}`, `to-device-${qos}`, { qos });
      await dev.see(new RegExp(
        `evt message topic=st/in/${qos} qos=${qos} retain=0 dup=0 pid=\\d+ len=11 payload=to-device-${qos}`), 5000);
    }
    dev.board.runFor(200);
    await new Promise((r) => setTimeout(r, 100)); // a duplicate, if any, reaches the peer
    expect(p.got).toEqual(['st/out/0 from-device-0', 'st/out/1 from-device-1', 'st/out/2 from-device-2']);
    expect(dev.count(/evt message topic=st\/in/)).toBe(3);
    dev.send('status');
    expect((await dev.see(/ok status [^\n]*\r\n/, 2000))[0]).toMatch(/state=connected inflight=0 queued=0 /);
    dev.send('show');
    expect((await dev.see(/ok show [^\n]*\r\n/, 2000))[0]).toMatch(/ id=wasmqtt-[0-9a-f]{24} /);
    expect(dev.board.fault).toBeUndefined();
    expect(dev.count(/evt (fault|trap)/)).toBe(0);
  });

  it('reconnects when the broker drops the link, and a QoS 1 burst then arrives whole', async () => {
    const { mq, dev } = await setupDevice(cleanup, ELF);
    const p = await peer(mq.port, 'st/burst');
    await connected(dev);
    dev.send('show');
    const id = /ok show [^\n]* id=(\S+) /.exec((await dev.see(/ok show [^\n]*\r\n/, 2000))[0])![1]!;
    // a second client with the device's id: the broker closes the device's link (MQTT 3.1.1 session takeover)
    const thief = await mqtt.connectAsync(`mqtt://127.0.0.1:${mq.port}`, { clientId: id, reconnectPeriod: 0 });
    await dev.see(/evt disconnected [^\n]*\n/, 10_000);
    await thief.endAsync();
    await dev.see(/evt connected session_present=\d[^]*evt connected session_present=\d/, 30_000);
    dev.send('pub -n 50 st/burst 1 0 burst-message');
    await dev.see(/ok pub pid=\d+ queued=50\r\n/, 20_000);
    await dev.runner.until(() => p.got.length >= 50, 20_000, 'the peer receiving 50 messages');
    dev.send('status');
    expect((await dev.see(/ok status [^\n]*\r\n/, 2000))[0]).toMatch(/reconnects=[1-9]/);
    expect(p.got.length).toBe(50);
    expect(dev.board.fault).toBeUndefined();
  });

  it('resumes a QoS 2 publish from flash after a power cut mid-flow: no loss, no duplicate', async () => {
    const { mq, dev } = await setupDevice(cleanup, ELF, [], undefined, await configImage({ spillMs: 0 }));
    const p = await peer(mq.port, 'st/cut');
    await dev.connectThenHold();
    dev.send('pub st/cut 2 0 survives-the-cut');
    // cut as soon as the PUBLISH is on the wire (the store has it: flash-first), before PUBREC comes back
    const sent = dev.net.model.counters.frames;
    dev.board.runUntil(() => dev.net.model.counters.frames > sent, 500);
    await dev.powerCycleAndResume();
    await dev.runner.until(() => p.got.length > 0, 5000, 'the peer receiving the publish');
    dev.board.runFor(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(p.got).toEqual(['st/cut survives-the-cut']);
    expect(dev.board.fault).toBeUndefined();
  });
});
