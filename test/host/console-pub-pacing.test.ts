// The console's `pub -n` run (firmware/app/console/console.ts, docs/console.md "Repeat") against a
// real Mosquitto, with the real device.wasm plus one probe: a counter at the entry of the core's
// publish function. A run that finds the core full waits for what frees room (an acknowledged
// publish, a packet sent for a QoS 0 run, a link change) or its timed retry (100 ms), instead of
// calling the core again at every step to be refused.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import binaryen from 'binaryen';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { DEFAULT_DEVICE_WASM, NodeDevice } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { Stat } from '../../host-tools/sim/host/abi.ts';

const PROBE = 'probe_publish_calls';
const RETRY_MS = 100; // PUB_RETRY_MS in console.ts

/** device.wasm with an exported counter bumped at every entry of the core's publish: the function
 * the `wq_publish` export calls (the console calls it directly). */
function withPublishProbe(): Uint8Array {
  const m = binaryen.readBinary(readFileSync(DEFAULT_DEVICE_WASM));
  m.setFeatures(binaryen.Features.All);
  let fn = m.getFunction(binaryen.getExportInfo(m.getExport('wq_publish')).value);
  const wrapper = binaryen.getExpressionInfo(binaryen.getFunctionInfo(fn).body) as binaryen.CallInfo;
  if (wrapper.id === binaryen.CallId) fn = m.getFunction(wrapper.target);
  m.addGlobal(PROBE, binaryen.i32, true, m.i32.const(0));
  m.addGlobalExport(PROBE, PROBE);
  const f = binaryen.getFunctionInfo(fn);
  const bump = m.global.set(PROBE, m.i32.add(m.global.get(PROBE, binaryen.i32), m.i32.const(1)));
  // (binaryen.js has Function.setBody; its typings put it elsewhere)
  (binaryen as unknown as { Function: { setBody(fn: binaryen.FunctionRef, body: binaryen.ExpressionRef): void } })
    .Function.setBody(fn, m.block(null, [bump, f.body], f.results));
  expect(m.validate()).toBeTruthy();
  return m.emitBinary();
}

let broker: Mosquitto;
let probed: Uint8Array;
beforeAll(async () => { broker = await startMosquitto(); probed = withPublishProbe(); });
afterAll(async () => { await broker.stop(); });

/** A console device on virtual time that the test moves (`tick`), a peer counting what the broker
 * delivers on `topic`, and the probe. */
async function rig(clientId: string, topic: string) {
  const peer = await mqtt.connectAsync(broker.url, { clientId: `${clientId}-peer` });
  const got: string[] = [];
  peer.on('message', (_t, payload) => got.push(payload.toString()));
  await peer.subscribeAsync(topic, { qos: 1 });
  const clock = new VirtualClock();
  const dev = await NodeDevice.start({ broker: broker.url, clientId, console: true, clock, wasm: probed });
  let text = '';
  dev.on('uart', (s: string) => { text += s; });
  const calls = () => (
    dev as unknown as { exports: Record<string, WebAssembly.Global> }).exports[PROBE]!.value as number;
  const line = (re: RegExp) => text.split('\r\n').find((l) => re.test(l));
  /** Lets real I/O happen (time moves by `ms` virtual ms per round) until `done()`. */
  const until = async (done: () => boolean, ms = 0, what = 'the run') => {
    for (let i = 0; !done(); i++) {
      if (i > 4000) throw new Error(`${what} did not end; the console printed:\n${text.slice(-2000)}`);
      if (ms > 0) dev.advance(ms);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  const close = async () => { await dev.close(); await peer.endAsync(); };
  return { dev, clock, got, calls, line, until, close, text: () => text };
}

describe('console pub -n waits for room instead of retrying every step', () => {
  it('QoS 1 through a full window: the core is called once per message, plus the one refusal that found it ' +
      'full', async () => {
    const r = await rig('pacing-q1', 'pacing/q1');
    try {
      const N = 300;
      const c0 = r.calls();
      // Virtual time stands still: no timed retry; only PUBLISH_DONE events let the run go on.
      r.dev.uartInput(`pub -n ${N} pacing/q1 1 0 m\r\n`);
      await r.until(() => r.line(/^ok pub /) !== undefined);
      expect(r.line(/^ok pub /)).toMatch(new RegExp(`^ok pub pid=\\d+ queued=${N}$`));
      // Before: one refused call per step while the window was full (79 in a run like this).
      expect(r.calls() - c0 - N).toBe(1);
      await r.until(() => r.got.length >= N, 0, 'the peer receiving every message');
      expect(r.got).toEqual(Array(N).fill('m'));
    } finally {
      await r.close();
    }
  }, 30_000);

  it('QoS 0: room comes from the packets the core sends, so a run refused for TX room keeps pace', async () => {
    const r = await rig('pacing-q0', 'pacing/q0');
    try {
      const N = 3000;
      const c0 = r.calls();
      r.dev.uartInput(`pub -n ${N} pacing/q0 0 0 ${'x'.repeat(100)}\r\n`);
      await r.until(() => r.line(/^ok pub /) !== undefined);
      expect(r.line(/^ok pub /)).toBe(`ok pub pid=0 queued=${N}`);
      // Before: one refused call per step while the core's queue of QoS 0 packets was full.
      expect(r.calls() - c0 - N).toBeLessThanOrEqual(3);
      await r.until(() => r.got.length >= N, 0, 'the peer receiving every message');
      expect(r.got.length).toBe(N);
    } finally {
      await r.close();
    }
  }, 30_000);

  it('offline with the queue full: only the timed retry calls the core; the connection lets the run ' +
      'finish', async () => {
    const r = await rig('pacing-off', 'pacing/off');
    try {
      r.dev.uartInput('disconnect\r\n');
      await r.until(() => r.line(/^ok disconnect$/) !== undefined);
      const N = 100;
      const c0 = r.calls();
      r.dev.uartInput(`pub -n ${N} pacing/off 1 0 q\r\n`);
      await r.until(() => r.calls() > c0 && r.line(/^ok pub /) === undefined && r.dev.stat(Stat.QUEUED_OUT) > 0);
      const queued = r.calls() - c0 - 1; // the offline queue's room, then one refusal
      const c1 = r.calls();
      const t1 = r.clock.now();
      r.dev.advance(1000);
      const retries = r.calls() - c1;
      expect(retries).toBeGreaterThan(0);
      expect(retries).toBeLessThanOrEqual(Math.floor((r.clock.now() - t1) / RETRY_MS) + 1);
      expect(r.line(/^ok pub /)).toBeUndefined();
      // connect through the API (console input would end the run): CONNECTED opens the core again
      (r.dev as unknown as { exports: { wq_connect(): number } }).exports.wq_connect();
      r.dev.wake();
      await r.until(() => r.line(/^ok pub /) !== undefined, 5);
      expect(r.line(/^ok pub /)).toMatch(new RegExp(`^ok pub pid=\\d+ queued=${N}$`));
      await r.until(() => r.got.length >= N, 5, 'the peer receiving every message');
      expect(r.got).toEqual(Array(N).fill('q'));
      expect(queued).toBeGreaterThan(0);
    } finally {
      await r.close();
    }
  }, 30_000);
});
