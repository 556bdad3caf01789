// A TCP relay between a device and its broker that can take the "link" down and up, as
// pulling the Ethernet cable would: down closes every relayed connection and refuses new
// ones until up. Used for devices whose network the runner owns (NodeDevice).
import { createServer, connect, type Server, type Socket } from 'node:net';

export class LinkRelay {
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  port = 0;

  constructor(private targetHost: string, private targetPort: number, private linkUp = true) {}

  /** Points new connections at another broker (existing ones are closed). */
  retarget(host: string, port: number): void {
    this.targetHost = host;
    this.targetPort = port;
    for (const [a, b] of this.pairs) { a.destroy(); b.destroy(); }
    this.pairs.clear();
  }

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (!this.linkUp) { client.destroy(); return; }
      const upstream = connect({ host: this.targetHost, port: this.targetPort });
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      const drop = (): void => { client.destroy(); upstream.destroy(); this.pairs.delete(pair); };
      client.on('error', drop);
      upstream.on('error', drop);
      client.on('close', drop);
      upstream.on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Cable out: both sides see the connection end (FIN), new connections are refused. */
  down(): void {
    this.linkUp = false;
    for (const [a, b] of this.pairs) { a.end(); b.end(); a.destroySoon(); b.destroySoon(); }
    this.pairs.clear();
  }

  up(): void {
    this.linkUp = true;
  }

  async stop(): Promise<void> {
    this.down();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
