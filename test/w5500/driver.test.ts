// The AssemblyScript W5500 driver (build/w5500/driver-test.wasm) against the chip model and
// real Node sockets: bring-up, TCP transport contract, pointer wrap, closes and timeouts,
// chip reset recovery, busy Sn_CR, polling mode, UDP.
import { afterEach, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import {
  AddressMap, COMMON, FrameTrace, SN, SN_MR_ND, SN_MR_TCP, SR, W5500, socketRegBlock,
} from '../../host-tools/sim/w5500/index.ts';
import { DriverHost, ip4 } from '../../host-tools/sim/w5500/driver-host.ts';
import { VirtualClock, r8, startTcpPeer, type TcpPeer } from './helpers.ts';

const NET_CLOSED = 0, NET_CONNECTING = 1, NET_ESTABLISHED = 2, NET_CLOSING = 3;
const MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];

const received = (p: TcpPeer) => Buffer.concat(p.received);

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.reverse()) await c(); cleanup = []; });

async function rig(opts: { busy?: number; trace?: FrameTrace } = {}) {
  const peer = await startTcpPeer();
  const clock = new VirtualClock();
  const map = new AddressMap().add('192.168.1.10:1883', `127.0.0.1:${peer.port}`);
  const m = new W5500({ clock: clock.now, addressMap: map, commandBusyFrames: opts.busy, trace: opts.trace });
  const d = await DriverHost.load(m);
  cleanup.push(
    () => new Promise<void>((r) => { for (const c of peer.conns) c.destroy(); peer.server.close(() => r()); }));
  cleanup.push(() => m.close());
  expect(d.init(MAC, '192.168.1.50', '192.168.1.1', '255.255.255.0')).toBe(0);
  return { peer, clock, m, d };
}

/** Step the driver until cond, waiting for network events in between (never sleeping). */
async function until(m: W5500, cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await Promise.race([m.waitForInput(), m.settled().then(() => new Promise<void>((r) => setImmediate(r)))]);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function connected(r: Awaited<ReturnType<typeof rig>>) {
  expect(r.d.x.dt_connect(ip4('192.168.1.10'), 1883)).toBe(0);
  expect(r.d.x.dt_state()).toBe(NET_CONNECTING);
  await until(r.m, () => r.d.x.dt_state() === NET_ESTABLISHED, 'ESTABLISHED');
}

describe('W5500 driver bring-up', () => {
  it('resets the chip, checks VERSIONR and writes identity and buffer sizes', async () => {
    const { m } = await rig();
    expect(Array.from(m.read(COMMON.GAR, 0, 18))).toEqual([192, 168, 1, 1, 255, 255, 255, 0, ...MAC, 192, 168, 1, 50]);
    expect(r8(m, socketRegBlock(0), SN.TXBUF_SIZE)).toBe(8);
    expect(r8(m, socketRegBlock(0), SN.RXBUF_SIZE)).toBe(8);
    const tx = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => r8(m, socketRegBlock(n), SN.TXBUF_SIZE));
    expect(tx.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(16);
  });

  it('reports a missing chip (MISO stuck high) as W5_ERR_VERSION', async () => {
    const m = new W5500({ clock: new VirtualClock().now });
    const d = await DriverHost.load(m);
    m.faults.chipReset();
    // Simulate "no chip": replace the model's VERSIONR by a bus that floats high.
    const orig = m.readByte.bind(m);
    m.readByte = () => 0xff;
    // right after its reset pulse a chip may still be locking its PLL: W5_ERR_BOOTING; asked again, no chip
    expect(d.init(MAC, '10.0.0.2', '10.0.0.1', '255.0.0.0')).toBe(-6);
    expect(d.init(MAC, '10.0.0.2', '10.0.0.1', '255.0.0.0')).toBe(-1);
    m.readByte = orig;
    expect(d.init(MAC, '10.0.0.2', '10.0.0.1', '255.0.0.0')).toBe(0);
  });

  it('reads the link state from PHYCFGR', async () => {
    const { m, d } = await rig();
    expect(d.x.dt_link()).toBe(1);
    m.faults.linkDown();
    expect(d.x.dt_link()).toBe(0);
  });

  it('refuses to connect before init', async () => {
    const m = new W5500({ clock: new VirtualClock().now });
    const d = await DriverHost.load(m);
    expect(d.x.dt_connect(ip4('192.168.1.10'), 1883)).toBe(-2);
    expect(d.x.dt_state()).toBe(NET_CLOSED);
  });

  it('traps (no stray access) when asked for a range outside its buffer', async () => {
    const { d } = await rig();
    expect(d.x.dt_send(16000, 1000)).toBe(-100);
  });
});

describe('W5500 driver TCP transport', () => {
  it('connects, sends and receives; the peer sees exactly the bytes', async () => {
    const r = await rig();
    await connected(r);
    expect(r.d.send(new TextEncoder().encode('CONNECT'))).toBe(7);
    await until(r.m, () => received(r.peer).length === 7, 'bytes at peer');
    expect(received(r.peer).toString()).toBe('CONNECT');
    r.peer.conns[0]!.write('CONNACK');
    let got = '';
    await until(r.m, () => { const b = r.d.recv(); if (b instanceof Uint8Array) got += Buffer.from(b).toString();
      return got === 'CONNACK'; }, 'CONNACK');
    expect(r.d.recv()).toEqual(new Uint8Array(0));
  });

  it('opens its TCP socket with Sn_MR.ND (no delayed ACK), so a Nagle broker is not held by our ACKs', async () => {
    const trace = new FrameTrace();
    const r = await rig({ trace });
    await connected(r);
    expect(r8(r.m, socketRegBlock(0), SN.MR)).toBe(SN_MR_TCP | SN_MR_ND);
    // written before OPEN, as the datasheet asks of Sn_MR
    const mr = trace.lines.findIndex((l) => / W S0\.MR 0x0000 \[21\]$/.test(l));
    const open = trace.lines.findIndex((l) => / W S0\.CR 0x0001 \[01\]$/.test(l));
    expect(mr).toBeGreaterThanOrEqual(0);
    expect(open).toBeGreaterThan(mr);
  });

  it('moves 200 KB each way through one socket (pointer wrap, FSR refresh, deferred RECV)', async () => {
    const r = await rig();
    await connected(r);
    const out = Buffer.alloc(200_000);
    for (let i = 0; i < out.length; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
    let sent = 0;
    await until(r.m, () => {
      while (sent < out.length) {
        const n = r.d.send(out.subarray(sent, Math.min(out.length, sent + 4000)));
        expect(n).toBeGreaterThanOrEqual(0);
        if (n === 0) return false;
        sent += n;
      }
      return received(r.peer).length === out.length;
    }, 'upload');
    expect(received(r.peer).equals(out)).toBe(true);
    const back = Buffer.from(out).reverse();
    r.peer.conns[0]!.write(back);
    const chunks: Buffer[] = [];
    let total = 0;
    await until(r.m, () => {
      for (;;) {
        const b = r.d.recv(4096);
        if (!(b instanceof Uint8Array) || b.length === 0) break;
        chunks.push(Buffer.from(b)); total += b.length;
      }
      return total === back.length;
    }, 'download');
    expect(Buffer.concat(chunks).equals(back)).toBe(true);
  });

  it('peer close: remaining data is delivered, then recv < 0 and the state leaves ESTABLISHED', async () => {
    const r = await rig();
    await connected(r);
    r.peer.conns[0]!.end('last words');
    let got = '';
    let end = 0;
    await until(r.m, () => { const b = r.d.recv();
      if (typeof b === 'number') { end = b; return true; } got += Buffer.from(b).toString(); return false; }, 'close');
    expect(got).toBe('last words');
    expect(end).toBeLessThan(0);
    expect(r.d.x.dt_state()).toBe(NET_CLOSING);
    expect(r.d.send(Uint8Array.of(1))).toBeLessThan(0);
    r.d.x.dt_close();
    await until(r.m, () => r.d.x.dt_state() === NET_CLOSED, 'CLOSED');
  });

  it('close sends FIN; the peer sees it and the state reaches CLOSED', async () => {
    const r = await rig();
    await connected(r);
    r.d.x.dt_close();
    expect(r.d.x.dt_state()).toBe(NET_CLOSING);
    await until(r.m, () => r.peer.fins === 1 && r.d.x.dt_state() === NET_CLOSED, 'FIN both ways');
  });

  it('an unreachable broker fails after ARPTO in virtual time; reconnecting afterwards works', async () => {
    const r = await rig();
    expect(r.d.x.dt_connect(ip4('192.168.1.99'), 1883)).toBe(0);
    r.clock.advance(1799);
    expect(r.d.x.dt_state()).toBe(NET_CONNECTING);
    r.clock.advance(1);
    expect(r.d.x.dt_state()).toBe(NET_CLOSED);
    await connected(r);
  });

  it('link down mid-transfer: TCPTO closes the socket, nothing sent is acknowledged, reconnect works', async () => {
    const r = await rig();
    await connected(r);
    r.d.x.dt_set_retry(1000, 2); // 100 ms × (1+2+4) = 700 ms TCPTO
    r.m.faults.linkDown();
    expect(r.d.send(new Uint8Array(500))).toBe(500);
    r.clock.advance(699);
    expect(r.d.x.dt_state()).toBe(NET_ESTABLISHED);
    r.clock.advance(1);
    expect(r.d.x.dt_state()).toBe(NET_CLOSED);
    expect(r.d.recv()).toBeLessThan(0);
    expect(r.d.x.dt_link()).toBe(0);
    r.m.faults.linkUp();
    await connected(r);
    expect(r.peer.conns.length).toBe(2);
  });

  it('recovers from a chip reset behind its back: the next connect re-initialises the chip', async () => {
    const r = await rig();
    await connected(r);
    r.m.faults.chipReset();
    expect(Array.from(r.m.read(COMMON.SIPR, 0, 4))).toEqual([0, 0, 0, 0]);
    await connected(r);
    expect(Array.from(r.m.read(COMMON.SIPR, 0, 4))).toEqual([192, 168, 1, 50]);
  });

  it('never issues a command (or a SEND) before the previous one is taken and complete', async () => {
    const trace = new FrameTrace();
    const r = await rig({ busy: 3, trace });
    await connected(r);
    for (let i = 0; i < 20; i++) expect(r.d.send(Uint8Array.of(i))).toBe(1);
    await until(r.m, () => received(r.peer).length === 20, 'all 20 sends');
    expect(Array.from(received(r.peer))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(trace.lines.filter((l) => l.includes('not yet taken'))).toEqual([]);
    expect(trace.lines.filter((l) => l.includes('R S0.TX_RD')).length).toBeGreaterThan(19); // waited on TX_RD
  });

  it('works without the INT pin (polling mode)', async () => {
    const r = await rig();
    r.d.x.dt_polling(1);
    await connected(r);
    r.peer.conns[0]!.write('polled');
    let got = '';
    await until(r.m, () => { const b = r.d.recv(); if (b instanceof Uint8Array) got += Buffer.from(b).toString();
      return got === 'polled'; }, 'data');
  });

  it('uses INTn: with no interrupt pending, an idle poll costs no SPI bytes', async () => {
    const r = await rig();
    await connected(r);
    r.d.recv();
    const before = r.m.counters.bytes;
    for (let i = 0; i < 100; i++) { r.d.recv(); r.d.x.dt_state(); }
    expect(r.m.counters.bytes).toBe(before);
  });

  it('state maps SYNSENT → CONNECTING, ESTABLISHED → ESTABLISHED', async () => {
    const r = await rig();
    r.d.x.dt_connect(ip4('192.168.1.10'), 1883);
    expect(r.d.x.dt_sr()).toBe(SR.SYNSENT);
    await until(r.m, () => r.d.x.dt_state() === NET_ESTABLISHED, 'ESTABLISHED');
    expect(r.d.x.dt_sr()).toBe(SR.ESTABLISHED);
  });
});

describe('W5500 driver UDP', () => {
  it('sendto and recvfrom through dgram, with the sender address', async () => {
    const peer = createSocket('udp4');
    await new Promise<void>((res) => peer.bind(0, '127.0.0.1', res));
    cleanup.push(() => new Promise<void>((res) => peer.close(() => res())));
    const clock = new VirtualClock();
    const map = new AddressMap().add('192.168.1.20:5683', `127.0.0.1:${peer.address().port}`);
    const m = new W5500({ clock: clock.now, addressMap: map });
    cleanup.push(() => m.close());
    const d = await DriverHost.load(m);
    expect(d.init(MAC, '192.168.1.50', '192.168.1.1', '255.255.255.0')).toBe(0);
    expect(d.x.dt_udp_open(4000)).toBe(0);
    const got: Array<{ msg: Buffer; port: number }> = [];
    peer.on('message', (msg, rinfo) => got.push({ msg, port: rinfo.port }));
    expect(d.udpSendTo('192.168.1.20', 5683, new TextEncoder().encode('hello udp'))).toBe(9);
    await until(m, () => got.length === 1, 'datagram at peer');
    expect(got[0]!.msg.toString()).toBe('hello udp');
    peer.send('answer', got[0]!.port, '127.0.0.1');
    peer.send('second', got[0]!.port, '127.0.0.1');
    const msgs: Array<{ data: string; ip: string; port: number }> = [];
    await until(m, () => { const x = d.udpRecvFrom(); if (x) msgs.push(
      { data: Buffer.from(x.data).toString(), ip: x.ip, port: x.port }); return msgs.length === 2; }, 'two datagrams');
    expect(msgs).toEqual([
      { data: 'answer', ip: '192.168.1.20', port: 5683 },
      { data: 'second', ip: '192.168.1.20', port: 5683 },
    ]);
    expect(d.x.dt_udp_sendto(ip4('192.168.1.20'), 5683, 0, 2000)).toBe(-5); // > 1472: refused, not fragmented
  });
});
