// The register-form translator (host-tools/wasm/regform/): what it makes of small wat functions, and
// that the code computes what V8 computes for the same wasm (through test/helpers/regform-eval.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WasmError, parseModule, type ParsedModule } from '../../host-tools/wasm/module.ts';
import { disassemble } from '../../host-tools/wasm/regform/disasm.ts';
import { EVERY_OP_FILES, generateOps } from '../../host-tools/wasm/regform/gen-ops.ts';
import { translateForImage, translateModule, type RfModule } from '../../host-tools/wasm/regform/translate.ts';
import { RfTrap, runRf, type HostFn } from '../helpers/regform-eval.ts';
import { wat2wasm } from '../helpers/wat.ts';

interface Built { bytes: Uint8Array<ArrayBuffer>; m: ParsedModule; rf: RfModule }
function build(src: string): Built {
  const bytes = wat2wasm(src);
  const m = parseModule(bytes);
  return { bytes, m, rf: translateModule(m, bytes) };
}
/** the ops of defined function f, one `name args` string each (branch targets as code offsets) */
function ops(b: Built, f = 0): string[] {
  return disassemble(b.rf, f).split('\n').slice(1).map((l) => l.trim().split(/\s+/).slice(1).join(' '));
}
const names = (b: Built, f = 0) => ops(b, f).map((o) => o.split(' ')[0]!);

/** runs export `name` (defined function f) on V8 and on the register form, for each argument list */
function sameAsV8(b: Built, name: string, f: number, argLists: number[][], host: Record<string, HostFn> = {}) {
  const imports: Record<string, Record<string, (...a: number[]) => number>> = { env: {} };
  for (const [k, fn] of Object.entries(host)) {
    imports.env![k] = (...a) => Number(fn(a.map(BigInt))[0]! & 0xffffffffn) | 0;
  }
  const ex = new WebAssembly.Instance(new WebAssembly.Module(b.bytes), imports).exports;
  const fn = ex[name] as (...a: number[]) => number | number[];
  const memory = new Uint8Array(65536);
  for (const args of argLists) {
    let want: string, got: string;
    try {
      const r = fn(...args);
      want = JSON.stringify((Array.isArray(r) ? r : r === undefined ? [] : [r]).map((x) => x >>> 0));
    } catch (e) {
      want = e instanceof WebAssembly.RuntimeError ? 'trap' : String(e);
    }
    try {
      got = JSON.stringify(runRf(b.rf, b.m, f, args.map((a) => BigInt(a >>> 0)), Object.values(host), memory)
        .map((x) => Number(x & 0xffffffffn)));
    } catch (e) {
      got = e instanceof RfTrap ? 'trap' : String(e);
    }
    expect(got, `${name}(${args.join(', ')})`).toBe(want);
  }
}

describe('regform translator', () => {
  it('folds local.get and constants into the op that uses them, and a local.set into its destination', () => {
    const b = build(`(module (func (export "f") (param i32) (result i32) (local i32)
      local.get 0 i32.const 5 i32.add local.set 1 local.get 1))`);
    expect(ops(b)).toEqual(['add_ssi 1 0 5', 'ret 1']);
    sameAsV8(b, 'f', 0, [[0], [-5], [0x7fffffff]]);
  });

  it('returns a function\'s value from the slot it is in, with no end label when nothing branches there', () => {
    const b = build(`(module
      (func (export "get") (param i32) (result i32) local.get 0)
      (func (export "pick") (param i32 i32) (result i32) local.get 1)
      (func (export "early") (param i32) (result i32)
        block local.get 0 br_if 0 i32.const 7 return end i32.const 9))`);
    expect(ops(b, 0)).toEqual(['ret0']);
    expect(ops(b, 1)).toEqual(['ret 1']);
    expect(names(b, 2).filter((n) => n.startsWith('ret'))).toHaveLength(2);
    sameAsV8(b, 'get', 0, [[5]]);
    sameAsV8(b, 'pick', 1, [[5, 6]]);
    sameAsV8(b, 'early', 2, [[0], [1]]);
  });

  it('fuses a compare and br_if into one conditional branch', () => {
    const b = build(`(module (func (export "f") (param i32) (result i32)
      block local.get 0 i32.const 10 i32.lt_s br_if 0 i32.const 1 return end i32.const 2))`);
    expect(names(b)[0]).toBe('br_lt_s_si');
    expect(names(b)).not.toContain('lt_s_ssi');
    expect(names(b)).not.toContain('br_nz_s');
    sameAsV8(b, 'f', 0, [[-5], [9], [10], [11]]);
  });

  it('passes a temp from one op to the next through the accumulator', () => {
    const b = build(`(module (func (export "f") (param i32 i32 i32) (result i32)
      local.get 0 local.get 1 i32.add local.get 2 i32.xor))`);
    expect(names(b).slice(0, 2)).toEqual(['add_kss', 'xor_sks']);
    sameAsV8(b, 'f', 0, [[1, 2, 3], [-1, 1, 0x55]]);
  });

  it('relaxes a conditional branch out of 8-bit reach into its inverse over a 16-bit br', () => {
    const body = 'local.get 1 i32.const 3 i32.add local.set 1 '.repeat(40);
    const b = build(`(module (func (export "f") (param i32) (result i32) (local i32)
      loop ${body} local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0 end local.get 1))`);
    const n = names(b);
    expect(n).not.toContain('br_nz_s');
    const inv = n.indexOf('br_z_s');
    expect(inv).toBeGreaterThan(0);
    expect(n[inv + 1]).toBe('br');
    expect(ops(b)[inv + 1]).toBe(`br ${b.rf.funcs[0]!.codeOff}`); // back to the loop's first op
    sameAsV8(b, 'f', 0, [[1], [5]]);
  });

  it('takes a memory offset too wide for its byte through the checked address op', () => {
    const b = build(`(module (memory 1)
      (func (export "ld") (param i32) (result i32) local.get 0 i32.load offset=300)
      (func (export "st") (param i32 i32) local.get 0 local.get 1 i32.store offset=300)
      (func (export "far") (param i32) (result i32) local.get 0 i32.load8_u offset=70000))`);
    expect(names(b, 0)).toEqual(['eaddr', 'ld32_ss', 'ret']);
    expect(ops(b, 0)[1]).toMatch(/ 0$/); // the load's own offset is 0
    expect(names(b, 2)[0]).toBe('eaddr32');
    // in bounds, the last word, one byte over, and an address whose offset carries past 4 GiB
    sameAsV8(b, 'st', 1, [[0, 0x12345678], [65232, 7]]);
    sameAsV8(b, 'ld', 0, [[0], [65232], [65233], [0xffffff00]]);
    sameAsV8(b, 'far', 2, [[0], [0xfffffff0]]);
  });

  it('lays out a frame past 255 slots wide: temps low, far locals through lget / lset, the rest zeroed', () => {
    // locals 0..299 (0 the parameter): 299 is far (slot >= 255), read, written, teed, carried round a loop
    const b = build(`(module (func (export "f") (param i32) (result i32) (local ${'i32 '.repeat(299)})
      local.get 0 local.set 299
      block loop
        local.get 299 i32.const 3 i32.mul local.get 298 i32.add local.tee 299 local.set 298
        local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0
      end end
      local.get 299 local.get 5 i32.add))`);
    const f = b.rf.funcs[0]!;
    expect(f.frame).toBe(255); // the record's part: the call checks and zeroes it, the first op the rest
    expect(f.nlocals).toBe(255);
    const o = ops(b);
    expect(o[0]).toMatch(/^wframe 255 30[0-9]$/);
    expect(names(b)).toContain('lget');
    expect(names(b)).toContain('lset');
    // every one-byte slot the code names is below the record's frame
    for (const line of o.slice(1)) {
      for (const x of line.split(' ').slice(1)) expect(Number(x)).toBeLessThan(line.startsWith('l') ? 65536 : 255);
    }
    sameAsV8(b, 'f', 0, [[1], [2], [7]]);
    // a far i64 local reads 0
    const big = build(`(module (func (export "g") (result i32) (local ${'i64 '.repeat(300)})
      local.get 299 i32.wrap_i64))`);
    expect(names(big)[0]).toBe('wframe');
    sameAsV8(big, 'g', 0, [[]]);
  });

  it('moves an i32 global as one word (gget32 / gset32, through the accumulator), an i64 one as two', () => {
    const b = build(`(module (global $n (mut i32) (i32.const 0)) (global $w (mut i64) (i64.const 0))
      (func (export "f") (param i32) (result i32)
        global.get $n local.get 0 i32.add global.set $n
        global.get $n i32.const 3 i32.add
        global.get $w i64.const 0x100000001 i64.add global.set $w
        global.get $w i32.wrap_i64 i32.add))`);
    expect(names(b)).toEqual(['gget32_k', 'add_kks', 'gset32_k', 'gget32_k', 'add_ski', 'gget', 'const64',
      'i64_add_sss', 'gset', 'gget', 'wrap_ss', 'add_sss', 'ret']);
    // one call an instance (the evaluator starts from the initial globals each run)
    for (const x of [1, -7, 0x7fffffff]) sameAsV8(b, 'f', 0, [[x]]);
  });

  it('calls from a wide frame past all of its locals, so the callee leaves them alone', () => {
    // w(n) = (n ? w(n - 1) : 100) + n, with n kept in local 299 (slot 255 on) across the call
    const b = build(`(module (func $w (export "w") (param i32) (result i32) (local ${'i32 '.repeat(299)})
      local.get 0 local.set 299
      local.get 0 if (result i32) local.get 0 i32.const 1 i32.sub call $w else i32.const 100 end
      local.get 299 i32.add))`);
    expect(names(b)).toContain('callx');
    expect(names(b)).not.toContain('call');
    sameAsV8(b, 'w', 0, [[0], [1], [4]]);
  });

  it('refuses a function whose parameters and operand stack alone need more than 255 slots', () => {
    const bytes = wat2wasm(`(module (func (export "f") (param ${'i32 '.repeat(200)}) (result i32)
      ${'local.get 0 '.repeat(60)}${'i32.add '.repeat(59)}))`);
    const m = parseModule(bytes);
    expect(() => translateModule(m, bytes)).toThrow(WasmError);
    expect(() => translateModule(m, bytes)).toThrow(/200 parameter and 6\d operand-stack .* split the function/);
  });

  it('calls an import by its module function index, and defined functions after the imports', () => {
    const b = build(`(module (import "env" "twice" (func $twice (param i32) (result i32)))
      (func $inc (param i32) (result i32) local.get 0 i32.const 1 i32.add)
      (func (export "f") (param i32) (result i32) local.get 0 call $twice call $inc))`);
    expect(ops(b, 1).filter((o) => o.startsWith('call')).map((o) => o.split(' ')[2])).toEqual(['0', '1']);
    sameAsV8(b, 'f', 1, [[5], [-3]], { twice: (a) => [a[0]! * 2n] });
  });

  it('moves a br_table\'s value to each target\'s slot', () => {
    const b = build(`(module (func (export "f") (param i32) (result i32)
      block (result i32) block (result i32) block (result i32)
        i32.const 100 local.get 0 br_table 0 1 2
      end i32.const 1 i32.add end i32.const 10 i32.add end))`);
    expect(names(b)).toContain('brtab');
    sameAsV8(b, 'f', 0, [[0], [1], [2], [3], [-1]]);
  });

  it('keeps block parameters in the block\'s slots and returns several results', () => {
    const b = build(`(module
      (func (export "swap") (param i32 i32) (result i32 i32) local.get 1 local.get 0)
      (func (export "mul") (param i32) (result i32)
        local.get 0 i32.const 3 block (param i32 i32) (result i32) i32.mul end)
      (func (export "tri") (param i32) (result i32)
        i32.const 0 local.get 0
        loop (param i32 i32) (result i32)
          local.set 0 local.get 0 i32.add local.get 0 i32.const 1 i32.sub local.tee 0 local.get 0 br_if 0 drop
        end)
      (func (export "pick") (param i32 i32) (result i32)
        local.get 0 local.get 1 if (param i32) (result i32) i32.const 7 i32.add else i32.const 9 i32.mul end))`);
    sameAsV8(b, 'swap', 0, [[1, 2]]);
    sameAsV8(b, 'mul', 1, [[5], [-2]]);
    sameAsV8(b, 'tri', 2, [[1], [4], [10]]);
    sameAsV8(b, 'pick', 3, [[5, 0], [5, 1]]);
  });

  it('gives an image only the handlers its code uses, numbered as its code', () => {
    const b = build(`(module (memory 1) (func (export "f") (param i32 f32) (result f32)
      local.get 0 i32.load offset=4 f32.convert_i32_s local.get 1 f32.add))`);
    const img = translateForImage(b.m, b.bytes);
    expect(img.ops).toEqual(b.rf.used);
    const { inc, h } = generateOps(img.ops);
    expect([...h.matchAll(/^    X\((\w+)\)/gm)].map((x) => x[1])).toEqual(img.ops);
    expect([...inc.matchAll(/^L_(\w+): (?!L_)/gm)].map((x) => x[1])).toEqual(img.ops);
    expect(h).not.toMatch(/RF_OP_ESC/);
    // the same ops; with every op numbered, the float ones sit behind the escape (a byte more each)
    const text = (rf: RfModule) => disassemble(rf).split('\n').map((l) => l.trim().split(/\s+/)[1]);
    expect(text(img)).toEqual(text(b.rf));
    expect(b.rf.code.length - img.code.length).toBe(2);
    const all = generateOps();
    expect(all.h).toMatch(/#define RF_OP_ESC \d+/);
    expect(all.inc).toMatch(/#if WQRT_FLOATS\nL_f32_add_sss: /);
    expect(all.inc).toMatch(/#else\nL_f32_add_sss: .*\n +TRAP\(wqrt_Err_unsupported\);\n#endif/);
  });

  it('the committed every-op files (the runtime\'s default numbering) are what gen-ops.ts makes of ops.ts now', () => {
    // stale files would build an engine whose RF_OPS_HASH refuses every blob that blob.ts writes (or, worse, one
    // whose handlers disagree with the translator): `make build` (or gen-ops.ts --every-op) rewrites them
    const all = generateOps();
    const stale = 'stale: run `node --import tsx host-tools/wasm/regform/gen-ops.ts --every-op` and commit';
    expect(readFileSync(EVERY_OP_FILES.h, 'utf8'), `${EVERY_OP_FILES.h} ${stale}`).toBe(all.h);
    expect(readFileSync(EVERY_OP_FILES.inc, 'utf8'), `${EVERY_OP_FILES.inc} ${stale}`).toBe(all.inc);
    expect(EVERY_OP_FILES.h).toMatch(/firmware\/runtime\/src\/rf_ops_all\.h$/);
  });
});
