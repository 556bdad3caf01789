// Sn_MR.ND (No Delayed ACK) in TCP mode: the model's host socket ACKs every arrival at once.
// Two halves: the seam (which arrivals the host is told to ACK: exact, no timing) and the real
// effect on Linux against a peer with Nagle on, whose second small write waits for the ACK of its
// first (the Mosquitto PUBACK case of docs/w5500.md).
import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { AddressMap, FrameTrace, SN, SN_MR_ND, SN_MR_TCP, SR, W5500 } from '../../host-tools/sim/w5500/index.ts';
import { NodeNetwork } from '../../host-tools/sim/w5500/network.ts';
import type { HostAck } from '../../host-tools/sim/w5500/host-ack.ts';
import { TestDriver, VirtualClock, startTcpPeer, until, w8, type TcpPeer } from './helpers.ts';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.reverse()) await c(); cleanup = []; });

/** A chip whose sockets reach `peer` at 192.168.1.10:1883; `ack` replaces the host's ACK-now. */
function chipFor(peer: TcpPeer, ack?: HostAck, trace?: FrameTrace): W5500 {
  const map = new AddressMap().add('192.168.1.10:1883', `127.0.0.1:${peer.port}`);
  const m = new W5500({
    clock: new VirtualClock().now, addressMap: map, trace,
    network: ack ? (activity) => new NodeNetwork(activity, { ack, note: (t) => m.note(t) }) : undefined,
  });
  cleanup.push(
    () => new Promise<void>((r) => { for (const c of peer.conns) c.destroy(); peer.server.close(() => r()); }));
  cleanup.push(() => m.close());
  return m;
}

/** Connects socket `d` (Sn_MR = `mr`) to the peer; returns the peer's end of the connection. */
async function connect(m: W5500, d: TestDriver, peer: TcpPeer, mr: number, port: number): Promise<Socket> {
  const before = peer.conns.length;
  d.openTcp(port, mr);
  d.connect([192, 168, 1, 10], 1883);
  await until(m, () => d.sr() === SR.ESTABLISHED && peer.conns.length === before + 1, 'ESTABLISHED');
  return peer.conns[before]!;
}

/**
 * Reads what socket `d` receives until `n` bytes are in, waiting on network events in between
 * (never sleeping, never spinning: a held segment may take a delayed ACK's 40 ms and more).
 */
async function receive(m: W5500, d: TestDriver, n: number): Promise<string> {
  let got = '';
  for (let events = 0; ; events++) {
    got += new TextDecoder().decode(d.recv());
    if (got.length >= n) return got;
    if (events > 100) throw new Error(`${got.length} of ${n} bytes after ${events} network events`);
    await m.waitForInput();
  }
}

/** Counts the sockets it was asked to ACK for. */
class CountingAck implements HostAck {
  calls: Socket[] = [];
  constructor(readonly unsupported: string | null = null) {}
  ackNow(s: Socket): boolean { this.calls.push(s); return this.unsupported === null; }
}

describe('Sn_MR.ND: which arrivals the host is told to ACK', () => {
  it('with ND every arrival is ACKed at once; without ND none; Sn_MR is followed while connected', async () => {
    const peer = await startTcpPeer();
    const ack = new CountingAck();
    const m = chipFor(peer, ack);
    const nd = new TestDriver(m, 0), plain = new TestDriver(m, 1);
    const toNd = await connect(m, nd, peer, SN_MR_TCP | SN_MR_ND, 50001);
    const toPlain = await connect(m, plain, peer, SN_MR_TCP, 50002);
    // One byte at a time, each in the model before the next is written: one arrival each.
    const arrive = async (s: Socket, d: TestDriver) => {
      s.write('x');
      expect(await receive(m, d, 1)).toBe('x');
    };
    for (let k = 0; k < 3; k++) await arrive(toNd, nd);
    expect(ack.calls).toHaveLength(3);
    for (let k = 0; k < 3; k++) await arrive(toPlain, plain);
    expect(ack.calls).toHaveLength(3); // ND clear: the host's delayed ACK stands
    const ndHostSocket = ack.calls[0]!;
    expect(ack.calls.every((s) => s === ndHostSocket)).toBe(true);
    w8(m, nd.b, SN.MR, SN_MR_TCP); // ND cleared on the open socket
    await arrive(toNd, nd);
    expect(ack.calls).toHaveLength(3);
    w8(m, plain.b, SN.MR, SN_MR_TCP | SN_MR_ND); // and set on the other
    await arrive(toPlain, plain);
    expect(ack.calls).toHaveLength(4);
    expect(ack.calls[3]).not.toBe(ndHostSocket);
  });

  it('a host that cannot ACK on demand is noted once in the trace, and traffic goes on', async () => {
    const peer = await startTcpPeer();
    const ack = new CountingAck('no TCP_QUICKACK on this test host');
    const trace = new FrameTrace();
    const m = chipFor(peer, ack, trace);
    const a = new TestDriver(m, 0), b = new TestDriver(m, 1);
    await connect(m, a, peer, SN_MR_TCP | SN_MR_ND, 50003);
    const toB = await connect(m, b, peer, SN_MR_TCP | SN_MR_ND, 50004);
    toB.write('still delivered');
    expect(await receive(m, b, 15)).toBe('still delivered');
    const notes = trace.lines.filter((l) => l.includes('Sn_MR.ND not honoured'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('no TCP_QUICKACK on this test host');
  });
});

describe('Sn_MR.ND on this host (Linux TCP_QUICKACK): a Nagle peer is not held by our delayed ACK', () => {
  // Each round: the device sends one byte; the peer answers with two small writes back to back.
  // Nagle keeps the second in the peer until the first is ACKed. After a few rounds Linux sees an
  // interactive connection and delays that ACK (40 ms at least, TCP_ATO_MIN); with ND the model
  // ACKs on arrival and the round takes well under a millisecond. With ND the median decides, so
  // a few rounds slowed by a loaded machine do not; its bound is half the shortest delayed ACK.
  // The socket without ND shows the scenario does provoke the delay on this host: some of its
  // rounds, not most, as a process too slow to answer within the ACK timeout makes Linux leave
  // its interactive mode for a round (seen at 6 test processes on 2 cores).
  const ROUNDS = 16;
  const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1]!;

  it('answers arrive at once with ND, a delayed-ACK time later without', async () => {
    const peer = await startTcpPeer((s) => { s.write('a'); s.write('b'); });
    const m = chipFor(peer);
    const nd = new TestDriver(m, 0), plain = new TestDriver(m, 1);
    await connect(m, nd, peer, SN_MR_TCP | SN_MR_ND, 50005);
    await connect(m, plain, peer, SN_MR_TCP, 50006);
    const rounds = async (d: TestDriver): Promise<number[]> => {
      const ms: number[] = [];
      for (let k = 0; k < ROUNDS; k++) {
        const t0 = performance.now();
        expect(d.send(Uint8Array.of(0x71))).toBe(true);
        const got = await receive(m, d, 2);
        ms.push(performance.now() - t0);
        expect(got).toBe('ab');
      }
      return ms;
    };
    const withNd = await rounds(nd);
    const without = await rounds(plain);
    const text =
      `round ms with ND ` +
      `${withNd.map((x) => x.toFixed(1)).join(' ')}; without ${without.map((x) => x.toFixed(1)).join(' ')}`;
    const delayed = without.filter((ms) => ms >= 35).length;
    expect(
      delayed, `the host did not delay its ACKs, so this scenario shows nothing: ${text}`).toBeGreaterThanOrEqual(4);
    expect(median(withNd), text).toBeLessThan(20);
  });
});
