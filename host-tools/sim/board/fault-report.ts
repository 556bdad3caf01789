// Human-readable HardFault / lockup report: registers, fault status, and a backtrace symbolized
// from the ELF. The backtrace is the faulting PC, LR, then every stack word that points into a
// known function (a stack scan: Cortex-M has no frame pointers; entries can be stale).
import type { FaultInfo } from './board.ts';
import type { ElfImage } from './elf.ts';

const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

export function backtrace(f: FaultInfo, image: ElfImage, max = 12): string[] {
  const out: string[] = [];
  const add = (what: string, addr: number) => {
    const sym = image.symbolize(addr);
    if (sym || what !== 'stack') out.push(`${what.padEnd(5)} ${hex(addr)} ${sym ?? '?'}`);
  };
  add('pc', f.pc);
  if ((f.lr >>> 0) < 0xfffffff0) add('lr', f.lr);
  for (const w of f.stack) {
    if (out.length >= max) break;
    if ((w & 1) === 1 && image.symbolize(w - 1)) add('stack', w - 1); // return addresses have the Thumb bit
  }
  return out;
}

export function formatFault(f: FaultInfo, image: ElfImage): string {
  const lines = [`${f.kind === 'lockup' ? 'LOCKUP' : 'HARDFAULT'} (${f.kind}): ${f.reason}`];
  const r = f.regs;
  for (let i = 0; i < 13; i += 4) {
    lines.push('  ' + r.slice(i, i + 4).map((v, j) => `r${i + j}`.padStart(3) + `=${hex(v)}`).join('  '));
  }
  lines.push(`   sp=${hex(f.sp)}   lr=${hex(f.lr)}   pc=${hex(f.pc)}  xpsr=${hex(f.xpsr)}`);
  lines.push(`  cfsr=${hex(f.cfsr)} hfsr=${hex(f.hfsr)}${f.bfar !== undefined ? ` bfar=${hex(f.bfar)}` : ''}`);
  lines.push('  backtrace:');
  for (const l of backtrace(f, image)) lines.push(`    ${l}`);
  return lines.join('\n');
}
