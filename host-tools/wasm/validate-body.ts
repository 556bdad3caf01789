// A function body's validation (the spec's algorithm: operand and control stacks) and, while it
// runs, the side table the C interpreter needs to run the original bytecode in place: one entry
// per branch-like instruction (if, else, br, br_if, br_table targets) with the target pc, target
// side-table index, and how many values to keep and drop.

import {
  F32, F64, FUNCREF, I32, I64, UNKNOWN, isNum, isRef, invalid, malformed, refType, valType, type Reader,
} from './reader.ts';
import type { ConstSite, FuncBody, ParsedModule, SideEntry } from './types.ts';

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

export function validateBody(
    r: Reader, m: ParsedModule, typeIdx: number, declaredRefs: Set<number>, elemTypes: number[]): FuncBody {
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
    ctrls.push({
      op, params, results, height: opds.length, unreachable: false, pending: [], loopPc: 0, loopStp: 0, ifEntry: -1 });
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

  ctrls.push({ op: 0x02, params: [], results: ft.results, height: 0, unreachable: false, pending: [], loopPc: 0,
    loopStp: 0, ifEntry: -1 });
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
          if (c.params.length !== c.results.length ||
            c.params.some((t, i) => t !== c.results[i])) invalid('type mismatch');
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
          return {
            start, end: at, codeStart, localCount, maxStack, side, consts, instrs, localTypes: locals.slice(0, 128) };
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

function numeric(op: number, un: (a: number, r: number) => void, bin: (a: number, r: number) => void,
    pop: (t?: number) => number, push: (t: number) => void) {
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
