// The retained RAM log under a system reset at every write it takes (build/core/core.wasm, the
// scripted harness): a QoS 2 flow in each direction is cut by a reset in the middle of each RAM
// write in turn (half the bytes copied, as a reset pin pressed during the copy would leave them),
// then a new instance starts on the same flash and RAM. The flow must resume or be complete,
// never be lost or doubled, and the flash must not have been written for it at all.
import { describe, it, expect } from 'vitest';
import type mqttPacket from 'mqtt-packet';
import { CoreHarness } from './harness.ts';
import { NorStore } from './nor-store.ts';
import { RetainedRam } from '../../host-tools/sim/host/keep.ts';
import { Stat, Err } from '../../host-tools/sim/host/abi.ts';
import { DEAD, groupRecords, headedGroups, recordCrcRef } from './store-format.ts';

class Reset extends Error {}

/** RetainedRam whose n+1-th write stops half-way (or after `keepBytes` bytes) and throws (a reset
 * during the copy, which goes forward as the firmware's memcpy does). */
class CuttableRam extends RetainedRam {
  cutAfter = -1;
  keepBytes = -1;
  /** The cut write's length and first byte (a record's type). */
  cutLen = 0;
  cutType = -1;
  override write(off: number, src: Uint8Array): number {
    if (this.cutAfter === 0) {
      this.cutAfter = -1;
      this.cutLen = src.length;
      this.cutType = src[0]!;
      this.bytes.set(src.subarray(0, this.keepBytes >= 0 ? this.keepBytes : src.length >> 1), off);
      throw new Reset();
    }
    if (this.cutAfter > 0) this.cutAfter--;
    return super.write(off, src);
  }
}

const ids = (pk: mqttPacket.Packet[], cmd: string) => pk.filter((p) => p.cmd === cmd).map(
  (p) => (p as { messageId?: number }).messageId);

/** A connected core on a 4 KB flash store and a 512 B RAM log whose `k`-th write is cut by a
 * reset; `flashWrites` counts the flash operations so far (the flow must add none). */
function connectedWithCut(k: number): { store: NorStore; keep: CuttableRam; a: CoreHarness; flashWrites: number } {
  const store = new NorStore(4096, 1024);
  const keep = new CuttableRam(512);
  const a = CoreHarness.started(store, undefined, undefined, keep);
  a.connect();
  const flashWrites = store.writes + store.erases;
  keep.cutAfter = k;
  return { store, keep, a, flashWrites };
}

describe('retained RAM log: a reset at every RAM write of a QoS 2 flow', () => {
  it('device → broker: resumed (PUBLISH DUP or PUBREL) or complete, sent once as new, no flash write', () => {
    let cuts = 0;
    for (let k = 0; ; k++) {
      const { store, keep, a, flashWrites } = connectedWithCut(k);
      let id = -1;
      let stage = 'publish';
      try {
        id = a.publish('t/keep', 'payload', 2);
        a.run();
        expect(ids(a.sentPackets(), 'publish')).toEqual([id]);
        stage = 'pubrec';
        a.feedPacket({ cmd: 'pubrec', messageId: id });
        a.run();
        stage = 'pubcomp';
        a.feedPacket({ cmd: 'pubcomp', messageId: id });
        a.run();
        stage = 'done';
      } catch (e) {
        if (!(e instanceof Reset)) throw e;
        cuts++;
      }
      // every write of the flow was cut once: R_PUB, R_REL, PUB_GONE, REL_GONE
      if (keep.cutAfter >= 0) { expect(cuts).toBe(4); break; }
      const b = CoreHarness.started(store, undefined, undefined, keep);
      b.connect(true);
      b.run();
      const pk = b.sentPackets();
      expect(store.writes + store.erases, `cut ${k} (${stage})`).toBe(flashWrites);
      if (id < 0) {
        // cut inside publish(): it returned nothing to the app, so either it is gone or it goes as new
        expect(ids(pk, 'pubrel'), `cut ${k}`).toEqual([]);
        continue;
      }
      if (stage === 'publish') {
        // the PUBLISH had left: it is resent with DUP=1 (or, cut before its record was whole, not owed at all)
        const again = pk.filter((p) => p.cmd === 'publish');
        expect(again.length, `cut ${k}`).toBeLessThanOrEqual(1);
        if (again.length) expect((again[0] as mqttPacket.IPublishPacket).dup, `cut ${k}`).toBe(true);
      } else if (stage === 'pubrec') {
        // past PUBREC (REL recorded) only PUBREL may go, never the PUBLISH; before it, the PUBLISH again
        expect(ids(pk, 'publish').length + ids(pk, 'pubrel').length, `cut ${k}: ${pk.map((p) => p.cmd)}`).toBe(1);
      } else {
        expect(ids(pk, 'publish'), `cut ${k}`).toEqual([]);
        expect(ids(pk, 'pubrel').length, `cut ${k}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('broker → device: delivered once across a reset at any RAM write; the id stays known until PUBREL, no flash ' +
      'write', () => {
    let cuts = 0;
    for (let k = 0; ; k++) {
      const { store, keep, a, flashWrites } = connectedWithCut(k);
      let delivered: number;
      let pubrecSent = false;
      try {
        a.feedPacket({ cmd: 'publish', topic: 't/in', payload: Buffer.from('once'), qos: 2, messageId: 7, dup: false,
          retain: false });
        a.run();
        delivered = a.ofKind('message').length;
        pubrecSent = ids(a.sentPackets(), 'pubrec').includes(7);
        a.feedPacket({ cmd: 'pubrel', messageId: 7 });
        a.run();
      } catch (e) {
        if (!(e instanceof Reset)) throw e;
        cuts++;
        delivered = a.ofKind('message').length;
      }
      if (keep.cutAfter >= 0) { expect(cuts).toBe(3); break; } // INQ2M, its "delivered" mark, INQ2_GONE
      const b = CoreHarness.started(store, undefined, undefined, keep);
      b.connect(true);
      // the broker resends what it has no answer for: the PUBLISH (DUP) if no PUBREC reached it, else the PUBREL
      if (!pubrecSent) b.feedPacket({
        cmd: 'publish', topic: 't/in', payload: Buffer.from('once'), qos: 2, messageId: 7, dup: true, retain: false });
      b.feedPacket({ cmd: 'pubrel', messageId: 7 });
      b.run();
      const total = delivered + b.ofKind('message').length;
      // a reset can tear only a RAM write, never the app's handling: once, except a cut between
      // the MESSAGE event and its "delivered" mark, which the core flags (redelivered)
      const flagged = b.ofKind('message').filter((m) => m.redelivered).length;
      expect(total - flagged, `cut ${k}`).toBe(1);
      expect(ids(b.sentPackets(), 'pubcomp'), `cut ${k}`).toContain(7);
      expect(b.x.wq_stat(Stat.INFLIGHT_IN), `cut ${k}`).toBe(0);
      expect(store.writes + store.erases, `cut ${k}`).toBe(flashWrites);
    }
  });
});

describe('retained RAM log: a record torn by a reset at every byte', () => {
  it('is dropped at replay (its last half-word, 0 in the RAM log, is written last): the message before it ' +
      'resumes, the torn one is not sent, and the log takes and completes new messages; no flash write', () => {
    for (let cut = 0; ; cut++) {
      const store = new NorStore(4096, 1024);
      const keep = new CuttableRam(512);
      const a = CoreHarness.started(store, undefined, undefined, keep);
      a.connect();
      const first = a.publish('t/keep', 'first', 1);
      a.run();
      const flashWrites = store.writes + store.erases;
      keep.cutAfter = 0;
      keep.keepBytes = cut;
      expect(() => a.publish('t/torn', 'torn payload', 1)).toThrow(Reset);
      expect(keep.cutType, 'the cut write is the R_PUB record').toBe(2);
      const whole = cut >= keep.cutLen; // the record was complete: its message is owed (never acked)
      const b = CoreHarness.started(store, undefined, undefined, keep);
      b.connect(true);
      b.run();
      const again = b.sentPackets().filter((p) => p.cmd === 'publish') as mqttPacket.IPublishPacket[];
      expect(again.map((p) => [p.topic, p.payload.toString(), p.dup]), `cut after ${cut} bytes`).toEqual(
        whole ? [['t/keep', 'first', true], ['t/torn', 'torn payload', true]] : [['t/keep', 'first', true]]);
      const next = b.publish('t/after', 'next', 1);
      b.run();
      const owed = [...again.map((p) => p.messageId!), ...ids(b.sentPackets(), 'publish')];
      expect(owed, `cut after ${cut} bytes`).toContain(next);
      for (const id of owed) b.feedPacket({ cmd: 'puback', messageId: id });
      b.run();
      expect(b.x.wq_stat(Stat.INFLIGHT_OUT), `cut after ${cut} bytes`).toBe(0);
      // everything acked: a reset now owes nothing
      const c = CoreHarness.started(store, undefined, undefined, keep);
      c.connect(true);
      c.run();
      expect(ids(c.sentPackets(), 'publish'), `cut after ${cut} bytes`).toEqual([]);
      expect(store.writes + store.erases, `cut after ${cut} bytes`).toBe(flashWrites);
      expect(first).toBeGreaterThan(0);
      if (whole) break;
    }
  });
});

describe('retained RAM log full of messages awaiting acks', () => {
  it('a publish refused for room does not compact it (nothing there is dead), and is taken once an ack frees ' +
      'room', () => {
    const store = new NorStore(4096, 1024);
    const keep = new RetainedRam(512);
    const a = CoreHarness.started(store, undefined, undefined, keep);
    a.connect();
    const ids: number[] = [];
    let rc: number;
    while ((rc = a.publish('t/full', 'x'.repeat(20), 1)) > 0) { ids.push(rc); a.run(); }
    expect(rc).toBe(Err.QUEUE_FULL);
    expect(ids.length).toBeGreaterThan(2);
    const ramWrites = keep.stats.writes, flashWrites = store.writes + store.erases;
    for (let i = 0; i < 5; i++) expect(a.publish('t/full', 'x'.repeat(20), 1)).toBe(Err.QUEUE_FULL);
    expect(keep.stats.writes).toBe(ramWrites); // no compaction that could not make room
    expect(store.writes + store.erases).toBe(flashWrites);
    a.feedPacket({ cmd: 'puback', messageId: ids[0]! });
    a.run();
    const next = a.publish('t/full', 'x'.repeat(20), 1); // the ack's dead records: compacted now
    expect(next).toBeGreaterThan(0);
    a.run();
    expect(a.sentPackets().filter((p) => p.cmd === 'publish').map((p) => (p as { messageId?: number }).messageId))
      .toContain(next);
    expect(store.writes + store.erases).toBe(flashWrites);
  });
});

describe('retained RAM log: a publish it can never hold', () => {
  it('goes to the flash while no message of ours is in the RAM log, and waits (refused, nothing written) while one ' +
      'is', () => {
    const store = new NorStore(4096, 1024);
    const keep = new RetainedRam(512); // two 256 B halves
    const a = CoreHarness.started(store, undefined, undefined, keep);
    a.connect();
    const big = 'x'.repeat(240);
    let flash = store.writes;
    const first = a.publish('t/big', big, 1);
    expect(first).toBeGreaterThan(0);
    expect(store.writes).toBeGreaterThan(flash); // the flash took it: nothing of ours in the RAM log
    a.run();
    a.feedPacket({ cmd: 'puback', messageId: first });
    a.run();
    const small = a.publish('t/small', 'y', 1); // into the RAM log, unacked
    expect(small).toBeGreaterThan(0);
    a.run();
    flash = store.writes;
    const ram = keep.stats.writes;
    expect(a.publish('t/big', big, 1)).toBe(Err.QUEUE_FULL); // our message's ack may make room: wait
    expect([store.writes, keep.stats.writes]).toEqual([flash, ram]);
    a.feedPacket({ cmd: 'puback', messageId: small });
    a.run();
    const again = a.publish('t/big', big, 1);
    expect(again).toBeGreaterThan(0);
    expect(store.writes).toBeGreaterThan(flash);
    a.run();
    expect(a.sentPackets().filter((p) => p.cmd === 'publish').map((p) => (p as { messageId?: number }).messageId))
      .toEqual([first, small, again]);
  });
});

describe('retained RAM log: a message acked out of order leaves a free slot between live ones', () => {
  it('the free slot is not spilled when the others are, and nothing of it comes back after a reset', () => {
    const store = new NorStore(4096, 1024);
    const keep = new RetainedRam(512);
    const a = CoreHarness.started(store, undefined, undefined, keep);
    a.connect();
    const ids = [1, 2, 3].map(() => a.publish('t/hole', 'x'.repeat(20), 1));
    a.run();
    expect(ids.every((id) => id > 0)).toBe(true);
    a.feedPacket({ cmd: 'puback', messageId: ids[1]! }); // the middle one: its slot stays, free, between the two
    a.run();
    const flashWrites = store.writes;
    a.advance(1500); // past CFG_SPILL_MS: the two unacked messages go to the flash
    expect(a.x.wq_stat(Stat.STORE_ERRORS)).toBe(0);
    const spilled = store.writes - flashWrites;
    a.feedPacket({ cmd: 'puback', messageId: ids[0]! });
    a.feedPacket({ cmd: 'puback', messageId: ids[2]! });
    a.run();
    expect(a.ofKind('publish_done').map((e) => e.packetId).sort()).toEqual([...ids].sort());
    // two records written to the flash, one per unacked message (a spill of the free slot adds one)
    expect(spilled).toBe(2);
    const b = CoreHarness.started(store, undefined, undefined, keep); // a reset
    b.connect(true);
    b.run();
    expect(b.sentPackets().filter((p) => p.cmd === 'publish' || p.cmd === 'pubrel')).toEqual([]);
  });
});

/** Rewrites a RAM log as a firmware before session 19 wrote it: every record ends in its CRC, a
 * DEAD one (retired in place) in the CRC it had before its type was cleared, here that of the
 * record as an R_PUB. Returns the records per type. */
function toOldRamLog(ram: Uint8Array): Map<number, number> {
  const dv = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  const types = new Map<number, number>();
  for (const base of headedGroups(ram)) {
    for (const { at, type, size } of groupRecords(ram, base)) {
      dv.setUint16(at + size - 2, recordCrcRef(ram, at, type === DEAD ? 2 : type), true);
      types.set(type, (types.get(type) ?? 0) + 1);
    }
  }
  return types;
}

describe('retained RAM log written by a firmware before session 19 (records end in their CRC)', () => {
  /** Two QoS 1 messages and a QoS 2 one in the RAM log, the first acked (a DEAD record), the log
   * then rewritten in the old format; `corrupt` flips a byte of the QoS 2 message's payload. */
  function updatedOverReset(corrupt: boolean): { sent: mqttPacket.IPublishPacket[]; owed: number[] } {
    const store = new NorStore(4096, 1024);
    const keep = new RetainedRam(512);
    const a = CoreHarness.started(store, undefined, undefined, keep);
    a.connect();
    const acked = a.publish('t/acked', 'one', 1);
    const owed = [a.publish('t/owed', 'two', 1), a.publish('t/owed2', 'three!', 2)];
    a.run();
    a.feedPacket({ cmd: 'puback', messageId: acked });
    a.run();
    const types = toOldRamLog(keep.bytes);
    expect(types.get(0), 'the acked message is a DEAD record').toBe(1);
    expect(types.get(2), 'two R_PUB records are owed').toBe(2);
    if (corrupt) {
      const at = Buffer.from(keep.bytes).indexOf('three!');
      expect(at).toBeGreaterThan(0);
      keep.bytes[at]! ^= 0x20;
    }
    const flashWrites = store.writes + store.erases;
    const b = CoreHarness.started(store, undefined, undefined, keep); // the new firmware, after a reset
    b.connect(true);
    b.run();
    expect(store.writes + store.erases, 'replay needed no flash').toBe(flashWrites);
    return { sent: b.sentPackets().filter((p) => p.cmd === 'publish') as mqttPacket.IPublishPacket[], owed };
  }

  it('replays: its records are checked by their CRC and its DEAD records skipped, so the owed messages resume', () => {
    const { sent, owed } = updatedOverReset(false);
    expect(sent.map((p) => [p.messageId, p.topic, p.payload.toString(), p.dup])).toEqual(
      [[owed[0], 't/owed', 'two', true], [owed[1], 't/owed2', 'three!', true]]);
  });

  it('a record whose CRC does not match is still dropped (the log ends before it)', () => {
    const { sent, owed } = updatedOverReset(true);
    expect(sent.map((p) => [p.messageId, p.topic, p.dup])).toEqual([[owed[0], 't/owed', true]]);
  });
});
