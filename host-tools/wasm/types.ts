// What the parser hands to the pre-decoder: the module's index spaces and, per function body,
// the side table and constant sites the validator recorded.

export interface FuncType { params: number[]; results: number[] }
export interface Limits { min: number; max: number | null }
export interface Import { module: string; name: string; kind: number;
  type: number | Limits | { t: number; mut: boolean } | { elem: number; limits: Limits } }
/** originPc: just past the branch opcode (the pre-decoded form stores targets relative to it) */
export interface SideEntry { originPc: number; targetPc: number; targetStp: number; keep: number; drop: number }
/** An i32.const / i64.const in a body: opcode offset, LEB length and value (predecode.ts rewrites
 * the multi-byte ones into fixed-width immediates). */
export interface ConstSite { at: number; lebLen: number; wide: boolean; value: bigint }
/** localTypes: the value types of the first 128 locals, parameters first (the one-byte indices) */
export interface FuncBody { start: number; end: number; codeStart: number; localCount: number; maxStack: number;
  side: SideEntry[]; consts: ConstSite[]; instrs: number[]; localTypes: number[] }
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
