// The store's on-media format, read independently of the core (docs/mqtt-core.md, "Store
// format"), for the tests that check or rewrite the images the core writes: a group header
// ("WQS1", sequence, CRC) then records `u8 type, u8 0, u16 len, payload, pad to even, u16 tail`,
// the tail a CRC-16 in the flash and 0 in the retained RAM log.

export const GROUP_MAGIC = 0x31535157; // "WQS1"
export const HEADER_BYTES = 12;
export const MARKED = 0x40;
export const DEAD = 0;

/** CRC-16/CCITT-FALSE one bit at a time (poly 0x1021, MSB first, no reflection, no final xor). */
export function crc16Ref(bytes: Uint8Array, crc = 0xffff): number {
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = (crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1) & 0xffff;
  }
  return crc;
}

/** A record's bytes on the media: 6 + its payload padded to even. */
export const recordSize = (len: number): number => 6 + ((len + 1) & ~1);

/** The CRC the format gives the record at `at` (type..payload; a MARKED record's last payload
 * half-word, its mark, counted as 0xFFFF whatever it holds), from its own type and length. */
export function recordCrcRef(area: Uint8Array, at: number, type = area[at]!): number {
  const len = area[at + 2]! | area[at + 3]! << 8;
  const covered = Uint8Array.from(area.subarray(at, at + 4 + len));
  covered[0] = type;
  if ((type & MARKED) !== 0 && len >= 2) covered.fill(0xff, 4 + len - 2);
  return crc16Ref(covered);
}

/** The groups of a store area of two page groups that hold a header (their offsets). */
export function headedGroups(area: Uint8Array): number[] {
  const dv = new DataView(area.buffer, area.byteOffset, area.byteLength);
  const group = area.length >> 1;
  return [0, group].filter((base) => dv.getUint32(base, true) === GROUP_MAGIC);
}

/** The records of the group at `base`, up to its erased end; a record whose length runs past the
 * group is yielded as it is, for the caller to judge. */
export function* groupRecords(area: Uint8Array, base: number):
    Generator<{ at: number; type: number; len: number; size: number }> {
  const end = base + (area.length >> 1);
  for (let at = base + HEADER_BYTES; at + 6 <= end && (area[at]! | area[at + 1]! << 8) !== 0xffff;) {
    const len = area[at + 2]! | area[at + 3]! << 8;
    const size = recordSize(len);
    yield { at, type: area[at]!, len, size };
    at += size;
  }
}
