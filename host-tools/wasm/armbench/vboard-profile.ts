// Where a QoS 1 publish's instructions go on the virtual board (docs/runtime.md, "Where a
// publish goes"): the bluepill console image against a real Mosquitto, `set quiet 1`, then one
// `pub -n N` line, profiled from the line until nothing is in flight, as the vboard bench's
// per-publish figure (idle time is reported, not subtracted). A native code hook
// (vboard_profile.c) counts instructions per halfword and, inside wq_invoke, per wasm opcode
// dispatched. Prints per function, per category and per opcode. A tool for choosing the next
// step, not a bench figure (the bench's per-publish figure is the one to quote).
//   node --import tsx host-tools/wasm/armbench/vboard-profile.ts [firmware.elf] [N]
// PROFILE_SITES=FILE writes each table jump's address and count, PROFILE_OWN=FILE the same for
// every instruction of the dispatch (fetches, jumps, branches back): how the per-image hot
// opcodes of host-tools/build/interp-dispatch.ts were chosen. PROFILE_PC=FILE writes, as JSON, the
// embedded module (hex) and where it sits in flash, and per code offset dispatched there the
// dispatches and instructions, with the dynamic successor pairs: which sequences to fuse next.
import koffi from 'koffi';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualBoard } from '../../sim/board/board.ts';
import { BoardRunner } from '../../sim/board/runner.ts';
import { W5500NetworkBackend } from '../../sim/w5500/index.ts';
import { startMosquitto } from '../../broker/mosquitto.ts';

const ROOT = join(import.meta.dirname, '../../..');
const ELF = process.argv[2] ?? join(ROOT, 'build/bluepill/firmware.elf');
const N = Number(process.argv[3] ?? 200);
const UC_HOOK_CODE = 1 << 2;
const FLASH_HALFWORDS = 32 * 1024, RAM_HALFWORDS = 10 * 1024, PAIR_SLOTS = 1 << 16;

/** wq_invoke's dispatches: the 256-entry `tbh [pc, rN, lsl #1]` or, with the replicated dispatch
 * (host-tools/build/interp-dispatch.ts), every `ldr pc, [r9, rN, lsl #2]`; the dispatch's own
 * instructions: those jumps, the opcode fetch (`ldrb`) before each, and the unconditional
 * branches back to a shared head. */
function dispatchShape(elf: string, lo: number, hi: number): { jumps: Set<number>; reg: number; own: Set<number>; calls: Map<number, string>; pcReg: Map<number, number> } {
  const dis = execFileSync('arm-none-eabi-objdump', ['-d', elf, `--start-address=0x${lo.toString(16)}`, `--stop-address=0x${hi.toString(16)}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const lines = dis.split('\n').map((l) => /^\s*([0-9a-f]+):\s+(?:[0-9a-f]{4}\s?){1,2}\s+(\S+)\s*(.*)$/.exec(l)).filter((m) => m !== null);
  const jumps = new Set<number>(), own = new Set<number>(), heads = new Set<number>();
  const pcReg = new Map<number, number>();   // jump -> the register the fetch before it post-increments (the wasm pc)
  let reg = -1;
  lines.forEach((m, i) => {
    const r = /^\[pc, r(\d+), lsl #1\]/.exec(m[3]!) ?? /^\[r9, r(\d+), lsl #2\]/.exec(m[3]!);
    if (!((m[2] === 'tbh' && m[3]!.startsWith('[pc')) || (m[2]!.startsWith('ldr') && m[3]!.startsWith('pc, [r9')))) return;
    const rr = m[2] === 'tbh' ? r : /r(\d+), lsl #2/.exec(m[3]!);
    if (!rr || i < 1 || !/^ldrb/.test(lines[i - 1]![2]!)) return;
    if (m[2] === 'tbh' && heads.size) return; // only the interpreter's own tbh, the first
    reg = Number(rr[1]);
    const at = parseInt(m[1]!, 16), fetch = parseInt(lines[i - 1]![1]!, 16);
    jumps.add(at); own.add(at); own.add(fetch); heads.add(fetch);
    const base = /\[r(\d+)\], #1$/.exec(lines[i - 1]![3]!);
    if (base) pcReg.set(at, Number(base[1]));
  });
  if (reg < 0) throw new Error('no dispatch found in wq_invoke');
  const calls = new Map<number, string>();   // bl sites: which handler calls out, how often
  for (const m of lines) {
    if (/^b(\.n|\.w)?$/.test(m[2]!) && heads.has(parseInt(m[3]!, 16))) own.add(parseInt(m[1]!, 16));
    if (m[2] === 'bl') calls.set(parseInt(m[1]!, 16), m[3]!);
  }
  return { jumps, reg, own, calls, pcReg };
}

/** opcode value -> name: the WQ_OP_* defines of rt_internal.h, then the wasm ones the profile meets */
function opNames(): Map<number, string> {
  const names = new Map<number, string>([
    [0x00, 'unreachable'], [0x01, 'nop'], [0x02, 'block'], [0x03, 'loop'], [0x04, 'if'], [0x05, 'else'], [0x0b, 'end'],
    [0x0c, 'br'], [0x0d, 'br_if'], [0x0e, 'br_table'], [0x0f, 'return'], [0x10, 'call'], [0x11, 'call_indirect'],
    [0x1a, 'drop'], [0x1b, 'select'], [0x20, 'local.get'], [0x21, 'local.set'], [0x22, 'local.tee'], [0x23, 'global.get'],
    [0x24, 'global.set'], [0x28, 'i32.load'], [0x29, 'i64.load'], [0x2c, 'i32.load8_s'], [0x2d, 'i32.load8_u'],
    [0x2e, 'i32.load16_s'], [0x2f, 'i32.load16_u'], [0x31, 'i64.load8_u'], [0x35, 'i64.load32_u'], [0x36, 'i32.store'],
    [0x37, 'i64.store'], [0x3a, 'i32.store8'], [0x3b, 'i32.store16'], [0x3c, 'i64.store8'], [0x3f, 'memory.size'],
    [0x40, 'memory.grow'], [0x41, 'i32.const'], [0x42, 'i64.const'], [0x45, 'i32.eqz'], [0x46, 'i32.eq'], [0x47, 'i32.ne'],
    [0x48, 'i32.lt_s'], [0x49, 'i32.lt_u'], [0x4a, 'i32.gt_s'], [0x4b, 'i32.gt_u'], [0x4c, 'i32.le_s'], [0x4d, 'i32.le_u'],
    [0x4e, 'i32.ge_s'], [0x4f, 'i32.ge_u'], [0x50, 'i64.eqz'], [0x51, 'i64.eq'], [0x52, 'i64.ne'], [0x54, 'i64.lt_u'],
    [0x56, 'i64.gt_u'], [0x6a, 'i32.add'], [0x6b, 'i32.sub'], [0x6c, 'i32.mul'], [0x6d, 'i32.div_s'], [0x6e, 'i32.div_u'],
    [0x70, 'i32.rem_u'], [0x71, 'i32.and'], [0x72, 'i32.or'], [0x73, 'i32.xor'], [0x74, 'i32.shl'], [0x75, 'i32.shr_s'],
    [0x76, 'i32.shr_u'], [0x7c, 'i64.add'], [0x7d, 'i64.sub'], [0x7e, 'i64.mul'], [0x83, 'i64.and'], [0x84, 'i64.or'],
    [0x86, 'i64.shl'], [0x88, 'i64.shr_u'], [0xa7, 'i32.wrap_i64'], [0xac, 'i64.extend_i32_s'], [0xad, 'i64.extend_i32_u'],
    [0xfc, '0xfc prefix (memory.copy/fill)'], [256, '(entry from the host)'],
  ]);
  const h = readFileSync(join(ROOT, 'firmware/runtime/src/rt_internal.h'), 'utf8');
  for (const m of h.matchAll(/#define (WQ_OP_\w+)\s+0x([0-9a-f]+)/g)) names.set(parseInt(m[2]!, 16), m[1]!);
  return names;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vbprofile-'));
  const so = join(dir, 'libvbprofile.so');
  execFileSync('gcc', ['-O2', '-shared', '-fPIC', '-Wall', '-Werror', join(import.meta.dirname, 'vboard_profile.c'), '-o', so, '-l:libunicorn.so.2']);
  const lib = koffi.load(so);
  const uc = koffi.load('libunicorn.so.2');
  const ucHookAdd = uc.func('int uc_hook_add(void *uc, _Out_ size_t *hh, int type, void *callback, void *user, uint64_t begin, uint64_t end, ...)');

  const mq = await startMosquitto();
  let board: VirtualBoard | undefined;
  const net = new W5500NetworkBackend({ clock: () => board?.millis() ?? 0, routes: { '127.0.0.1:1883': `127.0.0.1:${mq.port}` } });
  board = new VirtualBoard({ board: 'bluepill', elf: ELF, w5500: net.model });
  const b = board;
  const runner = new BoardRunner(b, { speed: 50 });
  let out = '';
  b.on('uart', (c: number) => { out += String.fromCharCode(c); });
  try {
    // installed before the first instruction runs: unicorn applies a new code hook only to
    // blocks translated after it
    const fns = b.image.symbols.filter((s) => s.isFunction && s.size > 0).sort((x, y) => x.address - y.address);
    const inv = fns.find((s) => s.name === 'wq_invoke');
    if (!inv) throw new Error('no wq_invoke in the image');
    const lo = inv.address & ~1, hi = lo + inv.size;
    const shape = dispatchShape(ELF, lo, hi);
    // struct vb_profile: 6 u32, is_dispatch[] (u8), flash[], ram[], op_dispatches[257], op_instr[257] (u64)
    const hdr = 24 + FLASH_HALFWORDS, flashOff = hdr, ramOff = flashOff + FLASH_HALFWORDS * 8, dispOff = ramOff + RAM_HALFWORDS * 8, instrOff = dispOff + 257 * 8;
    // then (vboard_profile.c) sites u32, cur_site u32, site_disp[], site_instr[] (u64 per flash byte), pair_key[] u32, pair_count[] u64
    const sitesOff = instrOff + 257 * 8, siteDispOff = sitesOff + 8, siteInstrOff = siteDispOff + FLASH_HALFWORDS * 16;
    const pairKeyOff = siteInstrOff + FLASH_HALFWORDS * 16, pairCountOff = pairKeyOff + PAIR_SLOTS * 4;
    const bytes = pairCountOff + PAIR_SLOTS * 8;
    const mem = koffi.alloc('uint8_t', bytes);
    const zero = new Uint8Array(bytes);
    new DataView(zero.buffer).setUint32(4, lo, true);
    new DataView(zero.buffer).setUint32(8, hi, true);
    new DataView(zero.buffer).setUint32(12, shape.reg, true);
    new DataView(zero.buffer).setUint32(16, 256, true);
    const pcProfile = process.env.PROFILE_PC;
    for (const a of shape.jumps) zero[24 + ((a - 0x08000000) >> 1)] = pcProfile && shape.pcReg.has(a) ? shape.pcReg.get(a)! + 1 : 1;
    if (pcProfile) {
      if (shape.pcReg.size !== shape.jumps.size) throw new Error('PROFILE_PC: a dispatch without a post-incremented fetch before it');
      new DataView(zero.buffer).setUint32(sitesOff, 1, true);
    }
    koffi.encode(mem, koffi.array('uint8_t', bytes), Array.from(zero));
    const cpu = (b as unknown as { cpu: { uc: unknown } }).cpu;
    if (ucHookAdd(cpu.uc, [0], UC_HOOK_CODE, lib.symbol('vb_profile_hook'), mem, 1, 0) !== 0) throw new Error('uc_hook_add failed');

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
      while (l <= h) { const m = (l + h) >> 1; if ((fns[m]!.address & ~1) <= a) { r = fns[m]; l = m + 1; } else h = m - 1; }
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
    console.log(`pub -n ${N}: ${total} instructions in ${ms.toFixed(0)} virtual ms (${(total / N).toFixed(0)} per publish, idle included; hook counted ${counted})`);
    console.log('\nper function (instructions per publish):');
    for (const [f, c] of [...byFn].sort((x, y) => y[1] - x[1]).slice(0, 40)) console.log(`${per(c)}  ${(100 * c / counted).toFixed(1).padStart(5)}%  ${f}`);
    console.log('\ncalls out of wq_invoke (per publish):');
    for (const [a, t] of shape.calls) {
      const c = u64(flashOff + ((a - 0x08000000) >> 1) * 8);
      if (c) console.log(`${(c / N).toFixed(1).padStart(8)}  0x${a.toString(16)} bl ${t}`);
    }
    // how the dispatches spread over the table jumps (the shared head and each replicated copy)
    if (process.env.PROFILE_OWN) writeFileSync(process.env.PROFILE_OWN, [...shape.own].map((a) => `${a.toString(16)} ${u64(flashOff + ((a - 0x08000000) >> 1) * 8)}`).join('\n') + '\n');
    if (process.env.PROFILE_SITES) writeFileSync(process.env.PROFILE_SITES, [...shape.jumps].map((a) => `${a.toString(16)} ${u64(flashOff + ((a - 0x08000000) >> 1) * 8)}`).join('\n') + '\n');
    if (pcProfile) {
      const mod = b.image.symbols.find((s) => s.name === 'core_wasm');
      if (!mod) throw new Error('PROFILE_PC: no core_wasm symbol in the image');
      const at = (mod.address & ~1) - 0x08000000;
      const bin = readFileSync(ELF.replace(/\.elf$/, '.bin'));
      const siteRows: number[][] = [];
      for (let k = 0; k < FLASH_HALFWORDS * 2; k++) {
        const d = u64(siteDispOff + k * 8);
        if (d) siteRows.push([k - at, d, u64(siteInstrOff + k * 8)]);
      }
      const pairRows: number[][] = [];
      for (let h = 0; h < PAIR_SLOTS; h++) {
        const key = dv.getUint32(pairKeyOff + h * 4, true), c = u64(pairCountOff + h * 8);
        if (c) pairRows.push([key >>> 16 === 0xffff ? -1 : (key >>> 16) - at, (key & 0xffff) - at, c]);
      }
      writeFileSync(pcProfile, JSON.stringify({ publishes: N, module: Buffer.from(bin.subarray(at, at + mod.size)).toString('hex'), sites: siteRows, pairs: pairRows }));
    }
    const sites = [...shape.jumps].map((a) => u64(flashOff + ((a - 0x08000000) >> 1) * 8)).sort((x, y) => y - x);
    const all = sites.reduce((x, y) => x + y, 0);
    const share = (n: number) => (100 * sites.slice(0, n).reduce((x, y) => x + y, 0) / (all || 1)).toFixed(1);
    console.log(`\ntable jumps: ${sites.length} sites, ${sites.filter((c) => c > 0).length} executed; the busiest 10 / 25 / 50 / 75 take ${share(10)} / ${share(25)} / ${share(50)} / ${share(75)}% of the dispatches`);
    const names = opNames();
    const ops = [...Array(257).keys()].map((o) => ({ o, d: u64(dispOff + o * 8), i: u64(instrOff + o * 8) })).filter((x) => x.i > 0);
    const dispatches = ops.reduce((s, x) => s + x.d, 0);
    console.log(`\ninterpreter: ${per(byFn.get('wq_invoke') ?? 0)} per publish, ${(dispatches / N).toFixed(0)} dispatches per publish, dispatch itself (fetch, table jump, branch back) ${per(dispatch)} (${(dispatch / dispatches).toFixed(2)} per dispatch)`);
    console.log('\nper opcode dispatched (instructions in wq_invoke until the next dispatch, per publish; instr/dispatch):');
    for (const x of ops.sort((p, q) => q.i - p.i).slice(0, 60)) {
      console.log(`${per(x.i)}  ${(x.d / N).toFixed(1).padStart(7)} disp  ${(x.d ? x.i / x.d : 0).toFixed(1).padStart(6)}  0x${x.o.toString(16).padStart(2, '0')} ${names.get(x.o) ?? ''}`);
    }
  } finally {
    await runner.stop();
    b.close();
    await net.close();
    await mq.stop();
  }
}

main().catch((e: Error) => { console.error(e.message); process.exit(1); });
