// Runs scenarios one after another against one device and one broker, each with its own
// packet trace, timeout and broker-side clients, and collects a report.
import mqtt, { type MqttClient } from 'mqtt';
import type { BrokerHandle } from './brokers.ts';
import type { ClientSettings, HilDevice } from './device.ts';
import { summarise, type HilReport, type ScenarioResult } from './report.ts';
import { TraceRecorder } from './trace.ts';

export type Capability = 'powerCycle' | 'linkControl' | 'brokerRestart' | 'localBroker' | 'dns' | 'dhcp';

export interface Scenario {
  id: string;
  title: string;
  needs?: Capability[];
  run(ctx: ScenarioContext): Promise<void>;
}

/** A broker-side MQTT.js client that records what it receives. */
export interface Observer {
  client: MqttClient;
  received: { topic: string; payload: string; qos: number; retain: boolean }[];
  /**
   * Resolves once `n` messages matched (bounded by the step wait limit). `deliverable`, when
   * given, is how many of them the broker can hold at most (e.g. the publishes it acknowledged
   * to the device, all of which it has already queued for this observer): once that many
   * arrived and it is below `n`, the wait fails at once with the exact count instead of
   * running out the clock.
   */
  waitForCount(
    n: number, match?: (m: { topic: string; payload: string }) => boolean, deliverable?: () => number): Promise<void>;
}

export interface ScenarioContext {
  device: HilDevice;
  broker: BrokerHandle;
  trace: TraceRecorder;
  /** Unique per scenario and run: topics and client ids never collide with earlier runs. */
  prefix: string;
  settings(overrides?: Partial<ClientSettings>): ClientSettings;
  observer(subscribe?: string, qos?: 0 | 1 | 2): Promise<Observer>;
  /** Records a passed check for the report. */
  check(text: string): void;
  /**
   * Waits for a condition on events, failing with `what` after the scenario's wait limit, or at
   * once with the reason `hopeless()` returns when the condition can no longer come true.
   */
  waitUntil(cond: () => boolean, what: string | (() => string), ms?: number,
    hopeless?: () => string | undefined): Promise<void>;
  waitMs: number;
}

export interface RunnerOptions {
  device: HilDevice;
  broker: BrokerHandle;
  scenarios: Scenario[];
  /** Scenario time limit (ms). */
  timeoutMs?: number;
  /** Wait limit of one step inside a scenario (ms). */
  waitMs?: number;
  only?: string[];
  onResult?: (r: ScenarioResult) => void;
}

const LAN_DEVICES = 'the console\'s LAN image, as --node (build/core/device-lan.wasm) runs it, and --sim on ' +
  'build/stm32f103rc-lan (booted by the runner when no wasmqtt sim is running, or wasmqtt sim --board stm32f103rc ' +
  '--elf build/stm32f103rc-lan/firmware.elf), or --node-api --wasm build/w5500/core-lan.wasm (device.wasm and the ' +
  'bluepill images carry none: docs/w5500.md, "LAN images")';

function capabilityMissing(c: Capability, o: RunnerOptions): string | undefined {
  switch (c) {
    case 'powerCycle': return o.device.canPowerCycle ? undefined :
      'the device cannot be power-cycled (use --sim, or --relay-command for a real board)';
    case 'linkControl': return o.device.canControlLink ? undefined :
      'the runner cannot pull this device\'s link (use --sim, or --link-command for a real board)';
    case 'dns': return o.device.resolvesNames ? undefined :
      `needs a device with a DNS client on a network the runner routes: ${LAN_DEVICES}`;
    case 'dhcp': return o.device.leasesAddress ? undefined :
      `needs a device with a DHCP client on a network the runner routes: ${LAN_DEVICES}`;
    case 'brokerRestart': return o.broker.restart ? undefined :
      'the broker is not the runner\'s own (omit --broker to let the runner start Mosquitto)';
    case 'localBroker': return o.device.reachesRunnerLoopback ? undefined :
      'needs a scripted broker on this machine\'s loopback, which a board on Ethernet cannot reach';
  }
}

export async function runScenarios(o: RunnerOptions): Promise<HilReport> {
  const started = Date.now();
  const results: ScenarioResult[] = [];
  const runId = Date.now().toString(36);
  const list = o.only?.length ? o.scenarios.filter((s) => o.only!.includes(s.id)) : o.scenarios;
  for (const [i, s] of list.entries()) {
    const r = await runOne(s, o, `${runId}-${i}`);
    results.push(r);
    o.onResult?.(r);
  }
  return {
    tool: 'wasmqtt hil', device: o.device.description, broker: o.broker.description,
    startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, summary: summarise(results),
    scenarios: results,
  };
}

/** `tag` is unique per scenario in a run, so client ids (and broker-side sessions) never carry over. */
async function runOne(s: Scenario, o: RunnerOptions, tag: string): Promise<ScenarioResult> {
  const t0 = Date.now();
  const trace = new TraceRecorder();
  const checks: string[] = [];
  const missing = (s.needs ?? []).map((c) => capabilityMissing(c, o)).find(Boolean);
  if (missing) return { id: s.id, title: s.title, status: 'not-run', ms: 0, checks, reason: missing, trace: [] };

  const waitMs = o.waitMs ?? 10_000;
  const observers: MqttClient[] = [];
  const onPacket = (
    p: { from: 'device' | 'broker'; packet: string; packetId?: number; qos?: number; dup?: boolean }): void =>
    trace.packet(p.from, p.packet, { packetId: p.packetId, qos: p.qos, dup: p.dup });
  o.device.on('packet', onPacket);
  const prefix = `wasmqtt-hil/${tag}/${s.id}`;
  let n = 0;
  const ctx: ScenarioContext = {
    device: o.device, broker: o.broker, trace, prefix, waitMs,
    settings: (over = {}) => (
      { broker: o.broker.url, clientId: `hil-${tag}-${n++}`, cleanSession: true, keepalive: 30, ...over }),
    check: (t) => { checks.push(t); },
    waitUntil: (cond, what, ms = waitMs, hopeless = () => undefined) => new Promise<void>((resolve, reject) => {
      const until = Date.now() + ms;
      const poll = (): void => {
        if (cond()) return resolve();
        // `what` as a function reads the state when the wait ends (e.g. how many arrived by then).
        const name = (): string => (typeof what === 'string' ? what : what());
        const why = hopeless();
        if (why !== undefined) return reject(new Error(`${name()}: ${why}`));
        if (Date.now() > until) return reject(new Error(`timed out after ${ms} ms waiting for ${name()}`));
        setTimeout(poll, 5);
      };
      poll();
    }),
    observer: async (filter = `${prefix}/#`, qos = 2) => {
      const client = await mqtt.connectAsync(
        o.broker.url, { clientId: `obs-${tag}-${n++}`, reconnectPeriod: 200, connectTimeout: waitMs });
      observers.push(client);
      const received: Observer['received'] = [];
      client.on('message', (topic, payload, packet) => received.push(
        { topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }));
      await client.subscribeAsync(filter, { qos });
      return {
        client, received,
        waitForCount: (count, match = () => true, deliverable) => {
          const got = (): number => received.filter(match).length;
          return ctx.waitUntil(() => got() >= count,
              () => `${count} message(s) at the broker-side observer (got ${got()})`, undefined, () => {
            const d = deliverable?.();
            return d !== undefined && d < count && got() >= d
              ? `no more can arrive: the broker acknowledged only ${d} of the device's publishes` : undefined;
          });
        },
      };
    },
  };

  let status: ScenarioResult['status'] = 'pass';
  let reason: string | undefined;
  const limit = o.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      s.run(ctx),
      new Promise((_r, reject) =>
        { timer = setTimeout(() => reject(new Error(`scenario exceeded its ${limit} ms limit`)), limit); }),
    ]);
  } catch (err) {
    status = 'fail';
    reason = err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
    o.device.off('packet', onPacket);
    // Scenario-local listeners (inboxes, error collectors) end with the scenario.
    for (const ev of ['message', 'device-error'] as const) o.device.removeAllListeners(ev);
    await Promise.all(observers.map((c) => c.endAsync(true).catch(() => undefined)));
    // Leave the device disconnected and powered for the next scenario.
    await o.device.linkUp().catch(() => undefined);
    await o.device.disconnect().catch(() => undefined);
  }
  return { id: s.id, title: s.title, status, ms: Date.now() - t0, checks, reason, trace: trace.entries };
}
