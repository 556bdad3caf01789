// The HIL suite end to end: the real core.wasm (with the real device console) on Node, a real
// Mosquitto started by the runner, MQTT.js on the broker side. The same scenarios run on a
// board; here they prove the runner, the console adapter and the checks.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startManagedMosquitto, type BrokerHandle } from '../../host-tools/hil/brokers.ts';
import { ConsoleDevice } from '../../host-tools/hil/console-device.ts';
import { NodeConsoleTransport } from '../../host-tools/hil/node-console.ts';
import { NodeDeviceAdapter } from '../../host-tools/hil/node-device.ts';
import { runScenarios } from '../../host-tools/hil/runner.ts';
import { scenarios } from '../../host-tools/hil/scenarios.ts';
import { writeLadders } from '../../host-tools/hil/report.ts';
import type { HilDevice } from '../../host-tools/hil/device.ts';
import { runCli } from './run-cli.ts';

const DEVICE = new URL('../../build/core/device.wasm', import.meta.url).pathname;
let broker: BrokerHandle;

beforeAll(async () => {
  if (!existsSync(DEVICE)) throw new Error(`${DEVICE} is missing: run \`make build\` first`);
  broker = await startManagedMosquitto();
});
afterAll(async () => { await broker?.stop(); });

describe('wasmqtt hil on the core in Node', () => {
  it('passes every scenario driving the device over its UART console (as on a board)', async () => {
    const device = new ConsoleDevice(new NodeConsoleTransport());
    try {
      const report = await runScenarios({ device, broker, scenarios, timeoutMs: 20_000 });
      const failed = report.scenarios.filter((s) => s.status === 'fail').map((s) => `${s.id}: ${s.reason}`);
      expect(failed).toEqual([]);
      // device.wasm has no DNS or DHCP client (docs/w5500.md, "LAN services"): exactly the dns and
      // dhcp scenarios are not run, each saying which module to use; test/w5500/hil-lan.test.ts runs them
      const notRun = report.scenarios.filter((s) => s.status === 'not-run');
      expect(notRun.map((s) => s.id)).toEqual(
        scenarios.filter((s) => s.needs?.includes('dns') || s.needs?.includes('dhcp')).map((s) => s.id));
      for (const s of notRun) expect(s.reason).toMatch(/core-lan\.wasm/);
      expect(report.summary.passed).toBe(scenarios.length - notRun.length);
      const q2 = report.scenarios.find((s) => s.id === 'power-cycle-qos2-out')!;
      const seq = q2.trace.map((e) => e.note ?? `${e.from}:${e.packet}`);
      // The wire story the scenario checks: PUBREC, power cut, then PUBREL (never PUBLISH) and PUBCOMP.
      const cut = seq.indexOf('power cut');
      expect(seq.slice(0, cut)).toContain('broker:PUBREC');
      expect(seq.slice(cut)).toContain('device:PUBREL');
      expect(seq.slice(cut)).toContain('broker:PUBCOMP');
      expect(seq.slice(cut)).not.toContain('device:PUBLISH');
    } finally {
      await device.close();
    }
  });

  it('passes the QoS and fault scenarios through the NodeDevice API as well', async () => {
    const device = new NodeDeviceAdapter();
    try {
      const only = ['publish-qos2', 'receive-qos2', 'link-down-up', 'power-cycle-qos2-in', 'hostile-broker'];
      const report = await runScenarios({ device, broker, scenarios, only, timeoutMs: 20_000 });
      expect(report.scenarios.map((s) => [s.id, s.status, s.reason])).toEqual(
        only.map((id) => [id, 'pass', undefined]));
    } finally {
      await device.close();
    }
  });

  it('fails a scenario when a message goes missing, naming it, and draws its ladder', async () => {
    const inner = new ConsoleDevice(new NodeConsoleTransport());
    // A device that silently loses one QoS 2 publish (claims success without sending it).
    const lossy = new Proxy(inner, {
      get(target, prop, recv) {
        if (prop === 'publish') {
          return (topic: string, payload: string, qos: 0 | 1 | 2, retain?: boolean) =>
            (payload === 'm7' ? Promise.resolve() : target.publish(topic, payload, qos, retain));
        }
        const v = Reflect.get(target, prop, recv);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as HilDevice;
    try {
      // The wait ends when the observer holds every publish the broker acknowledged (19), not on
      // a real-time limit: waitMs only guards against a hang.
      const report = await runScenarios(
        { device: lossy, broker, scenarios, only: ['publish-qos2'], timeoutMs: 20_000 });
      const r = report.scenarios[0]!;
      expect(r.status).toBe('fail');
      expect(r.reason).toBe('20 message(s) at the broker-side observer (got 19): no more can arrive: the broker ' +
        'acknowledged only 19 of the device\'s publishes');
      const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-hil-'));
      const [svg] = writeLadders(report, dir);
      const text = readFileSync(svg!, 'utf8');
      expect(text.match(/data-packet="PUBCOMP"/g)).toHaveLength(19);
      expect(text).toContain('publish-qos2: device publishes 20 messages at QoS 2');
    } finally {
      await inner.close();
    }
  });

  it('runs from the CLI with a JSON report for CI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-hil-cli-'));
    const json = join(dir, 'report.json');
    const r = runCli(
      ['hil', '--node', '--only', 'connect,publish-qos1', '--json', json, '--svg-dir', dir], { timeoutMs: 60_000 });
    expect(r.stdout).toMatch(/PASS +connect/);
    expect(r.stdout).toMatch(/2 passed, 0 failed, 0 not run/);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(readFileSync(json, 'utf8'));
    expect(parsed.summary).toEqual({ passed: 2, failed: 0, notRun: 0 });
    expect(parsed.device).toMatch(/NodeDevice console/);
    const bad = runCli(['hil', '--node', '--only', 'nope']);
    expect(bad.stderr).toContain('unknown scenario nope; see `wasmqtt hil --list`');
    const none = runCli(['hil']);
    expect(none.stderr).toContain('choose one device: --port PORT');
  });
});
