// Compiling an app (AssemblyScript, compiled with the MQTT core into one module): asc with the
// options of the device console's asconfig (firmware/app/console/asconfig.json), then wasm-opt
// with host-tools/fwbuild/wasm-opt.flags, the flags mk/core.mk uses for core.wasm and device.wasm.
// The app imports the SDK as `wasmqtt/app`; asc finds it through a `wasmqtt` link to this
// package in the output folder, so it resolves the same inside this repo, from a project's
// node_modules, or from a global install.
import { createRequire } from 'node:module';
import {
  existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, lstatSync, readlinkSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { REPO_ROOT as PACKAGE_ROOT } from './boards.ts';
import { findTool, run } from './toolchain.ts';

export class AppBuildError extends Error {}

/** asc options for an app module (the device console's asconfig says the same; a test keeps them equal). */
export const APP_ASC_OPTIONS = {
  runtime: 'stub',
  noAssert: true,
  initialMemory: 1,
  maximumMemory: 1,
  optimizeLevel: 0,
  shrinkLevel: 2,
  converge: true,
} as const;

/** The core's abort handler, by the name asc gives it: the core's files are named by their path
 * from the package root when the app reaches them by relative imports (an app inside this
 * repo), and `~lib/wasmqtt/...` when it imports `wasmqtt/app`. */
const CORE_ABORT = 'firmware/core/index/wqAbort';

export function wasmOptFlags(file = join(PACKAGE_ROOT, 'host-tools/fwbuild/wasm-opt.flags')): string[] {
  return readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

export function ascOptionArgs(abortName: string): string[] {
  const o = APP_ASC_OPTIONS;
  // --debug: function names, for wasm-opt.flags' --no-inline (its --strip-debug drops them), as mk/core.mk
  return ['--runtime', o.runtime, ...(o.noAssert ? ['--noAssert'] : []), '--debug', '--use', `abort=${abortName}`,
    '--initialMemory', String(o.initialMemory), '--maximumMemory', String(o.maximumMemory),
    '--optimizeLevel', String(o.optimizeLevel), '--shrinkLevel', String(o.shrinkLevel),
      ...(o.converge ? ['--converge'] : [])];
}

function tsFilesUnder(dir: string, depth = 4): string[] {
  if (depth < 0 || !existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.') || e.name === 'build') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFilesUnder(p, depth - 1));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** True when the app's sources import the package by name (`from "wasmqtt/..."`). */
export function importsPackageByName(entry: string): boolean {
  const files = [entry, ...tsFilesUnder(dirname(entry))];
  return files.some((f) => /from\s+["']wasmqtt\//.test(readFileSync(f, 'utf8')));
}

/** A folder holding `wasmqtt` -> this package, for asc's --path. It is named node_modules so
 * that tools that skip node_modules (test runners, linters) do not walk into the package. */
function packageLinkDir(outDir: string): string {
  const dir = join(outDir, 'asc-lib', 'node_modules');
  const link = join(dir, 'wasmqtt');
  mkdirSync(dir, { recursive: true });
  let ok = false;
  try { ok = lstatSync(link).isSymbolicLink() &&
    resolve(dir, readlinkSync(link)) === PACKAGE_ROOT; } catch { /* absent */ }
  if (!ok) {
    rmSync(link, { force: true, recursive: true });
    symlinkSync(PACKAGE_ROOT, link, 'dir');
  }
  return dir;
}

function ascBin(): string {
  const req = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = req.resolve('assemblyscript/package.json');
  } catch {
    throw new AppBuildError('the AssemblyScript compiler (npm package assemblyscript) is not installed next to ' +
      'wasmqtt; run npm install');
  }
  return join(dirname(pkg), 'bin', 'asc.js');
}

/** The wasm-opt of the binaryen package AssemblyScript depends on: the one mk/core.mk runs for
 * core.wasm and device.wasm, so an app's module does not depend on which binaryen is first on
 * PATH (Debian's older one makes the same app larger; bench key
 * app_sdk.flash_left_for_user_code_bytes). PATH only when the package is missing. */
function wasmOptBin(): string {
  try {
    const asc = createRequire(import.meta.url).resolve('assemblyscript/package.json');
    const pkg = createRequire(asc).resolve('binaryen/package.json');
    const bin = join(dirname(pkg), 'bin', 'wasm-opt');
    if (existsSync(bin)) return bin;
  } catch { /* not installed next to assemblyscript: fall back to PATH */ }
  return findTool('wasm-opt');
}

export interface AppBuildOptions {
  /** The app's entry file (its exports are the module's exports). */
  entry: string;
  /** The module to write. */
  outFile: string;
  /** The project folder (where wasmqtt.config.json is): asc's base folder for an app outside
   * this package. Default: the entry's folder. */
  projectDir?: string;
  log?: (line: string) => void;
}

/** Compiles an app with the core into one module (asc, then wasm-opt); returns outFile. */
export async function compileApp(o: AppBuildOptions): Promise<string> {
  const entry = resolve(o.entry);
  if (!existsSync(entry) || !statSync(entry).isFile()) throw new AppBuildError(
    `the app's entry file ${entry} does not exist (set "app" in wasmqtt.config.json, or run \`wasmqtt init\`)`);
  const outDir = dirname(resolve(o.outFile));
  mkdirSync(outDir, { recursive: true });
  const wasmOpt = wasmOptBin();
  const inPackage = (entry + sep).startsWith(PACKAGE_ROOT + sep);
  const abortName = importsPackageByName(entry) || !inPackage ? `~lib/wasmqtt/${CORE_ABORT}` : CORE_ABORT;
  const tmp = `${resolve(o.outFile)}.${process.pid}`;
  o.log?.(`asc: ${relative(process.cwd(), entry) || entry}`);
  // asc's base folder must hold the entry: asc compiles files it reaches through "../" above
  // its base folder twice (the core's static data doubled, 14 KB instead of 7.6 KB for the
  // sensor app). The package root for an app inside this repo (its relative imports reach the
  // core there), the project folder for a user's app (it reaches the package as ~lib/wasmqtt).
  const baseDir = inPackage ? PACKAGE_ROOT : resolve(o.projectDir ?? dirname(entry));
  if (!(entry + sep).startsWith(baseDir + sep)) throw new AppBuildError(
    `the app's entry ${entry} must be inside the project folder ${baseDir}`);
  const asc = await run(process.execPath, [ascBin(), relative(baseDir, entry), '--path', packageLinkDir(outDir),
    ...ascOptionArgs(abortName), '--outFile', `${tmp}.asc`], { cwd: baseDir });
  const ascOut = (asc.stdout + asc.stderr).split('\n').filter(
    (l) => !/converge was suboptimal/.test(l)).join('\n').trim();
  if (asc.code !== 0 || !existsSync(`${tmp}.asc`)) {
    rmSync(`${tmp}.asc`, { force: true });
    throw new AppBuildError(`compiling ${entry} failed (asc):\n${ascOut}`);
  }
  o.log?.('wasm-opt: -Oz');
  const opt = await run(wasmOpt, [...wasmOptFlags(), `${tmp}.asc`, '-o', tmp]);
  rmSync(`${tmp}.asc`, { force: true });
  if (opt.code !== 0) {
    rmSync(tmp, { force: true });
    throw new AppBuildError(`wasm-opt failed on the app module:\n${opt.stderr.trim()}`);
  }
  renameSync(tmp, resolve(o.outFile));
  return resolve(o.outFile);
}
