// Log-structured store on NOR flash (board store_* imports).
//
// The area is split into two page groups used ping-pong. A group starts with a 12-byte header
// [u32 magic "WQS1"][u32 sequence][u16 crc16 of the 8 bytes][u16 0] and holds records
// [u8 type][u8 0][u16 len][len bytes][pad to even][u16 crc16 of type..payload] appended from
// offset 12. The active group is the one with a valid header and the higher sequence.
// A record whose first half-word reads 0xFFFF ends the log; a record with a bad CRC or an
// impossible length (torn by a power cut) also ends it and marks the log dirty, so the next
// append first compacts. Compaction erases the other group, copies the live records there and
// writes that group's header LAST: a cut during compaction leaves the old group active.
// A record type with bit 0x40 (MARKED) ends its payload with a mark half-word kept out of the
// CRC (counted as 0xFFFF): it is written 0xFFFF and later flipped to 0x0000 by one half-word
// program (storeMark), so a state change needs no new record.
//
// Two tiers share this code: the flash store, and the retained RAM log (board keep_* imports:
// SRAM that survives a system reset but not a power cut), one group per half of it, the same
// header and records (the header's magic and CRC tell a log from power-on noise), except that a
// RAM-log record ends in 0 instead of its CRC: it is written in one forward copy, so that
// half-word is written last and commits it (a reset tearing the copy leaves it erased), and RAM
// keeps what was written (a spill to the flash computes the CRC there: compactCopy). A RAM-tier
// offset has the KEEP bit set, so reads, writes and marks find their tier from the offset alone;
// appends, compaction and replay work on the tier useTier() selected (the flash, by default). A
// selection stays until the next useTier(): whoever reads a tier's state (groupSize, storeUsed)
// or appends selects that tier first, so a run of RAM-log appends swaps nothing.
import { store_size, store_page_size, store_read, store_write, store_erase, keep_size, keep_read, keep_write } from "../api/board";
import { ERR_NO_STORE, ERR_STORE_IO, ERR_QUEUE_FULL } from "../api/abi";

const MAGIC: u32 = 0x31535157; // "WQS1" little-endian
export const HDR: u32 = 12;
const CHUNK: i32 = 64;
const scratch: usize = memory.data(CHUNK + 16);
const FFFF: usize = memory.data<u16>([0xffff, 0]);
/** Record type 0, in the RAM log only: a record retired in place (storeMark over its first
 * half-word, the type byte and its 0), skipped by replay and never copied. */
export const DEAD: i32 = 0;
/** Record-type bit: the payload's last half-word is a mark outside the CRC (see above). */
export const MARKED: i32 = 0x40;
/** Offset bit of the retained RAM tier. */
export const KEEP: u32 = 0x40000000;

export let groupSize: u32 = 0;     // bytes per page group (0 = no usable store)
export let activeBase: u32 = 0;    // offset of the active group
export let writePos: u32 = 0;      // next append offset (absolute)
export let seq: u32 = 0;           // active group's sequence
export let dirty: bool = false;    // a torn record was found: compact before appending
export let compactions: i32 = 0;
let pageSize: u32 = 0;
export let limit: u32 = 0;         // end of the group appends go to
let savedPos: u32 = 0;             // old log end while a compaction runs
/** The tier appends, compaction and replay work on: true = the retained RAM log. */
export let ram: bool = false;
/** The other tier's state while this one is selected (groupSize, activeBase, writePos, seq, dirty). */
const OTHER: usize = memory.data(20);

/** Selects the tier: swaps the store state with the other tier's (never during a compaction,
 * so `limit` follows from the rest and `savedPos` is not needed). Nothing when it is selected. */
export function useTier(r: bool): void {
  if (r == ram) return;
  ram = r;
  let t = OTHER;
  let v = load<u32>(t); store<u32>(t, groupSize); groupSize = v;
  v = load<u32>(t, 4); store<u32>(t, activeBase, 4); activeBase = v;
  v = load<u32>(t, 8); store<u32>(t, writePos, 8); writePos = v;
  v = load<u32>(t, 12); store<u32>(t, seq, 12); seq = v;
  v = load<u32>(t, 16); store<u32>(t, <u32>dirty, 16); dirty = v != 0;
  limit = activeBase + groupSize;
}

function rd(off: u32, dst: usize, len: i32): i32 {
  return (off & KEEP) != 0 ? keep_read(off & ~KEEP, dst, len) : store_read(off, dst, len);
}
function wr(off: u32, src: usize, len: i32): i32 {
  return (off & KEEP) != 0 ? keep_write(off & ~KEEP, src, len) : store_write(off, src, len);
}

// iterator state (storeFirst / storeNext)
export let recType: i32 = 0;
export let recOff: u32 = 0;        // record start
export let recLen: i32 = 0;        // payload length; payload at recOff + 4

/** The CRC's start value 0xFFFF, as -1: only the low 16 bits count (see crc16), and -1 is one
 * byte of code where 0xFFFF is three. */
const CRC_START: i32 = -1;
/** crc16(CRC_START) over the 4 magic bytes: a group header's CRC starts from it (its magic is
 * checked or written first), 4 bytes fewer through the CRC loop a header (one a compaction). A
 * test checks it against crc16 (test/core/store-crc.test.ts). */
const CRC_MAGIC: i32 = 0xb4b6;

/**
 * CRC-16/CCITT-FALSE (poly 0x1021; the caller passes CRC_START to start) over len >= 1 bytes at
 * p, continuing from `crc`. A byte a round: it runs over the flash's records and the group
 * headers only (the RAM log's records carry none: storeAppend), so the two-bytes-a-round form
 * (sessions 11-16, 80 B more of core.wasm) no longer pays on the publish path. */
export function crc16(crc: i32, p: usize, len: i32): i32 {
  let c = crc << 16;
  let end = p + <usize>len;
  do c = crcByte(c, <i32>load<u8>(p)); while (++p < end);
  return c >>> 16;
}
/** One byte without a table: with x = the byte xor the CRC's high byte, and x ^= x >> 4, the
 * polynomial's multiples reduce to x ^ x << 5 ^ x << 12. The CRC runs in the high half of `c`,
 * so the left shift itself drops the byte that leaves it and the high byte is `c >>> 24` with
 * no mask (this runs over every byte the store writes). */
@inline function crcByte(c: i32, b: i32): i32 {
  let x = (c >>> 24) ^ b;
  x ^= x >> 4;
  return (c << 8) ^ (x << 28) ^ (x << 21) ^ (x << 16);
}

/** Bytes a record with a `len`-byte payload occupies. */
export function recordSize(len: i32): u32 { return sizeOfRecord(len); }
/** recordSize() inlined, for the per-publish paths (storeAppend, compactCopy): a call costs the
 * device's interpreter more than the sum. */
@inline function sizeOfRecord(len: i32): u32 { return 6 + <u32>((len + 1) & ~1); }

/** The CRC of the group header in scratch (its magic included: see CRC_MAGIC). */
function headerCrc(): i32 { return crc16(CRC_MAGIC, scratch + 4, 4); }

function readHeader(base: u32): bool {
  if (rd(base, scratch, 12) != 0) return false;
  if (load<u32>(scratch) != MAGIC) return false;
  if (headerCrc() != <i32>load<u16>(scratch + 8)) return false;
  seq = load<u32>(scratch + 4);
  return true;
}

/**
 * Finds the selected tier's active group and the end of its log (formatting a blank store; a
 * RAM log after a power cut is noise, so it is formatted too). Returns 0, or ERR_NO_STORE when
 * the area is smaller than 2 pages (the RAM tier: 2 halves), or ERR_STORE_IO.
 */
export function storeInit(): i32 {
  let size = <u32>(ram ? keep_size() : store_size());
  // (the RAM log's "page" is a whole group, in 64-byte steps: see eraseGroup; pageSize stays the flash's)
  let page = ram ? (size >> 1) & ~(<u32>CHUNK - 1) : <u32>store_page_size();
  groupSize = 0;
  if (page == 0 || (page & 1) != 0 || size < 2 * page) return ERR_NO_STORE;
  if (!ram) pageSize = page;
  groupSize = (size / page / 2) * page;
  let b0: u32 = ram ? KEEP : 0;
  let ok0 = readHeader(b0);
  let s0 = seq;
  let ok1 = readHeader(b0 + groupSize);
  let s1 = seq;
  if (!ok0 && !ok1) {
    // blank or unrecognised: format group 0 as sequence 1
    if (eraseGroup(b0) != 0) return ERR_STORE_IO;
    activeBase = b0;
    seq = 0;
    if (writeHeader(b0, 1) != 0) return ERR_STORE_IO;
  } else if (ok1 && (!ok0 || <i32>(s1 - s0) > 0)) {
    activeBase = b0 + groupSize; seq = s1;
  } else {
    activeBase = b0; seq = s0;
  }
  limit = activeBase + groupSize;
  dirty = false;
  // find the end of the log
  let ok = storeFirst();
  while (ok) ok = storeNext();
  return 0;
}

/** Erases a group: NOR page erases, or 0xFF written over it in RAM (one CHUNK at a time). */
function eraseGroup(base: u32): i32 {
  if (ram) memory.fill(scratch, 0xff, CHUNK);
  for (let o: u32 = 0; o < groupSize; o += ram ? <u32>CHUNK : pageSize) {
    if ((ram ? keep_write((base & ~KEEP) + o, scratch, CHUNK) : store_erase(base + o)) != 0) return ERR_STORE_IO;
  }
  return 0;
}

function writeHeader(base: u32, s: u32): i32 {
  store<u32>(scratch, MAGIC);
  store<u32>(scratch + 4, s);
  store<u16>(scratch + 8, <u16>headerCrc());
  store<u16>(scratch + 10, 0);
  if (wr(base, scratch, 12) != 0) return ERR_STORE_IO;
  seq = s;
  return 0;
}

/** The CRC of the record at `at` (type..payload, a MARKED record's mark counted as 0xFFFF), its
 * header in scratch (scratch is clobbered). */
function recordCrc(at: u32): i32 {
  let type = <i32>load<u8>(scratch);
  let len = <i32>load<u16>(scratch + 2);
  let crc = crc16(CRC_START, scratch, 4);
  let p = at + 4;
  let marked = (type & MARKED) != 0 && len >= 2;
  let left = marked ? len - 2 : len;
  while (left > 0) {
    let n = left < CHUNK ? left : CHUNK;
    rd(p, scratch, n);
    crc = crc16(crc, scratch, n);
    p += <u32>n;
    left -= n;
  }
  if (marked) crc = crc16(crc, FFFF, 2);
  return crc;
}

/** Moves to the next record: reads the one at writePos into recType/recOff/recLen and moves
 * writePos past it; false at the end of the log, where writePos is then left (the end of the
 * log: the next append goes there). */
export function storeNext(): bool {
  // (the log is only read outside a compaction, where `limit` is the active group's end)
  let end = limit;
  if (writePos + 6 > end) return false;
  if (rd(writePos, scratch, 4) != 0) { dirty = true; return false; }
  if (load<u16>(scratch) == 0xffff) return false;          // erased: clean end
  let type = <i32>load<u8>(scratch);
  let len = <i32>load<u16>(scratch + 2);
  let next = writePos + recordSize(len);
  if (next > end) { dirty = true; return false; }
  // A RAM-log record's last half-word is 0, not a CRC (see storeAppend): written last, it
  // commits the record (a DEAD one keeps it too). A RAM log written by a firmware before
  // session 19 ends its records in their CRC, checked as the flash's are, and its DEAD ones in
  // a stale one, so a firmware update over a reset loses none of its messages. (The tail goes
  // after the header in scratch: recordCrc reads the header there.)
  rd(next - 2, scratch + 4, 2);
  let tail = <i32>load<u16>(scratch + 4);
  // (tail * type is 0 for a 0 tail or a DEAD record: DEAD is 0)
  if (!(ram && tail * type == 0) && tail != recordCrc(writePos)) { dirty = true; return false; }
  recType = type;
  recOff = writePos;
  recLen = len;
  writePos = next;
  return true;
}

/** Starts iterating the active log; false when it is empty. Ends with writePos = end of log. */
export function storeFirst(): bool {
  writePos = activeBase + HDR;
  return storeNext();
}

/**
 * Appends a record whose payload is at [p, p+len). Needs 4 writable bytes before p and 4 after
 * p+len (the record is assembled in place, then written with one store_write). Returns the
 * record offset, ERR_QUEUE_FULL when the group has no room (compact, then retry), or
 * ERR_STORE_IO (the caller compacts once and retries).
 */
export function storeAppend(type: i32, p: usize, len: i32, reserve: u32): i32 {
  if (groupSize == 0) return ERR_NO_STORE;
  if (dirty) return ERR_QUEUE_FULL;
  let size = sizeOfRecord(len);
  if (writePos + size + reserve > limit) return ERR_QUEUE_FULL;
  let rec = p - 4;
  let save = load<u32>(rec);
  store<u32>(rec, <u32>type | <u32>len << 16); // [u8 type][u8 0][u16 len] (types are below 256)
  // a MARKED record's mark half-word counts as 0xFFFF, whatever it holds (as in readRecord)
  let marked = (type & MARKED) != 0 && len >= 2;
  // In the RAM log the last half-word is 0 instead of the CRC: the record goes in one forward
  // copy (the binding's memcpy) over erased bytes, so a reset that tears it leaves that half-word
  // 0xFFFF (or half of it) and replay drops the record, marking the log dirty: it is compacted
  // before the next append, which therefore never lands on torn bytes. RAM holds what was
  // written otherwise (a power cut is noise the group header's CRC rejects). That is 35 B a QoS 1
  // publish the CRC no longer runs over (docs/mqtt-core-log.md, session 19).
  let crc = 0;
  if (!ram) {
    crc = crc16(CRC_START, rec, marked ? 2 + len : 4 + len);
    if (marked) crc = crc16(crc, FFFF, 2);
  }
  let saveTail = load<u32>(p + len);
  store<u8>(p + len, 0xff); // the pad byte of an odd length (an even one's CRC goes over it)
  store<u16>(p + <usize>((len + 1) & ~1), <u16>crc);
  let r = wr(writePos, rec, <i32>size);
  store<u32>(rec, save);
  store<u32>(p + len, saveTail);
  let off = writePos;
  if (r != 0) { dirty = true; return ERR_STORE_IO; }
  writePos += size;
  return <i32>off;
}

/** Flips the mark half-word at `at` (0xFFFF) to 0x0000 with a single half-word program (and a
 * RAM-log record's first half-word, making it DEAD). */
export function storeMark(at: u32): i32 {
  store<u16>(scratch, 0);
  return wr(at, scratch, 2) == 0 ? 0 : ERR_STORE_IO;
}

/** Reads `len` payload bytes of the record at `off`, from payload byte `from`, into dst. */
export function storeReadPayload(off: u32, from: i32, dst: usize, len: i32): i32 {
  return rd(off + 4 + <u32>from, dst, len) == 0 ? 0 : ERR_STORE_IO;
}

/** Begins a compaction: erases the other group and directs appends there. */
/** The group that is not active. */
@inline function otherBase(): u32 { return (activeBase & ~KEEP) == 0 ? activeBase + groupSize : activeBase - groupSize; }

export function compactBegin(): i32 {
  let other = otherBase();
  if (eraseGroup(other) != 0) return ERR_STORE_IO;
  savedPos = writePos;
  writePos = other + HDR;
  limit = other + groupSize;
  dirty = false;
  return 0;
}

/** Copies the record at `off` (in the old group) verbatim; returns its new offset or an error. */
export function compactCopy(off: u32): i32 {
  // A whole CHUNK in one read: most records fit, so it is their only read (one import call
  // fewer a record). Near the end of the area that read fails: the header alone, as before.
  let have: u32 = <u32>CHUNK;
  if (rd(off, scratch, CHUNK) != 0) { rd(off, scratch, 4); have = 0; }
  let size = sizeOfRecord(<i32>load<u16>(scratch + 2));
  if (writePos + size > limit) return ERR_QUEUE_FULL;
  // a record from the other tier (only a spill copies across: RAM log to flash) gets its CRC
  // here, as the RAM log's records carry 0 in its place
  let crc = -1;
  if (((off & KEEP) != 0) != ram) { crc = recordCrc(off); have = 0; }
  let dst = writePos;
  let done: u32 = 0;
  while (done < size) {
    let n = size - done < <u32>CHUNK ? size - done : <u32>CHUNK;
    if (done >= have) rd(off + done, scratch, <i32>n);
    if (crc >= 0 && done + n == size) store<u16>(scratch + n - 2, <u16>crc);
    if (wr(dst + done, scratch, <i32>n) != 0) return ERR_STORE_IO;
    done += n;
  }
  writePos += size;
  return <i32>dst;
}

/** Commits a compaction: the new group's header (written last) makes it the active one. */
export function compactCommit(): i32 {
  let other = otherBase();
  if (writeHeader(other, seq + 1) != 0) return ERR_STORE_IO;
  activeBase = other;
  limit = other + groupSize;
  if (!ram) compactions++; // (STAT_STORE_COMPACTIONS counts the flash's)
  return 0;
}

/** Aborts a failed compaction: appends continue in the old group (marked dirty to retry). */
export function compactAbort(): void {
  limit = activeBase + groupSize;
  writePos = savedPos;
  dirty = true;
}

/** Bytes used in the active group. */
export function storeUsed(): i32 { return groupSize == 0 ? 0 : <i32>(writePos - activeBase); }
