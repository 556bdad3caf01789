// A packet trace between the device and the broker, as the ladder diagram draws it. Entries
// come from the device's TRACE events (one per MQTT packet sent or received), so the same
// trace works for NodeDevice, the virtual board and a real board's console.

export type Side = 'device' | 'broker';

export interface TraceEntry {
  /** ms since the scenario started */
  t: number;
  /** who sent the packet */
  from: Side;
  /** packet name: PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, CONNECT, ... */
  packet: string;
  packetId?: number;
  qos?: number;
  dup?: boolean;
  /** a marker on the diagram instead of an arrow (power cut, link down, broker restart) */
  note?: string;
}

export class TraceRecorder {
  readonly entries: TraceEntry[] = [];
  private readonly t0: number;

  constructor(private readonly now: () => number = Date.now) {
    this.t0 = now();
  }

  packet(from: Side, packet: string, extra: Omit<TraceEntry, 't' | 'from' | 'packet'> = {}): void {
    this.entries.push({ t: this.now() - this.t0, from, packet, ...extra });
  }

  /** A marker across both lifelines (e.g. "power cut"). */
  note(text: string): void {
    this.entries.push({ t: this.now() - this.t0, from: 'device', packet: '', note: text });
  }
}
