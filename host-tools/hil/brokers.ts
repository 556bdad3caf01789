// Brokers the HIL runner can use: a Mosquitto it starts itself (so it can restart it with
// persistence), any broker by URL, and a scripted hostile broker for refusal and
// malformed-packet scenarios.
import { createServer, type Server, type Socket } from 'node:net';
import { startMosquitto } from '../broker/mosquitto.ts';
import { UserError } from '../config/load.ts';

export interface BrokerHandle {
  url: string;
  description: string;
  /** Present when the runner controls the broker process. */
  restart?: () => Promise<void>;
  stop(): Promise<void>;
}

/** Starts Debian's Mosquitto on a free loopback port with persistence (for broker restarts). */
export async function startManagedMosquitto(): Promise<BrokerHandle> {
  const broker = await startMosquitto({
    persistence: true,
    extraConfig: ['autosave_interval 1', 'max_inflight_messages 0'],
  });
  return {
    url: broker.url,
    description: `Mosquitto (started by the runner, 127.0.0.1:${broker.port}, persistence on)`,
    restart: () => broker.restart(),
    stop: () => broker.stop(),
  };
}

export function externalBroker(url: string): BrokerHandle {
  if (!/^mqtts?:\/\/[^/]+$/.test(url)) throw new UserError(`--broker ${url} is not a broker URL; use mqtt://HOST:PORT`);
  return { url, description: url, stop: async () => {} };
}

export interface HostileOptions {
  /** CONNACK return code to answer CONNECT with (0 accepts). */
  connackCode: number;
  /** Bytes sent right after an accepting CONNACK (a malformed packet). */
  afterConnack?: Buffer;
}

/**
 * A scripted broker on loopback: answers CONNECT with the configured CONNACK and, if asked,
 * sends malformed bytes. Records whether the device closed the connection itself.
 */
export class HostileBroker {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  connections = 0;
  closedByDevice = 0;
  port = 0;

  constructor(private readonly opts: HostileOptions) {}

  async start(): Promise<void> {
    this.server = createServer((sock) => {
      this.connections++;
      this.sockets.add(sock);
      let answered = false;
      let weClosed = false;
      let counted = false;
      const deviceClosed = (): void => { if (!weClosed && !counted) { counted = true; this.closedByDevice++; } };
      sock.on('data', (d) => {
        // The first byte 0x10 is CONNECT; the rest of the packet does not matter here.
        if (answered || d[0] !== 0x10) return;
        answered = true;
        sock.write(Buffer.from([0x20, 0x02, 0x00, this.opts.connackCode]));
        if (this.opts.connackCode !== 0) { weClosed = true; sock.end(); return; }
        if (this.opts.afterConnack) sock.write(this.opts.afterConnack);
      });
      sock.on('end', () => { deviceClosed(); sock.end(); });
      sock.on('error', deviceClosed);
      sock.on('close', () => this.sockets.delete(sock));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    const a = this.server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
