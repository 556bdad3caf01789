// The classic retry timer in virtual time, against a fake broker that withholds acks: QoS 1
// PUBLISH resent with DUP=1 every retryMs; QoS 2 resends PUBLISH only until PUBREC, then only
// PUBREL; after maxRetries resends the link is declared dead (ERR_RETRIES) and reconnected.
import { describe, it, expect, afterEach } from 'vitest';
import { NodeDevice } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { Err, type CoreEvent } from '../../host-tools/sim/host/abi.ts';
import { FakeBroker } from './fake-broker.ts';

type Trace = Extract<CoreEvent, { kind: 'trace' }>;
const RETRY_MS = 1000;
const MAX_RETRIES = 3;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(): Promise<{ fake: FakeBroker; dev: NodeDevice; clock: VirtualClock;
    sent: Array<{ t: number; tr: Trace }>; events: CoreEvent[] }> {
  const fake = await FakeBroker.start();
  cleanups.push(() => fake.close());
  const clock = new VirtualClock();
  const dev = await NodeDevice.start({
    broker: fake.url, clientId: 'retry', clock, retryMs: RETRY_MS, maxRetries: MAX_RETRIES, cleanSession: false,
    keepalive: 0, backoffMinMs: 100, backoffMaxMs: 100, trace: true,
  });
  cleanups.push(() => dev.kill());
  const sent: Array<{ t: number; tr: Trace }> = [];
  const events: CoreEvent[] = [];
  dev.on('event', (e: CoreEvent) => {
    events.push(e);
    if (e.kind === 'trace' && e.direction === 'sent') sent.push({ t: clock.now(), tr: e });
  });
  return { fake, dev, clock, sent, events };
}

describe('retry timer (virtual time)', () => {
  it('QoS 1: resent with DUP=1 every retryMs, then the link is declared dead after maxRetries', async () => {
    const { fake, dev, clock, sent, events } = await setup();
    const c1 = await fake.connection(1);
    void dev.publish('r/1', 'x', { qos: 1 }).catch(() => {});
    const first = await c1.next('publish', 0);
    const id = (first as { messageId: number }).messageId;
    expect((first as { dup: boolean }).dup).toBe(false);
    dev.advance(RETRY_MS - 1);
    expect(sent.filter((s) => s.tr.name === 'PUBLISH')).toHaveLength(1);
    for (let i = 0; i < MAX_RETRIES + 1 && !events.some((e) => e.kind === 'disconnected'); i++) dev.advance(RETRY_MS);
    const pubs = sent.filter((s) => s.tr.name === 'PUBLISH');
    expect(pubs).toHaveLength(1 + MAX_RETRIES);
    for (const p of pubs.slice(1)) {
      expect(p.tr.packetId).toBe(id);
      expect(p.tr.flags & 8).toBe(8); // DUP
    }
    for (let i = 1; i < pubs.length; i++) expect(pubs[i]!.t - pubs[i - 1]!.t).toBeGreaterThanOrEqual(RETRY_MS);
    const dis = events.find((e) => e.kind === 'disconnected') as Extract<CoreEvent, { kind: 'disconnected' }>;
    expect(dis?.reason).toBe(Err.RETRIES);
    await c1.closed;
    // The message is kept: after the backoff the new connection carries it again (DUP=1).
    dev.advance(200);
    const c2 = await fake.connection(2);
    const again = await c2.next('publish', 0);
    expect(again).toMatchObject({ messageId: id, dup: true });
    expect(clock.now()).toBeGreaterThan(MAX_RETRIES * RETRY_MS);
  });

  it('QoS 2: PUBLISH is resent only until PUBREC; afterwards only PUBREL, never the PUBLISH', async () => {
    const { fake, dev, sent } = await setup();
    const c1 = await fake.connection(1);
    const done = dev.publish('r/2', 'y', { qos: 2 });
    const first = await c1.next('publish', 0);
    const id = (first as { messageId: number }).messageId;
    dev.advance(RETRY_MS); // one resend of the PUBLISH
    const resent = await c1.next('publish', c1.packets.indexOf(first) + 1);
    expect(resent).toMatchObject({ messageId: id, dup: true });
    const recTrace = dev.waitFor((e) => e.kind === 'trace' && e.direction === 'sent' && e.name === 'PUBREL', 'PUBREL');
    c1.send([0x50, 0x02, id >> 8, id & 0xff]); // PUBREC
    await recTrace;
    const before = sent.length;
    dev.advance(RETRY_MS);
    dev.advance(RETRY_MS);
    const after = sent.slice(before).map((s) => s.tr.name);
    expect(after).toEqual(['PUBREL', 'PUBREL']);
    const lastRel = await c1.next('pubrel', c1.packets.length - 1);
    expect(lastRel).toMatchObject({ messageId: id });
    c1.send([0x70, 0x02, id >> 8, id & 0xff]); // PUBCOMP
    expect(await done).toBe(id);
    expect(sent.filter((s) => s.tr.name === 'PUBLISH')).toHaveLength(2);
  });
});
