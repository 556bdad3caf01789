// An in-process aedes broker on a free loopback port whose socket traffic is decoded packet by
// packet, so the demo can show the broker's side of every flow next to the device's.
import { createServer, type Server, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import mqttPacket, { type Packet } from 'mqtt-packet';

export interface BrokerPacket {
  /** 'in': the broker received it; 'out': the broker sent it. */
  dir: 'in' | 'out';
  clientPort: number;
  packet: Packet;
}

export class DemoBroker extends EventEmitter {
  port = 0;
  private constructor(readonly aedes: Aedes, private readonly server: Server) {
    super();
  }

  static async start(): Promise<DemoBroker> {
    const aedes = await Aedes.createBroker();
    let self: DemoBroker | null = null;
    const server = createServer((socket: Socket) => {
      const clientPort = socket.remotePort ?? 0;
      const inbound = mqttPacket.parser({ protocolVersion: 4 });
      const outbound = mqttPacket.parser({ protocolVersion: 4 });
      inbound.on(
        'packet', (packet: Packet) => self?.emit('packet', { dir: 'in', clientPort, packet } satisfies BrokerPacket));
      outbound.on(
        'packet', (packet: Packet) => self?.emit('packet', { dir: 'out', clientPort, packet } satisfies BrokerPacket));
      inbound.on('error', () => {});
      outbound.on('error', () => {});
      // aedes talks to a Duplex that forwards to the socket, so both directions are decoded whole.
      const link = new Duplex({
        write(chunk: Buffer, _enc, cb) {
          outbound.parse(chunk);
          socket.write(chunk, cb);
        },
        read() {},
        final(cb) {
          socket.end();
          cb();
        },
        destroy(err, cb) {
          socket.destroy();
          cb(err);
        },
      });
      socket.on('data', (d: Buffer) => {
        inbound.parse(d);
        link.push(d);
      });
      socket.on('end', () => link.push(null));
      socket.on('close', () => link.destroy());
      socket.on('error', () => link.destroy());
      aedes.handle(link);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    self = new DemoBroker(aedes, server);
    const a = server.address();
    self.port = typeof a === 'object' && a ? a.port : 0;
    return self;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.aedes.close(() => r()));
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
