// The retained RAM log on the virtual board: the real firmware image (build/bluepill, its keep
// area in .noinit), a real Mosquitto, driven through the console. With the default ram-first
// policy a QoS 2 flow in either direction survives a watchdog or reset-pin reset mid-flow with
// not one flash write for the message (SRAM is kept across a system reset); a power cycle turns
// the keep area into noise, which the firmware must reject and boot cleanly from.
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { BoardRunner } from '../../host-tools/sim/board/runner.ts';
import { type Device, SPEED, setupDevice } from './mqtt-device.ts';
import { configImage } from '../../host-tools/sim/host/provision-store.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

async function peer(port: number, topic?: string): Promise<{ client: mqtt.MqttClient; got: string[] }> {
  const client = await mqtt.connectAsync(
    `mqtt://127.0.0.1:${port}`, { clientId: `keep-peer-${process.pid}`, clean: true });
  const got: string[] = [];
  client.on('message', (_t, payload) => got.push(payload.toString()));
  if (topic) await client.subscribeAsync(topic, { qos: 2 });
  cleanup.push(() => client.endAsync());
  return { client, got };
}

/** Runs the board in small slices, letting the broker's packets in between, until `cond`. */
async function runUntil(dev: Device, cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 20_000 && !cond(); i++) {
    dev.board.runFor(0.2);
    await new Promise((r) => setImmediate(r));
  }
  if (!cond()) throw new Error(`never happened: ${what}; console:\n${dev.out}`);
}

/** After a system reset: boots again under the runner, reconnects, expects the session resumed. */
async function resume(dev: Device, cause: string): Promise<void> {
  dev.out = '';
  dev.runner = new BoardRunner(dev.board, { speed: SPEED });
  dev.runner.start();
  await dev.see(new RegExp(`evt boot board=bluepill reset=${cause}[^\\n]*\\n`), 2000);
  await dev.see(/evt loaded [^\n]*\n/, 2000);
  dev.send('connect');
  await dev.see(/evt connected session_present=1/, 20_000);
}

describe('virtual board: the retained RAM log across a system reset', () => {
  it('device → broker QoS 2, watchdog reset after the PUBLISH went out: resumed from RAM, delivered once, flash ' +
      'untouched', async () => {
    const { mq, dev } = await setupDevice(cleanup);
    const p = await peer(mq.port, 'vb/keep/out');
    await dev.connectThenHold();
    const flash = dev.board.store.bytes.slice();
    dev.send('pub vb/keep/out 2 0 kept-in-ram');
    const frames0 = dev.net.model.counters.frames;
    expect(dev.board.runUntil(() => /ok pub pid=\d+\r\n/.test(dev.out), 100, 0.05)).toBe(true);
    dev.board.runFor(3); // the SPI frames that hand the PUBLISH to the W5500 and SEND it
    expect(dev.net.model.counters.frames).toBeGreaterThan(frames0);
    expect(dev.out).not.toMatch(/evt publish-done/);
    dev.board.iwdg.onExpire(); // the independent watchdog fires, as if the firmware had hung
    await resume(dev, 'watchdog');
    await dev.see(/evt publish-done pid=\d+ qos=2/, 10_000);
    await dev.runner.until(() => p.got.length > 0, 2000, 'the peer receiving the publish');
    dev.board.runFor(200);
    await new Promise((r) => setTimeout(r, 100)); // a duplicate, if any, reaches the peer
    expect(p.got).toEqual(['kept-in-ram']);
    expect(Buffer.from(dev.board.store.bytes).equals(Buffer.from(flash))).toBe(true);
  });

  it.each([
    ['reset pin', 'pin'],
    ['watchdog reset', 'watchdog'],
  ] as const)('broker → device QoS 2, %s right after delivery: not delivered twice, flow completed, flash untouched',
      async (_what, cause) => {
    const { mq, dev } = await setupDevice(cleanup);
    const p = await peer(mq.port);
    await dev.see(/evt loaded [^\n]*\n/, 2000);
    dev.send('connect');
    await dev.see(/evt connected session_present=\d/, 20_000);
    dev.send('sub vb/keep/in 2');
    await dev.see(/evt suback pid=\d+ codes=2/, 5000);
    await dev.runner.stop();
    dev.out = '';
    const flash = dev.board.store.bytes.slice();
    void p.client.publishAsync('vb/keep/in', 'to-device-once', { qos: 2 });
    await runUntil(dev, () => /evt message topic=vb\/keep\/in [^\n]*\n/.test(dev.out), 'the delivery');
    if (cause === 'pin') dev.board.pinReset();
    else dev.board.iwdg.onExpire(); // the independent watchdog fires, as if the firmware had hung
    const before = dev.out;
    await resume(dev, cause);
    // the broker completes its flow (PUBLISH again, or PUBREL); a marker proves delivery works
    await p.client.publishAsync('vb/keep/in', 'marker', { qos: 2 });
    await dev.see(/evt message topic=vb\/keep\/in [^\n]*payload=marker/, 10_000);
    dev.board.runFor(200);
    const all = before + dev.out;
    expect(all.match(/payload=to-device-once/g)?.length).toBe(1);
    dev.send('status');
    await dev.see(/ok status [^\n]*\n/, 2000);
    expect(dev.out).toMatch(/inflight=0 /);
    expect(Buffer.from(dev.board.store.bytes).equals(Buffer.from(flash))).toBe(true);
  });

  it('flash-first (CFG_SPILL_MS 0 saved): a watchdog reset mid-QoS 2 resumes from the flash, delivered ' +
      'once', async () => {
    const { mq, dev } = await setupDevice(cleanup, undefined, [], undefined, await configImage({ spillMs: 0 }));
    const p = await peer(mq.port, 'vb/keep/ff');
    await dev.connectThenHold();
    const flash = dev.board.store.bytes.slice();
    dev.send('pub vb/keep/ff 2 0 kept-in-flash');
    expect(dev.board.runUntil(() => /ok pub pid=\d+\r\n/.test(dev.out), 100, 0.05)).toBe(true);
    dev.board.runFor(3);
    expect(Buffer.from(dev.board.store.bytes).equals(Buffer.from(flash))).toBe(false); // written first
    dev.board.iwdg.onExpire();
    await resume(dev, 'watchdog');
    await dev.see(/evt publish-done pid=\d+ qos=2/, 10_000);
    await dev.runner.until(() => p.got.length > 0, 2000, 'the peer receiving the publish');
    dev.board.runFor(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(p.got).toEqual(['kept-in-flash']);
  });

  it('ram-first, power cut before a QoS 2 PUBLISH left: RAM held it only, so it is gone (documented); the keep area ' +
      'is noise, the firmware boots clean', async () => {
    const { mq, dev } = await setupDevice(cleanup);
    const p = await peer(mq.port, 'vb/keep/pwr');
    await dev.connectThenHold();
    const flash = dev.board.store.bytes.slice();
    const keepAt = dev.board.image.symbols.find((s) => s.name === 'keep_area')!.address;
    const inKeep = () => Buffer.from(dev.board.readMemory(keepAt, 512)).includes('lost-in-ram');
    const frames0 = dev.net.model.counters.frames;
    dev.send('pub vb/keep/pwr 2 0 lost-in-ram');
    expect(dev.board.runUntil(inKeep, 100, 0.01)).toBe(true);
    expect(dev.net.model.counters.frames - frames0).toBeLessThan(3); // (the PUBLISH is not on its way yet)
    expect(Buffer.from(dev.board.store.bytes).equals(Buffer.from(flash))).toBe(true);
    dev.board.powerCycle();
    dev.out = '';
    dev.runner = new BoardRunner(dev.board, { speed: SPEED });
    dev.runner.start();
    await dev.see(/evt boot board=bluepill reset=power[^\n]*\n/, 2000);
    await dev.see(/evt loaded [^\n]*\n/, 2000);
    dev.send('connect');
    await dev.see(/evt connected session_present=1/, 20_000);
    dev.send('pub vb/keep/pwr 2 0 after-noise');
    await dev.see(/evt publish-done pid=\d+ qos=2/, 10_000);
    await dev.runner.until(() => p.got.length > 0, 2000, 'the peer receiving the publish');
    dev.board.runFor(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(p.got).toEqual(['after-noise']);
    expect(dev.count(/evt (fault|trap|error)/)).toBe(0);
  });
});
