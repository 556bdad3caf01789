// What a persistent-session client meets when it reconnects to Mosquitto 2.0.11 with a backlog:
// a PUBACK for the head of the in-flight list lets the broker move a whole max_inflight_messages
// (20) from the queue into flight (it counts only the in-flight messages ahead of the one
// acknowledged), so the in-flight set grows far past the limit, and every CONNACK resends all of
// it before the broker reads anything the client sent after CONNECT. The exactly-once fault
// test cuts each connection after 200..3000 bytes: a backlog that grew into such a burst left no
// connection room for the answers to the device's own retransmissions, and the device waited for
// a free slot until the test's time limit. That test therefore bounds the backlog it builds at
// the broker (DEVICE_BACKLOG there); this one pins the broker behaviour down, exactly, so a
// broker that changes it is noticed.
//
// A raw client (mqtt-packet over a socket, no library acks) makes it deterministic: CONNECT then
// PINGREQ in one write; the broker handles them in order, so everything it sends before PINGRESP
// is what it queued on CONNECT.
import { describe, it, expect } from 'vitest';
import { connect as tcpConnect, type Socket } from 'node:net';
import mqtt from 'mqtt';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { startMosquitto } from '../helpers/mosquitto.ts';

const BACKLOG = 300;
const RECONNECTS = 11;
/** exactly-once.test.ts's largest cut budget (WASMQTT_FAULT_CUT_MAX_BYTES' default). */
const CUT_MAX = 3000;
const MAX_INFLIGHT = 20; // Mosquitto's default max_inflight_messages

interface Burst { publishes: number; dups: number; bytes: number; firstMid: number }

/** One raw connection: what the broker sends up to each PINGRESP (or SUBACK) barrier. */
class RawClient {
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });
  private burst: Burst = { publishes: 0, dups: 0, bytes: 0, firstMid: -1 };
  private barrier: (() => void) | null = null;

  private constructor(private readonly sock: Socket) {
    this.parser.on('packet', (p: Packet) => {
      if (p.cmd === 'publish') {
        this.burst.publishes++;
        if (p.dup) this.burst.dups++;
        if (this.burst.firstMid < 0) this.burst.firstMid = p.messageId ?? -1;
      } else if (p.cmd === 'pingresp' || p.cmd === 'suback') {
        const b = this.barrier;
        this.barrier = null;
        b?.();
      }
    });
    sock.on('data', (d) => { this.burst.bytes += d.byteLength; this.parser.parse(d); });
  }

  /** Connects as `clientId` (clean session 0): returns the client and what came before the barrier. */
  static async connect(port: number, clientId: string, subscribe?: string): Promise<{ c: RawClient; burst: Burst }> {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    await new Promise<void>((r, j) => { sock.once('connect', () => r()); sock.once('error', j); });
    const c = new RawClient(sock);
    const connect = mqttPacket.generate(
      { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean: false, keepalive: 0 });
    const sub = subscribe ? mqttPacket.generate(
      { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: subscribe, qos: 1 }] }) : null;
    return { c, burst: await c.send(sub ? [connect, sub] : [connect]) };
  }

  /** Sends `packets` then PINGREQ (unless the last is a SUBSCRIBE); resolves at the answer. */
  send(packets: Buffer[]): Promise<Burst> {
    this.burst = { publishes: 0, dups: 0, bytes: 0, firstMid: -1 };
    const last = packets[packets.length - 1];
    const withBarrier = last && last[0]! >> 4 === 8 ? packets : [...packets, mqttPacket.generate({ cmd: 'pingreq' })];
    return new Promise<Burst>((resolve, reject) => {
      this.barrier = () => resolve(this.burst);
      this.sock.once('close', () => reject(new Error('the broker closed the connection before the barrier')));
      this.sock.write(Buffer.concat(withBarrier));
    });
  }

  puback(mid: number): Buffer { return mqttPacket.generate({ cmd: 'puback', messageId: mid }); }

  /** The link drops: no DISCONNECT. */
  drop(): void { this.sock.removeAllListeners('close'); this.sock.destroy(); }
}

describe('Mosquitto 2.0.11: the reconnect burst of a persistent session with a backlog', () => {
  it(`one PUBACK per connection grows the in-flight set by max_inflight_messages - 1, and every CONNACK resends all ` +
      `of it (backlog ${BACKLOG} QoS 1)`, async () => {
    const broker = await startMosquitto({ extraConfig: ['max_queued_messages 0'] });
    const peer = await mqtt.connectAsync(broker.url, { clientId: 'burst-peer', clean: true, reconnectPeriod: 0 });
    try {
      // The session and its subscription, then offline while the backlog builds.
      (await RawClient.connect(broker.port, 'burst-dev', 'burst/t')).c.drop();
      for (let i = 0; i < BACKLOG; i++) await peer.publishAsync('burst/t', `m${i}`, { qos: 1 }); // PUBACK: queued

      // Reconnect, acknowledge only the first message of the burst, drop the link: as a device
      // whose connection is cut right after its first PUBACK.
      const bursts: number[] = [];
      const promoted: number[] = [];
      let last: Burst | null = null;
      for (let k = 1; k <= RECONNECTS; k++) {
        const { c, burst } = await RawClient.connect(broker.port, 'burst-dev');
        bursts.push(burst.publishes);
        last = burst;
        const after = await c.send([c.puback(burst.firstMid)]);
        promoted.push(after.publishes);
        c.drop();
      }
      // Each PUBACK for the head promotes a whole max_inflight_messages (the correct figure is 1:
      // one left, one may enter), so the in-flight set, and the burst that resends it, grows by
      // 19 per connection.
      const ks = Array.from({ length: RECONNECTS }, (_, i) => i);
      expect(promoted).toEqual(ks.map(() => MAX_INFLIGHT));
      expect(bursts).toEqual(ks.map((i) => MAX_INFLIGHT + (MAX_INFLIGHT - 1) * i)); // 20, 39, 58 ... 210
      expect(last!.dups).toBe(last!.publishes); // all of it sent before: DUP=1
      // Bigger than the exactly-once test's largest cut budget, and every byte of it goes before
      // the broker's answer to anything the client sent after CONNECT.
      expect(last!.bytes).toBeGreaterThan(CUT_MAX);
    } finally {
      await peer.endAsync(true);
      await broker.stop();
    }
  }, 30_000);
});
