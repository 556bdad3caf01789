// Socket traffic through real Node sockets: TCP client through the address map, FSR growing on
// ACK, pointer wrap past 64 KB, peer FIN / RST, DISCON, LISTEN, UDP with the 8-byte header,
// and timeouts (ARPTO, TCPTO) in virtual time under black hole and link-down faults.
import { afterEach, describe, expect, it } from 'vitest';
import { connect as netConnect } from 'node:net';
import { createSocket } from 'node:dgram';
import {
  AddressMap, COMMON, IR_UNREACH, SN, SR, SNIR_CON, SNIR_DISCON, SNIR_RECV, SNIR_SENDOK, SNIR_TIMEOUT, W5500, CMD,
} from '../../host-tools/sim/w5500/index.ts';
import { TestDriver, VirtualClock, command, r16, startTcpPeer, until, w8, type TcpPeer } from './helpers.ts';

const total = (p: TcpPeer) => p.received.reduce((a, b) => a + b.length, 0);

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.reverse()) await c(); cleanup = []; });

async function setup(opts: { busy?: number } = {}) {
  const peer = await startTcpPeer();
  const clock = new VirtualClock();
  const map = new AddressMap().add('192.168.1.10:1883', `127.0.0.1:${peer.port}`);
  const m = new W5500({ clock: clock.now, addressMap: map, commandBusyFrames: opts.busy });
  cleanup.push(
    () => new Promise<void>((r) => { for (const c of peer.conns) c.destroy(); peer.server.close(() => r()); }));
  cleanup.push(() => m.close());
  return { peer, clock, m, d: new TestDriver(m, 0) };
}

async function established(s: Awaited<ReturnType<typeof setup>>) {
  const before = s.peer.conns.length;
  s.d.openTcp();
  expect(s.d.sr()).toBe(SR.INIT);
  s.d.connect([192, 168, 1, 10], 1883);
  expect(s.d.sr()).toBe(SR.SYNSENT);
  await until(s.m, () => s.d.sr() === SR.ESTABLISHED && s.peer.conns.length === before + 1, 'ESTABLISHED');
  expect(s.d.ir() & SNIR_CON).toBe(SNIR_CON);
  expect(r16(s.m, s.d.b, SN.MSSR)).toBe(1460);
  s.d.clearIr();
}

describe('W5500 TCP client through the address map', () => {
  it('connects, sends and receives through a real Node socket', async () => {
    const s = await setup();
    await established(s);
    expect(s.d.send(new TextEncoder().encode('hello broker'))).toBe(true);
    expect(s.d.ir() & SNIR_SENDOK).toBe(SNIR_SENDOK);
    await until(s.m, () => total(s.peer) === 12, 'peer to receive');
    expect(Buffer.concat(s.peer.received).toString()).toBe('hello broker');
    s.peer.conns.at(-1)!.write('hello device');
    await until(s.m, () => (s.d.ir() & SNIR_RECV) !== 0, 'RECV');
    expect(new TextDecoder().decode(s.d.recv())).toBe('hello device');
    expect(s.d.stable16(SN.RX_RSR)).toBe(0);
  });

  it('TX_FSR shrinks at SEND and grows back only when the peer acknowledges', async () => {
    const s = await setup();
    await established(s);
    s.m.faults.stall(0); // the peer stops acknowledging
    s.d.send(new Uint8Array(1000));
    expect(s.d.stable16(SN.TX_FSR)).toBe(2048 - 1000);
    expect(r16(s.m, s.d.b, SN.TX_RD)).toBe(r16(s.m, s.d.b, SN.TX_WR)); // SEND took it...
    s.clock.advance(60_000); // ...and a stall (zero window) never times out
    s.m.poll();
    expect(s.d.sr()).toBe(SR.ESTABLISHED);
    s.m.faults.stall(0, false);
    await until(s.m, () => s.d.stable16(SN.TX_FSR) === 2048 && total(s.peer) === 1000, 'ACK');
  });

  it('carries more than 64 KB each way through one socket (16-bit pointer wrap)', async () => {
    const s = await setup();
    await establishedWith4k(s);
    const out = new Uint8Array(70_000).map((_, i) => (i * 7) & 0xff);
    let sent = 0;
    while (sent < out.length) {
      const chunk = out.subarray(sent, Math.min(out.length, sent + 1500));
      if (s.d.send(chunk)) sent += chunk.length;
      else await until(s.m, () => s.d.stable16(SN.TX_FSR) >= chunk.length, 'TX space');
    }
    await until(s.m, () => total(s.peer) === out.length, 'peer to get 70 000 bytes');
    expect(Buffer.concat(s.peer.received).equals(Buffer.from(out))).toBe(true);
    const back = Buffer.from(out).reverse();
    s.peer.conns.at(-1)!.write(back);
    const got: Uint8Array[] = [];
    let n = 0;
    while (n < back.length) {
      const c = s.d.recv();
      got.push(c); n += c.length;
      if (c.length === 0) await until(s.m, () => s.d.stable16(SN.RX_RSR) > 0, 'RX data');
    }
    expect(Buffer.concat(got).equals(back)).toBe(true);
    expect(r16(s.m, s.d.b, SN.TX_WR)).toBe(70_000 & 0xffff); // wrapped past 0xFFFF
  });

  it('a 16-bit size register can change between two single-byte reads', async () => {
    const s = await setup();
    w8(s.m, s.d.b, SN.RXBUF_SIZE, 8);
    await established(s);
    s.m.faults.stall(0); // hold delivery until all 6000 bytes are queued in the model
    s.peer.conns.at(-1)!.write(Buffer.alloc(6000, 1));
    while (s.m.sockets[0]!.queuedInputBytes < 6000) await s.m.waitForInput();
    s.m.faults.stall(0, false);
    // Read Sn_RX_RSR one byte per frame, as WIZnet's driver does: segments land between frames.
    const seen = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const hi = s.m.read(SN.RX_RSR, s.d.b, 1)[0]!;
      const lo = s.m.read(SN.RX_RSR + 1, s.d.b, 1)[0]!;
      seen.add((hi << 8) | lo);
    }
    // The chip only ever holds whole segments (k × 1460) or all 6000 bytes; anything else is a
    // torn read: the high byte of one value with the low byte of the next.
    const real = new Set([0, 1460, 2920, 4380, 5840, 6000]);
    expect([...seen].some((v) => !real.has(v))).toBe(true);
    expect(s.d.stable16(SN.RX_RSR)).toBe(6000);
  });

  it('peer FIN → CLOSE_WAIT with DISCON; DISCON then closes', async () => {
    const s = await setup();
    await established(s);
    s.peer.conns.at(-1)!.end('bye');
    await until(s.m, () => s.d.sr() === SR.CLOSE_WAIT, 'CLOSE_WAIT');
    expect(s.d.ir() & SNIR_DISCON).toBe(SNIR_DISCON);
    expect(new TextDecoder().decode(s.d.recv())).toBe('bye'); // data before FIN is kept
    command(s.m, 0, CMD.DISCON);
    await until(s.m, () => s.d.sr() === SR.CLOSED, 'CLOSED');
  });

  it('half-close: in CLOSE_WAIT data still reaches the peer, TX_FSR comes back to full, our FIN only on ' +
      'DISCON', async () => {
    const s = await setup();
    await established(s);
    const conn = s.peer.conns.at(-1)!;
    let closedAt = -1;
    conn.on('close', () => { closedAt = total(s.peer); });
    conn.end(); // the peer is done sending, but still reads (Node: allowHalfOpen false ends after our FIN)
    await until(s.m, () => s.d.sr() === SR.CLOSE_WAIT, 'CLOSE_WAIT');
    await s.m.settled();
    expect(s.peer.fins).toBe(0); // our side: no FIN yet (peer.fins counts the FINs the peer heard from us)
    expect(s.d.send(new TextEncoder().encode('late'))).toBe(true);
    await until(s.m, () => total(s.peer) === 4 && s.d.stable16(SN.TX_FSR) === 2048, 'data at peer and FSR full');
    expect(Buffer.concat(s.peer.received).toString()).toBe('late');
    expect(s.peer.fins).toBe(0);
    expect(s.d.sr()).toBe(SR.CLOSE_WAIT);
    command(s.m, 0, CMD.DISCON);
    await until(s.m, () => s.d.sr() === SR.CLOSED, 'CLOSED after our FIN is acknowledged');
    expect(s.peer.fins).toBe(1);
    expect(closedAt).toBe(4);
  });

  it('active DISCON: FIN_WAIT until the peer closes, then CLOSED', async () => {
    const s = await setup();
    await established(s);
    command(s.m, 0, CMD.DISCON);
    expect(s.d.sr()).toBe(SR.FIN_WAIT);
    await until(s.m, () => s.d.sr() === SR.CLOSED, 'CLOSED');
    expect(s.peer.fins).toBe(1);
  });

  it('peer RST → CLOSED with DISCON', async () => {
    const s = await setup();
    await established(s);
    s.peer.conns.at(-1)!.resetAndDestroy();
    await until(s.m, () => s.d.sr() === SR.CLOSED, 'CLOSED');
    expect(s.d.ir() & SNIR_DISCON).toBe(SNIR_DISCON);
  });

  it('fault drop and reset act like a peer FIN and RST', async () => {
    const s = await setup();
    await established(s);
    s.m.faults.dropConnection(0);
    await until(s.m, () => s.d.sr() === SR.CLOSE_WAIT, 'CLOSE_WAIT');
    command(s.m, 0, CMD.CLOSE);
    await established(s);
    s.m.faults.resetConnection(0);
    await until(s.m, () => s.d.sr() === SR.CLOSED, 'CLOSED');
  });

  it('connection refused (RST to SYN) → CLOSED', async () => {
    const s = await setup();
    s.m.addressMap.add('192.168.1.11:1883', '127.0.0.1:1'); // nothing listens on port 1
    s.d.openTcp();
    s.d.connect([192, 168, 1, 11], 1883);
    await until(s.m, () => s.d.sr() === SR.CLOSED, 'CLOSED');
  });

  it('black hole: unacknowledged data times out after TCPTO (31.8 s default) in virtual time', async () => {
    const s = await setup();
    await established(s);
    s.m.faults.blackHole(0);
    s.d.send(new Uint8Array(10));
    s.clock.advance(31_799);
    s.m.poll();
    expect(s.d.sr()).toBe(SR.ESTABLISHED);
    expect(s.m.nextDeadline()).toBe(31_800);
    s.clock.advance(1);
    expect(s.d.sr()).toBe(SR.CLOSED);
    expect(s.d.ir() & SNIR_TIMEOUT).toBe(SNIR_TIMEOUT);
  });

  it('delay: received data appears only after the delay in virtual time', async () => {
    const s = await setup();
    await established(s);
    s.m.faults.delay(0, 500);
    s.peer.conns.at(-1)!.write('late');
    await until(s.m, () => s.m.nextDeadline() >= 0, 'data queued');
    expect(s.d.stable16(SN.RX_RSR)).toBe(0);
    s.clock.advance(500);
    expect(new TextDecoder().decode(s.d.recv())).toBe('late');
  });

  it('link down: PHY LNK=0, data is held and the connection times out; connects fail with ARPTO', async () => {
    const s = await setup();
    await established(s);
    s.m.faults.linkDown();
    s.d.send(new Uint8Array(5));
    s.clock.advance(31_800);
    expect(s.d.sr()).toBe(SR.CLOSED);
    expect(total(s.peer)).toBe(0);
    s.d.clearIr();
    s.d.openTcp();
    s.d.connect([192, 168, 1, 10], 1883);
    s.clock.advance(1800);
    expect(s.d.sr()).toBe(SR.CLOSED);
    expect(s.d.ir() & SNIR_TIMEOUT).toBe(SNIR_TIMEOUT);
    s.m.faults.linkUp();
    s.d.clearIr();
    await established(s);
  });

  it('link down briefly: held data goes out when the cable is back, nothing lost', async () => {
    const s = await setup();
    await established(s);
    s.m.faults.linkDown();
    s.d.send(new TextEncoder().encode('abc'));
    s.clock.advance(5000);
    s.m.faults.linkUp();
    await until(s.m, () => total(s.peer) === 3, 'held data');
    expect(s.d.sr()).toBe(SR.ESTABLISHED);
  });

  it('SEND_KEEP probes an idle connection: unanswered (black hole) it times out after TCPTO', async () => {
    const s = await setup();
    await established(s);
    command(s.m, 0, CMD.SEND_KEEP); // a healthy peer answers: nothing changes
    s.clock.advance(40_000);
    expect(s.d.sr()).toBe(SR.ESTABLISHED);
    s.m.faults.blackHole(0);
    command(s.m, 0, CMD.SEND_KEEP);
    s.clock.advance(31_800);
    expect(s.d.sr()).toBe(SR.CLOSED);
    expect(s.d.ir() & SNIR_TIMEOUT).toBe(SNIR_TIMEOUT);
  });

  it('chip reset drops connections and forgets everything', async () => {
    const s = await setup();
    await established(s);
    s.m.faults.chipReset();
    expect(s.d.sr()).toBe(SR.CLOSED);
    await until(s.m, () => s.peer.fins > 0, 'peer to see the end');
  });
});

describe('W5500 TCP server (LISTEN)', () => {
  it('accepts a real inbound connection and reports the peer in DIPR/DPORT', async () => {
    const clock = new VirtualClock();
    const m = new W5500({ clock: clock.now });
    cleanup.push(() => m.close());
    const d = new TestDriver(m, 1);
    d.openTcp(8080);
    command(m, 1, CMD.LISTEN);
    expect(d.sr()).toBe(SR.LISTEN);
    await until(m, () => m.listenPort(1) !== undefined, 'listener');
    const client = netConnect(m.listenPort(1)!, '127.0.0.1');
    cleanup.push(() => { client.destroy(); });
    const got: Buffer[] = [];
    client.on('data', (b) => got.push(b));
    await until(m, () => d.sr() === SR.ESTABLISHED, 'ESTABLISHED');
    expect(Array.from(m.read(SN.DIPR, d.b, 4))).toEqual([127, 0, 0, 1]);
    expect(r16(m, d.b, SN.DPORT)).toBe(client.localPort);
    client.write('ping');
    await until(m, () => d.stable16(SN.RX_RSR) === 4, 'ping');
    expect(new TextDecoder().decode(d.recv())).toBe('ping');
    d.send(new TextEncoder().encode('pong'));
    await until(m, () => got.length > 0, 'pong');
    expect(Buffer.concat(got).toString()).toBe('pong');
  });
});

describe('W5500 UDP', () => {
  it('sendto goes through dgram; recvfrom sees the 8-byte header (IP, port, length)', async () => {
    const peer = createSocket('udp4');
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => peer.close(() => r())));
    const peerPort = peer.address().port;
    const clock = new VirtualClock();
    const map = new AddressMap().add('192.168.1.20:5683', `127.0.0.1:${peerPort}`);
    const m = new W5500({ clock: clock.now, addressMap: map });
    cleanup.push(() => m.close());
    const d = new TestDriver(m, 2);
    d.openUdp(4000);
    expect(d.sr()).toBe(SR.UDP);
    const got: Array<{ msg: Buffer; port: number }> = [];
    peer.on('message', (msg, rinfo) => got.push({ msg, port: rinfo.port }));
    d.connect([192, 168, 1, 20], 5683); // sets DIPR/DPORT (the CONNECT command is ignored in UDP mode)
    d.send(new TextEncoder().encode('dgram'));
    await until(m, () => got.length === 1, 'datagram at peer');
    expect(got[0]!.msg.toString()).toBe('dgram');
    peer.send('reply!', got[0]!.port, '127.0.0.1');
    await until(m, () => d.stable16(SN.RX_RSR) > 0, 'datagram at device');
    const rx = d.recv();
    expect(Array.from(rx.subarray(0, 8))).toEqual([192, 168, 1, 20, 0x16, 0x33, 0, 6]);
    expect(new TextDecoder().decode(rx.subarray(8))).toBe('reply!');
  });

  it('SEND_MAC skips ARP: an unmapped destination still gets SENDOK, no timeout', async () => {
    const clock = new VirtualClock();
    const m = new W5500({ clock: clock.now });
    cleanup.push(() => m.close());
    const d = new TestDriver(m, 0);
    d.openUdp(4000);
    d.connect([10, 1, 2, 3], 9);
    m.write(SN.DHAR, d.b, Uint8Array.of(2, 0, 0, 0, 0, 9));
    const wr = r16(m, d.b, SN.TX_WR);
    m.write(wr, 2, Uint8Array.of(1, 2, 3));
    m.write(SN.TX_WR, d.b, Uint8Array.of(((wr + 3) >> 8) & 0xff, (wr + 3) & 0xff));
    command(m, 0, CMD.SEND_MAC);
    clock.advance(5000);
    expect(d.ir()).toBe(SNIR_SENDOK);
    expect(d.sr()).toBe(SR.UDP);
  });

  it('sendto an unmapped address times out after ARPTO and the socket stays open', async () => {
    const clock = new VirtualClock();
    const m = new W5500({ clock: clock.now });
    cleanup.push(() => m.close());
    const d = new TestDriver(m, 0);
    d.openUdp(4000);
    d.connect([10, 1, 2, 3], 9);
    d.send(new Uint8Array(4));
    clock.advance(1800);
    expect(d.ir() & SNIR_TIMEOUT).toBe(SNIR_TIMEOUT);
    expect(d.sr()).toBe(SR.UDP);
    // UIPR/UPORTR belong to ICMP port unreachable, not to an ARP timeout
    expect(Array.from(m.read(COMMON.UIPR, 0, 6))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(m.read(COMMON.IR, 0, 1)[0]! & IR_UNREACH).toBe(0);
  });

  it('sendto a closed port of a reachable host: ICMP port unreachable raises IR.UNREACH with UIPR/UPORTR', async () => {
    const closed = createSocket('udp4'); // bind, note the port, close: nothing listens there
    await new Promise<void>((r) => closed.bind(0, '127.0.0.1', r));
    const port = closed.address().port;
    await new Promise<void>((r) => closed.close(() => r()));
    const clock = new VirtualClock();
    const m = new W5500({ clock: clock.now, addressMap: new AddressMap().add('10.1.2.3:53', `127.0.0.1:${port}`) });
    cleanup.push(() => m.close());
    const d = new TestDriver(m, 1);
    d.openUdp(4000);
    d.connect([10, 1, 2, 3], 53);
    d.send(new Uint8Array(4));
    expect(d.ir() & SNIR_SENDOK).toBe(SNIR_SENDOK);
    await until(m, () => (m.read(COMMON.IR, 0, 1)[0]! & IR_UNREACH) !== 0, 'IR.UNREACH');
    expect(Array.from(m.read(COMMON.UIPR, 0, 6))).toEqual([10, 1, 2, 3, 0, 53]);
    expect(d.sr()).toBe(SR.UDP); // the socket stays open
    expect(d.ir() & SNIR_TIMEOUT).toBe(0);
  });
});

async function establishedWith4k(s: Awaited<ReturnType<typeof setup>>) {
  w8(s.m, s.d.b, SN.TXBUF_SIZE, 4);
  w8(s.m, s.d.b, SN.RXBUF_SIZE, 4);
  await established(s);
}
