// Loading a core module for NodeDevice: compiled once per path, checked for the exports of
// docs/core-api.md, with a clear BadModuleError for a missing, corrupt or foreign module.
import { readFileSync, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { BadModuleError } from './errors.ts';
import type { ImportModules } from './network.ts';

export const REQUIRED_EXPORTS = ['memory', 'start', 'step', 'wq_buf', 'wq_buf_size', 'wq_config', 'wq_connect',
  'wq_disconnect', 'wq_publish', 'wq_subscribe', 'wq_unsubscribe', 'wq_stat'] as const;

export interface CoreExports {
  memory: WebAssembly.Memory;
  start(): number | undefined;
  step(): number;
  wq_buf(): number;
  wq_buf_size(): number;
  wq_config(key: number, len: number): number;
  wq_connect(): number;
  wq_disconnect(): number;
  wq_publish(topicLen: number, payloadLen: number, flags: number): number;
  wq_subscribe(count: number): number;
  wq_unsubscribe(count: number): number;
  wq_stat(key: number): number;
  /** core.wasm and device.wasm (docs/core-api.md); an app module may lack it. */
  wq_config_save?(): number;
  /** Apps on the app API (firmware/app/sdk/exports.ts) only. */
  wq_app_settings?(len: number): number;
  wq_app_memory_end?(): number;
}

const compiled = new Map<string, WebAssembly.Module>();

export async function loadModule(src: string | Uint8Array): Promise<WebAssembly.Module> {
  const path = typeof src === 'string' ? src : null;
  if (path !== null) {
    const hit = compiled.get(path);
    if (hit) return hit;
    if (!existsSync(path)) throw new BadModuleError(`${basename(path)} not found at ${path}: run \`make build\` first`);
  }
  const bytes = path !== null ? readFileSync(path) : new Uint8Array(src as Uint8Array);
  let mod: WebAssembly.Module;
  try {
    mod = await WebAssembly.compile(bytes);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new BadModuleError(
      `${path ?? 'the given bytes'} is not a valid WebAssembly module (${why}): rebuild core.wasm with \`make build\``);
  }
  const names = new Set(WebAssembly.Module.exports(mod).map((e) => e.name));
  const missing = REQUIRED_EXPORTS.filter((n) => !names.has(n));
  if (missing.length > 0) {
    throw new BadModuleError(
      `${path ?? 'the given module'} is not a wasmqtt core: it lacks the exports ${missing.join(', ')} (see ` +
      `docs/core-api.md)`);
  }
  if (path !== null) compiled.set(path, mod);
  return mod;
}

/** Instantiates `mod` with the functions of `provided` it imports; a BadModuleError names every
 * import missing from `provided` (`backend`: the network backend's name, for that message) or why
 * instantiation failed. */
export async function instantiateWith(
    mod: WebAssembly.Module, provided: ImportModules, backend: string): Promise<WebAssembly.Instance> {
  const importObject: WebAssembly.Imports = {};
  const missing: string[] = [];
  for (const imp of WebAssembly.Module.imports(mod)) {
    const fn = provided[imp.module]?.[imp.name];
    if (imp.kind !== 'function' || !fn) {
      missing.push(`${imp.module}.${imp.name}`);
      continue;
    }
    (importObject[imp.module] ??= {})[imp.name] = fn;
  }
  if (missing.length > 0) {
    throw new BadModuleError(`core.wasm needs imports this host does not provide: ${missing.join(', ')} ` +
      `(network backend: ${backend}; see docs/board-abi.md)`);
  }
  try {
    return await WebAssembly.instantiate(mod, importObject);
  } catch (err) {
    throw new BadModuleError(
      `core.wasm could not be instantiated: ${err instanceof Error ? err.message : String(err)}`);
  }
}
