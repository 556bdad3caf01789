// The checks `wasmqtt build` runs on a module before it is linked into an image, so a module that
// cannot start on the chip fails the build with what to change instead of looping on boot:
// - every import is one the engine's binding provides (the interpreter binding's import table,
//   or the AOT binding's Z_boardZ_* functions): an unknown import is a build error for both
//   engines (the AOT image used to run it as a stub and publish empty payloads);
// - the data segments fit the interpreter's segment limit, when the runtime header states one;
// - the static data fits the board's linear-memory cap;
// - the exports the binding calls are there.
// The binding's C sources are the one list of what it provides, so an import the binding gains
// is accepted here without a second list to update.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Board } from './boards.ts';

export interface ModuleImport {
  module: string; name: string; kind: 'func' | 'table' | 'memory' | 'global'; params?: number; results?: number }
export interface DataSegment { index: number; offset: number | null; bytes: number }
export interface ModuleFacts {
  imports: ModuleImport[];
  exports: string[];
  data: DataSegment[];
  elemSegments: number;
  memory: { minPages: number; maxPages: number | null } | null;
}

export class ModuleFormatError extends Error {}

/** Reads the sections the checks need (imports, exports, memory, data, elem counts); the full
 * validation is the pre-decoder's (host-tools/wasm/module.ts). */
export function readModuleFacts(b: Uint8Array): ModuleFacts {
  if (b.length < 8 || b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d) throw new ModuleFormatError(
    'not a WebAssembly module (no \\0asm header)');
  let p = 8;
  const u8 = (): number => {
    if (p >= b.length) throw new ModuleFormatError('unexpected end of module');
    return b[p++]!;
  };
  const u32 = (): number => {
    let r = 0, shift = 0, byte: number;
    do { byte = u8(); r += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    return r;
  };
  const name = (): string => {
    const n = u32();
    const s = new TextDecoder().decode(b.subarray(p, p + n));
    p += n;
    return s;
  };
  const skipLimits = (): { min: number; max: number | null } => {
    const flag = u8();
    const min = u32();
    return { min, max: flag & 1 ? u32() : null };
  };
  /** A constant offset expression: i32.const N end; null for anything else (global.get). */
  const constExpr = (): number | null => {
    const op = u8();
    let v: number | null = null;
    if (op === 0x41) {
      let r = 0, shift = 0, byte: number;
      do { byte = u8(); r |= (byte & 0x7f) << shift; shift += 7; } while (byte & 0x80);
      if (shift < 32 && byte & 0x40) r |= -1 << shift;
      v = r >>> 0;
    } else if (op === 0x23) u32();
    else throw new ModuleFormatError(`unsupported offset expression opcode 0x${op.toString(16)}`);
    if (u8() !== 0x0b) throw new ModuleFormatError('offset expression is longer than one instruction');
    return v;
  };
  const types: { params: number; results: number }[] = [];
  const facts: ModuleFacts = { imports: [], exports: [], data: [], elemSegments: 0, memory: null };
  while (p < b.length) {
    const id = u8();
    const size = u32();
    const end = p + size;
    if (id === 1) {
      for (let n = u32(), i = 0; i < n; i++) {
        u8(); // 0x60
        const params = u32(); p += params;
        const results = u32(); p += results;
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = u32(), i = 0; i < n; i++) {
        const module = name();
        const field = name();
        const kind = u8();
        if (kind === 0) {
          const t = types[u32()];
          facts.imports.push({ module, name: field, kind: 'func', params: t?.params, results: t?.results });
        } else if (kind === 1) { u8(); skipLimits(); facts.imports.push({ module, name: field, kind: 'table' }); }
        else if (kind === 2) { skipLimits(); facts.imports.push({ module, name: field, kind: 'memory' }); }
        else { u8(); u8(); facts.imports.push({ module, name: field, kind: 'global' }); }
      }
    } else if (id === 5) {
      if (u32() > 0) { const l = skipLimits(); facts.memory = { minPages: l.min, maxPages: l.max }; }
    } else if (id === 7) {
      for (let n = u32(), i = 0; i < n; i++) { facts.exports.push(name()); u8(); u32(); }
    } else if (id === 9) {
      facts.elemSegments = u32();
    } else if (id === 11) {
      for (let n = u32(), i = 0; i < n; i++) {
        const flags = u32();
        let offset: number | null = null;
        if (flags === 0) offset = constExpr();
        else if (flags === 2) { u32(); offset = constExpr(); }
        const len = u32();
        p += len;
        facts.data.push({ index: i, offset, bytes: len });
      }
    }
    p = end;
  }
  return facts;
}

export type Engine = 'interp' | 'aot' | 'wasm3';

/** One signature per import the binding links, by "module.name"; params/results counts only
 * (every board ABI value is an i32). */
export type ProvidedImports = Map<string, { params: number; results: number } | null>;

/** The interpreter binding's import table: `{"board", "name", "v(iii)", fn}` rows. */
export function interpImports(bindingDir: string): ProvidedImports {
  const out: ProvidedImports = new Map();
  for (const f of readdirSync(bindingDir).filter((n) => n.endsWith('.c'))) {
    const text = readFileSync(join(bindingDir, f), 'utf8');
    for (const m of text.matchAll(/\{\s*"(\w+)"\s*,\s*"(\w+)"\s*,\s*"([vi])\(([i]*)\)"\s*,/g)) {
      out.set(`${m[1]}.${m[2]}`, { params: m[4]!.length, results: m[3] === 'v' ? 0 : 1 });
    }
  }
  return out;
}

/** The AOT binding's import functions: wasm2c names an import `Z_<module>Z_<name>`. */
export function aotImports(aotDir: string): ProvidedImports {
  const out: ProvidedImports = new Map();
  for (const f of readdirSync(aotDir).filter((n) => n.endsWith('.c'))) {
    const text = readFileSync(join(aotDir, f), 'utf8');
    for (const m of text.matchAll(/^\s*(?:u32|void|u64|s32|uint32_t|int32_t)\s+Z_(\w+?)Z_(\w+)\s*\(\s*struct\s+Z_\w+_instance_t\s*\*\s*\w+\s*((?:,\s*u32\s+\w+\s*)*)\)/gm)) {
      const params = (m[3]!.match(/,/g) ?? []).length;
      out.set(`${m[1]}.${m[2]}`, { params, results: /^\s*void/.test(m[0]) ? 0 : 1 });
    }
  }
  return out;
}

/** The interpreter's data-segment limit, when its header states one (WQRT_MAX_SEGMENTS). */
export function runtimeSegmentLimit(runtimeSrcDir: string): number | null {
  const h = join(runtimeSrcDir, 'rt_internal.h');
  if (!existsSync(h)) return null;
  const text = readFileSync(h, 'utf8');
  const m = /#\s*define\s+WQRT_MAX_SEGMENTS\s+(\d+)/.exec(text);
  // the limit binds only while the runtime keeps a fixed array of that size
  if (!m || !/\[\s*WQRT_MAX_SEGMENTS\s*(\/\s*8\s*)?\]/.test(text)) return null;
  return Number(m[1]);
}

/** Exports the firmware's main loop calls (docs/board-abi.md "Exports"). */
export const REQUIRED_EXPORTS = ['memory', 'start', 'step'];

export interface CheckInput {
  facts: ModuleFacts;
  moduleName: string;
  board: Board;
  boardFile: string;
  engine: Engine;
  provided: ProvidedImports | null;
  segmentLimit: number | null;
}

/** Every problem that would stop the module on the chip, each with what to change; empty = fit. */
export function checkModule(c: CheckInput): string[] {
  const problems: string[] = [];
  const { facts } = c;
  const engineName = c.engine === 'aot' ? 'the AOT binding (--engine aot)' : c.engine === 'wasm3' ?
    'the wasm3 binding' : 'the interpreter binding';
  if (c.provided) {
    const known = [...c.provided.keys()].sort();
    for (const imp of facts.imports) {
      const key = `${imp.module}.${imp.name}`;
      if (imp.kind !== 'func') {
        problems.push(
          `import ${key} is a ${imp.kind}: the board ABI provides functions only (compile with the default memory, ` +
          `not --importMemory/--importTable)`);
        continue;
      }
      const sig = c.provided.get(key);
      if (sig === undefined) {
        const hint = imp.module === 'env' && (imp.name === 'abort' || imp.name === 'trace' || imp.name === 'seed')
          ?
            ` (AssemblyScript's ${imp.name}(); the app build maps abort to the core's; use the SDK's log() instead ` +
            `of trace() and its random source instead of Math.random())`
          : imp.module === 'env' ? ' (an @external function or a `declare function` in the app: only the board ABI ' +
            'of docs/board-abi.md exists on the chip)' : '';
        problems.push(`import ${key} is not provided by ${engineName}${hint}; the board ABI has: ${known.join(', ')}`);
      } else if (sig && (sig.params !== imp.params || sig.results !== imp.results)) {
        problems.push(
          `import ${key} takes ${imp.params} argument(s) and returns ${imp.results} value(s), but the board ABI's ` +
          `${key} takes ${sig.params} and returns ${sig.results}: match docs/board-abi.md`);
      }
    }
  }
  for (const e of REQUIRED_EXPORTS) {
    if (!facts.exports.includes(e)) problems.push(
      `the module does not export ${e}: the firmware calls memory/start()/step(); export them from the app's entry ` +
      `file (see docs/app-api.md)`);
  }
  if (c.engine === 'interp' && c.segmentLimit !== null && facts.data.length > c.segmentLimit) {
    problems.push(
      `${facts.data.length} data segments, the interpreter takes ${c.segmentLimit}: fewer distinct constant ` +
      `strings/arrays (strings built with + each add segments; join them or reuse one buffer), or run it with ` +
      `--engine aot`);
  }
  if (c.engine === 'interp' && c.segmentLimit !== null && facts.elemSegments > c.segmentLimit) {
    problems.push(`${facts.elemSegments} element segments, the interpreter takes ${c.segmentLimit}`);
  }
  const cap = c.board.wasm.linearMemoryCapBytes;
  const staticEnd = facts.data.reduce((m, d) => (d.offset === null ? m : Math.max(m, d.offset + d.bytes)), 0);
  if (staticEnd > cap) {
    problems.push(
      `static data ends at byte ` +
      `${staticEnd} of linear memory, but ${c.board.name} gives a module ${cap} bytes (wasm.linearMemoryCapBytes in ` +
      `${c.boardFile}): shrink constant strings and static arrays by ${staticEnd - cap} bytes, or raise the cap if ` +
      `the board's RAM budget has room`);
  }
  if (facts.memory && facts.memory.minPages > 1) {
    problems.push(
      `the module asks for ${facts.memory.minPages} pages of initial memory; the firmware gives at most one capped ` +
      `page: compile with initialMemory 1`);
  }
  return problems;
}
