// Core figures: module size, static memory high-water, store bytes per message, and the raw
// speed of the QoS 1 engine (publish + PUBACK through core.wasm with an in-memory transport),
// next to mqtt-packet generating and parsing the same two packets as a peer in the same run.
import { statSync } from 'node:fs';
import mqttPacket from 'mqtt-packet';
import { CoreHarness, CORE_WASM } from '../test/core/harness.ts';
import { NorStore } from '../test/core/nor-store.ts';
import { Stat, Cfg } from '../host-tools/sim/host/abi.ts';

/** Flash wear with a full window: 16 QoS 1 messages of 64 B always in the core, on the board's
 * 4 KB store (two 2 KB page groups); one PUBACK frees a slot, one publish refills it. */
function fullWindowWear(n: number): Record<string, number> {
  const store = new NorStore(4 * 1024, 1024);
  const h = CoreHarness.started(store);
  h.config(Cfg.WINDOW, 16);
  h.connect(true);
  const ids: number[] = [];
  let refused = 0;
  for (let i = 0; i < 16; i++) ids.push(h.publish('w/t', 'p'.repeat(64), 1));
  h.x.step();
  h.takeSent();
  const [w0, e0, c0] = [store.writes, store.erases, h.x.wq_stat(Stat.STORE_COMPACTIONS)];
  for (let i = 0; i < n; i++) {
    const id = ids.shift()!;
    h.feed([0x40, 2, id >> 8, id & 255]);
    h.x.step();
    const r = h.publish('w/t', 'p'.repeat(64), 1);
    if (r > 0) ids.push(r); else refused++;
    h.x.step();
    h.takeSent();
  }
  return {
    store_writes_per_msg: +((store.writes - w0) / n).toFixed(2),
    page_erases_per_msg: +((store.erases - e0) / n).toFixed(2),
    compactions_per_msg: +((h.x.wq_stat(Stat.STORE_COMPACTIONS) - c0) / n).toFixed(3),
    refused_publishes: refused,
  };
}

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
    core_4k_store_window16_qos1: fullWindowWear(2000),
    core_qos1_cycles_per_s: corePerS,
    mqtt_packet_qos1_generate_parse_per_s: peerPerS,
    core_vs_mqtt_packet_ratio: +(corePerS / peerPerS).toFixed(2),
  };
}

if (process.argv[1]?.endsWith('core.bench.ts')) console.log(await run());
