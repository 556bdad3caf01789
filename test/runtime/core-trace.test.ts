// core.wasm on the C runtime vs Node's own WebAssembly engine: a real MQTT session (NodeDevice
// against a real Mosquitto: connect, subscribe, QoS 0/1/2 publishes both ways) is recorded on
// Node's engine, then replayed on the host build of our interpreter, which must make exactly the
// same import calls with byte-identical arguments and wire bytes and return the same results: on both
// engines, the register form (the default: core_trace, core.rf.wasm) and the stack form (core_trace_stack,
// core.pd.wasm).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { NodeDevice, type Message } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { TraceRecorder } from '../../host-tools/wasm/trace.ts';

const OUT = resolve(import.meta.dirname, '../../build/runtime');
const CORE = resolve(import.meta.dirname, '../../build/core/core.wasm');
/** each engine: its replay program and the core pre-decoded for it */
const FORMS = [['core_trace', 'core.rf.wasm'], ['core_trace_stack', 'core.pd.wasm']] as const;

describe('core.wasm: C runtime vs Node engine', () => {
  it('replays a real MQTT session with byte-identical imports and results', async () => {
    expect(existsSync(CORE), 'build/core/core.wasm missing: run make build').toBe(true);
    const broker = await startMosquitto();
    const rec = new TraceRecorder();
    rec.install();
    let dev: NodeDevice | null = null;
    const peer = await mqtt.connectAsync(broker.url, { clientId: 'rt-peer', reconnectPeriod: 0 });
    try {
      dev = await NodeDevice.start(
        { broker: broker.url, clientId: 'rt-dev', clock: new VirtualClock(), seed: 42, keepalive: 0, wasm: CORE });
      rec.uninstall();
      const got: Message[] = [];
      dev.on('message', (m: Message) => got.push(m));
      await dev.subscribe({ 'rt/in/#': 2 });
      await peer.subscribeAsync('rt/out/#', { qos: 2 });
      const atPeer: string[] = [];
      peer.on('message', (_t, p) => atPeer.push(p.toString()));
      for (let i = 0; i < 6; i++) await dev.publish(
        'rt/out/x', `m${i}-${'z'.repeat(i * 20)}`, { qos: (i % 3) as 0 | 1 | 2 });
      for (let i = 0; i < 6; i++) await peer.publishAsync(
        'rt/in/y', Buffer.from(`p${i}`), { qos: (i % 3) as 0 | 1 | 2 });
      const deadline = Date.now() + 10_000;
      while ((got.length < 6 || atPeer.length < 6) &&
        Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(got.map((m) => m.payload.toString()).sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
      expect(atPeer.length).toBe(6);
    } finally {
      rec.uninstall();
      await dev?.close();
      await peer.endAsync();
      await broker.stop();
    }
    // Wire bytes: W5500 frames into a socket's TX buffer (block select 2 + 4n).
    const sends = rec.lines.filter((l) =>
      { const m = /^I board\.w5500_write 4 \d+ (\d+) /.exec(l); return m !== null && (Number(m[1]) & 3) === 2; });
    expect(sends.length).toBeGreaterThan(5);
    const dir = mkdtempSync(join(tmpdir(), 'wqtrace-'));
    writeFileSync(join(dir, 'trace.txt'), rec.lines.join('\n') + '\n');
    for (const [program, module] of FORMS) {
      const r = spawnSync(join(OUT, program), [join(OUT, module), join(dir, 'trace.txt')], { encoding: 'utf8' });
      expect(r.stdout, program).toMatch(/core_trace: identical: \d+ export calls, \d+ import calls/);
      expect(r.status, program).toBe(0);
    }
  }, 60_000);

  it('notices a divergence (the replay is not vacuous)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wqtrace-'));
    // a trace claiming start() returns something else than what the core returns
    execFileSync('true');
    writeFileSync(join(dir, 'bad.txt'), 'X wq_buf_size 0 W 0\nR 12345\n');
    for (const [program, module] of FORMS) {
      const r = spawnSync(join(OUT, program), [join(OUT, module), join(dir, 'bad.txt')], { encoding: 'utf8' });
      expect(r.status, program).toBe(1);
      expect(r.stdout, program).toMatch(/DIVERGED .*export result differs/);
    }
  });
});
