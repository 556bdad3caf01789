// `wasmqtt doctor`: checks every tool the project uses and says how to install what is
// missing. Each check runs the real tool (or looks for the real library) with the caller's
// PATH, so a test can point PATH at an empty directory and see every fix printed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProjectConfig } from '../config/load.ts';

export interface CheckResult {
  name: string;
  /** What the project uses it for. */
  purpose: string;
  /** Required tools fail `doctor`; optional ones only warn. */
  required: boolean;
  ok: boolean;
  version?: string;
  /** Where it was found, or what went wrong. */
  detail: string;
  /** How to install or fix it (only when not ok). */
  fix?: string;
}

export interface DoctorEnv {
  /** PATH to search (default: process.env.PATH plus /usr/sbin, where Debian puts mosquitto). */
  path?: string;
  /** Directories searched for shared libraries (libunicorn.so.2). */
  libDirs?: string[];
  /** The project root (for node_modules/.bin/asc). */
  projectRoot?: string;
  /** Node version to judge (default: this process's). */
  nodeVersion?: string;
  /** Where to look for wasmqtt.config.json (default: the working directory, upwards). */
  cwd?: string;
}

const projectRootDefault = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_LIB_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/local/lib', '/lib'];
const MIN_NODE = [20, 19];

function which(cmd: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Runs `bin args`, returns combined output or undefined when it cannot run. */
function run(bin: string, args: string[]): string | undefined {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return undefined;
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

interface ToolSpec {
  name: string;
  cmd: string;
  args: string[];
  versionRe: RegExp;
  purpose: string;
  required: boolean;
  fix: string;
}

const TOOLS: ToolSpec[] = [
  {
    name: 'arm-none-eabi-gcc', cmd: 'arm-none-eabi-gcc', args: ['--version'], versionRe: /\)\s*(\d+\.\d+\.\d+)/,
    purpose: 'compiles the firmware (wasmqtt build)', required: true,
    fix: 'sudo apt-get install -y gcc-arm-none-eabi libnewlib-arm-none-eabi' },
  {
    name: 'openocd', cmd: 'openocd', args: ['--version'], versionRe: /Open On-Chip Debugger (\S+)/,
    purpose: 'flashes boards over ST-Link (wasmqtt flash, probes)', required: true,
    fix: 'sudo apt-get install -y openocd' },
  { name: 'mosquitto', cmd: 'mosquitto', args: ['-h'], versionRe: /mosquitto version (\S+)/,
    purpose: 'the broker the tests and HIL runs use', required: true, fix: 'sudo apt-get install -y mosquitto' },
  {
    name: 'socat', cmd: 'socat', args: ['-V'], versionRe: /socat version (\S+)/,
    purpose: 'pseudo-terminal pairs (virtual board UART, monitor tests)', required: true,
    fix: 'sudo apt-get install -y socat' },
  { name: 'wast2json (wabt)', cmd: 'wast2json', args: ['--version'], versionRe: /^(\d+\.\d+\.\d+)/m,
    purpose: 'converts the WebAssembly spec tests', required: true, fix: 'sudo apt-get install -y wabt' },
  { name: 'wasm-opt (binaryen)', cmd: 'wasm-opt', args: ['--version'], versionRe: /version (\d+)/,
    purpose: 'wasm optimisation and inspection', required: false, fix: 'sudo apt-get install -y binaryen' },
  {
    name: 'udevadm', cmd: 'udevadm', args: ['--version'], versionRe: /^(\d+)/m,
    purpose: 'lets serialport list USB serial ports with their vendor ids (monitor falls back to /dev and /sys ' +
    'without it)', required: false, fix: 'sudo apt-get install -y udev' },
];

function checkTool(t: ToolSpec, path: string): CheckResult {
  const bin = which(t.cmd, path);
  if (!bin) return { name: t.name, purpose: t.purpose, required: t.required, ok: false,
    detail: `${t.cmd} not found on PATH`, fix: t.fix };
  const out = run(bin, t.args);
  if (out === undefined) return { name: t.name, purpose: t.purpose, required: t.required, ok: false,
    detail: `${bin} exists but does not run`, fix: t.fix };
  const version = t.versionRe.exec(out)?.[1];
  return { name: t.name, purpose: t.purpose, required: t.required, ok: true, version, detail: bin };
}

function checkNode(version: string): CheckResult {
  const [maj, min] = version.replace(/^v/, '').split('.').map(Number);
  const ok = maj! > MIN_NODE[0]! || (maj === MIN_NODE[0] && min! >= MIN_NODE[1]!);
  return {
    name: 'node', purpose: 'runs the host tools', required: true, ok, version: version.replace(/^v/, ''),
    detail: ok ? process.execPath : `version ${version} is older than ${MIN_NODE.join('.')}`,
    fix: ok ? undefined :
      `install Node.js ${MIN_NODE.join('.')} or newer (e.g. from https://nodejs.org or your distribution's nodejs ` +
      `package)`,
  };
}

function checkAsc(root: string): CheckResult {
  const bin = join(root, 'node_modules', '.bin', 'asc');
  const base = { name: 'asc (AssemblyScript)', purpose: 'compiles the MQTT core to core.wasm', required: true };
  if (!existsSync(bin)) return {
    ...base, ok: false, detail: `${bin} not found`, fix: 'run `npm ci` (or `make deps`) in the project root' };
  const out = run(process.execPath, [bin, '--version']);
  const version = out ? /Version (\S+)/.exec(out)?.[1] : undefined;
  if (!version) return { ...base, ok: false, detail: `${bin} does not run`, fix: 'run `npm ci` in the project root' };
  return { ...base, ok: true, version, detail: bin };
}

function checkNewlib(path: string): CheckResult {
  const base = { name: 'newlib-nano (arm)', purpose: 'C library linked into the firmware', required: true };
  const gcc = which('arm-none-eabi-gcc', path);
  const fix = 'sudo apt-get install -y libnewlib-arm-none-eabi';
  if (!gcc) return { ...base, ok: false, detail: 'needs arm-none-eabi-gcc to locate it', fix };
  const out = run(gcc, ['-mcpu=cortex-m3', '-mthumb', '--specs=nano.specs', '-print-file-name=libc_nano.a']);
  const file = out?.trim();
  if (file && file.startsWith('/') && existsSync(file)) return { ...base, ok: true, detail: file };
  return { ...base, ok: false, detail: 'libc_nano.a not found for cortex-m3', fix };
}

function checkUnicorn(libDirs: string[]): CheckResult {
  const base = {
    name: 'libunicorn2', purpose: 'the CPU of the virtual board (wasmqtt sim, HIL --sim)', required: true };
  for (const d of libDirs) {
    const p = join(d, 'libunicorn.so.2');
    if (existsSync(p)) return { ...base, ok: true, detail: p };
  }
  return { ...base, ok: false, detail: `libunicorn.so.2 not found in ${libDirs.join(', ')}`,
    fix: 'sudo apt-get install -y libunicorn2' };
}

/** The project config is optional; when present it must be valid. */
function checkConfig(cwd: string): CheckResult {
  const base = {
    name: 'wasmqtt.config.json', purpose: 'project settings (board, network, broker, client)', required: true };
  try {
    const { path } = loadProjectConfig(undefined, cwd);
    return { ...base, ok: true, detail: path ?? 'none found (optional; see wasmqtt.config.example.json)' };
  } catch (err) {
    return { ...base, ok: false, detail: 'invalid', fix: (err as Error).message.replace(/\n\s*/g, '; ') };
  }
}

export function runDoctor(env: DoctorEnv = {}): CheckResult[] {
  const path = env.path ?? [process.env.PATH ?? '', '/usr/sbin', '/sbin'].join(delimiter);
  const root = env.projectRoot ?? projectRootDefault;
  return [
    checkNode(env.nodeVersion ?? process.version),
    checkAsc(root),
    ...TOOLS.slice(0, 1).map((t) => checkTool(t, path)),
    checkNewlib(path),
    ...TOOLS.slice(1).map((t) => checkTool(t, path)),
    checkUnicorn(env.libDirs ?? DEFAULT_LIB_DIRS),
    checkConfig(env.cwd ?? process.cwd()),
  ];
}

/** Human-readable report; the last line says whether the machine is ready. */
export function formatDoctor(results: CheckResult[]): string {
  const lines: string[] = [];
  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results) {
    const mark = r.ok ? 'ok  ' : r.required ? 'MISS' : 'warn';
    lines.push(`[${mark}] ${r.name.padEnd(width)}  ${(r.version ?? '').padEnd(8)}  ${r.detail}`);
    if (!r.ok) {
      lines.push(`       needed for: ${r.purpose}`);
      if (r.fix) lines.push(`       fix: ${r.fix}`);
    }
  }
  const missing = results.filter((r) => !r.ok && r.required);
  const warned = results.filter((r) => !r.ok && !r.required);
  if (missing.length === 0) {
    lines.push(`all required tools found${warned.length ? ` (${warned.length} optional missing)` : ''}`);
  } else {
    const apt = missing.map((r) => /apt-get install -y (.*)$/.exec(r.fix ?? '')?.[1]).filter(Boolean);
    lines.push(
      `${missing.length} required tool${missing.length > 1 ? 's' : ''} missing: ` +
      `${missing.map((r) => r.name).join(', ')}`);
    if (apt.length) lines.push(
      `install them all at once: sudo apt-get install -y ${[...new Set(apt.join(' ').split(' '))].join(' ')}`);
  }
  return lines.join('\n');
}
