// Unit tests of the runner and the reports, with a scripted stand-in device (the scenarios
// themselves run against the real core.wasm and Mosquitto in hil-node.test.ts).
import { describe, it, expect } from 'vitest';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HilDevice } from '../../host-tools/hil/device.ts';
import { runScenarios, type Scenario } from '../../host-tools/hil/runner.ts';
import { formatReport, writeJsonReport, writeLadders } from '../../host-tools/hil/report.ts';

class ScriptedDevice extends EventEmitter {
  readonly description = 'scripted';
  canPowerCycle = false;
  readonly canControlLink = false;
  readonly reachesRunnerLoopback = false;
  disconnects = 0;
  async connect() { this.emit('packet', { from: 'device', packet: 'CONNECT' });
    this.emit('packet', { from: 'broker', packet: 'CONNACK' }); return { sessionPresent: false }; }
  async publish(_t: string, _p: string, qos: number) {
    this.emit('packet', { from: 'device', packet: 'PUBLISH', packetId: 1, qos });
    this.emit('packet', { from: 'broker', packet: 'PUBREC', packetId: 1 });
  }
  async subscribe() { return 0; }
  async unsubscribe() {}
  async disconnect() { this.disconnects++; }
  async powerOff() {}
  async powerOn() {}
  async linkDown() {}
  async linkUp() {}
  async waitConnected() {}
  isConnected() { return true; }
  async close() {}
}

const broker = { url: 'mqtt://127.0.0.1:1', description: 'none', stop: async () => {} };

describe('HIL runner', () => {
  it('passes, fails with the reason and trace, skips what the device cannot do, and times out', async () => {
    const device = new ScriptedDevice();
    const scenarios: Scenario[] = [
      { id: 'ok', title: 'passes',
        run: async (ctx) => { await ctx.device.connect(ctx.settings()); ctx.check('connected'); } },
      { id: 'stuck-qos2', title: 'fails',
        run: async (ctx) => { await ctx.device.publish('t', 'p', 2); throw new Error('no PUBCOMP after PUBREC'); } },
      { id: 'power', title: 'needs power', needs: ['powerCycle'], run: async () => {} },
      { id: 'restart', title: 'needs restart', needs: ['brokerRestart'], run: async () => {} },
      { id: 'hostile', title: 'needs a scripted broker', needs: ['localBroker'], run: async () => {} },
      { id: 'slow', title: 'hangs', run: () => new Promise(() => {}) },
    ];
    const report = await runScenarios({ device: device as unknown as HilDevice, broker, scenarios, timeoutMs: 300 });
    expect(report.scenarios.map((s) => [s.id, s.status])).toEqual([
      ['ok', 'pass'], ['stuck-qos2', 'fail'], ['power', 'not-run'], ['restart', 'not-run'], ['hostile', 'not-run'],
      ['slow', 'fail'],
    ]);
    expect(report.summary).toEqual({ passed: 1, failed: 2, notRun: 3 });
    const stuck = report.scenarios[1]!;
    expect(stuck.reason).toBe('no PUBCOMP after PUBREC');
    expect(stuck.trace.map((e) => `${e.from}:${e.packet}`)).toEqual(['device:PUBLISH', 'broker:PUBREC']);
    expect(report.scenarios[2]!.reason).toMatch(/cannot be power-cycled/);
    expect(report.scenarios[3]!.reason).toMatch(/omit --broker/);
    expect(report.scenarios[4]!.reason).toMatch(/a board on Ethernet cannot reach/);
    expect(report.scenarios[5]!.reason).toBe('scenario exceeded its 300 ms limit');
    expect(device.disconnects).toBe(3); // every scenario that ran leaves the device disconnected

    const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-hil-'));
    const svgs = writeLadders(report, dir);
    expect(svgs).toEqual([join(dir, 'stuck-qos2.svg'), join(dir, 'slow.svg')]);
    expect(readFileSync(svgs[0]!, 'utf8')).toContain('data-packet="PUBREC"');

    const text = formatReport(report);
    expect(text).toMatch(/PASS +ok +\d+\.\d\d s {2}passes\n +✓ connected/);
    expect(text).toMatch(/NOT RUN {2}power .*\(not run: the device cannot be power-cycled/);
    expect(text).toContain('stuck-qos2 failed: no PUBCOMP after PUBREC');
    expect(text).toContain(`packet trace: ${svgs[0]}`);
    expect(text).toMatch(/1 passed, 2 failed, 3 not run in \d+\.\d s$/);

    const json = join(dir, 'out', 'report.json');
    writeJsonReport(report, json);
    const parsed = JSON.parse(readFileSync(json, 'utf8'));
    expect(parsed.tool).toBe('wasmqtt hil');
    expect(parsed.scenarios[1].ladder).toBe(svgs[0]);
  });

  it('runs only the chosen scenarios', async () => {
    const ran: string[] = [];
    const mk = (id: string): Scenario => ({ id, title: id, run: async () => { ran.push(id); } });
    await runScenarios({ device: new ScriptedDevice() as unknown as HilDevice, broker,
      scenarios: [mk('a'), mk('b'), mk('c')], only: ['c', 'a'] });
    expect(ran).toEqual(['a', 'c']);
  });
});
