// The persistence policies (docs/mqtt-core.md, "Persistence policies") on NodeDevice with a real
// Mosquitto behind a fault proxy: ram-first keeps in-flight QoS 1/2 flows in the retained RAM log,
// so a system reset (watchdog, reset pin...) resumes them with no flash write at all, and a power
// cut loses what only RAM held; `durable`, a spilled message and flash-first survive a power cut.
import { describe, it, expect } from 'vitest';
import type { Direction } from '../helpers/proxy.ts';
import { useProxiedBroker } from '../helpers/proxied-broker.ts';
import { NodeDevice, type Message } from '../../host-tools/sim/host/device.ts';
import { MemoryStore } from '../../host-tools/sim/host/store.ts';
import { RetainedRam } from '../../host-tools/sim/host/keep.ts';
import { Stat, Err } from '../../host-tools/sim/host/abi.ts';

const rig = useProxiedBroker('keep-observer');

interface Board { store: MemoryStore; keep: RetainedRam }
const newBoard = (): Board => ({ store: new MemoryStore(), keep: new RetainedRam(1024) });

async function boot(clientId: string, b: Board, spillMs?: number): Promise<{
    dev: NodeDevice; conn: number; messages: Message[] }> {
  const conn = rig.proxy.connections + 1;
  const dev = await NodeDevice.start(
    { broker: rig.proxy.url, clientId, cleanSession: false, store: b.store, keep: b.keep, trace: true, spillMs });
  const messages: Message[] = [];
  dev.on('message', (m: Message) => messages.push(m));
  rig.cleanups.push(() => dev.kill());
  return { dev, conn, messages };
}

/** Program and erase operations the store has seen (flash wear). */
const flashOps = (b: Board) => b.store.stats.writes + b.store.stats.erases;

function count(topic: string): { n: () => number; stop: () => void } {
  let n = 0;
  const on = (t: string) => { if (t === topic) n++; };
  rig.observer.on('message', on);
  return { n: () => n, stop: () => rig.observer.off('message', on) };
}

/** Ends the first instance (reset or power cut) and lets what it sent meet the black hole. */
async function stop(a: { dev: NodeDevice; conn: number }, how: 'reset' | 'power'): Promise<void> {
  if (how === 'reset') a.dev.reset();
  else a.dev.kill();
  await rig.proxy.clientClosed(a.conn);
  rig.proxy.blackhole(false);
}

// A long spill bound: these flows must finish in RAM whatever the machine's load.
const LONG = 60_000;

describe('ram-first: a system reset mid-QoS 2 resumes from the retained RAM log, zero flash writes', () => {
  it('device → broker, reset after PUBLISH, before PUBREC: resent with DUP=1, delivered once', async () => {
    await rig.observer.subscribeAsync('keep/out/a', { qos: 2 });
    const seen = count('keep/out/a');
    const b = newBoard();
    const a = await boot('keep-a', b, LONG);
    const ops = flashOps(b);
    rig.proxy.blackhole(true, ['down']);
    const id = a.dev.publishNow('keep/out/a', 'x', 2);
    const pub = await rig.proxy.nextPacket(a.conn, 'up', 'publish');
    expect((pub.packet as { messageId: number }).messageId).toBe(id);
    await stop(a, 'reset');
    const n = await boot('keep-a', b, LONG);
    await n.dev.waitFor((e) => e.kind === 'publish_done' && e.packetId === id, `PUBCOMP for ${id}`);
    expect(rig.proxy.flow(n.conn, id)).toEqual(['up publish dup', 'down pubrec', 'up pubrel', 'down pubcomp']);
    expect(flashOps(b)).toBe(ops); // the whole flow, reset included, never touched the flash
    await n.dev.publish('keep/out/a', 'marker', { qos: 2 });
    while (seen.n() < 2) await new Promise((r) => rig.observer.once('message', r));
    expect(seen.n()).toBe(2);
    seen.stop();
  });

  it('device → broker, reset after PUBREC, before PUBCOMP: only PUBREL is resent', async () => {
    const b = newBoard();
    const a = await boot('keep-b', b, LONG);
    const ops = flashOps(b);
    const recvd = rig.proxy.nextPacket(a.conn, 'down', 'pubrec', () => rig.proxy.blackhole(true, ['down']));
    const id = a.dev.publishNow('keep/out/b', 'y', 2);
    await recvd;
    await rig.proxy.nextPacket(a.conn, 'up', 'pubrel');
    await stop(a, 'reset');
    const n = await boot('keep-b', b, LONG);
    await n.dev.waitFor((e) => e.kind === 'publish_done' && e.packetId === id, `PUBCOMP for ${id}`);
    expect(rig.proxy.flow(n.conn, id)).toEqual(['up pubrel', 'down pubcomp']);
    expect(flashOps(b)).toBe(ops);
  });

  it('broker → device, reset after delivery, before the PUBREC got out: the resent PUBLISH is not delivered ' +
      'again', async () => {
    const b = newBoard();
    const a = await boot('keep-c', b, LONG);
    await a.dev.subscribe({ 'keep/in/c': 2 });
    const ops = flashOps(b);
    const sentRec = a.dev.waitFor((e) => e.kind === 'trace' && e.direction === 'sent' && e.name === 'PUBREC', 'PUBREC');
    rig.proxy.nextPacket(a.conn, 'down', 'publish', () => rig.proxy.blackhole(true, ['up']));
    await rig.observer.publishAsync('keep/in/c', 'once', { qos: 2 });
    await sentRec;
    await stop(a, 'reset');
    const n = await boot('keep-c', b, LONG);
    await rig.proxy.nextPacket(n.conn, 'up', 'pubcomp');
    const id = (rig.proxy.packets.find(
      (p) => p.conn === n.conn && p.packet.cmd === 'publish')!.packet as { messageId: number }).messageId;
    expect(rig.proxy.flow(n.conn, id)).toEqual(['down publish dup', 'up pubrec', 'down pubrel', 'up pubcomp']);
    expect(flashOps(b)).toBe(ops);
    const marker = n.dev.waitFor((e) => e.kind === 'message' && e.topic === 'keep/in/c', 'the marker');
    await rig.observer.publishAsync('keep/in/c', 'marker', { qos: 2 });
    await marker;
    expect([...a.messages, ...n.messages].map((m) => m.payload.toString())).toEqual(['once', 'marker']);
  });

  it('broker → device, reset after PUBREC, before PUBREL: the resumed PUBREL completes it, no second ' +
      'delivery', async () => {
    const b = newBoard();
    const a = await boot('keep-d', b, LONG);
    await a.dev.subscribe({ 'keep/in/d': 2 });
    const ops = flashOps(b);
    const rec = rig.proxy.nextPacket(a.conn, 'up', 'pubrec', () => rig.proxy.blackhole(true, ['down']));
    await rig.observer.publishAsync('keep/in/d', 'once', { qos: 2 });
    await rec;
    await stop(a, 'reset');
    const n = await boot('keep-d', b, LONG);
    await rig.proxy.nextPacket(n.conn, 'up', 'pubcomp');
    expect(flashOps(b)).toBe(ops);
    const marker = n.dev.waitFor((e) => e.kind === 'message' && e.topic === 'keep/in/d', 'the marker');
    await rig.observer.publishAsync('keep/in/d', 'marker', { qos: 2 });
    await marker;
    expect([...a.messages, ...n.messages].map((m) => m.payload.toString())).toEqual(['once', 'marker']);
  });
});

describe('power loss: what each policy keeps', () => {
  /** Publishes QoS 1 into a black hole, cuts the power (after `wait` ms), boots again and reports
   * whether the message reached the broker, plus the flash operations the publish cost. */
  async function cutAfterPublish(name: string, opts: { spillMs?: number; durable?: boolean; wait?: number;
      keep?: boolean }): Promise<{ delivered: number; flashOpsForIt: number }> {
    const topic = `keep/power/${name}`;
    await rig.observer.subscribeAsync(topic, { qos: 1 });
    const seen = count(topic);
    const b = newBoard();
    const a = await boot(name, b, opts.spillMs);
    const ops = flashOps(b);
    rig.proxy.blackhole(true, ['up', 'down']); // the broker never gets it: only the device can deliver it
    const lost = new Promise<void>((resolve) => {
      const on = (conn: number, dir: Direction) =>
        { if (conn === a.conn && dir === 'up') { rig.proxy.off('dropped', on); resolve(); } };
      rig.proxy.on('dropped', on);
    });
    const id = a.dev.publishNow(topic, 'cut', 1, false, opts.durable ?? false);
    await lost;
    if (opts.wait) {
      // real time: the core's spill bound runs on the device clock
      const until = Date.now() + opts.wait;
      while (Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    }
    const cost = flashOps(b) - ops;
    await stop(a, 'power');
    const n = await boot(name, b, opts.spillMs);
    if (n.dev.stat(Stat.INFLIGHT_OUT) > 0) await n.dev.waitFor(
      (e) => e.kind === 'publish_done' && e.packetId === id, `PUBACK for ${id}`);
    await n.dev.publish(topic, 'marker', { qos: 1 });
    while (seen.n() < 1 || !rig.proxy.packets.some(
      (p) => p.conn === n.conn && p.packet.cmd === 'puback')) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100)); // a late duplicate, if any
    seen.stop();
    return { delivered: seen.n() - 1, flashOpsForIt: cost };
  }

  it('ram-first, cut before the spill bound: the message only RAM held is lost (documented), no flash written for ' +
      'it', async () => {
    const r = await cutAfterPublish('p-ram', { spillMs: LONG });
    expect(r).toEqual({ delivered: 0, flashOpsForIt: 0 });
  });

  it('ram-first, cut after the spill bound: it was copied to the flash and is delivered', async () => {
    const r = await cutAfterPublish('p-spill', { spillMs: 150, wait: 600 });
    expect(r.delivered).toBe(1);
    expect(r.flashOpsForIt).toBeGreaterThan(0);
  });

  it('ram-first with `durable`: written to the flash first, delivered after the cut', async () => {
    const r = await cutAfterPublish('p-durable', { spillMs: LONG, durable: true });
    expect(r.delivered).toBe(1);
    expect(r.flashOpsForIt).toBeGreaterThan(0);
  });

  it('flash-first (spillMs 0): written to the flash first, delivered after the cut', async () => {
    const r = await cutAfterPublish('p-flash', { spillMs: 0 });
    expect(r.delivered).toBe(1);
    expect(r.flashOpsForIt).toBeGreaterThan(0);
  });

  for (const [policy, spillMs, deliveries] of [['ram-first', LONG, 2], ['flash-first', 0, 1]] as const) {
    it(`incoming QoS 2, ${policy}: power cut after delivery, before the PUBREC got out: ` +
        `delivered ${deliveries}x`, async () => {
      const b = newBoard();
      const name = `in-${policy}`;
      const a = await boot(name, b, spillMs);
      await a.dev.subscribe({ [`keep/in/${name}`]: 2 });
      const sentRec = a.dev.waitFor(
        (e) => e.kind === 'trace' && e.direction === 'sent' && e.name === 'PUBREC', 'PUBREC');
      rig.proxy.nextPacket(a.conn, 'down', 'publish', () => rig.proxy.blackhole(true, ['up']));
      await rig.observer.publishAsync(`keep/in/${name}`, 'once', { qos: 2 });
      await sentRec;
      await stop(a, 'power');
      const n = await boot(name, b, spillMs);
      await rig.proxy.nextPacket(n.conn, 'up', 'pubcomp');
      await rig.observer.publishAsync(`keep/in/${name}`, 'marker', { qos: 2 });
      while (!n.messages.some((m) => m.payload.toString() === 'marker')) await new Promise((r) => setTimeout(r, 10));
      const got = [...a.messages, ...n.messages].map((m) => m.payload.toString());
      expect(got).toEqual([...Array(deliveries).fill('once'), 'marker']);
    });
  }
});

describe('ram-first: a burst deeper than the RAM log waits for acks, it never spills to the flash', () => {
  it('publishes are refused (queue-full) while unacked messages fill the RAM log, go again as acks free it, and only ' +
      'a durable one writes the flash', async () => {
    await rig.observer.subscribeAsync('keep/burst', { qos: 1 });
    const seen = count('keep/burst');
    const b: Board = { store: new MemoryStore(), keep: new RetainedRam(512) };
    const a = await boot('keep-burst', b, LONG);
    const ops = flashOps(b);
    rig.proxy.pause(); // nothing reaches the broker: no PUBACK frees the RAM log
    const payload = 'p'.repeat(64);
    const ids: number[] = [];
    let rc: number;
    while ((rc = a.dev.publishNow('keep/burst', payload, 1)) > 0) ids.push(rc);
    expect(rc).toBe(Err.QUEUE_FULL);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThan(8); // under the window (8): the full RAM log refused it
    expect(flashOps(b)).toBe(ops);
    // `durable` is the way past a full RAM log: straight to the flash
    const durable = a.dev.publishNow('keep/burst', payload, 1, false, true);
    expect(durable).toBeGreaterThan(0);
    expect(flashOps(b)).toBeGreaterThan(ops);
    rig.proxy.resume();
    await Promise.all([...ids, durable].map((id) => a.dev.onDone(id)));
    const afterFirst = flashOps(b);
    // the burst goes on at the pace of the acks, through the RAM log alone
    for (let k = 0; k < 20; k++) await a.dev.publish('keep/burst', payload, { qos: 1, waitForSlot: true });
    expect(flashOps(b)).toBe(afterFirst);
    const total = ids.length + 1 + 20; // every one acked: the observer gets each (QoS 1 at least once)
    while (seen.n() < total) await new Promise((r) => rig.observer.once('message', r));
    expect(seen.n()).toBe(total);
    seen.stop();
  });
});
