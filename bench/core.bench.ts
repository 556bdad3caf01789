// Core figures: module size (core.wasm, and device.wasm = core + console), static memory
// high-water, store bytes per message, and the raw speed of the QoS 1 engine (publish + PUBACK through core.wasm with an in-memory transport),
// next to mqtt-packet generating and parsing the same two packets as a peer in the same run.
import { statSync } from 'node:fs';
import mqttPacket from 'mqtt-packet';
import { CoreHarness, CORE_WASM, DEVICE_WASM } from '../test/core/harness.ts';
import { NorStore } from '../test/core/nor-store.ts';
import { Stat, Cfg } from '../host-tools/sim/host/abi.ts';
import { listBoards, loadBoard } from '../host-tools/build/boards.ts';

/** STM32F103 flash endurance: program/erase cycles per page the datasheet guarantees. */
const ENDURANCE_CYCLES = 10_000;

/** Flash wear of QoS 1 traffic (18-byte topic, 64-byte payload) on a store of `storeBytes` in
 * `pageBytes` pages: `depth` 0 is one message at a time (publish, PUBACK, next); otherwise
 * `depth` messages are kept in the core (the window full: one PUBACK frees a slot, one publish
 * refills it). Lifetime = every page's endurance spent, with erases spread evenly over the pages
 * (the ping-pong groups alternate). */
function storeWear(storeBytes: number, pageBytes: number, depth: number, n: number): Record<string, number> {
  const store = new NorStore(storeBytes, pageBytes);
  const h = CoreHarness.started(store);
  if (depth > 0) h.config(Cfg.WINDOW, depth);
  h.connect(true);
  const topic = 'sensors/room1/temp', payload = 'p'.repeat(64);
  const ids: number[] = [];
  let refused = 0;
  for (let i = 0; i < depth; i++) ids.push(h.publish(topic, payload, 1));
  h.x.step();
  h.takeSent();
  const [w0, e0, c0] = [store.writes, store.erases, h.x.wq_stat(Stat.STORE_COMPACTIONS)];
  for (let i = 0; i < n; i++) {
    if (depth === 0) {
      const id = h.publish(topic, payload, 1);
      if (id <= 0) { refused++; continue; }
      h.x.step();
      h.takeSent();
      h.feed([0x40, 2, id >> 8, id & 255]);
      h.x.step();
      continue;
    }
    const id = ids.shift()!;
    h.feed([0x40, 2, id >> 8, id & 255]);
    h.x.step();
    const r = h.publish(topic, payload, 1);
    if (r > 0) ids.push(r); else refused++;
    h.x.step();
    h.takeSent();
  }
  const erasesPerMsg = (store.erases - e0) / n;
  const lifetime = erasesPerMsg > 0 ? (storeBytes / pageBytes) * ENDURANCE_CYCLES / erasesPerMsg : Infinity;
  return {
    store_writes_per_msg: +((store.writes - w0) / n).toFixed(2),
    page_erases_per_msg: +erasesPerMsg.toFixed(4),
    compactions_per_msg: +((h.x.wq_stat(Stat.STORE_COMPACTIONS) - c0) / n).toFixed(4),
    lifetime_msgs: Math.round(lifetime),
    lifetime_days_at_1_msg_per_s: +(lifetime / 86_400).toFixed(1),
    refused_publishes: refused,
  };
}

/** Wear on every board's store, next to the 4-page store the boards had before (the peer). */
function storeWearByBoard(): Record<string, unknown> {
  const out: Record<string, unknown> = {
    endurance_cycles_per_page: ENDURANCE_CYCLES,
    traffic: 'QoS 1, 18-byte topic, 64-byte payload; one_in_flight = publish, PUBACK, next; window_8_full = 8 unacknowledged at all times',
  };
  const geometries: [string, number, number][] = listBoards().map((name) => {
    const b = loadBoard(name);
    return [name, b.storePages * b.memory.flashPageBytes, b.memory.flashPageBytes];
  });
  geometries.push(['previous_4_pages_of_1k', 4 * 1024, 1024]);
  for (const [name, bytes, page] of geometries) {
    out[name] = { store_bytes: bytes, one_in_flight: storeWear(bytes, page, 0, 2000), window_8_full: storeWear(bytes, page, 8, 2000) };
  }
  const now = (out.bluepill as { one_in_flight: { lifetime_msgs: number } }).one_in_flight.lifetime_msgs;
  const before = (out.previous_4_pages_of_1k as { one_in_flight: { lifetime_msgs: number } }).one_in_flight.lifetime_msgs;
  out.bluepill_lifetime_vs_previous_store = +(now / before).toFixed(2);
  return out;
}

/** Years each board's store lasts at one QoS 1 message a second, one in flight. */
function lifetimeYears(wear: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of listBoards()) {
    const msgs = (wear[name] as { one_in_flight: { lifetime_msgs: number } }).one_in_flight.lifetime_msgs;
    out[name] = +(msgs / (365.25 * 86_400)).toFixed(3);
  }
  return out;
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

  const wear = storeWearByBoard();
  const corePerS = Math.round(N / (coreMs / 1000));
  const peerPerS = Math.round(N / (peerMs / 1000));
  return {
    core_wasm_bytes: statSync(CORE_WASM).size,
    core_memory_high_water_bytes: h.x.wq_stat(Stat.MEM_HIGH_WATER),
    // The module the firmware images embed: the core with the device console (firmware/app).
    device_wasm_bytes: statSync(DEVICE_WASM).size,
    device_memory_high_water_bytes: CoreHarness.started(undefined, DEVICE_WASM).x.wq_stat(Stat.MEM_HIGH_WATER),
    core_store_writes_per_qos1_message: +(storeWrites / N).toFixed(2),
    core_store_compactions_per_1000_qos1: +((h.x.wq_stat(Stat.STORE_COMPACTIONS) * 1000) / N).toFixed(2),
    core_store_wear: wear,
    // #16's figures, with the one policy the core has today (every QoS 1/2 message to flash
    // before it is sent: the "durable" policy), a healthy link (PUBACK before the next publish)
    store_writes_per_qos1_message_healthy_link: +(storeWrites / N).toFixed(2),
    store_lifetime_years_at_1_qos1_per_s: lifetimeYears(wear),
    store_lifetime_years_at_1_qos1_per_s_durable: lifetimeYears(wear),
    core_qos1_cycles_per_s: corePerS,
    mqtt_packet_qos1_generate_parse_per_s: peerPerS,
    core_vs_mqtt_packet_ratio: +(corePerS / peerPerS).toFixed(2),
  };
}

if (process.argv[1]?.endsWith('core.bench.ts')) console.log(await run());
