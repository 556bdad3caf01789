// A scripted, possibly hostile MQTT "broker" for tests: a plain TCP server that decodes what
// the device sends (mqtt-packet) and answers whatever bytes the test tells it to, including
// malformed ones. Each accepted connection is recorded with its packets and how it ended.
import { createServer, type Server, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import mqttPacket, { type Packet } from 'mqtt-packet';

export interface FakeConn {
  id: number;
  socket: Socket;
  packets: Packet[];
  /** Resolves when the device closes (FIN or reset) this connection. */
  closed: Promise<void>;
  isClosed: boolean;
  send(bytes: number[] | Buffer): void;
  /**
   * Resolves with the next packet of type `cmd` received on this connection (or one already received after index
   * `from`).
   */
  next(cmd: string, from?: number): Promise<Packet>;
}

export class FakeBroker extends EventEmitter {
  port = 0;
  readonly conns: FakeConn[] = [];
  /** Answer CONNECT with CONNACK 0 automatically (default true). */
  autoConnack = true;
  private server: Server | null = null;

  static async start(): Promise<FakeBroker> {
    const b = new FakeBroker();
    b.server = createServer((s) => b.accept(s));
    await new Promise<void>((r) => b.server!.listen(0, '127.0.0.1', () => r()));
    const a = b.server.address();
    b.port = typeof a === 'object' && a ? a.port : 0;
    return b;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Resolves with connection number n (1-based) once it is accepted and its CONNECT arrived. */
  async connection(n: number): Promise<FakeConn> {
    while (this.conns.length < n) await new Promise((r) => this.once('connection', r));
    const c = this.conns[n - 1]!;
    await c.next('connect', 0);
    return c;
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.socket.destroy();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const events = new EventEmitter();
    let resolveClosed!: () => void;
    const conn: FakeConn = {
      id: this.conns.length + 1,
      socket,
      packets: [],
      closed: new Promise<void>((r) => { resolveClosed = r; }),
      isClosed: false,
      send: (bytes) => { if (!socket.destroyed) socket.write(Buffer.from(bytes)); },
      next: (cmd, from) => {
        const start = from ?? conn.packets.length;
        const have = conn.packets.slice(start).find((p) => p.cmd === cmd);
        if (have) return Promise.resolve(have);
        return new Promise((resolve, reject) => {
          const on = (p: Packet) => { if (p.cmd === cmd) { events.off('packet', on); resolve(p); } };
          events.on('packet', on);
          conn.closed.then(() => {
            events.off('packet', on);
            reject(new Error(`connection ${conn.id} closed before a ${cmd.toUpperCase()} arrived`));
          });
        });
      },
    };
    // Unhandled rejections from next() promises nobody awaits any more must not fail the run.
    parser.on('packet', (p: Packet) => {
      conn.packets.push(p);
      if (p.cmd === 'connect' && this.autoConnack) conn.send([0x20, 0x02, 0x00, 0x00]);
      events.emit('packet', p);
      this.emit('packet', conn, p);
    });
    parser.on('error', (e: Error) => this.emit('parseError', conn, e));
    socket.on('data', (d: Buffer) => parser.parse(d));
    const done = () => { if (!conn.isClosed) { conn.isClosed = true; resolveClosed(); } };
    socket.on('end', () => { done(); socket.end(); });
    socket.on('close', done);
    socket.on('error', done);
    this.conns.push(conn);
    this.emit('connection', conn);
  }
}
