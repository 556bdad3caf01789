// Build-time writer of the register form (format 40), the default pre-decoder: validates a module, translates every
// function body to register code (translate.ts) and appends the custom section "wasmqtt.predecoded" holding it, for
// the runtime's default engine (firmware/runtime/src/rf_engine.c). Format 39 (../predecode.ts) is the stack form's
// (a runtime built with WQRT_REGFORM=0).
// Usage: node --import tsx host-tools/wasm/regform/blob.ts [--image] in.wasm out.wasm
//   --image: the code numbers only the ops this module uses (translateForImage), and out.wasm.ops lists them in
//   that order for the image's engine (`gen-ops.ts OUTDIR --only out.wasm.ops`, built with -DWQRT_RF_IMAGE_OPS=1
//   -I OUTDIR); without it, every op is numbered (the runtime's default, firmware/runtime/src/rf_ops_all.h: the
//   engine every module runs on, as the spec driver and the bench do).
//
// The section is format 39's (name, pad-length byte, pad zeros so the blob starts 4-byte aligned in the module, then
// the blob, little-endian; the module's last section). The blob:
//   0 magic "WQPD"   4 version 40   8 module hash (FNV-1a of every module byte before this section)
//   12 blob hash (FNV-1a of blob bytes 16..end)   16 ntypes u16
//   18 ops hash u16: the numbering the code is encoded with (ops.ts opsHash of RfModule.ops; rf_ops.h's
//      RF_OPS_HASH: a runtime whose handlers are numbered otherwise refuses the module)
//   20 nfuncs (imports included)   24 nimported funcs   28 code bytes
//   32 funcTypes (where the function section's first type index is, from the module start; bit 31 set when every
//      index there is one byte), as format 39
//   36 ntypes x { canon u16, nparams u8, nresults u8, paramsOff u16, resultsOff u16 }, as format 39
//      nfuncs x { code u32, nparams u8, nresults u8, nzero u8, frame u8 }
//      the code (code bytes), to the blob's end
// A defined function's record: code = where its first op is, in bytes from the record itself (a call needs no code
// base; records in code order: the runtime finds a trap's function by it); nparams, nresults its type's; nzero the
// locals after the parameters that a call zeroes; frame every 64-bit slot the function names (parameters, locals,
// one per operand-stack height, a scratch slot), at most 255. An imported function's record: code = 0xffffffff
// (the word a call loads anyway tells it apart), its type index in nzero | frame << 8.
// What the loader reads from the module itself, as for format 39: types' value-type bytes (paramsOff, resultsOff),
// the function section's type indices, imports, tables, memory, globals, exports, start, elements and data. The code
// section is not read (its bodies stay in the module: the hash covers them, and a build may drop them later).
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseModule, WasmError, type ParsedModule } from '../module.ts';
import {
  BLOB_HEADER, fnv1a, sectionLayout, stripOwnSection, withSection, writeTypeRecords,
} from '../predecode.ts';
import { opsHash } from './ops.ts';
import { translateForImage, translateModule, type RfModule } from './translate.ts';

export const REGFORM_BLOB_VERSION = 40;

const MAGIC = 0x44505157; // "WQPD"
const RECORD_BYTES = 8;
const MAX_FRAME = 0xff;
const IMPORT_CODE = 0xffffffff; // an imported function's record's code word

export interface RegformResult {
  wasm: Uint8Array;
  module: ParsedModule;
  blobBytes: number;
  codeBytes: number;
  /** the numbering the code is encoded with (gen-ops.ts --only takes it for an image's engine) */
  ops: string[];
}

/** The format 40 blob for module `m` (its bytes `base`, with no wasmqtt.predecoded section) and its translation. */
export function regformBlob(base: Uint8Array, m: ParsedModule, rf: RfModule): Uint8Array {
  const ntypes = m.types.length, nfuncs = m.funcs.length, ndefined = nfuncs - m.importedFuncs;
  if (ntypes > 0xffff) throw new WasmError('invalid', `${ntypes} types; the pre-decoded form allows 65535`);
  if (rf.funcs.length !== ndefined) throw new Error(
    `internal: the translation has ${rf.funcs.length} functions, the module defines ${ndefined}`);
  const blobLen = BLOB_HEADER + ntypes * 8 + nfuncs * RECORD_BYTES + rf.code.length;
  const blob = new Uint8Array(blobLen);
  const dv = new DataView(blob.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, REGFORM_BLOB_VERSION, true);
  dv.setUint32(8, fnv1a(base), true);
  dv.setUint16(16, ntypes, true);
  dv.setUint16(18, opsHash(rf.ops), true);
  dv.setUint32(20, nfuncs, true);
  dv.setUint32(24, m.importedFuncs, true);
  dv.setUint32(28, rf.code.length, true);
  dv.setUint32(32, m.funcTypes ? (m.funcTypes.start | (m.funcTypes.oneByte ? 0x80000000 : 0)) >>> 0 : 0, true);
  let o = writeTypeRecords(m, dv, BLOB_HEADER);
  let lastCode = -1;
  m.funcs.forEach((typeIdx, i) => {
    const t = m.types[typeIdx]!;
    dv.setUint8(o + 4, t.params.length);
    dv.setUint8(o + 5, t.results.length);
    if (i < m.importedFuncs) {
      dv.setUint32(o, IMPORT_CODE, true);
      dv.setUint16(o + 6, typeIdx, true);
    } else {
      const f = rf.funcs[i - m.importedFuncs]!;
      if (f.nparams !== t.params.length || f.nresults !== t.results.length || f.typeIdx !== typeIdx) throw new Error(
        `internal: function ${i}'s translation has type ${f.typeIdx} (${f.nparams} -> ${f.nresults}), the module ` +
        `says ${typeIdx}`);
      if (f.frame > MAX_FRAME) throw new WasmError('invalid',
        `function ${i} needs ${f.frame} frame slots; the register form allows ${MAX_FRAME} (split the function or ` +
        'use fewer locals)');
      if (f.nlocals < f.nparams || f.frame < f.nlocals || f.frame < f.nresults) throw new Error(
        `internal: function ${i}'s translation has ${f.nparams} parameters, ${f.nlocals} locals, frame ${f.frame}`);
      if (f.codeOff <= lastCode || f.codeOff >= rf.code.length) throw new Error(
        `internal: function ${i}'s code starts at ${f.codeOff} (code ${rf.code.length} bytes, previous at ` +
        `${lastCode}): functions must be in code order`);
      lastCode = f.codeOff;
      dv.setUint32(o, (nfuncs - i) * RECORD_BYTES + f.codeOff, true);   // from the record to the function's code
      dv.setUint8(o + 6, f.nlocals - f.nparams);
      dv.setUint8(o + 7, f.frame);
    }
    o += RECORD_BYTES;
  });
  blob.set(rf.code, o);
  dv.setUint32(12, fnv1a(blob.subarray(16)), true);
  return blob;
}

/** Validates `input` (any wasmqtt.predecoded section it has is dropped first), translates it and returns it with
 * the format 40 section appended. Throws WasmError for a module it cannot take (what and why). */
export function regform(input: Uint8Array, opts: { image?: boolean } = {}): RegformResult {
  const base = stripOwnSection(input);
  const m = parseModule(base);
  const rf = opts.image ? translateForImage(m, base) : translateModule(m, base);
  const blob = regformBlob(base, m, rf);
  const wasm = withSection(base, blob, sectionLayout(base.length, blob.length));
  return { wasm, module: m, blobBytes: blob.length, codeBytes: rf.code.length, ops: rf.ops };
}

function main(args: string[]) {
  const image = args[0] === '--image';
  const argv = image ? args.slice(1) : args;
  if (argv.length !== 2) {
    console.error('usage: regform/blob.ts [--image] IN.wasm OUT.wasm  (validates IN, translates it to the register ' +
      'form and writes it with the wasmqtt.predecoded section, format 40, for the runtime\'s default engine; ' +
      '--image: numbers only its own ops and lists them in OUT.wasm.ops for gen-ops.ts --only)');
    process.exit(2);
  }
  let input: Uint8Array;
  try {
    input = readFileSync(argv[0]!);
  } catch (e) {
    console.error(`regform: cannot read ${argv[0]}: ${(e as Error).message}`);
    process.exit(1);
  }
  try {
    const r = regform(input, { image });
    writeFileSync(argv[1]!, r.wasm);
    if (image) writeFileSync(`${argv[1]}.ops`, r.ops.join('\n') + '\n');
    console.log(`regform: ${argv[0]} -> ${argv[1]}: ${r.module.bodies.length} functions, ${r.codeBytes} bytes of ` +
      `register code, ${r.blobBytes} bytes of flash added (format ${REGFORM_BLOB_VERSION})`);
  } catch (e) {
    if (e instanceof WasmError) {
      console.error(`regform: ${argv[0]} cannot be pre-decoded (${e.kind}): ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
