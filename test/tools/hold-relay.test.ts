// The HIL relay that holds one MQTT packet type on its way to the device (used to land a power
// cut between PUBREC and PUBCOMP): framing across chunk boundaries, hold, release in order.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HoldRelay, MqttFramer } from '../../host-tools/hil/hold-relay.ts';

const PUBREC = Buffer.from([0x50, 0x02, 0x00, 0x07]);
const PUBCOMP = Buffer.from([0x70, 0x02, 0x00, 0x07]);
const PINGRESP = Buffer.from([0xd0, 0x00]);

describe('MqttFramer', () => {
  it('returns whole packets however the bytes are split', () => {
    // remaining length 128: two bytes
    const big = Buffer.concat([Buffer.from([0x30, 0x80, 0x01]), Buffer.alloc(128, 0x61)]);
    const stream = Buffer.concat([PUBREC, big, PINGRESP, PUBCOMP]);
    for (const step of [1, 2, 3, 7, stream.length]) {
      const f = new MqttFramer();
      const got: Buffer[] = [];
      for (let i = 0; i < stream.length; i += step) got.push(...f.push(stream.subarray(i, i + step)));
      expect(got.map((b) => b.toString('hex'))).toEqual([PUBREC, big, PINGRESP, PUBCOMP].map((b) => b.toString('hex')));
    }
  });

  it('passes bytes that are not MQTT framing through instead of holding them', () => {
    const junk = Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(new MqttFramer().push(junk)).toEqual([junk]);
  });
});

describe('HoldRelay', () => {
  let upstream: Server | undefined;
  let relay: HoldRelay | undefined;
  let device: Socket | undefined;
  afterEach(async () => {
    device?.destroy();
    await relay?.close();
    await new Promise<void>((r) => (upstream ? upstream.close(() => r()) : r()));
  });

  async function setup(): Promise<{
      brokerSide: Promise<Socket>; received: Buffer[]; waitBytes: (n: number) => Promise<void> }> {
    let accept!: (s: Socket) => void;
    const brokerSide = new Promise<Socket>((r) => { accept = r; });
    upstream = createServer((s) => accept(s));
    await new Promise<void>((r) => upstream!.listen(0, '127.0.0.1', () => r()));
    const port = (upstream.address() as { port: number }).port;
    relay = new HoldRelay('127.0.0.1', port);
    await relay.start();
    device = connect({ host: '127.0.0.1', port: relay.port });
    const received: Buffer[] = [];
    device.on('data', (d: Buffer) => received.push(d));
    const waitBytes = async (n: number): Promise<void> => {
      for (let i = 0; i < 200 && Buffer.concat(received).length < n; i++) await new Promise((r) => setTimeout(r, 5));
    };
    return { brokerSide, received, waitBytes };
  }

  it('holds PUBCOMP (and what follows it) until released, then delivers in order', async () => {
    const { brokerSide, received, waitBytes } = await setup();
    const broker = await brokerSide;
    relay!.hold(7);
    broker.write(Buffer.concat([PUBREC, PUBCOMP, PINGRESP]));
    await waitBytes(PUBREC.length);
    // Give a held packet every chance to leak before checking it did not.
    await new Promise((r) => setTimeout(r, 50));
    expect(Buffer.concat(received).toString('hex')).toBe(PUBREC.toString('hex'));
    expect(relay!.held).toBe(2);
    relay!.release();
    await waitBytes(PUBREC.length + PUBCOMP.length + PINGRESP.length);
    expect(Buffer.concat(received).toString('hex')).toBe(Buffer.concat([PUBREC, PUBCOMP, PINGRESP]).toString('hex'));
    expect(relay!.held).toBe(0);
  });

  it('forwards device bytes to the broker unchanged', async () => {
    const { brokerSide } = await setup();
    const broker = await brokerSide;
    const got: Buffer[] = [];
    broker.on('data', (d: Buffer) => got.push(d));
    device!.write(PUBREC);
    for (let i = 0; i < 200 &&
      Buffer.concat(got).length < PUBREC.length; i++) await new Promise((r) => setTimeout(r, 5));
    expect(Buffer.concat(got).toString('hex')).toBe(PUBREC.toString('hex'));
  });
});
