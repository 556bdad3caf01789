// How NodeDevice schedules step(): work that an event handler gives the core while a step is
// emitting its events is stepped before that step returns (not a turn of the event loop later),
// which is what lets a publisher refill its window in the same step that freed it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { NodeDevice } from '../../host-tools/sim/host/device.ts';
import type { W5500NetworkBackend } from '../../host-tools/sim/host/w5500-backend.ts';
import { SN, SR } from '../../host-tools/sim/w5500/registers.ts';

let broker: Mosquitto;

beforeAll(async () => { broker = await startMosquitto(); });
afterAll(async () => { await broker.stop(); });

describe('NodeDevice stepping', () => {
  it('sends a publish made in a PUBLISH_DONE handler before the event loop turns', async () => {
    const dev = await NodeDevice.start({ broker: broker.url, clientId: 'stepping-refill' });
    try {
      const chip = (dev.network as W5500NetworkBackend).model;
      // How far the chip has sent (Sn_TX_RD moves on SEND) and how much the core wrote but did not send.
      const tx = (): { rd: number; unsent: number } => {
        const s = chip.sockets.find((x) => x.sr === SR.ESTABLISHED)!;
        const rd = (s.read(SN.TX_RD) << 8) | s.read(SN.TX_RD + 1);
        return { rd, unsent: (((s.read(SN.TX_WR) << 8) | s.read(SN.TX_WR + 1)) - rd) & 0xffff };
      };
      let second = -1;
      const atNextTurn = new Promise<{ sentBytes: number; unsent: number }>((resolve) => {
        dev.once('publish_done', () => {
          const before = tx().rd;
          // Queued before the publish, so it runs before any step the publish could schedule.
          setImmediate(
            () => { const now = tx(); resolve({ sentBytes: (now.rd - before) & 0xffff, unsent: now.unsent }); });
          second = dev.publishNow('stepping/t', 'second', 1);
        });
      });
      await dev.publish('stepping/t', 'first', { qos: 1 });
      expect(second).toBeGreaterThan(0);
      const r = await atNextTurn;
      // The second PUBLISH (2 + 2 + 10 + 2 + 6 bytes) went out, all of it.
      expect(r).toEqual({ sentBytes: 22, unsent: 0 });
      await dev.onDone(second);
    } finally {
      dev.kill();
    }
  });

  it('keeps handlers that publish on every completion going without re-entering the core', async () => {
    const dev = await NodeDevice.start({ broker: broker.url, clientId: 'stepping-chain' });
    try {
      const n = 200;
      let sent = 1;
      let done = 0;
      const finished = new Promise<void>((resolve, reject) => {
        dev.on('fatal', reject);
        // Each completion publishes the next: a chain longer than runStep's re-step limit.
        dev.on('publish_done', () => {
          done++;
          if (sent < n) { sent++;
            if (dev.publishNow('stepping/chain', String(sent), 1) < 0) reject(new Error('publish refused')); }
          if (done === n) resolve();
        });
      });
      dev.publishNow('stepping/chain', '1', 1);
      await finished;
      expect(done).toBe(n);
    } finally {
      dev.kill();
    }
  });
});
