// Throughput of NodeDevice (core.wasm in Node) against MQTT.js, same shape for both, same
// Mosquitto, same run: one publisher and one subscriber of the same kind, 64-byte payloads,
// N messages per QoS, timed from the first publish until every message is received and every
// QoS 1/2 publish is acknowledged. Figures only; nothing here passes or fails on time.
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../test/helpers/mosquitto.ts';
import { NodeDevice } from '../host-tools/sim/host/device.ts';
import { Err, Size, Stat } from '../host-tools/sim/host/abi.ts';
import { MemoryStore } from '../host-tools/sim/host/store.ts';

const MESSAGES = Number(process.env.WASMQTT_BENCH_MESSAGES ?? 20_000);
const PAYLOAD = Buffer.alloc(64, 0x61);
// Give up on a run that makes no progress for this long (lost messages are then reported, not waited for).
const STALL_MS = 10_000;
// MQTT.js keeps every publish in flight at once. The device runs the board's store (4 pages of
// 1 KB, two 2 KB groups) and the deepest window whose in-flight records still fit one group
// with room to spare (~90 bytes per QoS 1/2 record).
const DEVICE_WINDOW = Math.min(16, Size.WINDOW_MAX);
// A second QoS 1 figure with a 16-page store shows what store compaction costs.
const BIG_STORE_BYTES = 16 * 1024;

export interface RunResult {
  msgsPerS: number;
  received: number;
  acked: number;
  ms: number;
}

/**
 * Waits for a run to finish (or to stop making progress for STALL_MS, a clear error rather than
 * a hang) and turns its counters into a result, timed from t0.
 */
async function finishRun(done: Promise<void>, t0: number, n: number,
  counts: () => { received: number; acked: number }, what: string): Promise<RunResult> {
  let last = -1;
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      const { received, acked } = counts();
      const p = received + acked;
      if (p === last) reject(new Error(`${what}: no progress for ${STALL_MS} ms (at ${p})`));
      last = p;
    }, STALL_MS);
  });
  try {
    await Promise.race([done, stalled]);
  } finally {
    clearInterval(timer);
  }
  const ms = performance.now() - t0;
  const { received, acked } = counts();
  return { msgsPerS: Math.round((n / ms) * 1000), received, acked, ms: Math.round(ms) };
}

export async function mqttjsRun(url: string, qos: 0 | 1 | 2, n: number, topic: string): Promise<RunResult> {
  const sub = await mqtt.connectAsync(url, { clientId: `bench-js-sub-${qos}`, clean: true, reconnectPeriod: 0 });
  const pub = await mqtt.connectAsync(url, { clientId: `bench-js-pub-${qos}`, clean: true, reconnectPeriod: 0 });
  // MQTT.js waits for 'drain' once per queued publish; thousands at once are expected here.
  pub.stream.setMaxListeners(0);
  try {
    await sub.subscribeAsync(topic, { qos });
    let received = 0;
    let acked = 0;
    const done = new Promise<void>((resolve) => {
      const check = () => { if (received >= n && (qos === 0 || acked >= n)) resolve(); };
      sub.on('message', () => { received++; check(); });
      for (let i = 0; i < n; i++) pub.publish(topic, PAYLOAD, { qos }, () => { acked++; check(); });
    });
    const t0 = performance.now();
    return await finishRun(done, t0, n, () => ({ received, acked }), `MQTT.js QoS ${qos}`);
  } finally {
    await Promise.all([pub.endAsync(true), sub.endAsync(true)]);
  }
}

export async function nodeDeviceRun(url: string, qos: 0 | 1 | 2, n: number, topic: string, window: number, storeBytes = 4096): Promise<RunResult> {
  const store = () => new MemoryStore({ size: storeBytes, pageSize: 1024 });
  const sub = await NodeDevice.start({ broker: url, clientId: `bench-dev-sub-${qos}`, cleanSession: true, window, store: store() });
  const pub = await NodeDevice.start({ broker: url, clientId: `bench-dev-pub-${qos}`, cleanSession: true, window, store: store() });
  try {
    const granted = await sub.subscribe(topic, { qos });
    if (granted[0] !== qos) throw new Error(`subscriber was granted QoS ${granted[0]} instead of ${qos}`);
    let received = 0;
    let acked = 0;
    let sent = 0;
    const t0 = performance.now();
    const done = new Promise<void>((resolve, reject) => {
      const check = () => { if (received >= n && (qos === 0 || acked >= n)) resolve(); };
      sub.on('message', () => { received++; check(); });
      pub.on('publish_done', () => { acked++; check(); pump(); });
      pub.on('fatal', reject);
      // Keep `window` QoS 1/2 messages in the core (as an application honouring the window
      // would; filling every outgoing slot would also fill the store); PUBLISH_DONE refills.
      // QoS 0 has no completion event, so it yields to the event loop between batches.
      const pump = (): void => {
        while (sent < n && (qos === 0 || pub.stat(Stat.INFLIGHT_OUT) + pub.stat(Stat.QUEUED_OUT) < window)) {
          const r = pub.publishNow(topic, PAYLOAD, qos);
          if (r === Err.QUEUE_FULL) {
            if (qos === 0) setImmediate(pump);
            return;
          }
          if (r < 0) { reject(new Error(`publish failed with core error ${r}`)); return; }
          sent++;
          if (qos === 0 && sent % 64 === 0) { setImmediate(pump); return; }
        }
      };
      pump();
    });
    return await finishRun(done, t0, n, () => ({ received, acked }), `NodeDevice QoS ${qos}`);
  } finally {
    await pub.close();
    await sub.close();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  // One Mosquitto for both kinds. No in-flight limit: MQTT.js pipelines every publish at once and
  // Mosquitto 2.0.11 silently drops incoming QoS 2 beyond max_inflight_messages (DESIGN.md).
  // Unlimited queue too, so a slow subscriber measures speed, not loss.
  const broker: Mosquitto = await startMosquitto({ extraConfig: ['max_inflight_messages 0', 'max_queued_messages 0'] });
  const out: Record<string, unknown> = {
    mqtt_bench_messages: MESSAGES, mqtt_bench_payload_bytes: PAYLOAD.byteLength, nodedevice_bench_window: DEVICE_WINDOW,
  };
  // A device run that stalls is a finding, not a crash of the whole bench: record it and go on.
  const devRun = async (qos: 0 | 1 | 2, topic: string, storeBytes?: number): Promise<number | null> => {
    try {
      return (await nodeDeviceRun(broker.url, qos, MESSAGES, topic, DEVICE_WINDOW, storeBytes)).msgsPerS;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      console.error(`bench: ${msg}`);
      out[`nodedevice_qos${qos}${storeBytes ? '_16k_store' : ''}_error`] = msg;
      return null;
    }
  };
  const ratio = (a: number | null, b: number) => (a === null ? null : Math.round((a / b) * 100) / 100);
  try {
    for (const qos of [0, 1, 2] as const) {
      const js = await mqttjsRun(broker.url, qos, MESSAGES, `bench/js/${qos}`);
      const dev = await devRun(qos, `bench/dev/${qos}`);
      out[`nodedevice_qos${qos}_msgs_per_s`] = dev;
      out[`mqttjs_qos${qos}_msgs_per_s`] = js.msgsPerS;
      out[`nodedevice_vs_mqttjs_qos${qos}_ratio`] = ratio(dev, js.msgsPerS);
      if (qos === 1) {
        const big = await devRun(1, 'bench/dev/1big', BIG_STORE_BYTES);
        out.nodedevice_qos1_msgs_per_s_16k_store = big;
        out.nodedevice_16k_store_vs_mqttjs_qos1_ratio = ratio(big, js.msgsPerS);
      }
    }
  } finally {
    await broker.stop();
  }
  return out;
}
