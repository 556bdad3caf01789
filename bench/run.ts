// The bench runner (`make bench`): runs every bench/*.bench.ts (each exports
// `async run(): Promise<Record<string, unknown>>`), merges their figures into
// bench/results.json and prints them as a table. Benchmarks print figures and ratios; they
// never pass or fail on time. `node --import tsx bench/run.ts mqtt core` runs only those files.
import { readdirSync, writeFileSync, renameSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(here, 'results.json');

type Figures = Record<string, unknown>;

export function discover(dir = here, only: string[] = []): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.includes(f.replace(/\.bench\.ts$/, '')))
    .sort();
}

/** Flattens nested objects into "a.b" rows for printing (the JSON keeps the nesting). */
export function rows(figures: Figures, prefix = ''): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(figures)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(...rows(v as Figures, key));
    else out.push([key, formatValue(v)]);
  }
  return out;
}

function formatValue(v: unknown): string {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return v.toLocaleString('en-US');
    return v.toLocaleString('en-US', { maximumFractionDigits: 3 });
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function table(title: string, figures: Figures): string {
  const r = rows(figures);
  const w = Math.max(10, ...r.map(([k]) => k.length));
  return [`${title}`, ...r.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)].join('\n');
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = discover(here, only);
  if (files.length === 0) {
    console.error(`bench: no bench/*.bench.ts files${only.length ? ` named ${only.join(', ')}` : ''}`);
    process.exitCode = 1;
    return;
  }
  // Keep figures of benches not run this time (a partial run updates only its own keys).
  let merged: Figures = {};
  if (only.length > 0 && existsSync(RESULTS)) {
    try { merged = JSON.parse(readFileSync(RESULTS, 'utf8')) as Figures; } catch { merged = {}; }
  }
  const failures: string[] = [];
  for (const file of files) {
    const name = file.replace(/\.bench\.ts$/, '');
    const started = performance.now();
    try {
      const mod = (await import(pathToFileURL(join(here, file)).href)) as { run?: () => Promise<Figures> };
      if (typeof mod.run !== 'function') throw new Error(`${file} does not export \`async function run()\``);
      const figures = await mod.run();
      const dup = Object.keys(figures).filter((k) => k in merged && !only.length);
      if (dup.length > 0) console.warn(
        `bench: ${file} overwrites keys already set by another bench: ${dup.join(', ')}`);
      Object.assign(merged, figures);
      console.log(table(`${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`, figures));
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      failures.push(`${file}: ${msg}`);
      console.error(`bench: ${file} failed: ${msg}`);
    }
  }
  writeFileSync(`${RESULTS}.tmp`, `${JSON.stringify(merged, null, 2)}\n`);
  renameSync(`${RESULTS}.tmp`, RESULTS);
  console.log(`\nwrote ${Object.keys(merged).length} figures to bench/results.json`);
  if (failures.length > 0) {
    console.error(`bench: ${failures.length} benchmark file(s) failed:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}

const isEntry = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isEntry) await main();
