// End to end on the virtual board: the real firmware image (build/bluepill), the real
// W5500 model on SPI1, a real Mosquitto, driven through USART commands; a peer MQTT.js client
// checks the broker side. Includes a power cut in the middle of a QoS 2 flow.
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { Device, FW_AOT, FW_W5500, setupDevice } from './mqtt-device.ts';
import { configImage } from '../../host-tools/sim/host/provision-store.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });
const setup = (elf = FW_W5500) => setupDevice(cleanup, elf);
/** The board with a saved flash-first config (CFG_SPILL_MS 0): the power-cut guarantees below are flash-first's. */
const setupFlashFirst = async () => setupDevice(cleanup, FW_W5500, [], undefined, await configImage({ spillMs: 0 }));

async function peer(port: number, topic: string): Promise<{ client: mqtt.MqttClient; got: string[] }> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `peer-${process.pid}`, clean: true });
  const got: string[] = [];
  client.on('message', (_t, payload) => got.push(payload.toString()));
  await client.subscribeAsync(topic, { qos: 2 });
  cleanup.push(() => client.endAsync());
  return { client, got };
}

/** Waits for the peer's copy, then gives a duplicate, if any, time to arrive too. */
async function receivedOnce(dev: Device, p: { got: string[] }): Promise<void> {
  await dev.runner.until(() => p.got.length > 0, 2000, 'the peer receiving the publish');
  dev.board.runFor(200);
  await new Promise((r) => setTimeout(r, 100)); // let a duplicate, if any, reach the peer
}

describe('virtual board + W5500 model + Mosquitto', () => {
  it('runs a full QoS 2 exchange in both directions through USART commands', async () => {
    const { mq, dev } = await setup();
    const p = await peer(mq.port, 'vb/out');
    await dev.see(/evt loaded [^\n]*\n/, 2000);
    dev.send('connect');
    await dev.see(/evt connected session_present=\d/, 20_000);
    dev.send('sub vb/in 2');
    await dev.see(/evt suback pid=\d+ codes=2/, 5000);

    dev.send('pub vb/out 2 0 from-device');
    const ok = await dev.see(/ok pub pid=(\d+)\r\n/, 2000); // the whole number: output trickles out
    await dev.see(new RegExp(`evt publish-done pid=${ok[1]} qos=2`), 5000);
    await dev.runner.until(() => p.got.length > 0, 2000, 'the peer receiving the publish');
    expect(p.got).toEqual(['from-device']);

    await p.client.publishAsync('vb/in', 'to-device', { qos: 2 });
    await dev.see(/evt message topic=vb\/in qos=2 retain=0 dup=0 pid=\d+ len=9 payload=to-device/, 5000);
    dev.board.runFor(50);
    expect(dev.count(/evt message topic=vb\/in/)).toBe(1);
    expect(dev.net.model.counters.frames).toBeGreaterThan(0);
    expect(dev.board.fault).toBeUndefined();
  });

  for (const [engine, elf] of [['interpreter', FW_W5500], ['aot', FW_AOT]] as const) {
    it(`${engine} image: a \`pub -n 100\` QoS 1 burst reaches the peer once per message, window full, no ` +
        `fault`, async () => {
      const { mq, dev } = await setup(elf);
      const p = await peer(mq.port, 'vb/burst');
      await dev.see(/evt loaded [^\n]*\n/, 2000);
      dev.send('connect');
      await dev.see(/evt connected session_present=\d/, 20_000);
      dev.send('pub -n 100 vb/burst 1 0 burst-message');
      await dev.see(/ok pub pid=\d+ queued=100\r\n/, 20_000);
      await dev.runner.until(
        () => dev.count(/evt publish-done pid=\d+ qos=1/) === 100, 20_000, '100 publish-done events');
      await dev.runner.until(() => p.got.length >= 100, 5000, 'the peer receiving 100 messages');
      dev.send('status');
      await dev.see(/ok status [^\n]*inflight=0 /, 2000);
      expect(p.got.length).toBe(100);
      expect(new Set(p.got)).toEqual(new Set(['burst-message']));
      expect(dev.board.fault).toBeUndefined();
      expect(dev.count(/evt (fault|trap)/)).toBe(0);
      expect(dev.count(/evt boot /)).toBe(1); // no restart on the way
    });
  }

  it('resumes a QoS 2 publish from flash after a power cut mid-flow: no loss, no duplicate', async () => {
    const { mq, dev } = await setupFlashFirst();
    const p = await peer(mq.port, 'vb/cut');
    // Drive the board synchronously from here: no network input can arrive meanwhile, so the
    // cut lands after the device stored and sent its PUBLISH and before any PUBREC.
    await dev.connectThenHold();
    dev.send('pub vb/cut 2 0 survive-the-cut');
    const stored = () => storeRecords(dev.board.store.bytes).some(
      (r) => r.type === R_PUB && r.text.includes('survive-the-cut'));
    expect(dev.board.runUntil(stored, 100, 0.05)).toBe(true);
    const frames0 = dev.net.model.counters.frames;
    dev.board.runFor(3); // the SPI frames that hand the PUBLISH to the W5500 and SEND it
    expect(dev.net.model.counters.frames).toBeGreaterThan(frames0);
    const types = storeRecords(dev.board.store.bytes).map((r) => r.type);
    expect(types).not.toContain(R_REL); // no PUBREC seen yet: the flow is open
    await dev.powerCycleAndResume();
    await receivedOnce(dev, p);
    expect(p.got).toEqual(['survive-the-cut']);
  });
  it('resumes a QoS 2 publish with PUBREL after a power cut between PUBREC and PUBCOMP', async () => {
    const { mq, dev } = await setupFlashFirst();
    const p = await peer(mq.port, 'vb/rel');
    await dev.connectThenHold();
    dev.send('pub vb/rel 2 0 released-then-cut');
    // Run in small slices, letting the broker's packets in between, until the PUBREC is
    // recorded (R_REL); then cut at once, before PUBCOMP can complete the flow.
    const released = () => storeRecords(dev.board.store.bytes).some((r) => r.type === R_REL);
    for (let i = 0; i < 20_000 && !released(); i++) {
      dev.board.runFor(0.2);
      await new Promise((r) => setImmediate(r));
    }
    expect(released()).toBe(true);
    await dev.powerCycleAndResume();
    await receivedOnce(dev, p);
    expect(p.got).toEqual(['released-then-cut']);
  });
});

// The core's store log (firmware/core/store/store.ts): group header of 12 bytes, then records
// [u8 type][u8 0][u16 len][payload][pad][u16 crc]. Read here only to place the power cut.
const R_PUB = 2, R_REL = 4;
function storeRecords(bytes: Uint8Array): Array<{ type: number; text: string }> {
  const out: Array<{ type: number; text: string }> = [];
  let off = 12;
  while (off + 4 <= bytes.length / 2) {
    const type = bytes[off]!, len = bytes[off + 2]! | (bytes[off + 3]! << 8);
    if (type === 0xff || len > 1024) break;
    out.push({ type, text: Buffer.from(bytes.subarray(off + 4, off + 4 + len)).toString('latin1') });
    off += 6 + ((len + 1) & ~1);
  }
  return out;
}
