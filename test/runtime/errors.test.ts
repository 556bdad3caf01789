// The runtime's results (docs/runtime.md, "Results: errors and traps"): one list per public
// header, wasm3.h's m3Err_* (wasm3's names and texts) and wasmqtt_rt.h's wqrt_Err_* (this
// runtime's own), and the property a caller uses to tell a trap from an error.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const RT = resolve(import.meta.dirname, '../../firmware/runtime');
const read = (path: string) => readFileSync(join(RT, path), 'utf8');
const withoutComments = (c: string) => c.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

/** LABEL -> text of every `MACRO(LABEL, "text")` entry in a header. */
function list(header: string, macro: string): Map<string, string> {
  const entries = new Map<string, string>();
  const re = new RegExp(`^${macro}\\s*\\(\\s*(\\w+),\\s*"((?:[^"\\\\]|\\\\.)*)"\\s*\\)`, 'gm');
  for (const m of read(`include/${header}`).matchAll(re)) entries.set(m[1]!, m[2]!);
  return entries;
}

describe('runtime results: one list per public header', () => {
  const m3 = list('wasm3.h', 'd_m3ErrorConst'), wq = list('wasmqtt_rt.h', 'd_wqrtErrorConst');
  const all = [...[...m3].map(([l, t]) => [`m3Err_${l}`, t]), ...[...wq].map(([l, t]) => [`wqrt_Err_${l}`, t])];

  it('reads both lists', () => {
    expect(m3.size).toBeGreaterThanOrEqual(30);
    expect(wq.size).toBeGreaterThanOrEqual(10);
    expect(m3.get('trapTableOutOfBounds')).toBe('[trap] out of bounds table access'); // upstream wasm3's name and text
  });

  it('a text starts with "[trap]" exactly when its name says trap: the one check a caller needs', () => {
    for (const [name, text] of all) expect(
      text.startsWith('[trap]'), `${name}: "${text}"`).toBe(/_trap[A-Z]/.test(name!));
  });

  it('no two results share a text', () => {
    const texts = all.map(([, t]) => t);
    expect(texts.filter((t, i) => texts.indexOf(t) !== i)).toEqual([]);
  });

  it('the runtime returns only listed results, and names them only the lists\' way', () => {
    const listed = new Set(all.map(([n]) => n));
    for (const file of readdirSync(join(RT, 'src'))) {
      const code = withoutComments(read(`src/${file}`));
      // a text of its own would be a result outside the lists (the section name is not a result)
      const own = [...code.matchAll(/const\s+char\s+(\w+)\s*\[\s*\]\s*=\s*"/g)].map((m) => m[1]);
      expect(own.filter((n) => n !== 'kSection'), file).toEqual([]);
      // m3Err_X, wqrt_Err_X and rt_internal.h's wq_res_X (the text of m3Err_X) name listed results
      for (const [, prefix, label] of code.matchAll(/\b(m3Err_|wqrt_Err_|wq_res_)(\w+)/g)) {
        if (label === 'none' || label === '' || /^#/.test(label!)) continue;
        expect(listed.has(`${prefix === 'wqrt_Err_' ? 'wqrt_Err_' : 'm3Err_'}${label}`), `${file}: ${prefix}${label}`)
          .toBe(true);
      }
      // the schemes the lists replaced
      expect(code.match(/\b(wq_trap\w*|wq_err\w*|err[A-Z]\w*)\b/g) ?? [], file).toEqual([]);
    }
  });

  it('the AOT binding reports traps with wasm3\'s texts', () => {
    const aot = readFileSync(resolve(RT, '../binding/aot/wasm_rt_mcu.c'), 'utf8');
    const texts = new Set(m3.values());
    const traps = [...aot.matchAll(/"(\[trap\][^"]*)"/g)].map((m) => m[1]!).filter((t) => t !== '[trap] other');
    expect(traps.length).toBeGreaterThanOrEqual(5);
    for (const t of traps) expect(texts.has(t), t).toBe(true);
  });
});
