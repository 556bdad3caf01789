// A PUBREC whose store appends need a compaction half-way: the core persists R_REL, then retires
// the PUBLISH bytes (R_PUB_GONE). When that second append compacts the log, the compaction must
// already see the entry as "PUBREL owed", or the compacted log has neither its PUBLISH nor its
// R_REL and a reset forgets the message (no PUBREL is ever sent). Each case fills the log with
// acked QoS 1 messages until the appends of one PUBREC land on the group's end, in both tiers.
// In the RAM log the bytes are retired in place (the record made DEAD, no append), so a PUBREC
// appends its R_REL only, into the room its PUBLISH kept for it: no compaction there at all.
import { describe, it, expect } from 'vitest';
import type mqttPacket from 'mqtt-packet';
import { CoreHarness } from './harness.ts';
import { NorStore } from './nor-store.ts';
import { RetainedRam } from '../../host-tools/sim/host/keep.ts';
import { Cfg, Stat } from '../../host-tools/sim/host/abi.ts';

const ids = (pk: mqttPacket.Packet[], cmd: string) => pk.filter((p) => p.cmd === cmd).map(
  (p) => (p as { messageId?: number }).messageId);

/** QoS 2 message M, then a burst of `acked` QoS 1 messages of `pad` payload bytes, then their
 * acks (whose state records fill the log), then PUBREC for M and a reset: M's PUBREL must still be owed. */
function pubrecThenReset(ram: boolean, acked: number, pad: number): { relOwed: boolean; compactedInPubrec: boolean } {
  const store = new NorStore(2048, 512);
  const keep = ram ? new RetainedRam(512) : undefined;
  const setup = (x: CoreHarness) => { x.config(Cfg.SPILL_MS, ram ? 60_000 : 0); x.config(Cfg.WINDOW, 64); };
  const a = CoreHarness.started(store, undefined, setup, keep);
  a.connect();
  const m = a.publish('m', 'q2', 2);
  a.run();
  a.burstThenAck(acked, pad);
  a.takeSent();
  const ramBefore = keep ? Buffer.from(keep.bytes) : undefined;
  const flashCompactions = a.x.wq_stat(Stat.STORE_COMPACTIONS);
  a.feedPacket({ cmd: 'pubrec', messageId: m });
  a.run();
  expect(ids(a.sentPackets(), 'pubrel')).toEqual([m]);
  // a compaction during the PUBREC: the flash counts it; the RAM log's header sequence moves
  const seqOf = (b: Uint8Array) => Math.max(new DataView(b.buffer, b.byteOffset).getUint32(4, true),
    new DataView(b.buffer, b.byteOffset).getUint32(256 + 4, true));
  const compactedInPubrec = ram ? seqOf(keep!.bytes) !== seqOf(ramBefore!) :
    a.x.wq_stat(Stat.STORE_COMPACTIONS) !== flashCompactions;
  const b = CoreHarness.started(store, undefined, setup, keep); // a reset: same flash, same RAM log
  b.connect(true);
  return { relOwed: ids(b.sentPackets(), 'pubrel').includes(m), compactedInPubrec };
}

describe('PUBREC with a compaction between its two store appends', () => {
  for (const ram of [false, true]) {
    it(`${ram ? 'RAM log' : 'flash'}: the PUBREL stays owed across a reset wherever the log's end falls`, () => {
      let hits = 0;
      for (let acked = 0; acked < (ram ? 12 : 40); acked++) {
        for (const pad of ram ? [1, 2, 3, 4] : [1, 2, 3, 4, 5, 6, 7, 8]) {
          const r = pubrecThenReset(ram, acked, pad);
          expect(r.relOwed, `acked ${acked}, pad ${pad}`).toBe(true);
          if (r.compactedInPubrec) hits++;
        }
      }
      if (ram) expect(hits).toBe(0); // an acked QoS 1 message appends nothing: the R_REL fits
      else expect(hits).toBeGreaterThan(0); // the edge was reached
    });
  }
});
