// Core hot path: how much wasm work one QoS 1 publish costs inside core.wasm. The same sources
// are built with names (asc --debug, the same wasm-opt pipeline as core.wasm) and then
// instrumented by binaryen's --log-execution, which calls an imported log_execution(id) at every
// function entry and every loop iteration. The module runs in NodeDevice against a real
// Mosquitto (window 8, 64-byte payload); the counts over N acknowledged publishes, divided by
// N, are the figures. On the device interpreter a wasm call costs tens of Thumb instructions
// (interp_thumb_instr_per_call, the runtime bench), so calls per publish are a figure to cut.
// Everything it writes stays under build/core-hotpath/.
// HOTPATH_TOP=40 lists more than the top 10 functions.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { NodeDevice, DEFAULT_DEVICE_BROKER } from '../host-tools/sim/host/device.ts';
import { W5500NetworkBackend } from '../host-tools/sim/host/w5500-backend.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build/core-hotpath');
// The binaryen that `make` runs (the Makefile puts node_modules/.bin first on PATH): Debian's
// older wasm-opt prints and names the instrumentation differently.
const WASM_OPT = join(root, 'node_modules/.bin/wasm-opt');
const FEATURES = [
  '--enable-sign-ext', '--enable-bulk-memory', '--enable-mutable-globals', '--enable-nontrapping-float-to-int'];
const PUBLISHES = 400;

type Kind = 'entry' | 'loop' | 'return';

/** Builds the instrumented module; returns its path and, per log id, [function name, kind]. */
function buildInstrumented(): { wasm: string; ids: Map<number, [string, Kind]>; importModule: string } {
  mkdirSync(out, { recursive: true });
  const asc = join(out, 'core-names.asc.wasm');
  const named = join(out, 'core-names.wasm');
  const logged = join(out, 'core-log.wasm');
  const run = (cmd: string, args: string[]): string =>
    execFileSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  run(join(root, 'node_modules/.bin/asc'),
    ['--config', 'asconfig.json', '--target', 'release', '--debug', '--outFile', asc]);
  // the flags of mk/core.mk's CORE_WASM_OPT, with -g to keep the names
  run(WASM_OPT, [...FEATURES, '-Oz', '--converge', '--low-memory-unused', '-g', asc, '-o', named]);
  run(WASM_OPT, [...FEATURES, '-g', '--log-execution', named, '-o', logged]);
  const wat = run(WASM_OPT, [...FEATURES, logged, '--print']);
  // The pass puts a log call first in every function body (entry), at the top of every loop
  // body (iteration) and before every `return` (not counted: the entry already counted the call).
  // Read from the printed text: the first call in a function is its entry; a call within two
  // lines of a `(loop` opening is an iteration; any other is a return.
  // The pass adds an import named log_execution; the printed text may call it by another name.
  const imp = /\(import "([^"]+)" "log_execution" \(func \$(\S+)/.exec(wat);
  if (!imp) throw new Error('core-hotpath: the instrumented module imports no log_execution (binaryen changed its ' +
    'pass?)');
  const [, importModule, logFn] = imp;
  const ids = new Map<number, [string, Kind]>();
  const lines = wat.split('\n');
  let fn = '';
  let first = false; // the next log call is the function's entry
  const recent: string[] = []; // the last two non-empty lines
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    const f = /^\(func \$(\S+)/.exec(t);
    if (f) { fn = f[1].replace(/^firmware\/core\//, ''); first = true; }
    const id = t === `(call $${logFn}` ? /\(i32\.const (\d+)\)/.exec(lines[i + 1] ?? '') : null;
    if (id) {
      const kind: Kind = first ? 'entry' : recent.some((r) => r.startsWith('(loop')) ? 'loop' : 'return';
      ids.set(Number(id[1]), [fn, kind]);
      first = false;
    }
    if (t !== '') { recent.push(t); if (recent.length > 2) recent.shift(); }
  }
  if (ids.size === 0) throw new Error('core-hotpath: no log_execution calls found in the instrumented module');
  return { wasm: logged, ids, importModule: importModule! };
}

export async function run(): Promise<Record<string, unknown>> {
  const { wasm, ids, importModule } = buildInstrumented();
  const broker = await startMosquitto();
  const counts = new Map<number, number>();
  let counting = false;
  try {
    const net = new W5500NetworkBackend({ routes: { [DEFAULT_DEVICE_BROKER]: broker.url.replace('mqtt://', '') } });
    const base = net.imports.bind(net);
    net.imports = (mem, clock) => {
      const fns = base(mem, clock);
      const log = (id: number): void => { if (counting) counts.set(id, (counts.get(id) ?? 0) + 1); };
      return { ...fns, [importModule]: { ...(fns[importModule] ?? {}), log_execution: log } };
    };
    const dev = await NodeDevice.start({
      broker: broker.url, clientId: 'hotpath-pub', cleanSession: true, window: 8, wasm: readFileSync(wasm),
      network: net,
    });
    const payload = Buffer.alloc(64, 0x61);
    let sent = 0;
    let acked = 0;
    counting = true;
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`core-hotpath: only ${acked} of ${PUBLISHES} publishes acknowledged in 60 s`)), 60_000);
      const pump = (): void => {
        while (sent < PUBLISHES && dev.publishNow('bench/hotpath', payload, 1) > 0) sent++;
      };
      dev.on('publish_done', () => {
        if (++acked >= PUBLISHES) { clearTimeout(timer); done(); } else pump();
      });
      pump();
    });
    counting = false;
    await dev.close();
  } finally {
    counting = false;
    await broker.stop();
  }

  let calls = 0;
  let loops = 0;
  const byName = new Map<string, number>();
  for (const [id, n] of counts) {
    const [name, kind] = ids.get(id) ?? [`#${id}`, 'entry'];
    if (kind === 'return') continue;
    const loop = kind === 'loop';
    if (loop) loops += n; else calls += n;
    const key = loop ? `${name} (loop)` : name;
    byName.set(key, (byName.get(key) ?? 0) + n);
  }
  const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.HOTPATH_TOP ?? 10));
  return {
    core_wasm_calls_per_qos1_publish: Math.round(calls / PUBLISHES),
    core_loop_iterations_per_qos1_publish: Math.round(loops / PUBLISHES),
    core_hotpath_top10_per_qos1_publish: Object.fromEntries(top.map(([k, n]) => [k, +(n / PUBLISHES).toFixed(1)])),
  };
}
