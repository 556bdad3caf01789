// Build-time pre-decoder: validates a module and appends the custom section
// "wasmqtt.predecoded" that lets firmware/runtime execute the module in place from flash.
// Usage: node --import tsx host-tools/wasm/predecode.ts in.wasm out.wasm
//
// Section payload: name, pad-length byte, pad zeros (so the blob starts 4-byte aligned in
// the module), then the blob (little-endian). The section must be the module's last one.
//   0 magic "WQPD"   4 version   8 module hash (FNV-1a of every module byte before this section)
//   12 blob hash (FNV-1a of blob bytes 16..end)   16 ntypes   20 nfuncs (imports included)
//   24 nimported funcs   28 nside
//   32 ntypes x { canon u16, nparams u16, nresults u16, 0 u16, paramsOff u32, resultsOff u32 }
//      nfuncs x { type u16, nLocals u16, maxStack u16, codeLen u16, codeStart u32, stpBase u32 }
//      nside  x u32 side entry (version 3), then nlong x { dPc i16, dStp i16, keep u8, drop u8 }
//      (6 bytes each; nlong = the bytes left / 6)
// canon: the first type index with the same signature (call_indirect compares canon ids).
// paramsOff, resultsOff and codeStart are byte offsets from the module start; codeStart + codeLen
// is the function's final `end`. A side entry is relative to its branch: target pc = the address
// just past the branch opcode + dPc; target entry = this entry's index + dStp (version 2; version
// 1 was relative to the function). An imported function has codeStart = codeLen = stpBase = 0.
// Side entry (version 3, 4 bytes instead of 6): bit 0 clear = short form, bits 1-2 keep (0..3),
// bits 3-6 drop (0..15), bits 7-17 dStp (signed, -1024..1023), bits 18-31 dPc (signed,
// -8192..8191); bit 0 set = bits 1-31 index a long entry. Every core.wasm branch fits the short
// form; long entries keep the spec suite's large functions working.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseModule, WasmError, type ParsedModule } from './module.ts';

export const SECTION_NAME = 'wasmqtt.predecoded';
export const BLOB_VERSION = 3;
const MAGIC = 0x44505157; // "WQPD"

export function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** Removes an existing wasmqtt.predecoded section so a module can be pre-decoded again. */
function stripOwnSection(b: Uint8Array): Uint8Array {
  if (b.length < 8) return b;
  const parts: Uint8Array[] = [b.subarray(0, 8)];
  let p = 8;
  while (p < b.length) {
    const start = p;
    p++;
    let size = 0, shift = 0, byte: number;
    do {
      if (p >= b.length) return b; // malformed: leave it for the validator to report
      byte = b[p++]!;
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    const end = p + size;
    if (end > b.length) return b;
    let own = false;
    if (b[start] === 0) {
      let q = p, n = 0, sh = 0;
      do {
        byte = b[q++]!;
        n += (byte & 0x7f) * 2 ** sh;
        sh += 7;
      } while (byte & 0x80 && q < end);
      own = q + n <= end && new TextDecoder().decode(b.subarray(q, q + n)) === SECTION_NAME;
    }
    if (!own) parts.push(b.subarray(start, end));
    p = end;
  }
  const out = new Uint8Array(parts.reduce((a, x) => a + x.length, 0));
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

export interface PredecodeResult {
  wasm: Uint8Array;
  module: ParsedModule;
  blobBytes: number;
  sideEntries: number;
  /** side entries that needed the 6-byte long form */
  longEntries: number;
}

/** Validates `input` and returns it with the pre-decoded section appended. Throws WasmError. */
export function predecode(input: Uint8Array): PredecodeResult {
  const base = stripOwnSection(input);
  const m = parseModule(base);
  const ntypes = m.types.length;
  const nfuncs = m.funcs.length;
  const nside = m.bodies.reduce((a, f) => a + f.side.length, 0);
  const entries = m.bodies.flatMap((f, bi) =>
    f.side.map((e, k) => {
      if (e.keep > 0xff || e.drop > 0xff) throw new WasmError('invalid', `a branch keeps ${e.keep} and drops ${e.drop} values; the pre-decoded form allows 255 each`);
      // relative to the branch itself, so the interpreter needs no per-function base registers
      const dPc = e.targetPc - e.originPc, dStp = e.targetStp - k;
      if (dPc < -0x8000 || dPc > 0x7fff || dStp < -0x8000 || dStp > 0x7fff)
        throw new WasmError('invalid', `function ${m.importedFuncs + bi} branches ${dPc} bytes and ${dStp} branches away; the pre-decoded form allows 32767 each way (split the function)`);
      return { dPc, dStp, keep: e.keep, drop: e.drop };
    }),
  );
  const fitsShort = (e: { dPc: number; dStp: number; keep: number; drop: number }) =>
    e.keep <= 3 && e.drop <= 15 && e.dStp >= -1024 && e.dStp <= 1023 && e.dPc >= -8192 && e.dPc <= 8191;
  const nlong = entries.filter((e) => !fitsShort(e)).length;
  const blobLen = 32 + ntypes * 16 + nfuncs * 16 + nside * 4 + nlong * 6;
  if (ntypes > 0xffff) throw new WasmError('invalid', `${ntypes} types; the pre-decoded form allows 65535`);
  const blob = new Uint8Array(blobLen);
  const dv = new DataView(blob.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, BLOB_VERSION, true);
  dv.setUint32(8, fnv1a(base), true);
  dv.setUint32(16, ntypes, true);
  dv.setUint32(20, nfuncs, true);
  dv.setUint32(24, m.importedFuncs, true);
  dv.setUint32(28, nside, true);
  let o = 32;
  const sigKey = m.types.map((t) => `${t.params.join(',')}>${t.results.join(',')}`);
  m.types.forEach((t, i) => {
    if (t.params.length > 0xffff || t.results.length > 0xffff) throw new WasmError('invalid', 'too many parameters or results');
    dv.setUint16(o, sigKey.indexOf(sigKey[i]!), true);
    dv.setUint16(o + 2, t.params.length, true);
    dv.setUint16(o + 4, t.results.length, true);
    dv.setUint32(o + 8, m.typeOffsets[i]!.params, true);
    dv.setUint32(o + 12, m.typeOffsets[i]!.results, true);
    o += 16;
  });
  let stp = 0;
  m.funcs.forEach((typeIdx, i) => {
    dv.setUint16(o, typeIdx, true);
    if (i >= m.importedFuncs) {
      const f = m.bodies[i - m.importedFuncs]!;
      if (f.maxStack > 0xffff) throw new WasmError('invalid', `function needs ${f.maxStack} operand slots; the pre-decoded form allows 65535`);
      if (f.end - f.codeStart > 0xffff || f.side.length > 0xffff)
        throw new WasmError('invalid', `function ${i} is too large for the pre-decoded form (${f.end - f.codeStart} code bytes, ${f.side.length} branches; 65535 each)`);
      dv.setUint16(o + 2, f.localCount, true);
      dv.setUint16(o + 4, f.maxStack, true);
      dv.setUint16(o + 6, f.end - f.codeStart, true);
      dv.setUint32(o + 8, f.codeStart, true);
      dv.setUint32(o + 12, stp, true);
      stp += f.side.length;
    }
    o += 16;
  });
  let longAt = o + nside * 4, nextLong = 0;
  for (const e of entries) {
    if (fitsShort(e)) {
      dv.setUint32(o, (((e.dPc & 0x3fff) << 18) | ((e.dStp & 0x7ff) << 7) | (e.drop << 3) | (e.keep << 1)) >>> 0, true);
    } else {
      dv.setUint32(o, ((nextLong++ << 1) | 1) >>> 0, true);
      dv.setInt16(longAt, e.dPc, true);
      dv.setInt16(longAt + 2, e.dStp, true);
      dv.setUint8(longAt + 4, e.keep);
      dv.setUint8(longAt + 5, e.drop);
      longAt += 6;
    }
    o += 4;
  }
  dv.setUint32(12, fnv1a(blob.subarray(16)), true);

  // section: id 0, size, name, pad byte, pad, blob - with the blob 4-byte aligned
  const name = new TextEncoder().encode(SECTION_NAME);
  for (let pad = 0; pad < 4; pad++) {
    for (let extra = 0; extra < 8; extra++) {
      const payloadLen = uleb(name.length).length + name.length + 1 + pad + blobLen;
      const sizeBytes = uleb(payloadLen);
      if (sizeBytes.length > extra + 1) continue;
      const blobOffset = base.length + 1 + sizeBytes.length + uleb(name.length).length + name.length + 1 + pad;
      if (blobOffset % 4 !== 0) break;
      const out = new Uint8Array(base.length + 1 + sizeBytes.length + payloadLen);
      out.set(base, 0);
      let q = base.length;
      out[q++] = 0;
      for (const x of sizeBytes) out[q++] = x;
      for (const x of uleb(name.length)) out[q++] = x;
      out.set(name, q);
      q += name.length;
      out[q++] = pad;
      q += pad;
      out.set(blob, q);
      return { wasm: out, module: m, blobBytes: blobLen, sideEntries: nside, longEntries: nlong };
    }
  }
  throw new Error('internal: could not align the pre-decoded blob');
}

function main(argv: string[]) {
  if (argv.length !== 2) {
    console.error('usage: predecode.ts IN.wasm OUT.wasm  (validates IN and writes it with the wasmqtt.predecoded section)');
    process.exit(2);
  }
  let input: Uint8Array;
  try {
    input = readFileSync(argv[0]!);
  } catch (e) {
    console.error(`predecode: cannot read ${argv[0]}: ${(e as Error).message}`);
    process.exit(1);
  }
  try {
    const r = predecode(input);
    writeFileSync(argv[1]!, r.wasm);
    console.log(`predecode: ${argv[0]} -> ${argv[1]}: ${r.module.bodies.length} functions, ${r.sideEntries} side-table entries (${r.longEntries} long), ${r.blobBytes} bytes of flash added`);
  } catch (e) {
    if (e instanceof WasmError) {
      console.error(`predecode: ${argv[0]} is not a valid module (${e.kind}): ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
