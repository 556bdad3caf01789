// Wasm 2.0 binary parser and validator used at build time. It checks a module the way the
// spec's validation algorithm does (operand and control stacks) and, while doing so, records
// the side table the C interpreter needs to execute the original bytecode in place: one entry
// per branch-like instruction (if, else, br, br_if, br_table targets) with the target pc,
// target side-table index, and how many values to keep and drop.
//
// Files: reader.ts (bytes, LEB128, errors), types.ts (what the parse returns), validate-body.ts
// (function bodies and their side tables); this file walks the sections and the constant
// expressions.

import { FUNCREF, I32, I64, F32, F64, Reader, invalid, limits, malformed, refType, valType } from './reader.ts';
import type { ParsedModule } from './types.ts';
import { validateBody } from './validate-body.ts';

export { WasmError, I32, I64, F32, F64, FUNCREF, EXTERNREF } from './reader.ts';
export type { FuncType, Limits, Import, SideEntry, ConstSite, FuncBody, ParsedModule } from './types.ts';

/** Parses and validates a module; throws WasmError on a malformed or invalid one. */
export function parseModule(b: Uint8Array): ParsedModule {
  const r = new Reader(b, 0, b.length);
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 ||
    b[3] !== 0x6d) malformed('magic header not detected');
  r.p = 4;
  if (b.length < 8) malformed('unexpected end');
  if (b[4] !== 1 || b[5] !== 0 || b[6] !== 0 || b[7] !== 0) malformed('unknown binary version');
  r.p = 8;
  const m: ParsedModule = { types: [], typeOffsets: [], funcs: [], importedFuncs: 0, tables: [], mems: [], globals: [],
    importedGlobals: 0, bodies: [], codeSection: null, funcTypes: null, dataCount: null, nData: 0, nElem: 0 };
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
  if (m.dataCount !== null && m.dataCount !== m.nData) malformed(
    'data count and data section have inconsistent lengths');
  if (m.mems.length > 1) invalid('multiple memories');
  if (startFunc !== null) {
    if (startFunc >= m.funcs.length) invalid('unknown function');
    const t = m.types[m.funcs[startFunc]!]!;
    if (t.params.length || t.results.length) invalid('start function');
  }
  // constant expressions
  const ctx = { m, declaredRefs };
  globalInits.forEach((g, i) => {
    const t = constExpr(g.r, ctx, i < m.importedGlobals ? 0 : m.importedGlobals);
    if (t !== g.t) invalid('type mismatch');
  });
  for (const e of elemExprs) {
    const ex = e as Reader & { isOffset?: number; elemType?: number };
    const t = constExpr(e, ctx, m.importedGlobals);
    if (ex.isOffset !== undefined) {
      if (t !== I32) invalid('type mismatch');
    } else if (t !== ex.elemType) invalid('type mismatch');
  }
  for (const d of dataSegs) {
    if (d.off && d.mem >= m.mems.length) invalid('unknown memory');
    if (d.off && constExpr(d.off, ctx, m.importedGlobals) !== I32) invalid('type mismatch');
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
function constExpr(r: Reader, ctx: { m: ParsedModule; declaredRefs: Set<number> }, globalsVisible: number): number {
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
        if (g >= ctx.m.globals.length || g >= Math.max(globalsVisible, ctx.m.importedGlobals) + 0 &&
          g >= ctx.m.globals.length) invalid('unknown global');
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
