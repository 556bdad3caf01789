// A TCP relay between a device and its broker that can hold back one kind of MQTT packet on its
// way from the broker to the device. A power cut "between PUBREC and PUBCOMP" cannot be timed
// from the console on a real or virtual board (the broker's PUBCOMP comes back within a
// millisecond, long before the host has read the PUBREC line); holding PUBCOMP makes that
// window as wide as the scenario needs. Held packets are dropped with their connection.
import { createServer, connect, type Server, type Socket } from 'node:net';

/** Splits a byte stream into whole MQTT packets (fixed header, remaining length, body). */
export class MqttFramer {
  private buf: Buffer = Buffer.alloc(0);

  /**
   * Appends bytes; returns the packets now complete, in order. A malformed length passes the rest through as one chunk.
   */
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      let len = 0, mul = 1, i = 1;
      for (; i < this.buf.length && i <= 4; i++) {
        const b = this.buf[i]!;
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) break;
      }
      // not MQTT framing: do not hold anything
      if (i > 4) { out.push(this.buf); this.buf = Buffer.alloc(0); return out; }
      if (i >= this.buf.length || this.buf.length < i + 1 + len) return out;
      out.push(this.buf.subarray(0, i + 1 + len));
      this.buf = this.buf.subarray(i + 1 + len);
    }
  }
}

/** One relayed connection and the broker → device packets held back on it. */
interface Link { client: Socket; upstream: Socket; held: Buffer[] }

export class HoldRelay {
  private server: Server | undefined;
  private readonly links = new Set<Link>();
  /** MQTT packet type (e.g. 7 = PUBCOMP) currently held on the broker → device side, or 0. */
  private holdType = 0;
  port = 0;

  constructor(private readonly targetHost: string, private readonly targetPort: number) {}

  get url(): string { return `mqtt://127.0.0.1:${this.port}`; }

  /** How many packets are being held now. */
  get held(): number {
    let n = 0;
    for (const l of this.links) n += l.held.length;
    return n;
  }

  /** Holds every broker → device packet of `type` until release() (or until its connection drops). */
  hold(type: number): void { this.holdType = type; }

  /** Stops holding; packets held so far on live connections are delivered in order. */
  release(): void {
    this.holdType = 0;
    for (const l of this.links) for (const pkt of l.held.splice(0)) l.client.write(pkt);
  }

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const link: Link = { client, upstream: connect({ host: this.targetHost, port: this.targetPort }), held: [] };
      this.links.add(link);
      const framer = new MqttFramer();
      const drop = (): void => { client.destroy(); link.upstream.destroy(); this.links.delete(link); };
      for (const s of [client, link.upstream]) { s.on('error', drop); s.on('close', drop); }
      client.pipe(link.upstream);
      link.upstream.on('data', (chunk: Buffer) => {
        for (const pkt of framer.push(chunk)) {
          // Once one packet is held, later ones queue behind it: the device sees the broker's order.
          if (link.held.length > 0 || (this.holdType !== 0 && pkt[0]! >> 4 === this.holdType)) link.held.push(pkt);
          else client.write(pkt);
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
  }

  async close(): Promise<void> {
    for (const l of this.links) { l.client.destroy(); l.upstream.destroy(); }
    this.links.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
