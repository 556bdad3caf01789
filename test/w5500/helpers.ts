// Small helpers for W5500 tests: a virtual clock and register access through whole SPI frames.
import { createServer, type Server, type Socket } from 'node:net';
import { W5500, socketRegBlock, socketRxBlock, socketTxBlock, SN, CMD } from '../../host-tools/sim/w5500/index.ts';

export class VirtualClock {
  ms = 0;
  readonly now = (): number => this.ms;
  advance(ms: number): void { this.ms += ms; }
}

/** A TCP server on 127.0.0.1: the far end of the model's sockets. Nagle stays on (Node's
 * default): no-delayed-ack.test.ts relies on it. */
export interface TcpPeer {
  server: Server; port: number; conns: Socket[];
  /** Every chunk received, in order, over all connections. */
  received: Buffer[];
  /** FINs heard (the chip's side closing). */
  fins: number;
}

/** Starts a TcpPeer; `onData` answers each arrival (default: nothing). */
export async function startTcpPeer(onData: (s: Socket) => void = () => {}): Promise<TcpPeer> {
  const peer: TcpPeer = { server: createServer(), port: 0, conns: [], received: [], fins: 0 };
  peer.server.on('connection', (s) => {
    peer.conns.push(s);
    s.on('data', (d) => { peer.received.push(d); onData(s); });
    s.on('end', () => { peer.fins++; });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => peer.server.listen(0, '127.0.0.1', r));
  peer.port = (peer.server.address() as { port: number }).port;
  return peer;
}

export function r8(m: W5500, block: number, addr: number): number { return m.read(addr, block, 1)[0]!; }
export function r16(m: W5500, block: number, addr: number): number {
  const b = m.read(addr, block, 2);
  return (b[0]! << 8) | b[1]!;
}
export function w8(m: W5500, block: number, addr: number, v: number): void { m.write(addr, block, Uint8Array.of(v)); }
export function w16(
  m: W5500, block: number, addr: number, v: number): void { m.write(addr, block, Uint8Array.of(v >> 8, v & 0xff)); }

/**
 * Issue a socket command and wait like WIZnet's driver does: spin on Sn_CR, then (Sn_SR lags the
 * command) for OPEN until Sn_SR leaves CLOSED, for CLOSE until it reads CLOSED, for the other
 * state-changing commands until it differs from before.
 */
export function command(m: W5500, sn: number, cmd: number): void {
  const b = socketRegBlock(sn);
  const before = r8(m, b, SN.SR);
  w8(m, b, SN.CR, cmd);
  for (let i = 0; i < 100 && r8(m, b, SN.CR) !== 0; i++);
  const settled = (sr: number) => cmd === CMD.OPEN ? sr !== 0 : cmd === CMD.CLOSE ? sr === 0
    : cmd === CMD.CONNECT || cmd === CMD.LISTEN || cmd === CMD.DISCON ? sr !== before : true;
  for (let i = 0; i < 20 && !settled(r8(m, b, SN.SR)); i++);
}

/** Poll until `cond` holds, waiting for network events in between (no sleeps). */
export async function until(m: W5500, cond: () => boolean, what: string, maxEvents = 200): Promise<void> {
  for (let i = 0; i < maxEvents; i++) {
    m.poll();
    if (cond()) return;
    await Promise.race([m.waitForInput(), m.settled().then(() => new Promise<void>((r) => setImmediate(r)))]);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export { CMD };

/** A minimal ioLibrary-style host driver in TypeScript, for exercising the model in tests. */
export class TestDriver {
  constructor(readonly m: W5500, readonly sn: number) {}
  get b(): number { return socketRegBlock(this.sn); }
  sr(): number { return r8(this.m, this.b, SN.SR); }
  ir(): number { return r8(this.m, this.b, SN.IR); }
  clearIr(bits = 0xff): void { w8(this.m, this.b, SN.IR, bits); }
  /** 16-bit register read until two reads agree (datasheet recommendation). */
  stable16(addr: number): number {
    for (;;) {
      const a = r16(this.m, this.b, addr);
      const b = r16(this.m, this.b, addr);
      if (a === b) return a;
    }
  }
  /** `mr`: Sn_MR, TCP (0x01) with any flags, e.g. 0x21 with ND. */
  openTcp(port = 50000, mr = 0x01): void {
    w8(this.m, this.b, SN.MR, mr);
    w16(this.m, this.b, SN.PORT, port);
    command(this.m, this.sn, CMD.OPEN);
  }
  openUdp(port: number): void {
    w8(this.m, this.b, SN.MR, 0x02);
    w16(this.m, this.b, SN.PORT, port);
    command(this.m, this.sn, CMD.OPEN);
  }
  connect(ip: number[], port: number): void {
    this.m.write(SN.DIPR, this.b, Uint8Array.of(...ip, port >> 8, port & 0xff));
    command(this.m, this.sn, CMD.CONNECT);
  }
  /** Copy data into the TX buffer at TX_WR and SEND it; returns false if it does not fit. */
  send(data: Uint8Array): boolean {
    if (this.stable16(SN.TX_FSR) < data.length) return false;
    const wr = r16(this.m, this.b, SN.TX_WR);
    this.m.write(wr, socketTxBlock(this.sn), data);
    w16(this.m, this.b, SN.TX_WR, (wr + data.length) & 0xffff);
    command(this.m, this.sn, CMD.SEND);
    return true;
  }
  /** Read everything received so far, release it with RECV. */
  recv(): Uint8Array {
    const n = this.stable16(SN.RX_RSR);
    if (n === 0) return new Uint8Array(0);
    const rd = r16(this.m, this.b, SN.RX_RD);
    const data = this.m.read(rd, socketRxBlock(this.sn), n);
    w16(this.m, this.b, SN.RX_RD, (rd + n) & 0xffff);
    command(this.m, this.sn, CMD.RECV);
    return data;
  }
}
