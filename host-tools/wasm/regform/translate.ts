// Wasm function bodies -> the register form (format 40): each op names its operands by frame slot
// (one byte), immediate or the accumulator; ops.ts lists them with their C handlers.
//
// Frame: 64-bit slots, wasm locals 0..nl-1, then one slot per operand-stack height (height h at
// nl + h), then the scratch slot when the function needs one (an immediate too wide for its op). A
// frame past MAX_FRAME slots is laid out wide: parameters, temps, scratch, then the other locals; those
// from slot MAX_FRAME on move through lget / lset, and the first op (wframe) checks and zeroes the rest.
// Translation, per function:
// - local.get / i32.const / i64.const are pushed lazily and folded into their consumer; a following
//   local.set / tee becomes the op's destination; pending copies of a local are materialised before
//   the local is written, and every pending value at block / loop / if entry and at calls;
// - a compare (or eqz) followed by br_if / if becomes one conditional branch;
// - `add T, x, #imm; load T+0` becomes one load with a wrapping add, and an i64 compare followed by
//   i64.extend_i32_u writes the extend's destination (both exact: see ops.ts);
// - the accumulator: a temp written by one op and read by the very next (no label between) passes
//   through a machine register instead of its slot, when both ops have that form;
// - branches start 8-bit; one out of reach becomes its inverse over a 16-bit `br` (relax), and a 16-bit
//   one past 32 KB the 32-bit form;
// - blocks with parameters keep them in the block's first slots; a branch carrying values moves them to
//   its target's slots first (br_table: through a stub per target), and several results go to slots
//   0..n-1 before `ret0`;
// - floats, reference types and the rare ops use ops.ts's extra forms (slots only).
// Limits (WasmError): parameters + temps + scratch over MAX_FRAME slots, a frame over 65,535, more than
// 256 globals, indices past 16 bits.

import { WasmError, type ParsedModule } from '../module.ts';
import {
  CMP32, COMMUTATIVE, FIELD_BYTES, INVERSE, LOAD32, LOAD64, LOAD64X, MIRROR, OP_BY_NAME, STORE32, numbering,
  type OpNumbering,
} from './ops.ts';
import { decodeBody, type Instr } from './decode.ts';

/** nlocals: the call zeroes slots nparams..nlocals-1 (the wasm locals; a wide frame's record part, all of
 * it); frame: the slots the call checks */
export interface RfFunction { codeOff: number; nparams: number; nresults: number; nlocals: number; frame: number;
  typeIdx: number }
export interface RfModule {
  code: Uint8Array;
  /** defined functions only, in order */
  funcs: RfFunction[];
  /** the ops the code uses, in canonical order */
  used: string[];
  /** the numbering the code is encoded with (pass it to `gen-ops --only` for the image's handlers) */
  ops: string[];
}
export interface TranslateOptions {
  /** encode with these ops' numbering (an image's own op list, e.g. a previous translation's `used`);
   * default: every op */
  ops?: readonly string[];
}

/** The largest frame a record holds (one byte; slot indices are one byte too): a larger one is wide. */
export const MAX_FRAME = 255;
const MAX_OFF8 = 255;

const refuse = (m: string): never => {
  throw new WasmError('invalid', m);
};

// ---------------------------------------------------------------- the IR
/** An operand: its kind (ops.ts FIELD_BYTES) and value (a slot, an immediate, a label, ...). */
export interface Field { k: string; v: number; q?: bigint }
type Op = { op: string; f: Field[] };
type Label = { label: number };
type Ir = Op | Label;
const isOp = (x: Ir | undefined): x is Op => x !== undefined && 'op' in x;
const F = (k: string, v: number): Field => ({ k, v });
const SCRATCH = -1; // the scratch slot, resolved when the frame size is known

/** A value on the translation-time operand stack: in a slot, or a constant not yet materialised. */
type Val = { s: number } | { c: bigint; bits: 32 | 64 };
const isConst = (v: Val): v is { c: bigint; bits: 32 | 64 } => 'c' in v;

/** Ops whose name is their base (no operand signature). */
const SPECIAL = new Set(['lget', 'lset', 'wframe', 'callx', 'callix',
  'const8', 'const16', 'brs', 'eaddr', 'calli', 'mcopy', 'mfill', 'trap', 'br', 'call',
  'ret', 'ret0', 'select', 'gget', 'gset', 'brtab', 'const32', 'const64', 'const64s',
  'callw', 'calli_t', 'eaddr32', 'msize', 'mgrow', 'minit', 'ddrop', 'tget', 'tset', 'tsize', 'tgrow', 'tfill',
  'tcopy', 'tinit', 'edrop', 'brw', 'brtabw']);
/** ops that take a memory address (a constant one too wide for the immediate moves to a slot + offset 0) */
const MEMORY_OPS = new Set([...Object.keys(LOAD32), ...Object.keys(LOAD64), ...Object.keys(LOAD64X),
  ...Object.keys(STORE32), 'st64']);
const hasDest = (base: string) => !/^(br|st|gset|ret|call|trap|mcopy|mfill)/.test(base);
const nameOf = (base: string, f: Field[]) =>
  SPECIAL.has(base) ? base : base + '_' + f.filter((x) => 'skiI'.includes(x.k)).map((x) => x.k).join('');
const has = (name: string) => OP_BY_NAME.has(name);

const sext32 = (v: number) => v | 0;
const fitsImm = (v: number) => {
  const s = sext32(v);
  return s >= -32768 && s <= 32767;
};
const M64 = (1n << 64n) - 1n;

/** a compare / compare-branch with no handler, rewritten to one that has (mirrored operands, or an
 * immediate one greater for le/gt), or null */
function canonCompare(base: string, f: Field[]): [string, Field[]] | null {
  const br = base.startsWith('br_');
  const core = br ? base.slice(3) : base;
  const is64 = core.startsWith('i64_');
  const c = is64 ? core.slice(4) : core;
  if (!(c in CMP32)) return null;
  const [ia, ib] = br ? [0, 1] : [1, 2];
  const a = f[ia]!, b = f[ib]!;
  const pre = (br ? 'br_' : '') + (is64 ? 'i64_' : '');
  const ok = (cc: string, ff: Field[]) => has(nameOf(pre + cc, ff));
  if (a.k === 's' && b.k === 's') {
    const ff = [...f];
    ff[ia] = b;
    ff[ib] = a;
    if (ok(MIRROR[c]!, ff)) return [pre + MIRROR[c]!, ff];
  }
  if (b.k === 'i' && ['le_s', 'le_u', 'gt_s', 'gt_u'].includes(c)) {
    const bits = is64 ? 64n : 32n;
    const mask = (1n << bits) - 1n;
    const v = (is64 ? BigInt(sext32(b.v)) : BigInt(b.v >>> 0)) & mask;
    const signed = c.endsWith('_s');
    const lim = signed ? (1n << (bits - 1n)) - 1n : mask;
    const sv = !signed || v < 1n << (bits - 1n) ? v : v - (1n << bits);
    const nv = (v + 1n) & mask;
    if (sv !== lim && (!is64 || (BigInt(sext32(Number(nv & 0xffffffffn))) & M64) === nv)) {
      const cc = ({ le_s: 'lt_s', le_u: 'lt_u', gt_s: 'ge_s', gt_u: 'ge_u' } as Record<string, string>)[c]!;
      const ff = [...f];
      ff[ib] = F('i', Number(nv & 0xffffffffn));
      if (ok(cc, ff)) return [pre + cc, ff];
    }
  }
  return null;
}

/** the branch taken when `op`'s is not (without its label field), or null if no handler has it */
function invertBranch(o: Op): [string, Field[]] | null {
  const base = o.op, f = o.f.filter((x) => x.k !== 'L');
  for (const [a, b] of [['br_nz', 'br_z'], ['br_i64_nz', 'br_i64_z']]) {
    if (base === a || base === b) {
      const nb = base === a ? b! : a!;
      return has(nameOf(nb, f)) ? [nb, f] : null;
    }
  }
  const pre = base.startsWith('br_i64_') ? 'br_i64_' : 'br_';
  const c = base.slice(pre.length);
  if (!(c in CMP32)) return null;
  const ic = INVERSE[c]!;
  if (has(nameOf(pre + ic, f))) return [pre + ic, f];
  if (f[0]!.k === 's' && f[1]!.k === 's' && has(nameOf(pre + MIRROR[ic]!, [f[1]!, f[0]!]))) {
    return [pre + MIRROR[ic]!, [f[1]!, f[0]!]];
  }
  return null;
}

/** A block: its kind, base height, parameter and result counts, labels (loop start, if's else) and
 * whether the rest of it is unreachable (skipped, counting nested blocks). */
interface Ctrl { kind: 'func' | 'block' | 'loop' | 'if'; h: number; np: number; nres: number; end: number;
  start?: number; els?: number; dead: boolean; deadNest: number }

// ---------------------------------------------------------------- one function
class FuncTranslator {
  readonly nl: number;
  readonly nres: number;
  readonly ltypes: number[];
  readonly body: Instr[];
  ir: Ir[] = [];
  vs: Val[] = [];
  maxh = 0;
  nlab = 0;
  usedScratch = false;
  frame = 0;
  /** the slots a call zeroes end here (RfFunction.nlocals); a wide frame's wframe zeroes the rest */
  zeroEnd = 0;
  /** a wide frame's call area: the most slots a call's arguments or results take */
  outSlots = 0;
  readonly np: number;
  /** the first temp's slot: nl, or np in a wide frame */
  readonly tempBase: number;
  /** a wide frame: the first local after the parameters sits here (after the temps and the scratch slot) */
  readonly lowBase: number;

  /** `wideTemps`: lay the frame out wide (parameters, then this many temps and the scratch slot, then the
   * other locals, those past slot MAX_FRAME - 1 reached through lget / lset) */
  constructor(
    readonly m: ParsedModule,
    readonly fi: number,
    bytes: Uint8Array,
    readonly canonType: (t: number) => number,
    readonly wideTemps?: number,
  ) {
    const ft = m.types[m.funcs[m.importedFuncs + fi]!]!;
    const fb = m.bodies[fi]!;
    this.nres = ft.results.length;
    const d = decodeBody(bytes, fb.start, fb.end);
    this.ltypes = [...ft.params, ...d.locals];
    this.nl = this.ltypes.length;
    this.np = ft.params.length;
    this.body = d.instrs;
    this.tempBase = wideTemps === undefined ? this.nl : this.np;
    this.lowBase = wideTemps === undefined ? 0 : this.np + wideTemps + 1;
  }

  canon(h: number) {
    return this.tempBase + h;
  }
  /** local x's slot (in a wide frame, one at MAX_FRAME or above is reached only by lget / lset) */
  localSlot(x: number) {
    return this.wideTemps === undefined || x < this.np ? x : this.lowBase + x - this.np;
  }
  isHigh(slot: number) {
    return slot >= MAX_FRAME;
  }
  /** the local in `slot`, or -1 (a temp or the scratch slot) */
  localAt(slot: number) {
    if (this.wideTemps === undefined) return slot < this.nl ? slot : -1;
    return slot < this.np ? slot : slot >= this.lowBase ? this.np + slot - this.lowBase : -1;
  }
  /** a call from a wide frame: the callee's frame starts past every local (the call area, after them),
   * so the arguments move up there (lset), the call names it with a 16-bit base, the results come down */
  wideCall(base: number, ft: { params: number[]; results: number[] }, call: (at: number) => void) {
    const at = this.lowBase + this.nl - this.np;
    this.outSlots = Math.max(this.outSlots, ft.params.length, ft.results.length);
    for (let k = 0; k < ft.params.length; k++) this.emit('lset', F('h', at + k), F('s', this.canon(base + k)));
    call(at);
    for (let k = 0; k < ft.results.length; k++) this.emit('lget', F('s', this.canon(base + k)), F('h', at + k));
  }
  /** an i32 or f32 global: gget32 / gset32 move its one word */
  oneWord(g: number) {
    const t = this.m.globals[g]!.t;
    return t === 0x7f || t === 0x7d;
  }
  isTemp(slot: number) {
    return this.localAt(slot) < 0;
  }
  label() {
    return ++this.nlab;
  }
  place(l: number) {
    this.ir.push({ label: l });
  }

  emit(base: string, ...fields: Field[]) {
    if (SPECIAL.has(base)) {
      this.ir.push({ op: base, f: fields });
      return;
    }
    const is64 = /^(i64_|br_i64_)/.test(base) && !/^i64_sh[lr]_/.test(base);
    for (let tries = 0; tries < 4; tries++) {
      const bad = fields.flatMap((x, j) => (x.k === 'i' && !fitsImm(x.v) ? [j] : []));
      if (has(nameOf(base, fields)) && !bad.length) break;
      const r = canonCompare(base, fields);
      if (r && !r[1].some((x) => x.k === 'i' && !fitsImm(x.v))) {
        [base, fields] = r;
        continue;
      }
      const j = bad[0] ?? fields.findIndex((x) => x.k === 'i');
      if (j < 0) throw new Error(`regform: no handler for ${nameOf(base, fields)}`);
      if (!is64) {
        const ff = [...fields];
        ff[j] = F('I', fields[j]!.v);
        if (has(nameOf(base, ff))) {
          fields = ff;
          continue;
        }
      }
      // the immediate goes to the scratch slot and the op takes the slot form
      const v = fields[j]!.v;
      this.usedScratch = true;
      if (is64) this.emitConst(SCRATCH, { c: BigInt(sext32(v)) & M64, bits: 64 });
      else this.emitConst(SCRATCH, { c: BigInt(v >>> 0), bits: 32 });
      fields = [...fields];
      fields[j] = F('s', SCRATCH);
      if (MEMORY_OPS.has(base.replace(/w+$/, '')) && !fields.some((x) => x.k === 'o')) fields.push(F('o', 0));
    }
    this.ir.push({ op: base, f: fields });
  }

  emitConst(slot: number, e: { c: bigint; bits: 32 | 64 }) {
    if (e.bits === 64) {
      const sv = BigInt.asIntN(64, e.c);
      if (sv >= -(1n << 31n) && sv < 1n << 31n) this.emit('const64s', F('s', slot), F('I', Number(e.c & 0xffffffffn)));
      else this.emit('const64', F('s', slot), { k: 'q', v: 0, q: e.c & M64 });
      return;
    }
    const v = Number(e.c & 0xffffffffn);
    if (v < 128 || v >= 2 ** 32 - 128) this.emit('const8', F('s', slot), F('g', v & 0xff));
    else if (fitsImm(v)) this.emit('const16', F('s', slot), F('i', v));
    else this.emit('const32', F('s', slot), F('I', v));
  }
  /** a copy of an i32 local moves one word (types are known for locals; temps copy the whole slot) */
  emitMov(d: number, x: number) {
    const l = this.localAt(x);
    this.emit(l >= 0 && this.ltypes[l] === 0x7f ? 'mov32' : 'mov', F('s', d), F('s', x));
  }
  push(v: Val) {
    this.vs.push(v);
    this.maxh = Math.max(this.maxh, this.vs.length);
  }
  pop(): Val {
    return this.vs.pop()!;
  }
  /** A binary op's two operands, popped, with a constant moved to the right where the op allows it (a commutative
   * op, or a comparison, then mirrored); the op's name after that, and the height below both. */
  binaryOperands(op: string, cmp: boolean): { a: Val; b: Val; nm: string; h: number } {
    let b = this.pop(), a = this.pop(), nm = op;
    if (isConst(a) && !isConst(b) && (COMMUTATIVE.has(nm) || cmp)) {
      [a, b] = [b, a];
      if (cmp) nm = MIRROR[nm]!;
    }
    return { a, b, nm, h: this.vs.length };
  }
  /** the value at stack index i into its own slot */
  mat(i: number) {
    const e = this.vs[i]!, c = this.canon(i);
    if (isConst(e)) this.emitConst(c, e);
    else if (e.s !== c) this.emitMov(c, e.s);
    this.vs[i] = { s: c };
  }
  matAll() {
    for (let i = 0; i < this.vs.length; i++) this.mat(i);
  }
  /** pending reads of local x, materialised before x is written */
  matLocal(local: number) {
    const x = this.localSlot(local);
    this.vs.forEach((e, i) => {
      if (!isConst(e) && e.s === x) this.mat(i);
    });
  }
  slotOf(e: Val, h: number): number {
    if (!isConst(e)) return e.s;
    const c = this.canon(h);
    this.maxh = Math.max(this.maxh, h + 1);
    this.emitConst(c, e);
    return c;
  }
  /** the destination of the value instruction i makes: a following local.set / tee's local, or a new temp;
   * returns the slot and how many instructions that consumed */
  dest(i: number): [number, number] {
    const nx = this.body[i + 1];
    if (nx && (nx.op === 0x21 || nx.op === 0x22) && !this.isHigh(this.localSlot(nx.a!))) {
      const x = this.localSlot(nx.a!);
      this.matLocal(nx.a!);
      if (nx.op === 0x22) this.push({ s: x });
      return [x, 2];
    }
    const d = this.canon(this.vs.length);
    this.push({ s: d });
    return [d, 1];
  }
  /** an offset too wide for the op: the checked address (no carry, as wasm's 33-bit sum) in a temp */
  wideOffset(sa: number, off: number, h: number): number {
    const t = this.canon(h);
    this.maxh = Math.max(this.maxh, h + 1);
    if (off > 0xffff) this.emit('eaddr32', F('s', t), F('s', sa), F('I', off));
    else this.emit('eaddr', F('s', t), F('s', sa), F('O', off));
    return t;
  }

  translate() {
    const ctl: Ctrl[] = [{ kind: 'func', h: 0, np: 0, nres: this.nres, end: this.label(), dead: false, deadNest: 0 }];
    const body = this.body;
    const arity = (c: Ctrl) => (c.kind === 'loop' ? c.np : c.nres);
    /** the values a branch to c carries are in c's slots already */
    const inPlace = (c: Ctrl) => {
      const n = arity(c);
      for (let k = 0; k < n; k++) {
        const v = this.vs[this.vs.length - n + k];
        if (v === undefined || isConst(v) || v.s !== this.canon(c.h + k)) return false;
      }
      return true;
    };
    const target = (c: Ctrl) => (c.kind === 'loop' ? c.start! : c.end);
    const putResults = (c: Ctrl) => {
      const n = arity(c);
      for (let k = 0; k < n; k++) {
        const src = this.vs[this.vs.length - n + k]!, want = this.canon(c.h + k);
        if (isConst(src)) this.emitConst(want, src);
        else if (src.s !== want) this.emitMov(want, src.s);
      }
    };
    const blockType = (bt: number) => {
      if (bt === -64) return { np: 0, nres: 0 };
      if (bt < 0) return { np: 0, nres: 1 };
      const t = this.m.types[bt]!;
      return { np: t.params.length, nres: t.results.length };
    };
    let i = 0;
    while (i < body.length) {
      const ins = body[i]!, o = ins.op;
      let step = 1;
      const c = ctl[ctl.length - 1]!;
      if (c.dead) {
        if (o === 0x02 || o === 0x03 || o === 0x04) {
          c.deadNest++;
          i++;
          continue;
        }
        if (o === 0x0b && c.deadNest) {
          c.deadNest--;
          i++;
          continue;
        }
        if ((o === 0x05 && c.deadNest) || (o !== 0x0b && o !== 0x05)) {
          i++;
          continue;
        }
      }
      switch (o) {
        case 0x01:
          break;
        case 0x02:
        case 0x03: {
          this.matAll();
          const bt = blockType(ins.a!);
          const nc: Ctrl = { kind: o === 0x02 ? 'block' : 'loop', h: this.vs.length - bt.np, ...bt,
            end: this.label(), dead: false, deadNest: 0 };
          if (o === 0x03) {
            nc.start = this.label();
            this.place(nc.start);
          }
          ctl.push(nc);
          break;
        }
        case 0x04: {
          const cond = this.pop();
          this.matAll();
          const bt = blockType(ins.a!);
          const nc: Ctrl = { kind: 'if', h: this.vs.length - bt.np, ...bt, end: this.label(),
            els: this.label(), dead: false, deadNest: 0 };
          this.condBranch(cond, false, nc.els!);
          ctl.push(nc);
          break;
        }
        case 0x05: {
          if (!c.dead) {
            for (let k = 0; k < c.nres; k++) this.mat(c.h + k);
            this.emit('br', F('J', c.end));
          }
          this.place(c.els!);
          c.els = undefined;
          // the else branch starts from the if's parameters, still in their slots (the then branch was skipped)
          this.vs.length = c.h;
          for (let k = 0; k < c.np; k++) this.push({ s: this.canon(c.h + k) });
          c.dead = false;
          c.deadNest = 0;
          break;
        }
        case 0x0b: {
          if (c.kind === 'func') {
            // the function's end: the fall-through returns its values from where they are; the end label
            // (and a return from the slots branches leave their values in) only if a branch goes there
            if (!c.dead) this.emitReturn();
            if (this.ir.some((x) => isOp(x) && x.f.some((f) => (f.k === 'L' || f.k === 'J') && f.v === c.end))) {
              this.place(c.end);
              this.vs.length = 0;
              for (let k = 0; k < c.nres; k++) this.push({ s: this.canon(k) });
              this.emitReturn();
            }
            i = body.length;
            continue;
          }
          if (!c.dead) for (let k = 0; k < c.nres; k++) this.mat(c.h + k);
          ctl.pop();
          if (c.els !== undefined) this.place(c.els);
          this.place(c.end);
          this.vs.length = c.h;
          for (let k = 0; k < c.nres; k++) this.push({ s: this.canon(c.h + k) });
          break;
        }
        case 0x0c: {
          const t = ctl[ctl.length - 1 - ins.a!]!;
          putResults(t);
          this.emit('br', F('J', target(t)));
          this.vs.length = c.h;
          c.dead = true;
          break;
        }
        case 0x0d: {
          const t = ctl[ctl.length - 1 - ins.a!]!;
          const cond = this.pop();
          if (!inPlace(t)) {
            const skip = this.label();
            this.condBranch(cond, false, skip);
            putResults(t);
            this.emit('br', F('J', target(t)));
            this.place(skip);
          } else this.condBranch(cond, true, target(t));
          break;
        }
        case 0x0e: {
          const ls = ins.ls!;
          const a = this.pop();
          const sa = this.slotOf(a, this.vs.length);
          // a target whose values must move first gets a stub after the table: the moves, then a br
          const stubs = new Map<number, number>();
          const targets = ls.map((d) => {
            const t = ctl[ctl.length - 1 - d]!;
            if (inPlace(t)) return F('J', target(t));
            if (!stubs.has(d)) stubs.set(d, this.label());
            return F('J', stubs.get(d)!);
          });
          if (ls.length > 0x10000) refuse('br_table with more than 65536 targets');
          this.emit('brtab', F('s', sa), F('h', ls.length - 1), ...targets);
          for (const [d, l] of stubs) {
            const t = ctl[ctl.length - 1 - d]!;
            this.place(l);
            putResults(t);
            this.emit('br', F('J', target(t)));
          }
          this.vs.length = c.h;
          c.dead = true;
          break;
        }
        case 0x0f:
          this.emitReturn();
          this.vs.length = c.h;
          c.dead = true;
          break;
        case 0x00:
          this.emit('trap');
          this.vs.length = c.h;
          c.dead = true;
          break;
        case 0x10: {
          const f = ins.a!;
          const ft = this.m.types[this.m.funcs[f]!]!;
          const base = this.vs.length - ft.params.length;
          for (let k = base; k < this.vs.length; k++) this.mat(k);
          if (f > 0xffff) refuse('calls to function indices above 65535 are not supported by the register form');
          if (this.wideTemps !== undefined) this.wideCall(base, ft, (at) => this.emit('callx', F('h', at), F('h', f)));
          else if (f > 255) this.emit('callw', F('s', this.canon(base)), F('h', f));
          else this.emit('call', F('s', this.canon(base)), F('c', f));
          this.vs.length = base;
          for (let k = 0; k < ft.results.length; k++) this.push({ s: this.canon(base + k) });
          break;
        }
        case 0x11: {
          const ti = ins.a!;
          const ft = this.m.types[ti]!;
          const x = this.pop();
          const base = this.vs.length - ft.params.length;
          for (let k = base; k < this.vs.length; k++) this.mat(k);
          const sx = this.slotOf(x, this.vs.length);
          // the index first: the handler steps over it
          const operands = [F('s', sx), F('s', this.canon(base)), F('h', this.canonType(ti))];
          if (this.wideTemps !== undefined) {
            this.wideCall(base, ft, (at) => this.emit('callix', F('s', sx), F('h', at), F('h', this.canonType(ti)),
              F('h', ins.b ?? 0)));
          } else if (ins.b) this.emit('calli_t', ...operands, F('h', ins.b));
          else this.emit('calli', ...operands);
          this.maxh = Math.max(this.maxh, this.vs.length + 1);
          this.vs.length = base;
          for (let k = 0; k < ft.results.length; k++) this.push({ s: this.canon(base + k) });
          break;
        }
        case 0x1a:
          this.pop();
          break;
        case 0x1b: {
          const cnd = this.pop(), b = this.pop(), a = this.pop(), h = this.vs.length;
          const sc = this.slotOf(cnd, h + 2), sb = this.slotOf(b, h + 1), sa = this.slotOf(a, h);
          let d: number;
          [d, step] = this.dest(i);
          this.emit('select', F('s', d), F('s', sa), F('s', sb), F('s', sc));
          break;
        }
        case 0x20: {
          const x = this.localSlot(ins.a!);
          if (this.isHigh(x)) {
            // a local past the byte: copied into the temp of its height now (a later set cannot change it)
            const t = this.canon(this.vs.length);
            this.emit('lget', F('s', t), F('h', x));
            this.push({ s: t });
          } else this.push({ s: x });
          break;
        }
        case 0x21:
        case 0x22: {
          const x = this.localSlot(ins.a!), v = this.pop();
          if (this.isHigh(x)) {
            const sv = this.slotOf(v, this.vs.length);
            this.emit('lset', F('h', x), F('s', sv));
            if (o === 0x22) this.push({ s: sv });
            break;
          }
          this.matLocal(ins.a!);
          if (isConst(v)) this.emitConst(x, v);
          else if (v.s !== x) this.emitMov(x, v.s);
          if (o === 0x22) this.push({ s: x });
          break;
        }
        case 0x23: {
          if (ins.a! > 255) refuse('more than 256 globals are not supported by the register form');
          let d: number;
          [d, step] = this.dest(i);
          this.emit(this.oneWord(ins.a!) ? 'gget32' : 'gget', F('s', d), F('g', ins.a!));
          break;
        }
        case 0x24: {
          if (ins.a! > 255) refuse('more than 256 globals are not supported by the register form');
          const v = this.pop();
          this.emit(this.oneWord(ins.a!) ? 'gset32' : 'gset', F('g', ins.a!), F('s', this.slotOf(v, this.vs.length)));
          break;
        }
        case 0x41:
        case 0x43:
          this.push({ c: ins.c!, bits: 32 });
          break;
        case 0x42:
        case 0x44:
          this.push({ c: ins.c!, bits: 64 });
          break;
        case 0xbc:
        case 0xbd:
        case 0xbe:
        case 0xbf:
          break; // reinterpret: the same bits in the same slot
        case 0xd0:
          this.push({ c: 0n, bits: 64 }); // ref.null: a reference is 0 or a function's index + 1, all 64 bits
          break;
        case 0xd2:
          this.push({ c: BigInt(ins.a! + 1), bits: 64 });
          break;
        case 0x3f: {
          let d: number;
          [d, step] = this.dest(i);
          this.emit('msize', F('s', d));
          break;
        }
        case 0x40: {
          const sn = this.slotOf(this.pop(), this.vs.length);
          let d: number;
          [d, step] = this.dest(i);
          this.emit('mgrow', F('s', d), F('s', sn));
          break;
        }
        case 0xfc09:
          this.emit('ddrop', F('h', ins.a!));
          break;
        case 0xfc0d:
          this.emit('edrop', F('h', ins.a!));
          break;
        case 0x25: {
          const si = this.slotOf(this.pop(), this.vs.length);
          let d: number;
          [d, step] = this.dest(i);
          this.emit('tget', F('s', d), F('s', si), F('h', ins.a!));
          break;
        }
        case 0x26: {
          const v = this.pop(), x = this.pop(), h = this.vs.length;
          const sv = this.slotOf(v, h + 1), si = this.slotOf(x, h);
          this.emit('tset', F('s', si), F('s', sv), F('h', ins.a!));
          break;
        }
        case 0xfc10: {
          let d: number;
          [d, step] = this.dest(i);
          this.emit('tsize', F('s', d), F('h', ins.a!));
          break;
        }
        case 0xfc0f: {
          const n = this.pop(), v = this.pop(), h = this.vs.length;
          const sn = this.slotOf(n, h + 1), sv = this.slotOf(v, h);
          let d: number;
          [d, step] = this.dest(i);
          this.emit('tgrow', F('s', d), F('s', sv), F('s', sn), F('h', ins.a!));
          break;
        }
        case 0xfc08:
        case 0xfc0a:
        case 0xfc0b:
        case 0xfc0c:
        case 0xfc0e:
        case 0xfc11: {
          // three operands (destination, source or value, count) and the op's indices
          const n = this.pop(), b = this.pop(), a = this.pop(), h = this.vs.length;
          const sn = this.slotOf(n, h + 2), sb = this.slotOf(b, h + 1), sa = this.slotOf(a, h);
          const ops = [F('s', sa), F('s', sb), F('s', sn)];
          if (o === 0xfc08) this.emit('minit', ...ops, F('h', ins.a!));
          else if (o === 0xfc0a) this.emit('mcopy', ...ops);
          else if (o === 0xfc0b) this.emit('mfill', ...ops);
          else if (o === 0xfc0c) this.emit('tinit', ...ops, F('h', ins.b!), F('h', ins.a!));
          else if (o === 0xfc0e) this.emit('tcopy', ...ops, F('h', ins.a!), F('h', ins.b!));
          else this.emit('tfill', ...ops, F('h', ins.a!));
          break;
        }
        default:
          step = this.numeric(ins, i);
      }
      i += step;
    }
    // (at least the results' slots: the callee leaves them in its slots 0..nres-1)
    this.frame = Math.max(this.canon(this.maxh) + (this.usedScratch ? 1 : 0), this.nres);
    this.zeroEnd = this.nl;
    if (this.wideTemps !== undefined) {
      this.frame = Math.max(this.lowBase + this.nl - this.np + this.outSlots, this.nres);
      if (this.frame > MAX_FRAME) {
        // the call checks and zeroes the low part; the first op the rest
        this.ir.unshift({ op: 'wframe', f: [F('h', MAX_FRAME), F('h', this.frame)] });
        this.frame = this.zeroEnd = MAX_FRAME;
      } else this.zeroEnd = this.frame;
    }
  }

  /** loads, stores and the numeric ops; returns how many instructions it consumed */
  numeric(ins: Instr, i: number): number {
    const o = ins.op;
    let d: number, step: number;
    const load = W_LOAD[o], store = W_STORE[o];
    if (load) {
      let off = ins.a!;
      const a = this.pop(), h = this.vs.length;
      if (isConst(a) && Number(a.c) + off <= 0xffffffff) {
        [d, step] = this.dest(i);
        this.emit(load, F('s', d), F('i', Number(a.c) + off));
        return step;
      }
      let sa = this.slotOf(a, h);
      if (off > MAX_OFF8) {
        sa = this.wideOffset(sa, off, h);
        off = 0;
      }
      [d, step] = this.dest(i);
      this.emit(load, F('s', d), F('s', sa), F('o', off));
      return step;
    }
    if (store) {
      let off = ins.a!;
      const v = this.pop(), a = this.pop(), h = this.vs.length;
      if (isConst(a) && Number(a.c) + off <= 0xffffffff) {
        this.emit(store, F('s', this.slotOf(v, h + 1)), F('i', Number(a.c) + off));
        return 1;
      }
      let sa = this.slotOf(a, h);
      if (off > MAX_OFF8) {
        sa = this.wideOffset(sa, off, h);
        off = 0;
      }
      this.emit(store, F('s', this.slotOf(v, h + 1)), F('s', sa), F('o', off));
      return 1;
    }
    const b32 = W_BIN32[o] ?? W_CMP32[o];
    if (b32) {
      const { a, b, nm, h } = this.binaryOperands(b32, o in W_CMP32);
      if (isConst(b)) {
        const sa = this.slotOf(a, h);
        [d, step] = this.dest(i);
        this.emit(nm, F('s', d), F('s', sa), F('i', Number(b.c & 0xffffffffn)));
      } else {
        const sa = this.slotOf(a, h), sb = this.slotOf(b, h + 1);
        [d, step] = this.dest(i);
        this.emit(nm, F('s', d), F('s', sa), F('s', sb));
      }
      return step;
    }
    const b64 = W_BIN64[o] ?? W_CMP64[o];
    if (b64) {
      const { a, b, nm, h } = this.binaryOperands(b64, o in W_CMP64);
      if (isConst(b) && ['shl', 'shr_u', 'shr_s'].includes(nm)) {
        const k = Number(b.c & 63n);
        const sa = this.slotOf(a, h);
        [d, step] = this.dest(i);
        if (k === 0) {
          if (d !== sa) this.emitMov(d, sa);
        } else if (k < 32) this.emit(`i64_${nm}_lo`, F('s', d), F('s', sa), F('i', k));
        else this.emit(`i64_${nm}_hi`, F('s', d), F('s', sa), F('i', k - 32));
      } else if (isConst(b) && BigInt.asIntN(64, b.c) >= -(1n << 31n) && BigInt.asIntN(64, b.c) < 1n << 31n) {
        const sa = this.slotOf(a, h);
        [d, step] = this.dest(i);
        this.emit('i64_' + nm, F('s', d), F('s', sa), F('i', Number(b.c & 0xffffffffn)));
      } else {
        const sa = this.slotOf(a, h), sb = this.slotOf(b, h + 1);
        [d, step] = this.dest(i);
        this.emit('i64_' + nm, F('s', d), F('s', sa), F('s', sb));
      }
      return step;
    }
    const fb = W_FLOAT_BIN[o];
    if (fb) {
      const b = this.pop(), a = this.pop(), h = this.vs.length;
      const sa = this.slotOf(a, h), sb = this.slotOf(b, h + 1);
      [d, step] = this.dest(i);
      this.emit(fb, F('s', d), F('s', sa), F('s', sb));
      return step;
    }
    const un = W_UNARY[o];
    if (un) {
      const a = this.pop();
      const sa = this.slotOf(a, this.vs.length);
      [d, step] = this.dest(i);
      this.emit(un, F('s', d), F('s', sa));
      return step;
    }
    throw new Error(`regform: opcode 0x${o.toString(16)} has no translation`);
  }

  /** a branch to `lab` taken when `cond` is true (whenTrue) or false; fuses the compare / eqz just emitted */
  condBranch(cond: Val, whenTrue: boolean, lab: number) {
    const last = this.ir[this.ir.length - 1];
    if (!isConst(cond) && this.isTemp(cond.s) && isOp(last) && last.f[0]!.k === 's' && last.f[0]!.v === cond.s &&
      (last.op in CMP32 || last.op === 'eqz' || last.op === 'i64_eqz' ||
        (last.op.startsWith('i64_') && last.op.slice(4) in CMP32))) {
      this.ir.pop();
      let nm = last.op;
      const f = last.f;
      if (nm === 'eqz' || nm === 'i64_eqz') {
        const p = nm === 'eqz' ? 'br_' : 'br_i64_';
        this.emit(p + (whenTrue ? 'z' : 'nz'), f[1]!, F('L', lab));
        return;
      }
      if (nm.startsWith('i64_')) {
        nm = nm.slice(4);
        if (!whenTrue) nm = INVERSE[nm]!;
        this.emit('br_i64_' + nm, f[1]!, f[2]!, F('L', lab));
        return;
      }
      if (!whenTrue) nm = INVERSE[nm]!;
      this.emit('br_' + nm, f[1]!, f[2]!, F('L', lab));
      return;
    }
    const sc = this.slotOf(cond, this.vs.length);
    this.emit(whenTrue ? 'br_nz' : 'br_z', F('s', sc), F('L', lab));
  }

  emitReturn() {
    const n = this.nres, top = this.vs.length - n;
    if (n === 1) {
      const x = this.slotOf(this.vs[top]!, top);
      if (x === 0) this.emit('ret0'); // already where the caller reads it
      else this.emit('ret', F('s', x));
    }
    else {
      // several results: each into its own slot first (a local may be one of the targets), then down to
      // slots 0..n-1 in ascending order (a source, at nl + its height, is never a later target)
      for (let k = 0; k < n; k++) this.mat(top + k);
      for (let k = 0; k < n; k++) if (this.canon(top + k) !== k) this.emitMov(k, this.canon(top + k));
      this.emit('ret0');
    }
  }

  // ------------------------------------------------------------ IR passes
  /** add T, x, #imm16 ; ld d, T, #0  ->  ldw d, x, #imm16 (T a temp; ldw adds without a carry check, as
   * i32.add wraps) */
  foldAddIntoLoad() {
    const ir = this.ir;
    for (let j = 0; j + 1 < ir.length;) {
      const p = ir[j], c = ir[j + 1];
      if (isOp(p) && isOp(c) && p.op === 'add' && p.f[2]!.k === 'i' && p.f[0]!.k === 's' && this.isTemp(p.f[0]!.v) &&
        c.op in LOAD32 && has(c.op + 'w_ss') && c.f.length === 3 && c.f[1]!.k === 's' && c.f[1]!.v === p.f[0]!.v &&
        c.f[2]!.k === 'o' && c.f[2]!.v === 0 && p.f[2]!.v <= 0xffff && p.f[1]!.k === 's') {
        c.op += 'w';
        c.f[1] = p.f[1]!;
        c.f[2] = F('O', p.f[2]!.v);
        ir.splice(j, 1);
        continue;
      }
      j++;
    }
  }
  /** i64 compare into temp T, then extend_i32_u D, T: the compare writes D (its result is a whole 0/1 slot) */
  foldExtend() {
    const ir = this.ir;
    for (let j = 0; j + 1 < ir.length;) {
      const p = ir[j], c = ir[j + 1];
      if (isOp(p) && isOp(c) && c.op === 'ext_u' && p.op.startsWith('i64_') && p.op.slice(4) in CMP32 &&
        p.f[0]!.k === 's' && this.isTemp(p.f[0]!.v) && c.f[1]!.k === 's' && c.f[1]!.v === p.f[0]!.v) {
        p.f[0] = c.f[0]!;
        ir.splice(j + 1, 1);
        continue;
      }
      j++;
    }
  }
  /** a temp written by one op and read by the next (no label between) goes through the accumulator */
  accumulate() {
    const ir = this.ir;
    for (let j = 0; j + 1 < ir.length; j++) {
      const p = ir[j], c = ir[j + 1];
      if (!isOp(p) || !isOp(c) || !hasDest(p.op) || p.f[0]!.k !== 's' || !this.isTemp(p.f[0]!.v)) continue;
      if (SPECIAL.has(p.op) || SPECIAL.has(c.op)) continue;
      const t = p.f[0]!.v;
      const first = hasDest(c.op) ? 1 : 0;
      const reads: number[] = [];
      for (let k = first; k < c.f.length; k++) if (c.f[k]!.k === 's' && c.f[k]!.v === t) reads.push(k);
      if (reads.length !== 1) continue;
      let r = reads[0]!;
      const cf = [...c.f];
      let cb = c.op;
      // the accumulator in the first read position where the op allows it
      if (COMMUTATIVE.has(cb) && r === 2 && cf[1]!.k === 's') {
        [cf[1], cf[2]] = [cf[2]!, cf[1]!];
        r = 1;
      }
      if (cb.startsWith('br_') && cb.slice(3) in CMP32 && r === 1 && cf[0]!.k === 's') {
        [cf[0], cf[1]] = [cf[1]!, cf[0]!];
        r = 0;
        cb = 'br_' + MIRROR[cb.slice(3)]!;
      }
      cf[r] = F('k', 0);
      const pf = [...p.f];
      pf[0] = F('k', 0);
      if (has(nameOf(cb, cf)) && has(nameOf(p.op, pf))) {
        p.f = pf;
        c.op = cb;
        c.f = cf;
      }
    }
  }

  /** 8-bit branches: start short; a branch out of reach becomes its inverse over a 16-bit br, and a 16-bit
   * one out of reach (more than 32 KB of code) takes the 32-bit form */
  relax(num: OpNumbering) {
    for (const x of this.ir) {
      if (isOp(x) && x.op === 'br') {
        x.op = 'brs';
        x.f = [F('L', x.f[0]!.v)];
      }
    }
    for (;;) {
      const pos = new Map<number, number>();
      const at: number[] = [];
      let p = 0;
      for (const x of this.ir) {
        if (!isOp(x)) {
          pos.set(x.label, p);
          at.push(0);
          continue;
        }
        const page2 = num.code.get(nameOf(x.op, x.f))?.page2 ? 1 : 0;
        at.push(p + page2);
        p += 1 + page2 + fieldBytes(x.f);
      }
      const far: number[] = [];
      let widened = false;
      this.ir.forEach((x, j) => {
        const reach = (f: Field) => pos.get(f.v)! - at[j]!;
        if (isOp(x) && x.f.some((f) => f.k === 'L' && (reach(f) < -128 || reach(f) > 127))) far.push(j);
        if (isOp(x) && x.f.some((f) => f.k === 'J' && (reach(f) < -32768 || reach(f) > 32767))) {
          if (x.op === 'br') x.op = 'brw';
          else if (x.op === 'brtab') {
            x.op = 'brtabw';
            x.f[1] = F('I', x.f[1]!.v);
          } else throw new Error(`regform: no wide form of ${x.op}`);
          x.f = x.f.map((f) => (f.k === 'J' ? F('W', f.v) : f));
          widened = true;
        }
      });
      if (!far.length && !widened) return;
      for (const j of far.reverse()) {
        const x = this.ir[j] as Op;
        const lab = x.f.find((f) => f.k === 'L')!.v;
        if (x.op === 'brs') {
          this.ir[j] = { op: 'br', f: [F('J', lab)] };
          continue;
        }
        const skip = this.label();
        const r = invertBranch(x);
        if (r) {
          this.ir.splice(j, 1, { op: r[0], f: [...r[1], F('L', skip)] }, { op: 'br', f: [F('J', lab)] },
            { label: skip });
        } else {
          // no inverse handler (an accumulator form): a trampoline
          const tr = this.label(), nx = this.label();
          this.ir.splice(j, 1, { op: x.op, f: x.f.map((f) => (f.k === 'L' ? F('L', tr) : f)) },
            { op: 'brs', f: [F('L', nx)] }, { label: tr }, { op: 'br', f: [F('J', lab)] }, { label: nx });
        }
      }
    }
  }

  encode(num: OpNumbering, used: Set<string>): Uint8Array {
    const scr = this.canon(this.maxh);
    for (const x of this.ir) if (isOp(x)) x.f = x.f.map((f) => (f.k === 's' && f.v === SCRATCH ? F('s', scr) : f));
    this.foldAddIntoLoad();
    this.foldExtend();
    this.accumulate();
    this.relax(num);
    const pos = new Map<number, number>();
    let p = 0;
    for (const x of this.ir) {
      if (!isOp(x)) pos.set(x.label, p);
      else p += 1 + (num.code.get(nameOf(x.op, x.f))?.page2 ? 1 : 0) + fieldBytes(x.f);
    }
    const out = new Uint8Array(p);
    const dv = new DataView(out.buffer);
    let w = 0;
    for (const x of this.ir) {
      if (!isOp(x)) continue;
      const n = nameOf(x.op, x.f);
      const code = num.code.get(n);
      if (!code) throw new Error(`regform: op ${n} is not in the image's op list`);
      used.add(n);
      if (code.page2) out[w++] = num.esc!.code;
      const at = w;
      out[w++] = code.byte;
      for (const f of x.f) {
        switch (f.k) {
          case 's':
          case 'g':
          case 'o':
          case 'c':
            if (f.v < 0 || f.v > 255) refuse(`function ${this.fi}: field ${f.k} value ${f.v} does not fit a byte`);
            out[w++] = f.v;
            break;
          case 'k':
            break;
          case 'I':
            dv.setUint32(w, f.v >>> 0, true);
            w += 4;
            break;
          case 'i':
            dv.setInt16(w, sext32(f.v), true);
            w += 2;
            break;
          case 'q':
            dv.setBigUint64(w, f.q!, true);
            w += 8;
            break;
          case 'h':
          case 'O':
            if (f.v > 0xffff) refuse(`function ${this.fi}: an index ${f.v} does not fit 16 bits`);
            dv.setUint16(w, f.v, true);
            w += 2;
            break;
          case 'L': {
            const d = pos.get(f.v)! - at;
            dv.setInt8(w++, d);
            break;
          }
          case 'J':
            dv.setInt16(w, pos.get(f.v)! - at, true);
            w += 2;
            break;
          case 'W':
            dv.setInt32(w, pos.get(f.v)! - at, true);
            w += 4;
            break;
          default:
            throw new Error(`regform: field kind ${f.k}`);
        }
      }
    }
    return out;
  }
}

const fieldBytes = (f: Field[]) => f.reduce((n, x) => n + FIELD_BYTES[x.k]!, 0);

// wasm opcode -> op base
const W_BIN32: Record<number, string> = { 0x6a: 'add', 0x6b: 'sub', 0x6c: 'mul', 0x6d: 'div_s', 0x6e: 'div_u',
  0x6f: 'rem_s', 0x70: 'rem_u', 0x71: 'and', 0x72: 'or', 0x73: 'xor', 0x74: 'shl', 0x75: 'shr_s', 0x76: 'shr_u',
  0x77: 'rotl', 0x78: 'rotr' };
const W_CMP32: Record<number, string> = { 0x46: 'eq', 0x47: 'ne', 0x48: 'lt_s', 0x49: 'lt_u', 0x4a: 'gt_s',
  0x4b: 'gt_u', 0x4c: 'le_s', 0x4d: 'le_u', 0x4e: 'ge_s', 0x4f: 'ge_u' };
const W_BIN64: Record<number, string> = { 0x7c: 'add', 0x7d: 'sub', 0x7e: 'mul', 0x7f: 'div_s', 0x80: 'div_u',
  0x81: 'rem_s', 0x82: 'rem_u', 0x83: 'and', 0x84: 'or', 0x85: 'xor', 0x86: 'shl', 0x87: 'shr_s', 0x88: 'shr_u',
  0x89: 'rotl', 0x8a: 'rotr' };
const W_CMP64: Record<number, string> = { 0x51: 'eq', 0x52: 'ne', 0x53: 'lt_s', 0x54: 'lt_u', 0x55: 'gt_s',
  0x56: 'gt_u', 0x57: 'le_s', 0x58: 'le_u', 0x59: 'ge_s', 0x5a: 'ge_u' };
/** one operand, one result (ref.is_null is eqz: a null reference is 0) */
const W_UNARY: Record<number, string> = { 0x45: 'eqz', 0x67: 'clz', 0x68: 'ctz', 0x69: 'popcnt', 0xc0: 'ext8s',
  0xc1: 'ext16s', 0xa7: 'wrap', 0xad: 'ext_u', 0xac: 'ext_s', 0x50: 'i64_eqz', 0xd1: 'eqz',
  0x79: 'i64_clz', 0x7a: 'i64_ctz', 0x7b: 'i64_popcnt', 0xc2: 'i64_ext8s', 0xc3: 'i64_ext16s', 0xc4: 'i64_ext32s',
  0x8b: 'f32_abs', 0x8c: 'f32_neg', 0x8d: 'f32_ceil', 0x8e: 'f32_floor', 0x8f: 'f32_trunc', 0x90: 'f32_nearest',
  0x91: 'f32_sqrt', 0x99: 'f64_abs', 0x9a: 'f64_neg', 0x9b: 'f64_ceil', 0x9c: 'f64_floor', 0x9d: 'f64_trunc',
  0x9e: 'f64_nearest', 0x9f: 'f64_sqrt',
  0xa8: 'i32_trunc_f32_s', 0xa9: 'i32_trunc_f32_u', 0xaa: 'i32_trunc_f64_s', 0xab: 'i32_trunc_f64_u',
  0xae: 'i64_trunc_f32_s', 0xaf: 'i64_trunc_f32_u', 0xb0: 'i64_trunc_f64_s', 0xb1: 'i64_trunc_f64_u',
  0xb2: 'f32_convert_i32_s', 0xb3: 'f32_convert_i32_u', 0xb4: 'f32_convert_i64_s', 0xb5: 'f32_convert_i64_u',
  0xb6: 'f32_demote_f64', 0xb7: 'f64_convert_i32_s', 0xb8: 'f64_convert_i32_u', 0xb9: 'f64_convert_i64_s',
  0xba: 'f64_convert_i64_u', 0xbb: 'f64_promote_f32',
  0xfc00: 'i32_trunc_sat_f32_s', 0xfc01: 'i32_trunc_sat_f32_u', 0xfc02: 'i32_trunc_sat_f64_s',
  0xfc03: 'i32_trunc_sat_f64_u', 0xfc04: 'i64_trunc_sat_f32_s', 0xfc05: 'i64_trunc_sat_f32_u',
  0xfc06: 'i64_trunc_sat_f64_s', 0xfc07: 'i64_trunc_sat_f64_u' };
/** float binary ops and compares: slot operands only */
const W_FLOAT_BIN: Record<number, string> = Object.fromEntries([
  ...['eq', 'ne', 'lt', 'gt', 'le', 'ge'].flatMap((c, k) => [[0x5b + k, `f32_${c}`], [0x61 + k, `f64_${c}`]]),
  ...['add', 'sub', 'mul', 'div', 'min', 'max', 'copysign'].flatMap((c, k) => [[0x92 + k, `f32_${c}`],
    [0xa0 + k, `f64_${c}`]]),
]);
/** f32 / f64 loads and stores move the same bits as the integer ones */
const W_LOAD: Record<number, string> = { 0x28: 'ld32', 0x2d: 'ld8u', 0x2c: 'ld8s', 0x2f: 'ld16u', 0x2e: 'ld16s',
  0x29: 'ld64', 0x35: 'ld64_32u', 0x34: 'ld64_32s', 0x2a: 'ld32', 0x2b: 'ld64', 0x30: 'ld64_8s', 0x31: 'ld64_8u',
  0x32: 'ld64_16s', 0x33: 'ld64_16u' };
const W_STORE: Record<number, string> = { 0x36: 'st32', 0x3a: 'st8', 0x3b: 'st16', 0x37: 'st64', 0x3e: 'st32',
  0x3c: 'st8', 0x3d: 'st16', 0x38: 'st32', 0x39: 'st64' };

/** Translates every defined function of a validated module (`bytes` is the module `m` was parsed
 * from). Throws WasmError for what the register form cannot hold (e.g. parameters and operand stack over
 * MAX_FRAME slots). */
export function translateModule(m: ParsedModule, bytes: Uint8Array, opts: TranslateOptions = {}): RfModule {
  const num = numbering(opts.ops);
  const sig = (t: number) => {
    const ft = m.types[t]!;
    return ft.params.join(',') + '>' + ft.results.join(',');
  };
  const firstOfSig = new Map<string, number>();
  m.types.forEach((_, t) => {
    if (!firstOfSig.has(sig(t))) firstOfSig.set(sig(t), t);
  });
  const canonType = (t: number) => firstOfSig.get(sig(t))!;
  const parts: Uint8Array[] = [];
  const funcs: RfFunction[] = [];
  const used = new Set<string>();
  let off = 0;
  for (let fi = 0; fi < m.bodies.length; fi++) {
    let t = new FuncTranslator(m, fi, bytes, canonType);
    t.translate();
    // too many slots: the wide layout (temps low, then the locals), with room for as many temps as it uses
    for (let temps = t.maxh; t.frame > MAX_FRAME || (t.wideTemps !== undefined && t.maxh > t.wideTemps);) {
      if (t.np + temps + 1 > MAX_FRAME) {
        refuse(`function ${m.importedFuncs + fi} needs ${t.np} parameter and ${temps + 1} operand-stack and ` +
          `scratch slots; the register form addresses at most ${MAX_FRAME} of them (the other locals may be ` +
          'more): split the function or use fewer parameters');
      }
      if (t.nl + temps + 1 > 0xffff) {
        refuse(`function ${m.importedFuncs + fi} needs ${t.nl + temps + 1} frame slots; the register form ` +
          'allows 65535');
      }
      t = new FuncTranslator(m, fi, bytes, canonType, temps);
      t.translate();
      temps = Math.max(temps, t.maxh);
    }
    const code = t.encode(num, used);
    const typeIdx = m.funcs[m.importedFuncs + fi]!;
    const ft = m.types[typeIdx]!;
    funcs.push({ codeOff: off, nparams: ft.params.length, nresults: ft.results.length, nlocals: t.zeroEnd,
      frame: t.frame, typeIdx });
    parts.push(code);
    off += code.length;
  }
  const code = new Uint8Array(off);
  let p = 0;
  for (const c of parts) {
    code.set(c, p);
    p += c.length;
  }
  const order = num.labels.filter((n) => n !== 'esc');
  return { code, funcs, used: order.filter((n) => used.has(n)), ops: order };
}

/** An image's translation: numbered with only the ops its code uses (one byte each when they are at most
 * 255), so `gen-ops --only` with the result's `ops` gives the image its own handlers and nothing more. */
export function translateForImage(m: ParsedModule, bytes: Uint8Array): RfModule {
  return translateModule(m, bytes, { ops: translateModule(m, bytes).used });
}
