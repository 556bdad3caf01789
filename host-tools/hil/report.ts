// HIL reports: a readable one for people, a JSON one for CI, and a ladder SVG per failed
// scenario. The JSON shape is the contract CI parses (documented in docs/host-tools.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderLadderSvg } from './ladder.ts';
import type { TraceEntry } from './trace.ts';

export type ScenarioStatus = 'pass' | 'fail' | 'not-run';

export interface ScenarioResult {
  id: string;
  title: string;
  status: ScenarioStatus;
  ms: number;
  /** What was checked and seen (counts on the broker side etc.). */
  checks: string[];
  /** Why it failed, or why it could not run on this device/broker. */
  reason?: string;
  trace: TraceEntry[];
  /** Path of the ladder diagram written for a failed scenario. */
  ladder?: string;
}

export interface HilReport {
  tool: 'wasmqtt hil';
  device: string;
  broker: string;
  startedAt: string;
  durationMs: number;
  summary: { passed: number; failed: number; notRun: number };
  scenarios: ScenarioResult[];
}

export function summarise(results: ScenarioResult[]): HilReport['summary'] {
  return {
    passed: results.filter((r) => r.status === 'pass').length,
    failed: results.filter((r) => r.status === 'fail').length,
    notRun: results.filter((r) => r.status === 'not-run').length,
  };
}

/** Fixed-width status word for the readable report and progress lines. */
export function statusMark(s: ScenarioStatus): string {
  return s === 'pass' ? 'PASS   ' : s === 'fail' ? 'FAIL   ' : 'NOT RUN';
}

/** Readable report: one line per scenario with its time, then the details of failures. */
export function formatReport(r: HilReport): string {
  const lines = [`wasmqtt hil: ${r.device} against ${r.broker}`];
  const w = Math.max(...r.scenarios.map((s) => s.id.length), 8);
  for (const s of r.scenarios) {
    const mark = statusMark(s.status);
    lines.push(
      `  ${mark}  ${s.id.padEnd(w)}  ${(s.ms / 1000).toFixed(2).padStart(6)} s  ` +
      `${s.title}${s.status === 'not-run' ? ` (not run: ${s.reason})` : ''}`);
    if (s.status === 'pass') for (const c of s.checks) lines.push(`          ${' '.repeat(w)}                ✓ ${c}`);
  }
  const failed = r.scenarios.filter((s) => s.status === 'fail');
  for (const s of failed) {
    lines.push('', `${s.id} failed: ${s.reason ?? 'no reason recorded'}`);
    for (const c of s.checks) lines.push(`  ✓ ${c}`);
    if (s.ladder) lines.push(`  packet trace: ${s.ladder}`);
  }
  const { passed, failed: nf, notRun } = r.summary;
  lines.push('', `${passed} passed, ${nf} failed, ${notRun} not run in ${(r.durationMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}

/** Writes the ladder SVG of every failed scenario into `dir`; sets `ladder` on each. */
export function writeLadders(r: HilReport, dir: string): string[] {
  const written: string[] = [];
  for (const s of r.scenarios) {
    if (s.status !== 'fail') continue;
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${s.id}.svg`);
    writeFileSync(file, renderLadderSvg(s.trace, { title: `${s.id}: ${s.title}` }));
    s.ladder = file;
    written.push(file);
  }
  return written;
}

export function writeJsonReport(r: HilReport, file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
}
