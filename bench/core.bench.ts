// Core figures: module size, static memory high-water, store bytes per message, and the raw
// speed of the QoS 1 engine (publish + PUBACK through core.wasm with an in-memory transport),
// next to mqtt-packet generating and parsing the same two packets as a peer in the same run.
import { statSync } from 'node:fs';
import mqttPacket from 'mqtt-packet';
import { CoreHarness, CORE_WASM } from '../test/core/harness.ts';
import { Stat } from '../host-tools/sim/host/abi.ts';

export async function run(): Promise<Record<string, unknown>> {
  const h = CoreHarness.started();
  h.connect();
  const topic = new TextEncoder().encode('bench/topic');
  const staged = new Uint8Array(topic.length + 64).fill(0x41);
  staged.set(topic);
  const N = 20_000;
  const storeBefore = h.store.writes;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    h.stage(staged);
    const id = h.x.wq_publish(topic.length, 64, 1);
    h.x.step();
    h.takeSent();
    h.feed([0x40, 2, id >> 8, id & 255]);
    h.x.step();
  }
  const coreMs = performance.now() - t0;
  const storeWrites = h.store.writes - storeBefore;

  const parser = mqttPacket.parser({ protocolVersion: 4 });
  let parsed = 0;
  parser.on('packet', () => { parsed++; });
  const payload = Buffer.alloc(64, 0x41);
  const t1 = performance.now();
  for (let i = 0; i < N; i++) {
    const id = (i % 65535) + 1;
    parser.parse(mqttPacket.generate({ cmd: 'publish', topic: 'bench/topic', payload, qos: 1, messageId: id, retain: false, dup: false }));
    parser.parse(mqttPacket.generate({ cmd: 'puback', messageId: id }));
  }
  const peerMs = performance.now() - t1;
  if (parsed !== 2 * N) throw new Error(`mqtt-packet parsed ${parsed} of ${2 * N} packets`);

  const corePerS = Math.round(N / (coreMs / 1000));
  const peerPerS = Math.round(N / (peerMs / 1000));
  return {
    core_wasm_bytes: statSync(CORE_WASM).size,
    core_memory_high_water_bytes: h.x.wq_stat(Stat.MEM_HIGH_WATER),
    core_store_writes_per_qos1_message: +(storeWrites / N).toFixed(2),
    core_store_compactions_per_1000_qos1: +((h.x.wq_stat(Stat.STORE_COMPACTIONS) * 1000) / N).toFixed(2),
    core_qos1_cycles_per_s: corePerS,
    mqtt_packet_qos1_generate_parse_per_s: peerPerS,
    core_vs_mqtt_packet_ratio: +(corePerS / peerPerS).toFixed(2),
  };
}

if (process.argv[1]?.endsWith('core.bench.ts')) console.log(await run());
