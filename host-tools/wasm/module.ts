// Wasm 2.0 binary parser and validator used at build time. It checks a module the way the
// spec's validation algorithm does (operand and control stacks) and, while doing so, records
// the side table the C interpreter needs to execute the original bytecode in place: one entry
// per branch-like instruction (if, else, br, br_if, br_table targets) with the target pc,
// target side-table index, and how many values to keep and drop.

export class WasmError extends Error {
  constructor(
    readonly kind: 'malformed' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}
const malformed = (m: string): never => {
  throw new WasmError('malformed', m);
};
const invalid = (m: string): never => {
  throw new WasmError('invalid', m);
};

export const I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c, FUNCREF = 0x70, EXTERNREF = 0x6f;
const UNKNOWN = -1;
const isNum = (t: number) => t === I32 || t === I64 || t === F32 || t === F64;
const isRef = (t: number) => t === FUNCREF || t === EXTERNREF;

export interface FuncType { params: number[]; results: number[] }
export interface Limits { min: number; max: number | null }
export interface Import { module: string; name: string; kind: number; type: number | Limits | { t: number; mut: boolean } | { elem: number; limits: Limits } }
/** originPc: just past the branch opcode (the pre-decoded form stores targets relative to it) */
export interface SideEntry { originPc: number; targetPc: number; targetStp: number; keep: number; drop: number }
/** An i32.const / i64.const in a body: opcode offset, LEB length and value (predecode.ts rewrites
 * the multi-byte ones into fixed-width immediates). */
export interface ConstSite { at: number; lebLen: number; wide: boolean; value: bigint }
export interface FuncBody { start: number; end: number; codeStart: number; localCount: number; maxStack: number; side: SideEntry[]; consts: ConstSite[]; instrs: number[] }
export interface ParsedModule {
  types: FuncType[];
  typeOffsets: { params: number; results: number }[];
  funcs: number[]; // type index per function (imports first)
  importedFuncs: number;
  tables: { elem: number; limits: Limits }[];
  mems: Limits[];
  globals: { t: number; mut: boolean }[];
  importedGlobals: number;
  bodies: FuncBody[];
  codeSection: { start: number; end: number } | null;
  /** the function section's type indices: where the first starts, and whether each is one byte */
  funcTypes: { start: number; oneByte: boolean } | null;
  dataCount: number | null;
  nData: number;
  nElem: number;
}

class Reader {
  constructor(
    readonly b: Uint8Array,
    public p: number,
    public end: number,
  ) {}
  eof() {
    return this.p >= this.end;
  }
  u8(): number {
    if (this.p >= this.end) malformed('unexpected end');
    return this.b[this.p++]!;
  }
  uleb(bits: number): number {
    let result = 0n, shift = 0n;
    for (let i = 0; ; i++) {
      const byte = this.u8();
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      const last = (byte & 0x80) === 0;
      if (i === Math.ceil(bits / 7) - 1) {
        if (!last) malformed('integer representation too long');
        const used = bits - 7 * i;
        if (used < 7 && byte >> used !== 0) malformed('integer too large');
        return Number(result);
      }
      if (last) return Number(result);
    }
  }
  sleb(bits: number): bigint {
    let result = 0n, shift = 0n;
    const maxBytes = Math.ceil(bits / 7);
    for (let i = 0; ; i++) {
      const byte = this.u8();
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      const last = (byte & 0x80) === 0;
      if (i === maxBytes - 1) {
        if (!last) malformed('integer representation too long');
        const used = bits - 7 * i; // value bits in this byte incl. sign
        if (used < 7) {
          const rest = (byte & 0x7f) >> (used - 1);
          const allOnes = (1 << (8 - used)) - 1;
          if (rest !== 0 && rest !== allOnes) malformed('integer too large');
        }
      }
      if (last) {
        if (byte & 0x40) result -= 1n << shift;
        return result;
      }
    }
  }
  u32() {
    return this.uleb(32);
  }
  bytes(n: number) {
    if (this.end - this.p < n) malformed('unexpected end');
    const s = this.b.subarray(this.p, this.p + n);
    this.p += n;
    return s;
  }
  name(): string {
    const n = this.u32();
    const s = this.bytes(n);
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(s);
    } catch {
      return malformed('malformed UTF-8 encoding');
    }
  }
}

function valType(r: Reader): number {
  const t = r.u8();
  if (isNum(t) || isRef(t)) return t;
  return malformed('malformed value type');
}
function refType(r: Reader): number {
  const t = r.u8();
  if (isRef(t)) return t;
  return malformed('malformed reference type');
}
function limits(r: Reader, maxAllowed: number, what: string): Limits {
  const flag = r.u8();
  if (flag > 1) malformed('integer too large');
  const min = r.u32();
  const max = flag === 1 ? r.u32() : null;
  if (min > maxAllowed) invalid(`${what} size must be at most ${maxAllowed}`);
  if (max !== null && max > maxAllowed) invalid(`${what} size must be at most ${maxAllowed}`);
  if (max !== null && min > max) invalid('size minimum must not be greater than maximum');
  return { min, max };
}

/** Parses and validates a module; throws WasmError on a malformed or invalid one. */
export function parseModule(b: Uint8Array): ParsedModule {
  const r = new Reader(b, 0, b.length);
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d) malformed('magic header not detected');
  r.p = 4;
  if (b.length < 8) malformed('unexpected end');
  if (b[4] !== 1 || b[5] !== 0 || b[6] !== 0 || b[7] !== 0) malformed('unknown binary version');
  r.p = 8;
  const m: ParsedModule = { types: [], typeOffsets: [], funcs: [], importedFuncs: 0, tables: [], mems: [], globals: [], importedGlobals: 0, bodies: [], codeSection: null, funcTypes: null, dataCount: null, nData: 0, nElem: 0 };
  const order = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11];
  let lastOrder = -1;
  let nDefined = 0;
  let sawCode = false;
  const declaredRefs = new Set<number>();
  const globalInits: { r: Reader; t: number }[] = [];
  const elemExprs: Reader[] = [];
  const exportNames = new Set<string>();
  let codeReader: Reader | null = null;
  let startFunc: number | null = null;
  const elemTypes: number[] = [];
  const dataSegs: { mem: number; off: Reader | null }[] = [];

  while (!r.eof()) {
    const id = r.u8();
    const size = r.u32();
    if (r.end - r.p < size) malformed('length out of bounds');
    const s = new Reader(b, r.p, r.p + size);
    r.p += size;
    if (id === 0) {
      s.name();
      continue;
    }
    const ord = order.indexOf(id);
    if (ord < 0) malformed('malformed section id');
    if (ord <= lastOrder) malformed('unexpected content after last section');
    lastOrder = ord;
    const count = () => s.u32();
    switch (id) {
      case 1: {
        for (let n = count(); n > 0; n--) {
          if (s.u8() !== 0x60) malformed('integer representation too long');
          const params: number[] = [];
          const np = s.u32();
          const po = s.p;
          for (let k = np; k > 0; k--) params.push(valType(s));
          const results: number[] = [];
          const nr = s.u32();
          const ro = s.p;
          for (let k = nr; k > 0; k--) results.push(valType(s));
          m.typeOffsets.push({ params: po, results: ro });
          m.types.push({ params, results });
        }
        break;
      }
      case 2: {
        for (let n = count(); n > 0; n--) {
          s.name();
          s.name();
          const kind = s.u8();
          if (kind === 0) {
            const t = s.u32();
            if (t >= m.types.length) invalid('unknown type');
            m.funcs.push(t);
            m.importedFuncs++;
          } else if (kind === 1) {
            const elem = refType(s);
            m.tables.push({ elem, limits: limits(s, 0xffffffff, 'table') });
          } else if (kind === 2) {
            m.mems.push(limits(s, 65536, 'memory'));
          } else if (kind === 3) {
            const t = valType(s);
            const mu = s.u8();
            if (mu > 1) malformed('malformed mutability');
            m.globals.push({ t, mut: mu === 1 });
            m.importedGlobals++;
          } else malformed('malformed import kind');
        }
        break;
      }
      case 3: {
        const n0 = count();
        m.funcTypes = { start: s.p, oneByte: s.end - s.p === n0 };
        for (let n = n0; n > 0; n--) {
          const t = s.u32();
          if (t >= m.types.length) invalid('unknown type');
          m.funcs.push(t);
          nDefined++;
        }
        break;
      }
      case 4: {
        for (let n = count(); n > 0; n--) {
          const elem = refType(s);
          m.tables.push({ elem, limits: limits(s, 0xffffffff, 'table') });
        }
        break;
      }
      case 5: {
        for (let n = count(); n > 0; n--) m.mems.push(limits(s, 65536, 'memory'));
        break;
      }
      case 6: {
        for (let n = count(); n > 0; n--) {
          const t = valType(s);
          const mu = s.u8();
          if (mu > 1) malformed('malformed mutability');
          const init = new Reader(b, s.p, s.end);
          skipConstExpr(s);
          globalInits.push({ r: init, t });
          m.globals.push({ t, mut: mu === 1 });
        }
        break;
      }
      case 7: {
        for (let n = count(); n > 0; n--) {
          const nm = s.name();
          if (exportNames.has(nm)) invalid('duplicate export name');
          exportNames.add(nm);
          const kind = s.u8();
          const idx = s.u32();
          if (kind === 0) {
            if (idx >= m.funcs.length) invalid('unknown function');
            declaredRefs.add(idx);
          } else if (kind === 1) {
            if (idx >= m.tables.length) invalid('unknown table');
          } else if (kind === 2) {
            if (idx >= m.mems.length) invalid('unknown memory');
          } else if (kind === 3) {
            if (idx >= m.globals.length) invalid('unknown global');
          } else malformed('malformed export kind');
        }
        break;
      }
      case 8:
        startFunc = s.u32();
        break;
      case 9: {
        for (let n = count(); n > 0; n--) {
          const flags = s.u32();
          if (flags > 7) malformed('malformed elements segment kind');
          let table = 0;
          let et = FUNCREF;
          if ((flags & 1) === 0) {
            if (flags & 2) table = s.u32();
            const off = new Reader(b, s.p, s.end);
            skipConstExpr(s);
            elemExprs.push(off); // validated below as i32 offset
            (off as Reader & { isOffset?: number }).isOffset = table + 1;
          }
          const exprs = (flags & 4) !== 0;
          if (flags & 3) {
            if (exprs) et = refType(s);
            else if (s.u8() !== 0) malformed('malformed elements segment kind');
          }
          const k = s.u32();
          for (let i = 0; i < k; i++) {
            if (exprs) {
              const e = new Reader(b, s.p, s.end);
              skipConstExpr(s);
              (e as Reader & { elemType?: number }).elemType = et;
              elemExprs.push(e);
            } else {
              const f = s.u32();
              if (f >= m.funcs.length) invalid('unknown function');
              declaredRefs.add(f);
            }
          }
          elemTypes.push(et);
          if ((flags & 1) === 0) {
            if (table >= m.tables.length) invalid('unknown table');
            if (m.tables[table]!.elem !== et) invalid('type mismatch');
          }
        }
        m.nElem = elemTypes.length;
        break;
      }
      case 12:
        m.dataCount = s.u32();
        break;
      case 10: {
        sawCode = true;
        m.codeSection = { start: s.p, end: s.end };
        codeReader = s;
        const n = s.u32();
        if (n !== nDefined) malformed('function and code section have inconsistent lengths');
        // bodies validated after all sections are read (data count must be known)
        s.p = s.end;
        codeReader = new Reader(b, m.codeSection.start, m.codeSection.end);
        codeReader.u32();
        break;
      }
      case 11: {
        const n = count();
        for (let i = 0; i < n; i++) {
          const flags = s.u32();
          if (flags > 2) malformed('malformed data segment kind');
          let mem = 0;
          let off: Reader | null = null;
          if (flags !== 1) {
            if (flags === 2) mem = s.u32();
            off = new Reader(b, s.p, s.end);
            skipConstExpr(s);
          }
          const len = s.u32();
          s.bytes(len);
          dataSegs.push({ mem, off });
        }
        m.nData = n;
        break;
      }
    }
    if (!s.eof()) malformed('section size mismatch');
  }
  if (!sawCode && nDefined > 0) malformed('function and code section have inconsistent lengths');
  if (m.dataCount !== null && m.dataCount !== m.nData) malformed('data count and data section have inconsistent lengths');
  if (m.mems.length > 1) invalid('multiple memories');
  if (startFunc !== null) {
    if (startFunc >= m.funcs.length) invalid('unknown function');
    const t = m.types[m.funcs[startFunc]!]!;
    if (t.params.length || t.results.length) invalid('start function');
  }
  // constant expressions
  const ctx = { m, declaredRefs };
  globalInits.forEach((g, i) => {
    const t = constExpr(g.r, ctx, i < m.importedGlobals ? 0 : m.importedGlobals, true);
    if (t !== g.t) invalid('type mismatch');
  });
  for (const e of elemExprs) {
    const ex = e as Reader & { isOffset?: number; elemType?: number };
    const t = constExpr(e, ctx, m.importedGlobals, false);
    if (ex.isOffset !== undefined) {
      if (t !== I32) invalid('type mismatch');
    } else if (t !== ex.elemType) invalid('type mismatch');
  }
  for (const d of dataSegs) {
    if (d.off && d.mem >= m.mems.length) invalid('unknown memory');
    if (d.off && constExpr(d.off, ctx, m.importedGlobals, false) !== I32) invalid('type mismatch');
  }
  if (codeReader) {
    for (let i = 0; i < nDefined; i++) {
      const size = codeReader.u32();
      const start = codeReader.p;
      if (codeReader.end - start < size) malformed('unexpected end');
      const body = new Reader(b, start, start + size);
      codeReader.p = start + size;
      m.bodies.push(validateBody(body, m, m.funcs[m.importedFuncs + i]!, declaredRefs, elemTypes));
    }
    if (!codeReader.eof()) malformed('section size mismatch');
  }
  return m;
}

function skipConstExpr(s: Reader) {
  for (;;) {
    const op = s.u8();
    if (op === 0x0b) return;
    if (op === 0x41) s.sleb(32);
    else if (op === 0x42) s.sleb(64);
    else if (op === 0x43) s.bytes(4);
    else if (op === 0x44) s.bytes(8);
    else if (op === 0x23 || op === 0xd2) s.u32();
    else if (op === 0xd0) s.u8();
    else if (op === 0xfd) s.u32();
    else {
      // unknown or non-constant instruction: let the validator report it precisely
      if (op > 0xd2 && op !== 0xfc) malformed('illegal opcode');
      if (op === 0xfc) s.u32();
      return;
    }
  }
}

/** Validates a constant expression and returns its type. */
function constExpr(r: Reader, ctx: { m: ParsedModule; declaredRefs: Set<number> }, globalsVisible: number, _isGlobal: boolean): number {
  const stack: number[] = [];
  for (;;) {
    const op = r.u8();
    switch (op) {
      case 0x0b:
        if (stack.length !== 1) invalid('type mismatch');
        return stack[0]!;
      case 0x41: r.sleb(32); stack.push(I32); break;
      case 0x42: r.sleb(64); stack.push(I64); break;
      case 0x43: r.bytes(4); stack.push(F32); break;
      case 0x44: r.bytes(8); stack.push(F64); break;
      case 0x23: {
        const g = r.u32();
        if (g >= ctx.m.globals.length || g >= Math.max(globalsVisible, ctx.m.importedGlobals) + 0 && g >= ctx.m.globals.length) invalid('unknown global');
        if (g >= ctx.m.importedGlobals) invalid('unknown global');
        if (ctx.m.globals[g]!.mut) invalid('constant expression required');
        stack.push(ctx.m.globals[g]!.t);
        break;
      }
      case 0xd0: stack.push(refType(r)); break;
      case 0xd2: {
        const f = r.u32();
        if (f >= ctx.m.funcs.length) invalid('unknown function');
        ctx.declaredRefs.add(f);
        stack.push(FUNCREF);
        break;
      }
      default:
        invalid('constant expression required');
    }
  }
}

interface Ctrl {
  op: number;
  params: number[];
  results: number[];
  height: number;
  unreachable: boolean;
  pending: number[]; // side entries to patch with this frame's end
  loopPc: number;
  loopStp: number;
  ifEntry: number;
}

const MAX_LOCALS = 50000;

function validateBody(r: Reader, m: ParsedModule, typeIdx: number, declaredRefs: Set<number>, elemTypes: number[]): FuncBody {
  const start = r.p;
  const ft = m.types[typeIdx]!;
  const locals = [...ft.params];
  let localCount = 0;
  for (let n = r.u32(); n > 0; n--) {
    const k = r.u32();
    localCount += k;
    if (localCount > MAX_LOCALS) malformed('too many locals');
    const t = valType(r);
    for (let i = 0; i < k; i++) locals.push(t);
  }
  const codeStart = r.p;
  const opds: number[] = [];
  const ctrls: Ctrl[] = [];
  const side: SideEntry[] = [];
  const consts: ConstSite[] = [];
  const instrs: number[] = []; // every instruction's offset, in order (predecode.ts fuses sequences)
  let maxStack = 0;

  const push = (t: number) => {
    opds.push(t);
    if (opds.length > maxStack) maxStack = opds.length;
  };
  const pop = (expect?: number): number => {
    const c = ctrls[ctrls.length - 1]!;
    if (opds.length === c.height) {
      if (c.unreachable) return expect ?? UNKNOWN;
      invalid('type mismatch');
    }
    const t = opds.pop()!;
    if (expect !== undefined && t !== UNKNOWN && expect !== UNKNOWN && t !== expect) invalid('type mismatch');
    return expect !== undefined && t === UNKNOWN ? expect : t;
  };
  const popVals = (ts: number[]) => {
    for (let i = ts.length - 1; i >= 0; i--) pop(ts[i]);
  };
  const pushVals = (ts: number[]) => ts.forEach(push);
  const pushCtrl = (op: number, params: number[], results: number[]) => {
    ctrls.push({ op, params, results, height: opds.length, unreachable: false, pending: [], loopPc: 0, loopStp: 0, ifEntry: -1 });
    pushVals(params);
  };
  const popCtrl = (): Ctrl => {
    if (!ctrls.length) invalid('type mismatch');
    const c = ctrls[ctrls.length - 1]!;
    popVals(c.results);
    if (opds.length !== c.height) invalid('type mismatch');
    ctrls.pop();
    return c;
  };
  const labelTypes = (c: Ctrl) => (c.op === 0x03 ? c.params : c.results);
  const unreachable = () => {
    const c = ctrls[ctrls.length - 1]!;
    opds.length = c.height;
    c.unreachable = true;
  };
  // one side entry for a branch to label depth `d`, taken with the current stack
  let opAt = 0; // the instruction being validated: side entries record where they come from
  const branchEntry = (d: number) => {
    const c = ctrls[ctrls.length - 1 - d]!;
    const keep = labelTypes(c).length;
    const cur = ctrls[ctrls.length - 1]!;
    const drop = cur.unreachable ? 0 : Math.max(0, opds.length - c.height - keep);
    const e: SideEntry = { originPc: opAt + 1, targetPc: 0, targetStp: 0, keep, drop };
    if (c.op === 0x03) {
      e.targetPc = c.loopPc;
      e.targetStp = c.loopStp;
    } else c.pending.push(side.length);
    side.push(e);
  };
  const blockType = (): { params: number[]; results: number[] } => {
    const b0 = r.b[r.p];
    if (b0 === 0x40) {
      r.p++;
      return { params: [], results: [] };
    }
    if (b0 !== undefined && (isNum(b0) || isRef(b0))) {
      r.p++;
      return { params: [], results: [b0] };
    }
    const t = Number(r.sleb(33));
    if (t < 0 || t >= m.types.length) invalid('unknown type');
    return m.types[t]!;
  };
  const memarg = (natural: number) => {
    const align = r.u32();
    r.u32();
    if (!m.mems.length) invalid('unknown memory');
    if (align >= 32 || 1 << align > natural) invalid('alignment must not be larger than natural');
  };
  const local = () => {
    const i = r.u32();
    if (i >= locals.length) invalid('unknown local');
    return locals[i]!;
  };
  const global = () => {
    const i = r.u32();
    if (i >= m.globals.length) invalid('unknown global');
    return m.globals[i]!;
  };
  const table = () => {
    const i = r.u32();
    if (i >= m.tables.length) invalid('unknown table');
    return m.tables[i]!;
  };
  const needData = () => {
    if (m.dataCount === null) malformed('data count section required');
  };
  const un = (a: number, res: number) => {
    pop(a);
    push(res);
  };
  const bin = (a: number, res: number) => {
    pop(a);
    pop(a);
    push(res);
  };

  ctrls.push({ op: 0x02, params: [], results: ft.results, height: 0, unreachable: false, pending: [], loopPc: 0, loopStp: 0, ifEntry: -1 });
  for (;;) {
    if (r.eof()) malformed(ctrls.length ? 'unexpected end of section or function' : 'section size mismatch');
    const at = r.p;
    opAt = at;
    instrs.push(at);
    const op = r.u8();
    // numeric ops by table
    if (op >= 0x45 && op <= 0xc4) {
      numeric(op, un, bin, pop, push);
      continue;
    }
    switch (op) {
      case 0x00: unreachable(); break;
      case 0x01: break;
      case 0x02:
      case 0x03: {
        const bt = blockType();
        popVals(bt.params);
        pushCtrl(op, bt.params, bt.results);
        const c = ctrls[ctrls.length - 1]!;
        c.loopPc = r.p;
        c.loopStp = side.length;
        break;
      }
      case 0x04: {
        const bt = blockType();
        pop(I32);
        popVals(bt.params);
        pushCtrl(op, bt.params, bt.results);
        ctrls[ctrls.length - 1]!.ifEntry = side.length;
        side.push({ originPc: opAt + 1, targetPc: 0, targetStp: 0, keep: 0, drop: 0 });
        break;
      }
      case 0x05: {
        const c = ctrls[ctrls.length - 1]!;
        if (c.op !== 0x04 || ctrls.length === 1) malformed('else without if');
        const ifE = c.ifEntry;
        popCtrl();
        // then-branch falls through: jump past the end
        c.pending.push(side.length);
        side.push({ originPc: opAt + 1, targetPc: 0, targetStp: 0, keep: c.results.length, drop: 0 });
        side[ifE]!.targetPc = r.p;
        side[ifE]!.targetStp = side.length;
        ctrls.push({ ...c, op: 0x05, unreachable: false, ifEntry: -1 });
        pushVals(c.params);
        break;
      }
      case 0x0b: {
        const c = popCtrl();
        if (c.op === 0x04) {
          // if without else: its params must equal its results
          if (c.params.length !== c.results.length || c.params.some((t, i) => t !== c.results[i])) invalid('type mismatch');
          side[c.ifEntry]!.targetPc = r.p;
          side[c.ifEntry]!.targetStp = side.length;
        }
        const isFuncEnd = ctrls.length === 0;
        for (const e of c.pending) {
          side[e]!.targetPc = isFuncEnd ? at : r.p;
          side[e]!.targetStp = side.length;
        }
        pushVals(c.results);
        if (isFuncEnd) {
          if (!r.eof()) malformed('section size mismatch');
          return { start, end: at, codeStart, localCount, maxStack, side, consts, instrs };
        }
        break;
      }
      case 0x0c: {
        const d = r.u32();
        if (d >= ctrls.length) invalid('unknown label');
        popVals(labelTypes(ctrls[ctrls.length - 1 - d]!));
        // (re-push for accurate drop computation done before popping)
        pushVals(labelTypes(ctrls[ctrls.length - 1 - d]!));
        branchEntry(d);
        popVals(labelTypes(ctrls[ctrls.length - 1 - d]!));
        unreachable();
        break;
      }
      case 0x0d: {
        const d = r.u32();
        if (d >= ctrls.length) invalid('unknown label');
        pop(I32);
        const lt = labelTypes(ctrls[ctrls.length - 1 - d]!);
        popVals(lt);
        pushVals(lt);
        branchEntry(d);
        break;
      }
      case 0x0e: {
        const n = r.u32();
        const labels: number[] = [];
        for (let i = 0; i <= n; i++) {
          const d = r.u32();
          if (d >= ctrls.length) invalid('unknown label');
          labels.push(d);
        }
        pop(I32);
        const arity = labelTypes(ctrls[ctrls.length - 1 - labels[n]!]!).length;
        for (const d of labels) {
          const lt = labelTypes(ctrls[ctrls.length - 1 - d]!);
          if (lt.length !== arity) invalid('type mismatch');
          // check types against current stack without consuming it
          const saved = opds.slice();
          const savedUn = ctrls[ctrls.length - 1]!.unreachable;
          popVals(lt);
          opds.length = 0;
          opds.push(...saved);
          ctrls[ctrls.length - 1]!.unreachable = savedUn;
          branchEntry(d);
        }
        popVals(labelTypes(ctrls[ctrls.length - 1 - labels[n]!]!));
        unreachable();
        break;
      }
      case 0x0f: {
        popVals(ft.results);
        unreachable();
        break;
      }
      case 0x10: {
        const f = r.u32();
        if (f >= m.funcs.length) invalid('unknown function');
        const t = m.types[m.funcs[f]!]!;
        popVals(t.params);
        pushVals(t.results);
        break;
      }
      case 0x11: {
        const ti = r.u32();
        const tab = r.u32();
        if (tab >= m.tables.length) invalid('unknown table');
        if (m.tables[tab]!.elem !== FUNCREF) invalid('type mismatch');
        if (ti >= m.types.length) invalid('unknown type');
        pop(I32);
        const t = m.types[ti]!;
        popVals(t.params);
        pushVals(t.results);
        break;
      }
      case 0x1a: pop(); break;
      case 0x1b: {
        pop(I32);
        const t1 = pop();
        const t2 = pop();
        if ((t1 !== UNKNOWN && !isNum(t1)) || (t2 !== UNKNOWN && !isNum(t2))) invalid('type mismatch');
        if (t1 !== UNKNOWN && t2 !== UNKNOWN && t1 !== t2) invalid('type mismatch');
        push(t1 === UNKNOWN ? t2 : t1);
        break;
      }
      case 0x1c: {
        const n = r.u32();
        if (n !== 1) invalid('invalid result arity');
        const t = valType(r);
        pop(I32);
        pop(t);
        pop(t);
        push(t);
        break;
      }
      case 0x20: push(local()); break;
      case 0x21: pop(local()); break;
      case 0x22: { const t = local(); pop(t); push(t); break; }
      case 0x23: push(global().t); break;
      case 0x24: {
        const g = global();
        if (!g.mut) invalid('global is immutable');
        pop(g.t);
        break;
      }
      case 0x25: { const t = table(); pop(I32); push(t.elem); break; }
      case 0x26: { const t = table(); pop(t.elem); pop(I32); break; }
      case 0x28: memarg(4); un(I32, I32); break;
      case 0x29: memarg(8); un(I32, I64); break;
      case 0x2a: memarg(4); un(I32, F32); break;
      case 0x2b: memarg(8); un(I32, F64); break;
      case 0x2c: case 0x2d: memarg(1); un(I32, I32); break;
      case 0x2e: case 0x2f: memarg(2); un(I32, I32); break;
      case 0x30: case 0x31: memarg(1); un(I32, I64); break;
      case 0x32: case 0x33: memarg(2); un(I32, I64); break;
      case 0x34: case 0x35: memarg(4); un(I32, I64); break;
      case 0x36: memarg(4); pop(I32); pop(I32); break;
      case 0x37: memarg(8); pop(I64); pop(I32); break;
      case 0x38: memarg(4); pop(F32); pop(I32); break;
      case 0x39: memarg(8); pop(F64); pop(I32); break;
      case 0x3a: memarg(1); pop(I32); pop(I32); break;
      case 0x3b: memarg(2); pop(I32); pop(I32); break;
      case 0x3c: memarg(1); pop(I64); pop(I32); break;
      case 0x3d: memarg(2); pop(I64); pop(I32); break;
      case 0x3e: memarg(4); pop(I64); pop(I32); break;
      case 0x3f:
      case 0x40: {
        if (r.u8() !== 0) malformed('zero byte expected');
        if (!m.mems.length) invalid('unknown memory');
        if (op === 0x40) pop(I32);
        push(I32);
        break;
      }
      case 0x41: consts.push({ at, wide: false, value: r.sleb(32), lebLen: r.p - at - 1 }); push(I32); break;
      case 0x42: consts.push({ at, wide: true, value: r.sleb(64), lebLen: r.p - at - 1 }); push(I64); break;
      case 0x43: r.bytes(4); push(F32); break;
      case 0x44: r.bytes(8); push(F64); break;
      case 0xd0: push(refType(r)); break;
      case 0xd1: {
        const t = pop();
        if (t !== UNKNOWN && !isRef(t)) invalid('type mismatch');
        push(I32);
        break;
      }
      case 0xd2: {
        const f = r.u32();
        if (f >= m.funcs.length) invalid('unknown function');
        if (!declaredRefs.has(f)) invalid('undeclared function reference');
        push(FUNCREF);
        break;
      }
      case 0xfc: {
        const sub = r.u32();
        if (sub <= 7) {
          const src = sub < 2 ? F32 : sub < 4 ? F64 : sub < 6 ? F32 : F64;
          const dst = sub < 4 ? I32 : I64;
          un(src, dst);
        } else if (sub === 8) {
          const seg = r.u32();
          if (r.u8() !== 0) malformed('zero byte expected');
          if (!m.mems.length) invalid('unknown memory');
          needData();
          if (seg >= (m.dataCount ?? 0)) invalid('unknown data segment');
          pop(I32); pop(I32); pop(I32);
        } else if (sub === 9) {
          const seg = r.u32();
          needData();
          if (seg >= (m.dataCount ?? 0)) invalid('unknown data segment');
        } else if (sub === 10) {
          if (r.u8() !== 0 || r.u8() !== 0) malformed('zero byte expected');
          if (!m.mems.length) invalid('unknown memory');
          pop(I32); pop(I32); pop(I32);
        } else if (sub === 11) {
          if (r.u8() !== 0) malformed('zero byte expected');
          if (!m.mems.length) invalid('unknown memory');
          pop(I32); pop(I32); pop(I32);
        } else if (sub === 12) {
          const seg = r.u32();
          const t = table();
          if (seg >= elemTypes.length) invalid('unknown elem segment');
          if (elemTypes[seg] !== t.elem) invalid('type mismatch');
          pop(I32); pop(I32); pop(I32);
        } else if (sub === 13) {
          const seg = r.u32();
          if (seg >= elemTypes.length) invalid('unknown elem segment');
        } else if (sub === 14) {
          const t1 = table();
          const t2 = table();
          if (t1.elem !== t2.elem) invalid('type mismatch');
          pop(I32); pop(I32); pop(I32);
        } else if (sub === 15) {
          const t = table();
          pop(I32); pop(t.elem); push(I32);
        } else if (sub === 16) {
          table();
          push(I32);
        } else if (sub === 17) {
          const t = table();
          pop(I32); pop(t.elem); pop(I32);
        } else malformed('illegal opcode');
        break;
      }
      default:
        malformed('illegal opcode');
    }
  }
}

function numeric(op: number, un: (a: number, r: number) => void, bin: (a: number, r: number) => void, pop: (t?: number) => number, push: (t: number) => void) {
  if (op === 0x45) return un(I32, I32);
  if (op <= 0x4f) return bin(I32, I32);
  if (op === 0x50) return un(I64, I32);
  if (op <= 0x5a) return bin(I64, I32);
  if (op <= 0x60) return bin(F32, I32);
  if (op <= 0x66) return bin(F64, I32);
  if (op <= 0x69) return un(I32, I32);
  if (op <= 0x78) return bin(I32, I32);
  if (op <= 0x7b) return un(I64, I64);
  if (op <= 0x8a) return bin(I64, I64);
  if (op <= 0x91) return un(F32, F32);
  if (op <= 0x98) return bin(F32, F32);
  if (op <= 0x9f) return un(F64, F64);
  if (op <= 0xa6) return bin(F64, F64);
  const conv: Record<number, [number, number]> = {
    0xa7: [I64, I32], 0xa8: [F32, I32], 0xa9: [F32, I32], 0xaa: [F64, I32], 0xab: [F64, I32],
    0xac: [I32, I64], 0xad: [I32, I64], 0xae: [F32, I64], 0xaf: [F32, I64], 0xb0: [F64, I64], 0xb1: [F64, I64],
    0xb2: [I32, F32], 0xb3: [I32, F32], 0xb4: [I64, F32], 0xb5: [I64, F32], 0xb6: [F64, F32],
    0xb7: [I32, F64], 0xb8: [I32, F64], 0xb9: [I64, F64], 0xba: [I64, F64], 0xbb: [F32, F64],
    0xbc: [F32, I32], 0xbd: [F64, I64], 0xbe: [I32, F32], 0xbf: [I64, F64],
    0xc0: [I32, I32], 0xc1: [I32, I32], 0xc2: [I64, I64], 0xc3: [I64, I64], 0xc4: [I64, I64],
  };
  const c = conv[op]!;
  pop(c[0]);
  push(c[1]);
}
