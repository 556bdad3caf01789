// The outgoing table's scans start at its first live entry (session.ts outLo): entries that
// completed at the front stay as holes until a squeeze, and must never be missed or revived.
// Real core.wasm against a scripted broker.
import { describe, it, expect } from 'vitest';
import { CoreHarness } from './harness.ts';
import { Cfg, Stat, Size } from '../../host-tools/sim/host/abi.ts';
import type mqttPacket from 'mqtt-packet';

type P = mqttPacket.Packet & { messageId?: number; dup?: boolean };
const publishes = (h: CoreHarness) => (h.sentPackets() as P[]).filter((p) => p.cmd === 'publish');
const ack = (h: CoreHarness, id: number) => { h.feedPacket({ cmd: 'puback', messageId: id }); h.run(); };

describe('outgoing table with completed entries in front', () => {
  it('keeps the window, out-of-order acks and a link loss right after the front completes', () => {
    const h = CoreHarness.started(undefined, undefined, (x) => x.config(Cfg.WINDOW, 4));
    h.connect();
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(h.publish('t/h', `m${i}`, 1));
    h.run();
    expect(publishes(h).map((p) => p.messageId)).toEqual(ids.slice(0, 4));
    ack(h, ids[0]!); ack(h, ids[1]!); // the two oldest become holes at the front
    expect(publishes(h).map((p) => p.messageId)).toEqual(ids.slice(4, 6));
    ack(h, ids[3]!); // a hole in the middle
    expect(publishes(h).map((p) => p.messageId)).toEqual([ids[6]]);
    expect(h.x.wq_stat(Stat.INFLIGHT_OUT)).toBe(4); // ids 2, 4, 5, 6
    expect(h.x.wq_stat(Stat.QUEUED_OUT)).toBe(5);
    ack(h, ids[0]!); // a duplicate PUBACK for a completed (front) entry: ignored
    expect(h.ofKind('publish_done').map((e) => e.packetId)).toEqual([ids[0], ids[1], ids[3]]);
    expect(publishes(h)).toEqual([]);

    // link loss: exactly the unacked in-flight entries go again with DUP=1, none of the holes
    h.peerClosed = true;
    h.run();
    h.advance(40_000, 500);
    h.netState = 2;
    h.run();
    h.sentPackets();
    h.feedPacket({ cmd: 'connack', returnCode: 0, sessionPresent: true });
    h.run();
    const again = publishes(h);
    expect(again.map((p) => [p.messageId, p.dup])).toEqual(
      [[ids[2], true], [ids[4], true], [ids[5], true], [ids[6], true]]);

    for (const id of [ids[2]!, ids[4]!, ids[5]!, ids[6]!]) ack(h, id);
    for (let k = 7; k < 12; k++) {
      const sent = publishes(h).map((p) => p.messageId);
      for (const id of sent) ack(h, id!);
    }
    const done = h.ofKind('publish_done').map((e) => e.packetId);
    expect([...done].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    expect(h.x.wq_stat(Stat.INFLIGHT_OUT)).toBe(0);
    expect(h.x.wq_stat(Stat.QUEUED_OUT)).toBe(0);
  });

  it('runs more messages than the table has slots through a window with a lagging oldest entry', () => {
    const h = CoreHarness.started(undefined, undefined, (x) => x.config(Cfg.WINDOW, 8));
    h.connect();
    const lagging = h.publish('t/h', 'oldest', 1); // acked last: the front never frees, the table must squeeze
    h.run();
    expect(publishes(h).map((p) => p.messageId)).toEqual([lagging]);
    const total = Size.OUT_SLOTS * 3;
    const sentOnce = new Set<number>();
    const inFlight: number[] = [];
    let next = 0;
    let acked = 0;
    while (acked < total) {
      while (next < total && inFlight.length < 7) {
        const id = h.publish('t/h', `n${next}`, 1);
        expect(id, `publish ${next}`).toBeGreaterThan(0);
        expect([lagging, ...inFlight]).not.toContain(id);
        inFlight.push(id);
        next++;
      }
      h.run();
      for (const p of publishes(h)) {
        expect(p.dup, `id ${p.messageId} sent again`).toBe(false);
        expect(sentOnce.has(p.messageId!)).toBe(false);
        sentOnce.add(p.messageId!);
      }
      expect(inFlight.every((id) => sentOnce.has(id))).toBe(true); // window 8: all 1 + 7 are out
      ack(h, inFlight.shift()!);
      acked++;
    }
    expect(h.x.wq_stat(Stat.INFLIGHT_OUT)).toBe(1);
    ack(h, lagging);
    expect(h.ofKind('publish_done')).toHaveLength(total + 1);
    expect(h.x.wq_stat(Stat.INFLIGHT_OUT)).toBe(0);
  });
});
