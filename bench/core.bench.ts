// Core figures: module size (core.wasm, and device.wasm = core + console), static memory
// high-water, store bytes per message, and the raw speed of the QoS 1 engine (publish + PUBACK through core.wasm with
// an in-memory transport), next to mqtt-packet generating and parsing the same two packets as a peer in the same run.
import { statSync } from 'node:fs';
import mqttPacket from 'mqtt-packet';
import { CoreHarness, CORE_WASM, DEVICE_WASM } from '../test/core/harness.ts';
import { NorStore } from '../test/core/nor-store.ts';
import { RetainedRam } from '../host-tools/sim/host/keep.ts';
import { Stat, Cfg } from '../host-tools/sim/host/abi.ts';
import { listBoards, loadBoard } from '../host-tools/fwbuild/boards.ts';

/** STM32F103 flash endurance: program/erase cycles per page the datasheet guarantees. */
const ENDURANCE_CYCLES = 10_000;

/** Flash wear of QoS 1 traffic (18-byte topic, 64-byte payload) on a store of `storeBytes` in
 * `pageBytes` pages: `depth` 0 is one message at a time (publish, PUBACK, next); otherwise
 * `depth` messages are kept in the core (the window full: one PUBACK frees a slot, one publish
 * refills it). Lifetime = every page's endurance spent, with erases spread evenly over the pages
 * (the ping-pong groups alternate). `keepBytes` > 0: the board's retained RAM, so the default
 * policy (ram-first) runs; 0: no retained RAM, every message goes to the flash first (what
 * flash-first and `durable` cost). `ackMs`: virtual ms between a PUBLISH and its PUBACK (one
 * message a second: the rest of the second passes after the PUBACK). */
function storeWear(storeBytes: number, pageBytes: number, depth: number, n: number, keepBytes = 0,
    ackMs = 0): Record<string, number | null> {
  const store = new NorStore(storeBytes, pageBytes);
  const keep = keepBytes > 0 ? new RetainedRam(keepBytes) : undefined;
  const h = CoreHarness.started(store, undefined, undefined, keep);
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
      if (ackMs > 0) { h.now += ackMs; h.x.step(); }
      h.feed([0x40, 2, id >> 8, id & 255]);
      h.x.step();
      if (ackMs > 0) { h.now += 1000 - ackMs; h.x.step(); }
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
  // No erase in the whole run: the lifetime is at least what one erase at its very end would give
  // (a lower bound, not infinity: `lifetime_is_lower_bound`).
  const lifetime = (storeBytes / pageBytes) * ENDURANCE_CYCLES / Math.max(erasesPerMsg, 1 / n);
  return {
    store_writes_per_msg: +((store.writes - w0) / n).toFixed(2),
    retained_ram_writes_per_msg: keep ? +(keep.stats.writes / n).toFixed(2) : null,
    lifetime_is_lower_bound: erasesPerMsg === 0 ? 1 : 0,
    page_erases_per_msg: +erasesPerMsg.toFixed(4),
    compactions_per_msg: +((h.x.wq_stat(Stat.STORE_COMPACTIONS) - c0) / n).toFixed(4),
    lifetime_msgs: Math.round(lifetime),
    lifetime_days_at_1_msg_per_s: +(lifetime / 86_400).toFixed(1),
    refused_publishes: refused,
  };
}

/** Messages of the ram-first wear run: with no erase at all, the lifetime lower bound scales with it. */
const RAM_FIRST_MSGS = 20_000;

/** Wear on every board's store, next to the 4-page store the boards had before (the peer). */
function storeWearByBoard(): Record<string, unknown> {
  const out: Record<string, unknown> = {
    endurance_cycles_per_page: ENDURANCE_CYCLES,
    traffic: 'QoS 1, 18-byte topic, 64-byte payload; one_in_flight = publish, PUBACK, next; window_8_full = 8 ' +
      'unacknowledged at all times (both flash-first); ' +
      `ram_first_ack_50ms = the default policy with the board's retained RAM, one message a second, each PUBACK 50 ` +
        `ms after its PUBLISH (${RAM_FIRST_MSGS} messages)`,
  };
  const geometries: [string, number, number, number][] = listBoards().map((name) => {
    const b = loadBoard(name);
    return [name, b.storePages * b.memory.flashPageBytes, b.memory.flashPageBytes, b.keepBytes];
  });
  geometries.push(['previous_4_pages_of_1k', 4 * 1024, 1024, 0]);
  for (const [name, bytes, page, keepBytes] of geometries) {
    out[name] = { store_bytes: bytes, keep_bytes: keepBytes, one_in_flight: storeWear(bytes, page, 0, 2000),
      window_8_full: storeWear(bytes, page, 8, 2000),
      ...(keepBytes > 0 ? { ram_first_ack_50ms: storeWear(bytes, page, 0, RAM_FIRST_MSGS, keepBytes, 50) } : {}) };
  }
  const now = (out.bluepill as { one_in_flight: { lifetime_msgs: number } }).one_in_flight.lifetime_msgs;
  const before = (
    out.previous_4_pages_of_1k as { one_in_flight: { lifetime_msgs: number } }).one_in_flight.lifetime_msgs;
  out.bluepill_lifetime_vs_previous_store = +(now / before).toFixed(2);
  return out;
}

/** Years each board's store lasts at one QoS 1 message a second, one in flight: `run` =
 * 'one_in_flight' (flash-first / durable) or 'ram_first_ack_50ms' (the default policy). */
function lifetimeYears(
    wear: Record<string, unknown>, run: 'one_in_flight' | 'ram_first_ack_50ms'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of listBoards()) {
    const msgs = (wear[name] as Record<string, { lifetime_msgs: number }>)[run]!.lifetime_msgs;
    out[name] = +(msgs / (365.25 * 86_400)).toFixed(3);
  }
  return out;
}

/** `n` QoS 1 publishes of the staged topic + 64-byte payload, each acked at once: the store writes they cost. */
function publishAckLoop(h: CoreHarness, staged: Uint8Array, topicLen: number, n: number): number {
  const before = h.store.writes;
  for (let i = 0; i < n; i++) {
    h.stage(staged);
    const id = h.x.wq_publish(topicLen, 64, 1);
    h.x.step();
    h.takeSent();
    h.feed([0x40, 2, id >> 8, id & 255]);
    h.x.step();
  }
  return h.store.writes - before;
}

export async function run(): Promise<Record<string, unknown>> {
  const h = CoreHarness.started();
  h.connect();
  // the same loop with the default policy (bluepill's retained RAM, ram-first): the healthy-link figure
  const hk = CoreHarness.started(undefined, undefined, undefined, new RetainedRam(loadBoard('bluepill').keepBytes));
  hk.connect();
  const topic = new TextEncoder().encode('bench/topic');
  const staged = new Uint8Array(topic.length + 64).fill(0x41);
  staged.set(topic);
  const N = 20_000;
  const t0 = performance.now();
  const storeWrites = publishAckLoop(h, staged, topic.length, N);
  const coreMs = performance.now() - t0;
  const ramFirstStoreWrites = publishAckLoop(hk, staged, topic.length, N);

  const parser = mqttPacket.parser({ protocolVersion: 4 });
  let parsed = 0;
  parser.on('packet', () => { parsed++; });
  const payload = Buffer.alloc(64, 0x41);
  const t1 = performance.now();
  for (let i = 0; i < N; i++) {
    const id = (i % 65535) + 1;
    parser.parse(mqttPacket.generate(
      { cmd: 'publish', topic: 'bench/topic', payload, qos: 1, messageId: id, retain: false, dup: false }));
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
    // #16's figures: the default policy (ram-first, the board's retained RAM), a healthy link
    // (PUBACK before the next publish; for the lifetime, 50 ms after the PUBLISH at 1 message/s),
    // and flash-first (`durable`, or CFG_SPILL_MS 0)
    store_writes_per_qos1_message_healthy_link: +(ramFirstStoreWrites / N).toFixed(2),
    store_writes_per_qos1_message_healthy_link_durable: +(storeWrites / N).toFixed(2),
    store_lifetime_years_at_1_qos1_per_s: lifetimeYears(wear, 'ram_first_ack_50ms'),
    store_lifetime_years_at_1_qos1_per_s_note: `ram-first wrote no flash in ${RAM_FIRST_MSGS} messages per board: ` +
      `the figure is the lower bound one erase at the end of the run would give ` +
      `(core_store_wear.<board>.ram_first_ack_50ms)`,
    store_lifetime_years_at_1_qos1_per_s_durable: lifetimeYears(wear, 'one_in_flight'),
    core_qos1_cycles_per_s: corePerS,
    mqtt_packet_qos1_generate_parse_per_s: peerPerS,
    core_vs_mqtt_packet_ratio: +(corePerS / peerPerS).toFixed(2),
  };
}

if (process.argv[1]?.endsWith('core.bench.ts')) console.log(await run());
