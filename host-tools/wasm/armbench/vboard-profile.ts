// Where a QoS 1 publish's instructions go on the virtual board (docs/runtime.md, "Where a
// publish goes"): the bluepill console image (build/bluepill, the default engine: the register form; or the ELF
// given, e.g. the stack form's build/bluepill-stack/firmware.elf) against a real Mosquitto, `set quiet 1`, then one
// `pub -n N` line, profiled from the line until nothing is in flight, as the vboard bench's
// per-publish figure (idle time is reported, not subtracted). A native code hook
// (vboard_profile.c) counts instructions per halfword and, inside wq_invoke, per wasm opcode
// dispatched. Prints per function, per category and per opcode. A tool for choosing the next
// step, not a bench figure (the bench's per-publish figure is the one to quote).
//   node --import tsx host-tools/wasm/armbench/vboard-profile.ts [firmware.elf] [N]
// PROFILE_SITES=FILE writes each table jump's address and count, PROFILE_OWN=FILE the same for
// every instruction of the dispatch (fetches, jumps, branches back): how the per-image hot
// opcodes of host-tools/fwbuild/interp-dispatch.ts were chosen. PROFILE_ALL=FILE writes every
// executed flash halfword's address and count (how often each instruction of a handler ran).
// PROFILE_FN=1 also prints instructions and calls per wasm function (names from
// build/core/device-names.wasm: run `make core-size` after the build; PROFILE_FN_NAMES=FILE for
// another image's), PROFILE_FN_OFFSETS=FILE the counts per module offset. An --engine aot image
// (build/bluepill-aot/firmware.elf) has no interpreter: its profile is per C function only. A
// register-form image (the default, build/bluepill/firmware.elf): the same tables, its ops named by the
// image's gen/rf_ops.h, and per wasm function by the blob's function records (its code's offsets).
import koffi from 'koffi';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { VirtualBoard } from '../../sim/board/board.ts';
import { BoardRunner } from '../../sim/board/runner.ts';
import { W5500NetworkBackend } from '../../sim/host/w5500-backend.ts';
import { startMosquitto } from '../../broker/mosquitto.ts';

const ROOT = join(import.meta.dirname, '../../..');
const ELF = process.argv[2] ?? join(ROOT, 'build/bluepill/firmware.elf');
const N = Number(process.argv[3] ?? 200);
const UC_HOOK_CODE = 1 << 2;
const FLASH_HALFWORDS = 32 * 1024, RAM_HALFWORDS = 10 * 1024;

/** wq_invoke's dispatches: the 256-entry `tbh [pc, rN, lsl #1]` or, with the replicated dispatch
 * (host-tools/fwbuild/interp-dispatch.ts), every `ldr pc, [r9, rN, lsl #2]`; the dispatch's own
 * instructions: those jumps, the opcode fetch (`ldrb`) before each, and the unconditional
 * branches back to a shared head. */
function dispatchShape(elf: string, lo: number, hi: number): {
    jumps: Set<number>; reg: number; pcReg: number; exitAt: number; own: Set<number>; calls: Map<number, string>;
    regform: boolean } {
  const dis = execFileSync('arm-none-eabi-objdump', ['-d', elf, `--start-address=0x${lo.toString(16)}`,
    `--stop-address=0x${hi.toString(16)}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const lines = dis.split('\n').map(
    (l) => /^\s*([0-9a-f]+):\s+(?:[0-9a-f]{4}\s?){1,2}\s+(\S+)\s*(.*)$/.exec(l)).filter((m) => m !== null);
  const jumps = new Set<number>(), own = new Set<number>(), heads = new Set<number>();
  let reg = -1, pcReg = -1, exitAt = 0;
  lines.forEach((m, i) => {
    if (/^ldm/.test(m[2]!) && /\bpc\}/.test(m[3]!)) exitAt = parseInt(m[1]!, 16);
    const r = /^\[pc, r(\d+), lsl #1\]/.exec(m[3]!) ?? /^\[r9, r(\d+), lsl #2\]/.exec(m[3]!);
    if (!(
      (m[2] === 'tbh' && m[3]!.startsWith('[pc')) || (m[2]!.startsWith('ldr') && m[3]!.startsWith('pc, [r9')))) return;
    const rr = m[2] === 'tbh' ? r : /r(\d+), lsl #2/.exec(m[3]!);
    if (!rr || i < 1 || !/^ldrb/.test(lines[i - 1]![2]!)) return;
    if (m[2] === 'tbh' && heads.size) return; // only the interpreter's own tbh, the first
    reg = Number(rr[1]);
    const pr = /\[r(\d+)\], #1/.exec(lines[i - 1]![3]!); // ldrb rOp, [rPC], #1: the wasm pc, one past the opcode
    if (pr) pcReg = Number(pr[1]);
    const at = parseInt(m[1]!, 16), fetch = parseInt(lines[i - 1]![1]!, 16);
    jumps.add(at); own.add(at); own.add(fetch); heads.add(fetch);
  });
  if (reg < 0) return regformShape(lines);
  const calls = new Map<number, string>();   // bl sites: which handler calls out, how often
  for (const m of lines) {
    if (/^b(\.n|\.w)?$/.test(m[2]!) && heads.has(parseInt(m[3]!, 16))) own.add(parseInt(m[1]!, 16));
    if (m[2] === 'bl') calls.set(parseInt(m[1]!, 16), m[3]!);
  }
  return { jumps, reg, pcReg, exitAt, own, calls, regform: false };
}

/** The register form's engine (rf_engine.c through host-tools/fwbuild/regform-dispatch.ts): each handler ends in
 * `ldrb rOp, [rPC, #n]!; ldr pc, [rT, rOp, lsl #2]` (a taken branch: `ldrb rOp, [rPC]` after moving rPC), the
 * paths through the shared head (the first dispatch, calls, returns) in `ldr rX, [rT, rOp, lsl #2]; b head`. Both
 * loads are dispatches; rPC then holds the op's own address. */
function regformShape(lines: RegExpExecArray[]): ReturnType<typeof dispatchShape> {
  const jumps = new Set<number>(), own = new Set<number>(), calls = new Map<number, string>();
  let reg = -1, pcReg = -1, exitAt = 0, table = '';
  lines.forEach((m, i) => {
    if (/^ldm/.test(m[2]!) && /\bpc\}/.test(m[3]!)) exitAt = parseInt(m[1]!, 16);
    if (m[2] === 'bl') calls.set(parseInt(m[1]!, 16), m[3]!);
    const j = /^pc, \[(r\d+), r(\d+), lsl #2\]/.exec(m[3]!);
    const f = i > 0 ? /^r\d+, \[r(\d+)(?:, #\d+)?\]!?/.exec(lines[i - 1]![3]!) : null;   // a branch: no writeback
    if (!j || !/^ldr/.test(m[2]!) || !f || !/^ldrb/.test(lines[i - 1]![2]!)) return;
    table = j[1]!; reg = Number(j[2]); pcReg = Number(f[1]);
    jumps.add(parseInt(m[1]!, 16)); own.add(parseInt(m[1]!, 16)); own.add(parseInt(lines[i - 1]![1]!, 16));
  });
  if (reg < 0) throw new Error('no dispatch found in wq_invoke (neither the stack form\'s nor the register form\'s)');
  for (const m of lines) {   // the shared head's loads
    if (/^ldr/.test(m[2]!) && m[3]!.includes(`, [${table}, r${reg}, lsl #2]`) && !m[3]!.startsWith('pc')) {
      jumps.add(parseInt(m[1]!, 16)); own.add(parseInt(m[1]!, 16));
    }
  }
  return { jumps, reg, pcReg, exitAt, own, calls, regform: true };
}

/** The register form's op names, in code order, from the image's gen/rf_ops.h (host-tools/wasm/regform/gen-ops.ts). */
function regformOpNames(elf: string): Map<number, string> {
  const h = readFileSync(join(dirname(elf), 'gen/rf_ops.h'), 'utf8');
  const list = /#define OP_LIST([^]*?)\n\n/.exec(h)?.[1] ?? '';
  const names = new Map<number, string>([...list.matchAll(/X\((\w+)\)/g)].map((m, i) => [i, m[1]!]));
  names.set(256, '(entry from the host)');
  return names;
}

/** opcode value -> name: the WQ_OP_* defines of rt_internal.h, then the wasm ones the profile meets */
function opNames(): Map<number, string> {
  const names = new Map<number, string>([
    [0x00, 'unreachable'], [0x01, 'nop'], [0x02, 'block'], [0x03, 'loop'], [0x04, 'if'], [0x05, 'else'], [0x0b, 'end'],
    [0x0c, 'br'], [0x0d, 'br_if'], [0x0e, 'br_table'], [0x0f, 'return'], [0x10, 'call'], [0x11, 'call_indirect'],
    [0x1a, 'drop'], [0x1b, 'select'], [0x20, 'local.get'], [0x21, 'local.set'], [0x22, 'local.tee'],
    [0x23, 'global.get'],
    [0x24, 'global.set'], [0x28, 'i32.load'], [0x29, 'i64.load'], [0x2c, 'i32.load8_s'], [0x2d, 'i32.load8_u'],
    [0x2e, 'i32.load16_s'], [0x2f, 'i32.load16_u'], [0x31, 'i64.load8_u'], [0x35, 'i64.load32_u'], [0x36, 'i32.store'],
    [0x37, 'i64.store'], [0x3a, 'i32.store8'], [0x3b, 'i32.store16'], [0x3c, 'i64.store8'], [0x3f, 'memory.size'],
    [0x40, 'memory.grow'], [0x41, 'i32.const'], [0x42, 'i64.const'], [0x45, 'i32.eqz'], [0x46, 'i32.eq'],
    [0x47, 'i32.ne'],
    [0x48, 'i32.lt_s'], [0x49, 'i32.lt_u'], [0x4a, 'i32.gt_s'], [0x4b, 'i32.gt_u'], [0x4c, 'i32.le_s'],
    [0x4d, 'i32.le_u'],
    [0x4e, 'i32.ge_s'], [0x4f, 'i32.ge_u'], [0x50, 'i64.eqz'], [0x51, 'i64.eq'], [0x52, 'i64.ne'], [0x54, 'i64.lt_u'],
    [0x56, 'i64.gt_u'], [0x6a, 'i32.add'], [0x6b, 'i32.sub'], [0x6c, 'i32.mul'], [0x6d, 'i32.div_s'],
    [0x6e, 'i32.div_u'],
    [0x70, 'i32.rem_u'], [0x71, 'i32.and'], [0x72, 'i32.or'], [0x73, 'i32.xor'], [0x74, 'i32.shl'], [0x75, 'i32.shr_s'],
    [0x76, 'i32.shr_u'], [0x7c, 'i64.add'], [0x7d, 'i64.sub'], [0x7e, 'i64.mul'], [0x83, 'i64.and'], [0x84, 'i64.or'],
    [0x86, 'i64.shl'], [0x88, 'i64.shr_u'], [0xa7, 'i32.wrap_i64'], [0xac, 'i64.extend_i32_s'],
    [0xad, 'i64.extend_i32_u'],
    [0xfc, '0xfc prefix (memory.copy/fill)'], [256, '(entry from the host)'],
  ]);
  const h = readFileSync(join(ROOT, 'firmware/runtime/src/rt_internal.h'), 'utf8');
  for (const m of h.matchAll(/#define (WQ_OP_\w+)\s+0x([0-9a-f]+)/g)) names.set(parseInt(m[2]!, 16), m[1]!);
  return names;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vbprofile-'));
  const so = join(dir, 'libvbprofile.so');
  execFileSync('gcc', ['-O2', '-shared', '-fPIC', '-Wall', '-Werror', join(import.meta.dirname, 'vboard_profile.c'),
    '-o', so, '-l:libunicorn.so.2']);
  const lib = koffi.load(so);
  const uc = koffi.load('libunicorn.so.2');
  const ucHookAdd = uc.func('int uc_hook_add(void *uc, _Out_ size_t *hh, int type, void *callback, void *user, ' +
    'uint64_t begin, uint64_t end, ...)');

  const mq = await startMosquitto();
  let board: VirtualBoard | undefined;
  const net = new W5500NetworkBackend(
    { clock: () => board?.millis() ?? 0, routes: { '127.0.0.1:1883': `127.0.0.1:${mq.port}` } });
  board = new VirtualBoard({ board: 'bluepill', elf: ELF, w5500: net.model });
  const b = board;
  const runner = new BoardRunner(b, { speed: 50 });
  let out = '';
  b.on('uart', (c: number) => { out += String.fromCharCode(c); });
  try {
    // installed before the first instruction runs: unicorn applies a new code hook only to
    // blocks translated after it
    const fns = b.image.symbols.filter((s) => s.isFunction && s.size > 0).sort((x, y) => x.address - y.address);
    // an --engine aot image has no interpreter: per function only
    const inv = fns.find((s) => s.name === 'wq_invoke');
    const lo = inv ? inv.address & ~1 : 0, hi = inv ? lo + inv.size : 0;
    const shape = inv ? dispatchShape(ELF, lo, hi) : { jumps: new Set<number>(), reg: 0, pcReg: -1, exitAt: 0,
      own: new Set<number>(), calls: new Map<number, string>(), regform: false };
    // struct vb_profile: 6 u32, is_dispatch[] (u8), flash[], ram[], op_dispatches[257], op_instr[257] (u64)
    const hdr = 24 + FLASH_HALFWORDS, flashOff = hdr, ramOff = flashOff + FLASH_HALFWORDS * 8,
      dispOff = ramOff + RAM_HALFWORDS * 8, instrOff = dispOff + 257 * 8;
    const fnHdr = instrOff + 257 * 8, fnOff = fnHdr + 24;
    const dispAt = fnOff + (32768 + 1) * 8;
    const bytes = dispAt + (32768 + 1) * 8;
    const mem = koffi.alloc('uint8_t', bytes);
    const zero = new Uint8Array(bytes);
    new DataView(zero.buffer).setUint32(4, lo, true);
    new DataView(zero.buffer).setUint32(8, hi, true);
    new DataView(zero.buffer).setUint32(12, shape.reg, true);
    new DataView(zero.buffer).setUint32(16, 256, true);
    for (const a of shape.jumps) zero[24 + ((a - 0x08000000) >> 1)] = 1;
    // PROFILE_FN=1: instructions per wasm function of the embedded module (core_wasm)
    const modSym = b.image.symbols.find((s) => s.name === 'core_wasm');
    const fnProfile = process.env.PROFILE_FN === '1' && modSym !== undefined && shape.pcReg >= 0 && shape.exitAt > 0;
    if (fnProfile) {
      const v = new DataView(zero.buffer);
      // the stack form's pc register is one past the opcode (the hook takes 1 off), the register form's at it
      v.setUint32(fnHdr, shape.pcReg, true); v.setUint32(fnHdr + 4, modSym.address - (shape.regform ? 1 : 0), true);
      v.setUint32(fnHdr + 8, modSym.size, true); v.setUint32(fnHdr + 12, shape.exitAt, true);
        v.setUint32(fnHdr + 16, 32768, true);
    }
    koffi.encode(mem, koffi.array('uint8_t', bytes), Array.from(zero));
    const cpu = (b as unknown as { cpu: { uc: unknown } }).cpu;
    if (ucHookAdd(
      cpu.uc, [0], UC_HOOK_CODE, lib.symbol('vb_profile_hook'), mem, 1, 0) !== 0) throw new Error('uc_hook_add failed');

    runner.start();
    await runner.until(() => out.includes('evt loaded'), 2000, 'boot');
    b.uartInput('connect\r\n');
    await runner.until(() => out.includes('evt connected'), 20_000, 'connect');
    const q = out.length;
    b.uartInput('set quiet 1\r\n');
    await runner.until(() => out.slice(q).includes('ok set\r\n'), 10_000, 'set quiet 1');
    b.runFor(20);

    const i0 = b.instructions, ms0 = b.millis();
    koffi.encode(mem, 'uint32_t', 1);
    const mark = out.length;
    b.uartInput(`pub -n ${N} bench/repeat 1 0 message-x\r\n`);
    await runner.until(() => /ok pub pid=\d+ queued=\d+\r\n/.test(out.slice(mark)), 60_000, 'pub -n');
    for (let poll = 0; ; poll++) {
      if (poll > 200) throw new Error('still in flight');
      const at = out.length;
      b.uartInput('status\r\n');
      await runner.until(() => /ok status [^\n]*\r\n/.test(out.slice(at)), 10_000, 'status');
      if (/ok status state=connected inflight=0 queued=0 /.test(out.slice(at))) break;
      b.runFor(50);
    }
    koffi.encode(mem, 'uint32_t', 0);
    const total = b.instructions - i0, ms = b.millis() - ms0;
    const raw = new Uint8Array(koffi.decode(mem, koffi.array('uint8_t', bytes)) as number[]);
    const dv = new DataView(raw.buffer);
    const u64 = (off: number) => Number(dv.getBigUint64(off, true));

    // per function
    const byFn = new Map<string, number>();
    let counted = 0, dispatch = 0;
    const fnAt = (a: number) => { // binary search over sorted function symbols
      let l = 0, h = fns.length - 1, r: (typeof fns)[number] | undefined;
      while (l <= h) { const m = (l + h) >> 1;
        if ((fns[m]!.address & ~1) <= a) { r = fns[m]; l = m + 1; } else h = m - 1; }
      return r && a < (r.address & ~1) + r.size ? r.name : '?';
    };
    for (let k = 0; k < FLASH_HALFWORDS; k++) {
      const c = u64(flashOff + k * 8); if (!c) continue;
      const a = 0x08000000 + k * 2; counted += c;
      byFn.set(fnAt(a), (byFn.get(fnAt(a)) ?? 0) + c);
      if (shape.own.has(a)) dispatch += c;
    }
    for (let k = 0; k < RAM_HALFWORDS; k++) {
      const c = u64(ramOff + k * 8); if (!c) continue;
      const a = 0x20000000 + k * 2; counted += c;
      byFn.set(fnAt(a) + ' (RAM)', (byFn.get(fnAt(a) + ' (RAM)') ?? 0) + c);
    }
    const per = (x: number) => (x / N).toFixed(0).padStart(8);
    console.log(
      `pub -n ${N}: ${total} instructions in ${ms.toFixed(0)} virtual ms (${(total / N).toFixed(0)} per publish, ` +
      `idle included; hook counted ${counted})`);
    console.log('\nper function (instructions per publish):');
    for (const [f, c] of [...byFn].sort((x, y) => y[1] - x[1]).slice(0, 40)) console.log(
      `${per(c)}  ${(100 * c / counted).toFixed(1).padStart(5)}%  ${f}`);
    console.log('\ncalls out of wq_invoke (per publish):');
    for (const [a, t] of shape.calls) {
      const c = u64(flashOff + ((a - 0x08000000) >> 1) * 8);
      if (c) console.log(`${(c / N).toFixed(1).padStart(8)}  0x${a.toString(16)} bl ${t}`);
    }
    if (process.env.PROFILE_ALL) {
      const all: string[] = [];
      for (let k = 0; k < FLASH_HALFWORDS; k++) {
        const c = u64(flashOff + k * 8);
        if (c) all.push(`${(0x08000000 + k * 2).toString(16)} ${c}`);
      }
      writeFileSync(process.env.PROFILE_ALL, all.join('\n') + '\n');
    }
    // how the dispatches spread over the table jumps (the shared head and each replicated copy)
    if (process.env.PROFILE_OWN) writeFileSync(process.env.PROFILE_OWN,
      [...shape.own].map((a) => `${a.toString(16)} ${u64(flashOff + ((a - 0x08000000) >> 1) * 8)}`).join('\n') + '\n');
    if (process.env.PROFILE_SITES) writeFileSync(process.env.PROFILE_SITES, [...shape.jumps].map(
      (a) => `${a.toString(16)} ${u64(flashOff + ((a - 0x08000000) >> 1) * 8)}`).join('\n') + '\n');
    const sites = [...shape.jumps].map((a) => u64(flashOff + ((a - 0x08000000) >> 1) * 8)).sort((x, y) => y - x);
    const all = sites.reduce((x, y) => x + y, 0);
    const share = (n: number) => (100 * sites.slice(0, n).reduce((x, y) => x + y, 0) / (all || 1)).toFixed(1);
    console.log(
      `\ntable jumps: ` +
      `${sites.length} sites, ${sites.filter((c) => c > 0).length} executed; the busiest 10 / 25 / 50 / 75 take ` +
      `${share(10)} / ${share(25)} / ${share(50)} / ${share(75)}% of the dispatches`);
    if (fnProfile) printFunctions(
      b.readMemory(modSym!.address, modSym!.size), (o) => u64(fnOff + o * 8), (o) => u64(dispAt + o * 8), N,
      shape.regform);
    const names = shape.regform ? regformOpNames(ELF) : opNames();
    const ops = [...Array(257).keys()].map(
      (o) => ({ o, d: u64(dispOff + o * 8), i: u64(instrOff + o * 8) })).filter((x) => x.i > 0);
    const dispatches = ops.reduce((s, x) => s + x.d, 0);
    console.log(
      `\ninterpreter: ` +
      `${per(byFn.get('wq_invoke') ?? 0)} per publish, ${(dispatches / N).toFixed(0)} dispatches per publish, ` +
      `dispatch itself (fetch, table jump, branch back) ${per(dispatch)} (${(dispatch / dispatches).toFixed(2)} per ` +
      `dispatch)`);
    console.log('\nper opcode dispatched (instructions in wq_invoke until the next dispatch, per publish; ' +
      'instr/dispatch):');
    for (const x of ops.sort((p, q) => q.i - p.i).slice(0, 60)) {
      console.log(
        `${per(x.i)}  ${(x.d / N).toFixed(1).padStart(7)} disp  ${(x.d ? x.i / x.d : 0).toFixed(1).padStart(6)}  ` +
        `0x${x.o.toString(16).padStart(2, '0')} ${names.get(x.o) ?? ''}`);
    }
  } finally {
    await runner.stop();
    b.close();
    await net.close();
    await mq.stop();
  }
}

/** PROFILE_FN: the wasm module's function bodies (from the image's flash) and their names (a
 * named build of device.wasm: `make core-size` writes build/core/device-names.wasm, the same
 * code with a name section), then instructions per function per publish. */
function printFunctions(
    mod: Uint8Array, count: (off: number) => number, disp: (off: number) => number, n: number, regform: boolean): void {
  const leb = (b: Uint8Array, p: { i: number }): number =>
    { let r = 0, s = 0, x; do { x = b[p.i++]!; r |= (x & 0x7f) << s; s += 7; } while (x & 0x80); return r >>> 0; };
  const bodies = (b: Uint8Array): { imports: number; ranges: Array<[number, number]>; names: Map<number, string> } => {
    const p = { i: 8 }; let imports = 0; const ranges: Array<[number, number]> = []; const names = new Map<number,
      string>();
    while (p.i < b.length) {
      const id = b[p.i++]!; const len = leb(b, p); const end = p.i + len;
      if (id === 2) { const k = leb(b, p);
        for (let j = 0; j < k; j++) { const skip = (): void => { const l = leb(b, p); p.i += l; }; skip(); skip();
        const kind = b[p.i++]!;
        if (kind === 0) { imports++; leb(b, p); } else if (kind === 1) { p.i++; const f = b[p.i++]!; leb(b, p);
        if (f & 1) leb(b, p); } else if (kind === 2) { const f = b[p.i++]!; leb(b, p);
        if (f & 1) leb(b, p); } else { p.i += 2; } } }
      if (id === 10) { const k = leb(b, p);
        for (let j = 0; j < k; j++) { const l = leb(b, p); ranges.push([p.i, p.i + l]); p.i += l; } }
      if (id === 0) {
        const nl = leb(b, p); const nm = Buffer.from(b.subarray(p.i, p.i + nl)).toString(); p.i += nl;
        if (nm === 'name') while (p.i < end) { const sid = b[p.i++]!; const sl = leb(b, p); const se = p.i + sl;
          if (sid === 1) { const k = leb(b, p); for (let j = 0; j < k; j++) { const ix = leb(b, p); const l = leb(b, p);
          names.set(ix, Buffer.from(b.subarray(p.i, p.i + l)).toString()); p.i += l; } } p.i = se; }
      }
      p.i = end;
    }
    return { imports, ranges, names };
  };
  const m = regform ? regformBodies(mod) : bodies(mod);
  const named = bodies(readFileSync(process.env.PROFILE_FN_NAMES ?? join(ROOT, 'build/core/device-names.wasm')));
  const per = new Map<string, number>();
  const calls = new Map<string, number>();
  const outside = count(32768);
  m.ranges.forEach(([lo, hi], j) => {
    let c = 0; for (let o = lo; o < hi; o++) c += count(o);
    const name = (named.names.get(m.imports + j) ?? `func${m.imports + j}`).replace(/^~lib\/|^firmware\//, '');
    // the locals: the first op follows (the register form's code starts with its first op)
    const p = { i: lo };
    if (!regform) { const k = leb(mod, p); for (let x = 0; x < k; x++) { leb(mod, p); p.i++; } }
    if (c) { per.set(name, (per.get(name) ?? 0) + c); calls.set(name, disp(p.i)); }
  });
  let all = outside; for (const c of per.values()) all += c;
  // PROFILE_FN_OFFSETS=FILE: instructions and dispatches per module offset (join with wasm-objdump -d of the module)
  if (process.env.PROFILE_FN_OFFSETS) {
    const rows: string[] = [];
    for (let o = 0; o < mod.length; o++) if (count(o) || disp(o)) rows.push(
      `${o.toString(16)} ${(count(o) / n).toFixed(1)} ${(disp(o) / n).toFixed(2)}`);
    writeFileSync(process.env.PROFILE_FN_OFFSETS, rows.join('\n') + '\n');
  }
  console.log(`\nper wasm function (instructions per publish, the host imports it calls included; calls per publish; ` +
    `outside the wasm ${(outside / n).toFixed(0)}):`);
  for (const [f, c] of [...per].sort((x, y) => y[1] - x[1]).slice(0, 45)) console.log(
    `${(c / n).toFixed(0).padStart(8)}  ${(100 * c / all).toFixed(1).padStart(5)}%  ` +
    `${((calls.get(f) ?? 0) / n).toFixed(2).padStart(6)}  ${f}`);
}

/** The register form's function ranges in the module: the format 40 blob (the custom section wasmqtt.predecoded,
 * host-tools/wasm/regform/blob.ts) holds, after its header and type records, one record per function whose first
 * word is where its code starts (in the code that follows the records), in bytes from the record. */
function regformBodies(mod: Uint8Array):
    { imports: number; ranges: Array<[number, number]>; names: Map<number, string> } {
  const dv = new DataView(mod.buffer, mod.byteOffset, mod.byteLength);
  const name = Buffer.from(mod).indexOf('wasmqtt.predecoded');   // then the pad length, the pad, the blob
  const at = name < 0 ? -1 : name + 18 + 1 + mod[name + 18]!;
  if (at < 0 || dv.getUint32(at + 4, true) !== 40) throw new Error('no format 40 blob in the image\'s module');
  const ntypes = dv.getUint16(at + 16, true), nfuncs = dv.getUint32(at + 20, true);
  const imports = dv.getUint32(at + 24, true), codeLen = dv.getUint32(at + 28, true);
  const recs = at + 36 + ntypes * 8, code = recs + nfuncs * 8;
  // a record's code word counts from the record itself
  const starts = [...Array(nfuncs - imports).keys()].map((j) => {
    const rec = recs + (imports + j) * 8;
    return rec + dv.getUint32(rec, true);
  });
  return { imports, names: new Map(), ranges: starts.map((s, j) => [s, starts[j + 1] ?? code + codeLen]) };
}

main().catch((e: Error) => { console.error(e.message); process.exit(1); });
