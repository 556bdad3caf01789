// Shared by the firmware suites: paths, running the CLI, and driving a host build of the binding.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../host-tools/fwbuild/boards.ts';

export { REPO_ROOT };
export const TINY_HOST = join(REPO_ROOT, 'build/firmware-test/host-tiny/wasmqtt-host');
export const TINY_WASM = join(REPO_ROOT, 'build/firmware-test/tiny-core.wasm');
/** The host build of the binding with device.wasm: the default engine's (the register form) when
 * WASMQTT_FIRMWARE_ENGINE is unset, =stack the stack form's (`wasmqtt build --host --engine stack`), =aot wasm2c's. */
export const CORE_HOST = join(REPO_ROOT, 'build', `host${engineSuffix(process.env.WASMQTT_FIRMWARE_ENGINE)}`,
  'wasmqtt-host');

/** The bluepill console image (from the repo's root) the HAL suite boots: build/bluepill (the register form) by
 * default, build/bluepill-stack with WASMQTT_FIRMWARE_ENGINE=stack, build/bluepill-aot with =aot. */
export const BLUEPILL_ELF = `build/bluepill${engineSuffix(process.env.WASMQTT_FIRMWARE_ENGINE)}/firmware.elf`;

/** The output folders' suffix for an engine (fwbuild/firmware.ts defaultOutDir): none for the default. */
export function engineSuffix(engine: string | undefined): string {
  const suffixes: Record<string, string> = { regform: '', stack: '-stack', aot: '-aot' };
  if (engine === undefined || engine === '') return '';
  const suffix = suffixes[engine];
  if (suffix === undefined) throw new Error(
    `WASMQTT_FIRMWARE_ENGINE=${engine}: not an engine; use one of ${Object.keys(suffixes).join(', ')} ` +
    '(or leave it unset for the default, regform)');
  return suffix;
}
/** The same binding loop with device.wasm compiled to C by wasm2c (engine aot). */
export const CORE_HOST_AOT = join(REPO_ROOT, 'build/host-aot/wasmqtt-host');
/** The module the firmware images embed: the MQTT core with the device console. */
export const DEVICE_WASM = join(REPO_ROOT, 'build/core/device.wasm');

export function requireArtifact(path: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`make build\` first`);
  return path;
}

/** Runs `wasmqtt ...` the way a user would (tsx), returning exit code and output. */
export function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'host-tools/cli/main.ts'), ...args], {
    cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `cli` without blocking: the test's worker keeps answering vitest while the build runs (a file of blocking
 * builds only can hold its worker past vitest's RPC timeout on a loaded machine). `cwd` defaults to the repo. */
export function cliAsync(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}):
    Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // bin.mjs registers tsx itself, so any cwd works (a project folder has no tsx of its own)
    const p = spawn(process.execPath, [join(REPO_ROOT, 'host-tools/cli/bin.mjs'), ...args], {
      cwd: opts.cwd ?? REPO_ROOT, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 120_000 });
    let stdout = '', stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    p.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A running host build of the firmware: write console lines, wait for output lines. */
export class HostDevice {
  readonly proc: ChildProcessWithoutNullStreams;
  private buf = '';
  readonly lines: string[] = [];
  private waiters: (() => void)[] = [];
  exited: Promise<number | null>;

  constructor(exe: string, args: string[]) {
    this.proc = spawn(
      exe, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' } });
    this.proc.stdout.setEncoding('latin1');
    this.proc.stdout.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i).replace(/\r$/, ''));
        this.buf = this.buf.slice(i + 1);
      }
      this.waiters.splice(0).forEach((w) => w());
    });
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on(
      'data', (d: string) => { this.lines.push(`[stderr] ${d}`); this.waiters.splice(0).forEach((w) => w()); });
    this.exited = new Promise(
      (resolve) => this.proc.on('exit', (code) => { resolve(code); this.waiters.splice(0).forEach((w) => w()); }));
  }

  /** The raw bytes printed so far that do not end in a newline yet. */
  partial(): string { return this.buf; }

  /** Strings are sent byte-for-byte (latin1), so tests can send any byte value. */
  write(s: string | Buffer): void { this.proc.stdin.write(typeof s === 'string' ? Buffer.from(s, 'latin1') : s); }
  send(line: string): void { this.write(line + '\n'); }

  /** Waits for a line (at index >= from) matching `re`; fails with the transcript on timeout. */
  async waitFor(re: RegExp, from = 0, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.slice(from).find((l) => re.test(l));
      if (hit !== undefined) return hit;
      if (this.proc.exitCode !== null && this.proc.exitCode !== undefined) {
        throw new Error(`device exited (${this.proc.exitCode}) before ${re}:\n${this.lines.join('\n')}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${re}; console so far:\n${this.lines.join('\n')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** Sends a command and returns its ok/err reply (the first ok/err line after it). */
  async command(line: string, timeoutMs = 15_000): Promise<string> {
    const from = this.lines.length;
    this.send(line);
    return this.waitFor(/^(ok|err) /, from, timeoutMs);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
    await this.exited;
  }
}
