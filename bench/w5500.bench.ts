// W5500 figures: SPI bytes per QoS 1 publish (64-byte payload, 13-character topic) and its
// PUBACK, for the project's driver (build/w5500/driver-test.wasm) and, in the same run on the
// same model and broker, a vendor-style register sequence; the projected SPI-bound message rate
// at 18 MHz; and driver+model throughput. All traffic goes to a real Mosquitto on loopback.
import mqttPacket from 'mqtt-packet';
import { createServer } from 'node:net';
import { AddressMap, W5500 } from '../host-tools/sim/w5500/index.ts';
import { DriverHost, ip4 } from '../host-tools/sim/w5500/driver-host.ts';
import { VendorStyleSocket } from '../host-tools/sim/w5500/vendor-style.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';

const TOPIC = 'sensors/t/001'; // 13 characters
const PAYLOAD = Buffer.alloc(64, 0x5a);
const PUBLISHES = 300;
const SPI_HZ = 18_000_000;

const connectPacket = (id: string) => mqttPacket.generate(
  { cmd: 'connect', clientId: id, protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60 });
const publishPacket = (pid: number) => mqttPacket.generate(
  { cmd: 'publish', topic: TOPIC, payload: PAYLOAD, qos: 1, messageId: pid, retain: false, dup: false });

interface Link { send(b: Uint8Array): number; recv(): Uint8Array | number }

async function exchange(m: W5500, link: Link, packet: Uint8Array, expectBytes: number): Promise<void> {
  if (link.send(packet) !== packet.length) throw new Error('bench: the driver did not take a whole packet');
  let got = 0;
  while (got < expectBytes) {
    const b = link.recv();
    if (typeof b === 'number') throw new Error(`bench: connection lost (${b})`);
    got += b.length;
    if (got < expectBytes) await m.waitForInput();
  }
}

async function measure(m: W5500, link: Link, clientTag: string): Promise<{ spiBytes: number; frames: number }> {
  await exchange(m, link, connectPacket(clientTag), 4); // CONNACK
  for (let i = 1; i <= 20; i++) await exchange(m, link, publishPacket(i), 4); // warm up
  const b0 = m.counters.bytes, f0 = m.counters.frames;
  for (let i = 0; i < PUBLISHES; i++) await exchange(m, link, publishPacket(100 + i), 4);
  return { spiBytes: (m.counters.bytes - b0) / PUBLISHES, frames: (m.counters.frames - f0) / PUBLISHES };
}

async function throughput(): Promise<{ upload: number; download: number }> {
  const sink = createServer((s) => { s.on('data', () => {}); s.on('error', () => {}); sink.emit('peer', s); });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const port = (sink.address() as { port: number }).port;
  const peer = new Promise<import('node:net').Socket>((r) => sink.once('peer', r));
  const m = new W5500({ clock: () => 0, addressMap: new AddressMap().add('192.168.1.10:9000', `127.0.0.1:${port}`) });
  const d = await DriverHost.load(m);
  d.init([2, 0, 0, 0, 0, 1], '192.168.1.50', '192.168.1.1', '255.255.255.0');
  d.x.dt_connect(ip4('192.168.1.10'), 9000);
  while (d.x.dt_state() !== 2) await m.waitForInput();
  const s = await peer;
  const TOTAL = 2_000_000;
  const chunk = new Uint8Array(8192);
  let t0 = performance.now();
  let sent = 0;
  let arrived = 0;
  const allArrived = new Promise<void>(
    (r) => s.on('data', (b: Buffer) => { arrived += b.length; if (arrived >= TOTAL) r(); }));
  while (sent < TOTAL) {
    const n = d.send(chunk.subarray(0, Math.min(chunk.length, TOTAL - sent)));
    if (n > 0) sent += n;
    else await m.waitForInput();
  }
  await allArrived;
  const upload = TOTAL / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  s.write(Buffer.alloc(TOTAL, 1));
  let got = 0;
  while (got < TOTAL) {
    const b = d.recv(8192);
    if (typeof b === 'number') throw new Error('bench: download connection lost');
    got += b.length;
    if (b.length === 0) await m.waitForInput();
  }
  const download = TOTAL / ((performance.now() - t0) / 1000);
  s.destroy();
  await m.close();
  await new Promise<void>((r) => sink.close(() => r()));
  return { upload: Math.round(upload), download: Math.round(download) };
}

export async function run(): Promise<Record<string, unknown>> {
  const broker = await startMosquitto();
  try {
    const wire = publishPacket(1).length + 4; // PUBLISH + PUBACK on the wire (MQTT bytes)
    const map = () => new AddressMap().add('192.168.1.10:1883', `127.0.0.1:${broker.port}`);

    const m1 = new W5500({ clock: () => 0, addressMap: map() });
    const d = await DriverHost.load(m1);
    d.init([2, 0, 0, 0, 0, 1], '192.168.1.50', '192.168.1.1', '255.255.255.0');
    d.x.dt_connect(ip4('192.168.1.10'), 1883);
    while (d.x.dt_state() !== 2) await m1.waitForInput();
    const ours = await measure(m1, { send: (b) => d.send(b), recv: () => d.recv() }, 'bench-driver');
    await m1.close();

    const m2 = new W5500({ clock: () => 0, addressMap: map() });
    const v = new VendorStyleSocket(m2, 0);
    m2.write(0x00, 1, Uint8Array.of(0x01));
    m2.write(0x0c, 1, Uint8Array.of(192, 168, 1, 10, 0x07, 0x5b));
    m2.write(0x01, 1, Uint8Array.of(0x01)); // OPEN
    m2.write(0x01, 1, Uint8Array.of(0x04)); // CONNECT
    while (m2.read(0x03, 1, 1)[0] !== 0x17) await m2.waitForInput();
    const vendor = await measure(m2, { send: (b) => v.send(b), recv: () => v.recv() }, 'bench-vendor');
    await m2.close();

    const perSec = (bytes: number) => Math.round(SPI_HZ / (bytes * 8));
    const tp = await throughput();
    return {
      w5500_spi_bytes_per_qos1_publish: round(ours.spiBytes),
      w5500_spi_frames_per_qos1_publish: round(ours.frames),
      w5500_mqtt_bytes_per_qos1_publish: wire,
      w5500_spi_overhead_ratio: round(ours.spiBytes / wire),
      w5500_projected_msgs_per_s_at_18mhz: perSec(ours.spiBytes),
      // Same, assuming 1 µs per frame for chip select and MCU turnaround (an assumption, not a measurement).
      w5500_projected_msgs_per_s_at_18mhz_1us_per_frame: Math.round(
        1 / ((ours.spiBytes * 8) / SPI_HZ + ours.frames * 1e-6)),
      w5500_vendor_style: {
        spi_bytes_per_qos1_publish: round(vendor.spiBytes),
        spi_frames_per_qos1_publish: round(vendor.frames),
        spi_overhead_ratio: round(vendor.spiBytes / wire),
        projected_msgs_per_s_at_18mhz: perSec(vendor.spiBytes),
      },
      w5500_driver_vs_vendor_spi_bytes_ratio: round(ours.spiBytes / vendor.spiBytes),
      w5500_driver_model_upload_bytes_per_s: tp.upload,
      w5500_driver_model_download_bytes_per_s: tp.download,
      w5500_note: 'SPI bytes count 3 header bytes per frame plus data, status polls included; the 18 MHz projection ' +
        'is bits on the bus only (no chip-select gaps, no MCU time).',
    };
  } finally {
    await broker.stop();
  }
}

function round(x: number): number { return Math.round(x * 100) / 100; }
