// Register-form code back to text, one op a line: `offset name field...`, for tests and debugging.
// Usage: node --import tsx host-tools/wasm/regform/disasm.ts MODULE.wasm [FUNC]

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseModule } from '../module.ts';
import { FIELD_BYTES, OP_BY_NAME, numbering, type OpNumbering } from './ops.ts';
import { translateModule, type RfModule } from './translate.ts';

/** One decoded op: its offset in the module's code, name and field values (branches as absolute
 * code offsets, brtab's targets included). */
export interface RfOp { at: number; name: string; args: (number | bigint)[]; len: number }

/** Decodes code[from, to) with the given numbering (default: every op). */
export function decodeOps(code: Uint8Array, from: number, to: number, num: OpNumbering = numbering()): RfOp[] {
  const byCode = new Map<string, string>();
  for (const [n, c] of num.code) byCode.set(`${c.page2 ? 2 : 1}:${c.byte}`, n);
  const dv = new DataView(code.buffer, code.byteOffset, code.byteLength);
  const out: RfOp[] = [];
  let p = from;
  while (p < to) {
    const start = p;
    let page = 1;
    if (num.esc && code[p] === num.esc.code) {
      page = 2;
      p++;
    }
    const at = p;
    const name = byCode.get(`${page}:${code[p]}`);
    if (!name) throw new Error(`regform disasm: no op with code ${code[p]} (page ${page}) at ${p}`);
    p++;
    const args: (number | bigint)[] = [];
    let fields = OP_BY_NAME.get(name)!.fields;
    for (let j = 0; j < fields.length; j++) {
      const k = fields[j]!;
      switch (k) {
        case 's': case 'g': case 'o': case 'c': args.push(code[p]!); break;
        case 'k': break;
        case 'i': args.push(dv.getInt16(p, true)); break;
        case 'I': args.push(dv.getUint32(p, true)); break;
        case 'q': args.push(dv.getBigUint64(p, true)); break;
        case 'h': case 'O': args.push(dv.getUint16(p, true)); break;
        case 'L': args.push(at + dv.getInt8(p)); break;
        case 'J': args.push(at + dv.getInt16(p, true)); break;
        case 'W': args.push(at + dv.getInt32(p, true)); break;
        default: throw new Error(`regform disasm: field ${k}`);
      }
      p += FIELD_BYTES[k]!;
      // brtab: the count, then one 16-bit target per entry and the default (brtabw: 32-bit ones)
      if (name === 'brtab' && k === 'h') fields += 'J'.repeat((args[1] as number) + 1);
      if (name === 'brtabw' && k === 'I') fields += 'W'.repeat((args[1] as number) + 1);
    }
    out.push({ at: start, name, args, len: p - start });
  }
  return out;
}

/** The text of one function (or all) of a translated module. */
export function disassemble(rf: RfModule, func?: number): string {
  const num = numbering(rf.ops);
  const lines: string[] = [];
  rf.funcs.forEach((f, i) => {
    if (func !== undefined && func !== i) return;
    const end = i + 1 < rf.funcs.length ? rf.funcs[i + 1]!.codeOff : rf.code.length;
    lines.push(`func ${i}: params ${f.nparams} results ${f.nresults} locals ${f.nlocals} frame ${f.frame}`);
    for (const o of decodeOps(rf.code, f.codeOff, end, num)) {
      lines.push(`  ${String(o.at).padStart(6)} ${o.name} ${o.args.join(' ')}`.trimEnd());
    }
  });
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, func] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: disasm.ts MODULE.wasm [FUNC]\n');
    process.exit(2);
  }
  const bytes = new Uint8Array(readFileSync(file));
  process.stdout.write(disassemble(translateModule(parseModule(bytes), bytes), func === undefined ? undefined : +func) +
    '\n');
}
