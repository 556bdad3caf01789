// A spill (a RAM-log message copied to the flash, docs/mqtt-core.md "Persistence policies") ends
// by retiring the RAM copy. That used to be an R_PUB_GONE append, and when it compacted the RAM log
// the entry had to be a flash entry already: a compaction that still took it for a RAM one copied
// its record back into the RAM log and pointed the entry there, so its ack retired the RAM copy and
// left the flash copy live (a reset then resent an acked message, with the packet length of one and
// the bytes of the other). The RAM copy is now made DEAD in place, an append no more: no compaction
// can fall inside it. Each case moves the RAM log's end with acked fillers, so the spill meets it
// at every position.
import { describe, it, expect } from 'vitest';
import type mqttPacket from 'mqtt-packet';
import { CoreHarness } from './harness.ts';
import { NorStore } from './nor-store.ts';
import { RetainedRam } from '../../host-tools/sim/host/keep.ts';
import { Cfg } from '../../host-tools/sim/host/abi.ts';

const publishes = (pk: mqttPacket.Packet[]) => pk.filter((p) => p.cmd === 'publish').map(
  (p) => (p as { messageId?: number }).messageId);

/** Message M in the RAM log, a burst of `fillers` QoS 1 messages and their acks, M spilled, M acked, reset. */
function spillThenReset(fillers: number, pad: number): { resent: boolean; compactedInSpill: boolean } {
  const store = new NorStore(4096, 1024);
  const keep = new RetainedRam(256);
  const setup = (x: CoreHarness) => { x.config(Cfg.SPILL_MS, 1000); };
  const a = CoreHarness.started(store, undefined, setup, keep);
  a.connect();
  const m = a.publish('m', 'spill me', 1);
  a.run();
  a.burstThenAck(fillers, pad);
  const seq = () => Math.max(
    new DataView(keep.bytes.buffer).getUint32(4, true), new DataView(keep.bytes.buffer).getUint32(128 + 4, true));
  const before = seq();
  a.advance(1500); // fillers acked; M unacked for longer than CFG_SPILL_MS: copied to the flash
  const compactedInSpill = seq() !== before;
  a.feedPacket({ cmd: 'puback', messageId: m });
  a.run();
  a.takeSent();
  const b = CoreHarness.started(store, undefined, setup, keep); // a reset: same flash, same RAM log
  b.connect(true);
  return { resent: publishes(b.sentPackets()).includes(m), compactedInSpill };
}

describe("spill: the RAM copy retired wherever the RAM log's end falls", () => {
  it('an acked message stays acked across a reset wherever the RAM log\'s end falls', () => {
    let hits = 0;
    for (let fillers = 0; fillers < 10; fillers++) {
      for (const pad of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
        const r = spillThenReset(fillers, pad);
        expect(r.resent, `fillers ${fillers}, pad ${pad}`).toBe(false);
        if (r.compactedInSpill) hits++;
      }
    }
    expect(hits).toBe(0); // retiring the RAM copy appends nothing: no compaction inside the spill
  });
});
