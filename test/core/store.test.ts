// Session persistence through the store_* imports: the log format survives resets, torn writes
// (power cuts at every possible byte) and ping-pong compaction, using a NOR-flash mock.
import { describe, it, expect } from 'vitest';
import { CoreHarness, HARNESS_UID } from './harness.ts';
import { NorStore, PowerCut } from './nor-store.ts';
import { Cfg, Stat, Err } from '../../host-tools/sim/host/abi.ts';
import type mqttPacket from 'mqtt-packet';

type P = mqttPacket.Packet & { messageId?: number; dup?: boolean; payload?: Buffer };
const cmds = (pk: P[]) => pk.map((p) => p.messageId ? `${p.cmd}:${p.messageId}${p.dup ? ':dup' : ''}` : p.cmd);
/** A new core instance on the same store: what a reset (or power cycle) looks like. */
const reboot = (store: NorStore, setup?: (h: CoreHarness) => void) => CoreHarness.started(store, undefined, setup);

describe('reset with clean session = 0 resumes the session', () => {
  it('unacked QoS 1 and QoS 2 PUBLISH are resent with DUP=1; PUBREL for those past PUBREC', () => {
    const store = new NorStore();
    const a = reboot(store); a.connect();
    const q1 = a.publish('t', 'one', 1);
    const q2a = a.publish('t', 'two-a', 2);
    const q2b = a.publish('t', 'two-b', 2);
    a.run(); a.sentPackets();
    a.feedPacket({ cmd: 'pubrec', messageId: q2b });
    a.run();
    expect(cmds(a.sentPackets() as P[])).toEqual([`pubrel:${q2b}`]);
    // reset
    const b = reboot(store);
    expect(b.x.wq_stat(Stat.INFLIGHT_OUT)).toBe(3);
    b.connect(true);
    const sent = b.sentPackets() as P[];
    expect(cmds(sent)).toEqual([`publish:${q1}:dup`, `publish:${q2a}:dup`, `pubrel:${q2b}`]);
    expect(sent[1]!.payload!.toString()).toBe('two-a');
    b.feedPacket({ cmd: 'puback', messageId: q1 });
    b.feedPacket({ cmd: 'pubrec', messageId: q2a });
    b.feedPacket({ cmd: 'pubcomp', messageId: q2b });
    b.run();
    expect(cmds(b.sentPackets() as P[])).toEqual([`pubrel:${q2a}`]);
    // and the next reset knows all that
    const c = reboot(store);
    c.connect(true);
    expect(cmds(c.sentPackets() as P[])).toEqual([`pubrel:${q2a}`]);
    c.feedPacket({ cmd: 'pubcomp', messageId: q2a });
    c.run();
    expect(reboot(store).x.wq_stat(Stat.INFLIGHT_OUT)).toBe(0);
  });
  it('an incoming QoS 2 message is not delivered again after a reset before PUBREL', () => {
    const store = new NorStore();
    const a = reboot(store); a.connect();
    const pub = { cmd: 'publish', topic: 'in', payload: Buffer.from('once'), qos: 2, messageId: 321, retain: false,
      dup: false } as const;
    a.feedPacket(pub); a.run();
    expect(cmds(a.sentPackets() as P[])).toEqual(['pubrec:321']);
    expect(a.ofKind('message')).toHaveLength(1);
    const b = reboot(store);
    expect(b.x.wq_stat(Stat.INFLIGHT_IN)).toBe(1);
    b.connect(true);
    b.feedPacket({ ...pub, dup: true }); b.run();
    expect(b.ofKind('message')).toHaveLength(0);
    expect(cmds(b.sentPackets() as P[])).toEqual(['pubrec:321']);
    b.feedPacket({ cmd: 'pubrel', messageId: 321 }); b.run();
    expect(cmds(b.sentPackets() as P[])).toEqual(['pubcomp:321']);
    expect(reboot(store).x.wq_stat(Stat.INFLIGHT_IN)).toBe(0);
  });
  it('publishes queued offline survive a reset and go out in order', () => {
    const store = new NorStore();
    const a = reboot(store);
    const ids = [a.publish('q', 'a', 1), a.publish('q', 'b', 0), a.publish('q', 'c', 2)];
    const b = reboot(store);
    b.connect(true);
    const sent = b.sentPackets() as P[];
    expect(sent.map((p) => p.payload!.toString())).toEqual(['a', 'b', 'c']);
    expect(sent.map((p) => p.messageId ?? 0)).toEqual([ids[0], undefined, ids[2]].map((x) => x ?? 0));
  });
  it('DUP after a reset: sent before → DUP=1, queued (window or offline) and never sent → DUP=0, also across ' +
      'compaction', () => {
    const store = new NorStore();
    const a = reboot(store, (h) => h.config(Cfg.WINDOW, 1)); a.connect();
    const sent = a.publish('t', 'sent', 1);
    const beyond = a.publish('t', 'beyond-window', 2);
    a.run();
    expect(cmds(a.sentPackets() as P[])).toEqual([`publish:${sent}`]);
    a.peerClosed = true; a.run();
    const offline = a.publish('t', 'offline', 1);
    const b = reboot(store, (h) => h.config(Cfg.WINDOW, 1));
    expect([b.x.wq_stat(Stat.INFLIGHT_OUT), b.x.wq_stat(Stat.QUEUED_OUT)]).toEqual([1, 2]);
    b.connect(true);
    expect(cmds(b.sentPackets() as P[])).toEqual([`publish:${sent}:dup`]);
    b.feedPacket({ cmd: 'puback', messageId: sent }); b.run();
    expect(cmds(b.sentPackets() as P[])).toEqual([`publish:${beyond}`]); // its first send programs its mark
    // a compaction copies the records with their marks
    expect(b.x.wq_stat(Stat.STORE_COMPACTIONS)).toBe(0);
    const c = reboot(store, (h) => h.config(Cfg.WINDOW, 1));
    c.connect(true);
    expect(cmds(c.sentPackets() as P[])).toEqual([`publish:${beyond}:dup`]);
    for (let i = 0; i < 400 && c.x.wq_stat(Stat.STORE_COMPACTIONS) === 0; i++) { c.config(Cfg.TRACE, 0);
      c.x.wq_config_save(); }
    expect(c.x.wq_stat(Stat.STORE_COMPACTIONS)).toBeGreaterThan(0);
    const d = reboot(store, (h) => h.config(Cfg.WINDOW, 1));
    d.connect(true);
    expect(cmds(d.sentPackets() as P[])).toEqual([`publish:${beyond}:dup`]);
    d.feedPacket({ cmd: 'pubrec', messageId: beyond }); d.run();
    d.feedPacket({ cmd: 'pubcomp', messageId: beyond }); d.run();
    expect(cmds(d.sentPackets() as P[])).toEqual([`pubrel:${beyond}`, `publish:${offline}`]);
  });
  it('a power cut at the first send of a queued PUBLISH: before its mark is programmed → DUP=0 after the reset, ' +
      'after → DUP=1', () => {
    for (const [budget, dup] of [[10, false], [12, true]] as const) {
      const store = new NorStore();
      const a = reboot(store, (h) => h.config(Cfg.WINDOW, 1)); a.connect();
      const first = a.publish('t', 'first', 1);
      const queued = a.publish('t', 'queued', 1);
      a.run(); a.sentPackets();
      // PUBACK: the PUB_GONE record (10 bytes), then the pump programs the mark (2 bytes) and sends
      store.cutAfter = budget;
      a.feedPacket({ cmd: 'puback', messageId: first });
      if (!dup) expect(() => a.run()).toThrow(PowerCut);
      else { a.run(); expect(cmds(a.sentPackets() as P[])).toEqual([`publish:${queued}`]); }
      store.cutAfter = undefined;
      const b = reboot(store); b.connect(true);
      expect(cmds(b.sentPackets() as P[]), `cut after ${budget} bytes`).toEqual(
        [`publish:${queued}${dup ? ':dup' : ''}`]);
    }
  });
  it('the packet-id counter continues after a reset', () => {
    const store = new NorStore();
    const a = reboot(store, (h) => h.config(Cfg.NEXT_PID, 500)); a.connect();
    const id = a.publish('t', 'x', 1); a.run();
    a.feedPacket({ cmd: 'puback', messageId: id }); a.run();
    expect(reboot(store).publish('t', 'y', 1)).toBe(501);
  });
});

describe('store log: compaction and capacity', () => {
  it('thousands of QoS 1/2 flows through a small store compact ping-pong and stay consistent', () => {
    const store = new NorStore(4 * 1024, 1024);
    const h = reboot(store); h.connect();
    for (let i = 0; i < 2000; i++) {
      const qos = (i % 2) + 1;
      const id = h.publish('p/c', `payload ${i} `.repeat(3), qos);
      expect(id).toBeGreaterThan(0);
      h.run(); h.takeSent();
      if (qos === 1) h.feedPacket({ cmd: 'puback', messageId: id });
      else { h.feedPacket({ cmd: 'pubrec', messageId: id }); h.run(); h.takeSent();
        h.feedPacket({ cmd: 'pubcomp', messageId: id }); }
      h.run(); h.takeSent();
    }
    expect(h.x.wq_stat(Stat.STORE_COMPACTIONS)).toBeGreaterThan(10);
    expect(h.ofKind('publish_done')).toHaveLength(2000);
    expect(h.ofKind('error')).toEqual([]);
    expect(h.x.wq_stat(Stat.STORE_ERRORS)).toBe(0);
    const r = reboot(store);
    expect(r.x.wq_stat(Stat.INFLIGHT_OUT) + r.x.wq_stat(Stat.QUEUED_OUT)).toBe(0);
  });
  it('a full store refuses new publishes (ERR_QUEUE_FULL) and keeps every accepted one', () => {
    const store = new NorStore(4 * 1024, 1024);
    const h = reboot(store);
    const ok: number[] = [];
    let r: number;
    while ((r = h.publish('big', 'x'.repeat(200), 1)) > 0) ok.push(r);
    expect(r).toBe(Err.QUEUE_FULL);
    expect(ok.length).toBeGreaterThan(3);
    expect(h.x.wq_stat(Stat.STORE_ERRORS)).toBe(0);
    const b = reboot(store);
    b.config(Cfg.WINDOW, 32);
    b.connect(true);
    expect((b.sentPackets() as P[]).map((p) => p.messageId)).toEqual(ok);
  });
  it('a full store refuses early: further publishes cost no compaction and no store write', () => {
    const store = new NorStore(4 * 1024, 1024);
    const h = reboot(store);
    while (h.publish('big', 'x'.repeat(200), 1) > 0);
    const compactions = h.x.wq_stat(Stat.STORE_COMPACTIONS);
    const [writes, erases] = [store.writes, store.erases];
    for (let i = 0; i < 50; i++) expect(h.publish('big', 'x'.repeat(200), 1)).toBe(Err.QUEUE_FULL);
    expect(h.x.wq_stat(Stat.STORE_COMPACTIONS)).toBe(compactions);
    expect([store.writes, store.erases]).toEqual([writes, erases]);
  });
  it('a full window of 16 QoS 1 on a 4 KB store: every publish accepted, compaction about every 4th message', () => {
    const store = new NorStore(4 * 1024, 1024);
    const h = reboot(store);
    h.config(Cfg.WINDOW, 16);
    h.connect(true);
    const ids: number[] = [];
    for (let i = 0; i < 16; i++) ids.push(h.publish('w/t', 'p'.repeat(64), 1));
    h.x.step();
    h.takeSent();
    const N = 2000;
    const [w0, e0, c0] = [store.writes, store.erases, h.x.wq_stat(Stat.STORE_COMPACTIONS)];
    for (let i = 0; i < N; i++) {
      const id = ids.shift()!;
      h.feed([0x40, 2, id >> 8, id & 255]);
      h.x.step();
      const n = h.publish('w/t', 'p'.repeat(64), 1);
      expect(n).toBeGreaterThan(0);
      ids.push(n);
      h.x.step();
      h.takeSent();
    }
    const perMsg = (store.writes - w0) / N;
    const compactionsPerMsg = (h.x.wq_stat(Stat.STORE_COMPACTIONS) - c0) / N;
    console.log(
      `4 KB store, window 16, 64-byte QoS 1: ` +
      `${perMsg.toFixed(2)} writes, ${((store.erases - e0) / N).toFixed(2)} erases, ${compactionsPerMsg.toFixed(2)} ` +
      `compactions per message`);
    // Live set ~16 × 90 B + reserve in a 2 KB group: ~230 B free after each compaction.
    expect(compactionsPerMsg).toBeLessThanOrEqual(0.3);
    expect((store.erases - e0) / N).toBeLessThanOrEqual(0.6); // 2 pages per compaction
    expect(perMsg).toBeLessThanOrEqual(12); // PUB + PUB_GONE, plus the compaction copies (64-byte chunks)
    expect(h.ofKind('error')).toEqual([]);
  });
  it('config save/load round-trips through the store and survives compaction', () => {
    const store = new NorStore(4 * 1024, 1024);
    const a = reboot(store);
    a.config(Cfg.CLIENT_ID, 'saved-id'); a.config(Cfg.BROKER_PORT, 1999); a.config(Cfg.KEEPALIVE_S, 7);
    expect(a.x.wq_config_save()).toBe(0);
    a.connect();
    for (let i = 0; i < 300; i++) { const id = a.publish('t', 'y'.repeat(100), 1); a.run(); a.takeSent();
      a.feed([0x40, 2, id >> 8, id & 255]); a.run(); }
    expect(a.x.wq_stat(Stat.STORE_COMPACTIONS)).toBeGreaterThan(0);
    const b = reboot(store);
    const c = b.connect();
    expect(c).toMatchObject({ clientId: 'saved-id', keepalive: 7 });
    expect(b.connects[0]!.port).toBe(1999);
  });
  it('a blank store uses defaults and reports no saved config; the client id comes from the chip id', () => {
    const h = reboot(new NorStore());
    expect(h.x.wq_config_load()).toBe(Err.NO_CONFIG);
    expect(h.connect()).toMatchObject(
      { clientId: `wasmqtt-${Buffer.from(HARNESS_UID).toString('hex')}`, keepalive: 60, clean: false });
  });
  it('no store: a clear error, QoS 0 still works online', () => {
    const h = reboot(new NorStore(0, 1024));
    expect(h.ofKind('error')[0]?.code).toBe(Err.NO_STORE);
    expect(h.publish('t', 'x', 1)).toBe(Err.NO_STORE);
    h.connect();
    expect(h.publish('t', 'x', 0)).toBe(0);
  });
});

describe('power cuts (torn writes)', () => {
  /** Runs `act` with the power cut after `budget` programmed bytes; returns whether it was cut. */
  function cutDuring(h: CoreHarness, budget: number, act: () => void): boolean {
    h.store.cutAfter = budget;
    try { act(); return false; } catch (e) { if (e instanceof PowerCut) return true;
      throw e; } finally { h.store.cutAfter = undefined; }
  }

  it('a PUBLISH whose record is torn at any byte is either fully there or absent, and the store keeps working', () => {
    for (let budget = 0; budget < 80; budget += 2) {
      const store = new NorStore(4 * 1024, 1024);
      const a = reboot(store);
      const first = a.publish('keep', 'safe', 1);
      let id = -1;
      const cut = cutDuring(a, budget, () => { id = a.publish('torn/topic', 'p'.repeat(40), 1); });
      const b = reboot(store);
      b.config(Cfg.WINDOW, 32);
      b.connect(true);
      const sent = b.sentPackets() as P[];
      expect(sent[0]?.messageId, `budget ${budget}`).toBe(first);
      if (!cut) expect(sent.map((p) => p.messageId)).toEqual([first, id]);
      else expect(sent.length === 1 || sent[1]!.payload!.toString() === 'p'.repeat(40)).toBe(true);
      // the log is usable afterwards
      const next = b.publish('after', 'cut', 1);
      expect(next).toBeGreaterThan(0);
      const c = reboot(store);
      expect(c.x.wq_stat(Stat.QUEUED_OUT) + c.x.wq_stat(Stat.INFLIGHT_OUT)).toBe(sent.length + 1);
    }
  });
  it('a power cut during compaction at any point loses nothing', () => {
    // the budget runs down over many publish/ack cycles, so the cut lands everywhere,
    // including inside compactions (erase of the other group, copies, header)
    let compactingCuts = 0;
    for (let budget = 0; budget < 3000; budget += 22) {
      const store = new NorStore(2 * 1024, 1024);
      const a = reboot(store); a.connect();
      const live = [a.publish('live', 'L1', 1), a.publish('live', 'L2', 2)];
      a.run(); a.takeSent();
      let cut = false;
      store.cutAfter = budget;
      try {
        for (let i = 0; i < 200; i++) {
          const id = a.publish('churn', 'z'.repeat(60), 1);
          a.run(); a.takeSent(); a.feed([0x40, 2, id >> 8, id & 255]); a.run();
        }
      } catch (e) { if (!(e instanceof PowerCut)) throw e; cut = true; }
      store.cutAfter = undefined;
      // erases started (1 is the initial format) > compactions finished: the cut hit a compaction
      if (cut &&
        store.erases + (store.cutIn === 'erase' ? 1 : 0) - 1 > a.x.wq_stat(Stat.STORE_COMPACTIONS)) compactingCuts++;
      expect(cut, `budget ${budget}`).toBe(true);
      const b = reboot(store);
      b.connect(true);
      const resent = (b.sentPackets() as P[]).filter((p) => p.payload?.toString().startsWith('L'));
      expect(resent.map((p) => p.messageId), `budget ${budget}`).toEqual(live);
    }
    expect(compactingCuts).toBeGreaterThan(0);
  });
  it('a torn config record falls back to the previous one', () => {
    const store = new NorStore(4 * 1024, 1024);
    const a = reboot(store);
    a.config(Cfg.CLIENT_ID, 'first'); a.x.wq_config_save();
    a.config(Cfg.CLIENT_ID, 'second');
    expect(cutDuring(a, 100, () => a.x.wq_config_save())).toBe(true);
    expect(reboot(store).connect().clientId).toBe('first');
  });
});
