// The pad byte of an R_PUBQ record (a queued QoS 1/2 PUBLISH of odd length: [u16 pid][u8 qos]
// [u8 pad count][PUBLISH][pad][u16 mark], docs/mqtt-core.md "Store format") is written 0xFF, as
// storeAppend() pads a record: it is covered by the record's CRC (in the flash), so a byte left
// from whatever the staging buffer held there made the store images of the same traffic differ
// by it and its CRC. Here the same messages are queued after the app left different bytes behind its staged
// message: the flash and the RAM log must come out byte for byte the same, the pad 0xFF.
import { describe, it, expect } from 'vitest';
import { CoreHarness } from './harness.ts';
import { NorStore } from './nor-store.ts';
import { RetainedRam } from '../../host-tools/sim/host/keep.ts';
import { Cfg } from '../../host-tools/sim/host/abi.ts';
import { recordCrcRef } from './store-format.ts';

const TOPIC = 'pad/t';
const PAYLOAD = 'odd-!!'; // a QoS 1 PUBLISH of 2 + 2 + 5 + 2 + 6 = 17 B: odd, one pad byte

/** The offset of the first R_PUBQ record in the group at `base`. */
function firstPubq(bytes: Uint8Array, base: number): number {
  for (let off = base + 12; bytes[off] !== 0xff;) {
    if (bytes[off] === 0x42) return off;
    off += 6 + ((bytes[off + 2]! | bytes[off + 3]! << 8) + 1 & ~1);
  }
  throw new Error('no R_PUBQ record');
}

/** Stages `filler` after the message's bytes, then publishes the message: what the core finds
 * behind the packet in its staging buffer is the app's leftover `filler`. */
function publishOver(h: CoreHarness, topic: string, payload: string, filler: number): number {
  const t = new TextEncoder().encode(topic), p = new TextEncoder().encode(payload);
  const b = new Uint8Array(t.length + p.length + 16).fill(filler);
  b.set(t); b.set(p, t.length);
  h.stage(b);
  return h.x.wq_publish(t.length, p.length, 1);
}

/** The record of the R_PUBQ at `off` (the store's or the RAM log's bytes): its pad byte, its last
 * half-word, and whether that is its CRC (type..payload, the mark counted as 0xFFFF; a RAM-log
 * record has 0 there instead). */
function pubq(bytes: Uint8Array, off: number): { pad: number; crcOk: boolean; stored: number; odd: boolean } {
  expect(bytes[off]).toBe(0x42); // R_PUBQ
  const len = bytes[off + 2]! | bytes[off + 3]! << 8;
  const odd = bytes[off + 7]! === 1; // the pad count
  const crc = recordCrcRef(bytes, off); // the mark counted as 0xFFFF
  const stored = bytes[off + 4 + len + (len & 1)]! | bytes[off + 5 + len + (len & 1)]! << 8;
  return { pad: bytes[off + 4 + len - 3]!, crcOk: crc === stored, stored, odd };
}

describe('R_PUBQ pad byte', () => {
  it('is 0xFF in the flash (offline queue), whatever the staging buffer held', () => {
    const images = [0x00, 0xa5].map((filler) => {
      const store = new NorStore(4096, 1024);
      const h = CoreHarness.started(store);
      // not connected: each QoS 1 message is queued in the flash as an R_PUBQ
      expect(publishOver(h, TOPIC, PAYLOAD, filler)).toBeGreaterThan(0);
      expect(publishOver(h, TOPIC, PAYLOAD + 'x', filler)).toBeGreaterThan(0); // even: no pad
      return store.bytes;
    });
    expect(Buffer.from(images[1]!).equals(Buffer.from(images[0]!))).toBe(true);
    const r = pubq(images[0]!, firstPubq(images[0]!, 0));
    expect(r.odd).toBe(true);
    expect(r.pad).toBe(0xff);
    expect(r.crcOk).toBe(true);
  });

  it('is 0xFF in the RAM log (queued behind a full window)', () => {
    const images = [0x00, 0x5a].map((filler) => {
      const store = new NorStore(4096, 1024);
      const keep = new RetainedRam(512);
      const h = CoreHarness.started(store, undefined, (c) => { c.config(Cfg.WINDOW, 1); }, keep);
      h.connect();
      expect(publishOver(h, TOPIC, PAYLOAD + 'x', filler)).toBeGreaterThan(0); // sent: the window is full
      expect(publishOver(h, TOPIC, PAYLOAD, filler)).toBeGreaterThan(0);       // queued in the RAM log
      return { flash: store.bytes, keep: keep.bytes };
    });
    expect(Buffer.from(images[1]!.keep).equals(Buffer.from(images[0]!.keep))).toBe(true);
    expect(Buffer.from(images[1]!.flash).equals(Buffer.from(images[0]!.flash))).toBe(true);
    const r = pubq(images[0]!.keep, firstPubq(images[0]!.keep, 0));
    expect(r.odd).toBe(true);
    expect(r.pad).toBe(0xff);
    expect(r.stored).toBe(0);
  });
});
