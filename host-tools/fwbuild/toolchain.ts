// Finding the tools `wasmqtt build` runs, and running them with errors a person can act on.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export class ToolchainError extends Error {}

/** Where each tool comes from, for the "how to fix" part of the message. */
const PACKAGE_OF: Record<string, string> = {
  'arm-none-eabi-gcc': 'gcc-arm-none-eabi libnewlib-arm-none-eabi',
  'arm-none-eabi-objcopy': 'binutils-arm-none-eabi',
  'arm-none-eabi-nm': 'binutils-arm-none-eabi',
  'arm-none-eabi-size': 'binutils-arm-none-eabi',
  gcc: 'gcc',
  wasm2c: 'wabt',
  'wasm-opt': 'binaryen',
};

export function findTool(name: string, envPath = process.env.PATH ?? ''): string {
  for (const dir of envPath.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* keep looking */ }
  }
  const pkg = PACKAGE_OF[name] ?? name;
  throw new ToolchainError(`${name} not found on PATH. Install it with: sudo apt-get install ${pkg}`);
}

export interface RunResult { code: number; stdout: string; stderr: string }

export function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('error', (e) => reject(new ToolchainError(`cannot run ${cmd}: ${e.message}`)));
    p.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Runs `jobs` with at most `limit` at once (the build machines have few cores). */
export async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}
