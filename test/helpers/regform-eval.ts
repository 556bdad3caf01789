// A reference evaluator of register-form code for the translator's tests: it runs the ops the way
// ops.ts's C handlers do (integer ops, memory, calls; no floats or tables), so a test can compare a
// translated function with the same wasm run by V8. Slow and simple on purpose.
import type { ParsedModule } from '../../host-tools/wasm/module.ts';
import { CMP32, numbering } from '../../host-tools/wasm/regform/ops.ts';
import { decodeOps, type RfOp } from '../../host-tools/wasm/regform/disasm.ts';
import type { RfModule } from '../../host-tools/wasm/regform/translate.ts';

export class RfTrap extends Error {}
/** a host import: its arguments, its results (u64 bit patterns) */
export type HostFn = (args: bigint[]) => bigint[];

const M64 = (1n << 64n) - 1n;
const u64 = (x: bigint) => x & M64;
const s64 = (x: bigint) => BigInt.asIntN(64, x);
const s32 = (x: number) => x | 0;

const I32: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => Math.imul(a, b), and: (a, b) => a & b,
  or: (a, b) => a | b, xor: (a, b) => a ^ b, shl: (a, b) => a << (b & 31), shr_s: (a, b) => s32(a) >> (b & 31),
  shr_u: (a, b) => a >>> (b & 31), rotl: (a, b) => (a << (b & 31)) | (a >>> ((32 - b) & 31)),
  rotr: (a, b) => (a >>> (b & 31)) | (a << ((32 - b) & 31)),
  div_s: (a, b) => {
    if (!b) throw new RfTrap('divide by zero');
    if (a === 0x80000000 && b === 0xffffffff) throw new RfTrap('integer overflow');
    return Math.trunc(s32(a) / s32(b));
  },
  div_u: (a, b) => {
    if (!b) throw new RfTrap('divide by zero');
    return Math.trunc(a / b);
  },
  rem_s: (a, b) => {
    if (!b) throw new RfTrap('divide by zero');
    return a === 0x80000000 && b === 0xffffffff ? 0 : s32(a) % s32(b);
  },
  rem_u: (a, b) => {
    if (!b) throw new RfTrap('divide by zero');
    return a % b;
  },
};
const CMP: Record<string, (a: number, b: number) => boolean> = {
  eq: (a, b) => a === b, ne: (a, b) => a !== b, lt_s: (a, b) => s32(a) < s32(b), lt_u: (a, b) => a < b,
  gt_s: (a, b) => s32(a) > s32(b), gt_u: (a, b) => a > b, le_s: (a, b) => s32(a) <= s32(b), le_u: (a, b) => a <= b,
  ge_s: (a, b) => s32(a) >= s32(b), ge_u: (a, b) => a >= b,
};
const I64: Record<string, (a: bigint, b: bigint) => bigint> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, and: (a, b) => a & b, or: (a, b) => a | b,
  xor: (a, b) => a ^ b, shl: (a, b) => a << (b & 63n), shr_s: (a, b) => s64(a) >> (b & 63n),
  shr_u: (a, b) => a >> (b & 63n),
};
const CMP64: Record<string, (a: bigint, b: bigint) => boolean> = {
  eq: (a, b) => a === b, ne: (a, b) => a !== b, lt_s: (a, b) => s64(a) < s64(b), lt_u: (a, b) => a < b,
  gt_s: (a, b) => s64(a) > s64(b), gt_u: (a, b) => a > b, le_s: (a, b) => s64(a) <= s64(b), le_u: (a, b) => a <= b,
  ge_s: (a, b) => s64(a) >= s64(b), ge_u: (a, b) => a >= b,
};
const LOADS: Record<string, [number, (v: DataView, ea: number) => bigint]> = {
  ld32: [4, (v, ea) => BigInt(v.getUint32(ea, true))], ld8u: [1, (v, ea) => BigInt(v.getUint8(ea))],
  ld8s: [1, (v, ea) => BigInt(v.getInt8(ea) >>> 0)], ld16u: [2, (v, ea) => BigInt(v.getUint16(ea, true))],
  ld16s: [2, (v, ea) => BigInt(v.getInt16(ea, true) >>> 0)], ld64: [8, (v, ea) => v.getBigUint64(ea, true)],
  ld64_32u: [4, (v, ea) => BigInt(v.getUint32(ea, true))],
  ld64_32s: [4, (v, ea) => u64(BigInt(v.getInt32(ea, true)))],
};
const STORES: Record<string, [number, (v: DataView, ea: number, x: bigint) => void]> = {
  st32: [4, (v, ea, x) => v.setUint32(ea, Number(x & 0xffffffffn), true)],
  st8: [1, (v, ea, x) => v.setUint8(ea, Number(x & 0xffn))],
  st16: [2, (v, ea, x) => v.setUint16(ea, Number(x & 0xffffn), true)],
  st64: [8, (v, ea, x) => v.setBigUint64(ea, x, true)],
};

/** Runs defined function `fi` of a translated module with `args`; returns its results. Slots hold u64 bit
 * patterns; an i32 is the low word (its high half may be stale, as on the device). */
export function runRf(rf: RfModule, m: ParsedModule, fi: number, args: bigint[],
  imports: HostFn[] = [], memory = new Uint8Array(65536), globalInit: bigint[] = [], maxSteps = 1_000_000): bigint[] {
  const num = numbering(rf.ops);
  const ops = new Map<number, RfOp>();
  rf.funcs.forEach((f, i) => {
    const end = i + 1 < rf.funcs.length ? rf.funcs[i + 1]!.codeOff : rf.code.length;
    for (const o of decodeOps(rf.code, f.codeOff, end, num)) ops.set(o.at, o);
  });
  const mv = new DataView(memory.buffer, memory.byteOffset, memory.byteLength);
  const globals: bigint[] = m.globals.map((_, g) => globalInit[g] ?? 0n);
  const slots: bigint[] = new Array(4096).fill(0n);
  let fp = 0, acc = 0;
  const frames: { pc: number; fp: number }[] = [];
  const enter = (f: number, at: number) => {
    const rec = rf.funcs[f]!;
    for (let k = rec.nparams; k < rec.nlocals; k++) slots[at + k] = 0n;
    fp = at;
    return rec.codeOff;
  };
  args.forEach((a, k) => (slots[k] = u64(a)));
  let pc = enter(fi, 0);
  for (let step = 0; ; step++) {
    if (step > maxSteps) throw new Error('regform-eval: step limit');
    const o = ops.get(pc);
    if (!o) throw new Error(`regform-eval: no op at ${pc}`);
    const a = o.args;
    // operand readers by signature letter, in encoding order
    const sig = /_([skiI]+)$/.exec(o.name)?.[1] ?? '';
    let ai = 0;
    const get = (): number => {
      const c = sig[pos++]!;
      if (c === 'k') return acc;
      const v = a[ai++] as number;
      if (c === 's') return Number(slots[fp + v]! & 0xffffffffn);
      return v >>> 0;
    };
    const getq = (): bigint => {
      const c = sig[pos++]!;
      const v = a[ai++] as number;
      if (c === 's') return slots[fp + v]!;
      return u64(BigInt(s32(v)));
    };
    let pos = 0;
    const dst = () => (sig[pos++] === 'k' ? -1 : (a[ai++] as number));
    const put = (d: number, v: number) => {
      if (d < 0) acc = v >>> 0;
      else slots[fp + d] = (slots[fp + d]! & ~0xffffffffn) | BigInt(v >>> 0);
    };
    const next = () => (pc = o.at + o.len);
    const base = sig ? o.name.slice(0, -sig.length - 1) : o.name;
    if (base in I32 || base in CMP32) {
      const d = dst(), x = get(), y = get();
      put(d, base in I32 ? I32[base]!(x, y) : +CMP[base]!(x, y));
      next();
    } else if (base.startsWith('br_i64_')) {
      const c = base.slice(7);
      const x = getq();
      const taken = c === 'nz' ? x !== 0n : c === 'z' ? x === 0n : CMP64[c]!(x, getq());
      pc = taken ? (a[a.length - 1] as number) : o.at + o.len;
    } else if ((base.startsWith('br_') && base.slice(3) in CMP) || base === 'br_z' || base === 'br_nz') {
      const c = base.slice(3);
      const x = get();
      const taken = c === 'nz' ? x !== 0 : c === 'z' ? x === 0 : CMP[c]!(x, get());
      pc = taken ? (a[a.length - 1] as number) : o.at + o.len;
    } else if (base.startsWith('i64_') && (base.slice(4) in I64 || base.slice(4) in CMP64)) {
      const d = dst(), x = getq(), y = getq(), c = base.slice(4);
      slots[fp + d] = c in I64 ? u64(I64[c]!(x, y)) : BigInt(+CMP64[c]!(x, y));
      next();
    } else if (/^i64_sh[lr]_?[su]?_(lo|hi)$/.test(base)) {
      const d = dst(), x = getq(), k = get(), hi = base.endsWith('hi') ? 32 : 0, op = base.slice(4, -3);
      slots[fp + d] = u64(I64[op]!(x, BigInt(k + hi)));
      next();
    } else if (base.replace(/w$/, '') in LOADS) {
      const d = dst();
      let ea: number;
      if (base.endsWith('w')) ea = (get() + (a[ai++] as number)) >>> 0;
      else if (sig[1] === 'i') ea = get();
      else {
        const x = get(), off = a[ai++] as number;
        ea = x + off;
        if (ea > 0xffffffff) throw new RfTrap('out of bounds memory access');
      }
      const [w, rd] = LOADS[base.replace(/w$/, '')]!;
      if (ea + w > memory.length) throw new RfTrap('out of bounds memory access');
      const v = rd(mv, ea);
      if (base.startsWith('ld64')) slots[fp + d] = v;
      else put(d, Number(v));
      next();
    } else if (base in STORES) {
      const v = base === 'st64' ? getq() : BigInt(get());
      let ea: number;
      if (sig[1] === 'i') ea = get();
      else {
        ea = get() + (a[ai++] as number);
        if (ea > 0xffffffff) throw new RfTrap('out of bounds memory access');
      }
      const [w, wr] = STORES[base]!;
      if (ea + w > memory.length) throw new RfTrap('out of bounds memory access');
      wr(mv, ea, v);
      next();
    } else {
      const x = a as number[];
      switch (base) {
        case 'mov': slots[fp + x[0]!] = slots[fp + x[1]!]!; next(); break;
        case 'mov32': put(x[0]!, Number(slots[fp + x[1]!]! & 0xffffffffn)); next(); break;
        case 'const8': put(x[0]!, (x[1]! << 24) >> 24); next(); break;
        case 'const16': case 'const32': put(x[0]!, x[1]!); next(); break;
        case 'const64s': slots[fp + x[0]!] = u64(BigInt(s32(x[1]!))); next(); break;
        case 'const64': slots[fp + x[0]!] = a[1] as bigint; next(); break;
        case 'eqz': { const d = dst(); put(d, +(get() === 0)); next(); break; }
        case 'wrap': case 'ext8s': case 'ext16s': case 'clz': case 'ctz': case 'popcnt': {
          const d = dst(), v = get();
          const r = base === 'wrap' ? v : base === 'ext8s' ? (v << 24) >> 24 : base === 'ext16s' ? (v << 16) >> 16
            : base === 'clz' ? Math.clz32(v) : base === 'ctz' ? (v ? 31 - Math.clz32(v & -v) : 32)
              : v.toString(2).replace(/0/g, '').length;
          put(d, r);
          next();
          break;
        }
        case 'ext_u': slots[fp + x[0]!] = slots[fp + x[1]!]! & 0xffffffffn; next(); break;
        case 'ext_s': slots[fp + x[0]!] = u64(BigInt(s32(Number(slots[fp + x[1]!]! & 0xffffffffn)))); next(); break;
        case 'i64_eqz': put(x[0]!, +(slots[fp + x[1]!] === 0n)); next(); break;
        case 'select': slots[fp + x[0]!] = (slots[fp + x[3]!]! & 0xffffffffn) ? slots[fp + x[1]!]! : slots[fp + x[2]!]!;
          next(); break;
        case 'gget': slots[fp + x[0]!] = globals[x[1]!]!; next(); break;
        case 'gset': globals[x[0]!] = slots[fp + x[1]!]!; next(); break;
        // an i32 global is one word: the slot's high half keeps what it had (stale, as on the device)
        case 'gget32': { const d = dst(); put(d, Number(globals[x[ai]!]! & 0xffffffffn)); next(); break; }
        case 'gset32': ai = 1; globals[x[0]!] = BigInt(get()); next(); break;
        case 'lget': slots[fp + x[0]!] = slots[fp + x[1]!]!; next(); break;
        case 'lset': slots[fp + x[0]!] = slots[fp + x[1]!]!; next(); break;
        case 'wframe':
          if (fp + x[1]! > slots.length) throw new RfTrap('stack overflow');
          for (let k = x[0]!; k < x[1]!; k++) slots[fp + k] = 0n;
          next();
          break;
        case 'eaddr': case 'eaddr32': {
          const ea = Number(slots[fp + x[1]!]! & 0xffffffffn) + x[2]!;
          if (ea > 0xffffffff) throw new RfTrap('out of bounds memory access');
          put(x[0]!, ea);
          next();
          break;
        }
        case 'br': case 'brs': case 'brw': pc = x[0]!; break;
        case 'brtab': case 'brtabw': {
          const i = Number(slots[fp + x[0]!]! & 0xffffffffn);
          pc = x[2 + Math.min(i, x[1]!)]!;
          break;
        }
        case 'trap': throw new RfTrap('unreachable');
        case 'ret': case 'ret0': {
          if (base === 'ret') slots[fp] = slots[fp + x[0]!]!;
          const back = frames.pop();
          if (!back) {
            const t = m.types[m.funcs[m.importedFuncs + fi]!]!;
            return t.results.map((_, k) => slots[k]!);
          }
          ({ pc, fp } = back);
          break;
        }
        case 'call': case 'callw': case 'callx': {
          const f = x[1]!, at = fp + x[0]!;
          if (f < m.importedFuncs) {
            const t = m.types[m.funcs[f]!]!;
            const res = imports[f]!(slots.slice(at, at + t.params.length));
            res.forEach((r, k) => (slots[at + k] = u64(r)));
            next();
          } else {
            frames.push({ pc: o.at + o.len, fp });
            pc = enter(f - m.importedFuncs, at);
          }
          break;
        }
        default: throw new Error(`regform-eval: op ${o.name} not modelled`);
      }
    }
  }
}
