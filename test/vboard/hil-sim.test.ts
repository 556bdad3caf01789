// `wasmqtt hil --sim` as a user runs it: a virtual board started by `wasmqtt sim` in its own
// process (found through its advertised pty), the HIL runner in another, a real Mosquitto with
// persistence started by the runner. Only the scenarios that need the board's power and link
// control run here (the full suite is in docs/host-tools.md); each must pass.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIRMWARE_ELF, ROOT, requireBuilt, tempStore } from './helpers.ts';

const ELF = FIRMWARE_ELF;
const SCENARIOS = ['power-cycle-qos2-out', 'power-cycle-qos2-in', 'broker-restart', 'link-down-up'];

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGTERM');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function cli(args: string[], env: NodeJS.ProcessEnv): {
    child: ChildProcess; out: () => string; done: Promise<number> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'host-tools/cli/main.ts', ...args],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const done = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { child, out: () => out, done };
}

describe('wasmqtt hil --sim', () => {
  it('passes the power-cut, broker-restart and link scenarios on the virtual board', async () => {
    const vports = mkdtempSync(join(tmpdir(), 'wasmqtt-vports-'));
    dirs.push(vports);
    const env = { ...process.env, WASMQTT_VPORT_DIR: vports };
    const sim = cli(['sim', '--board', 'bluepill', '--elf', requireBuilt(ELF), '--store', tempStore()], env);
    // The board is advertised once its pty exists; the runner finds it through WASMQTT_VPORT_DIR.
    const up = await Promise.race([
      new Promise<boolean>((resolve) => { const t = setInterval(
        () => { if (/UART: \S+/.test(sim.out())) { clearInterval(t); resolve(true); } }, 20); }),
      sim.done.then(() => false),
    ]);
    expect(up, `wasmqtt sim did not start:\n${sim.out()}`).toBe(true);
    const hil = cli(['hil', '--sim', '--only', SCENARIOS.join(',')], env);
    const code = await hil.done;
    expect(hil.out(), hil.out()).toContain(`${SCENARIOS.length} passed, 0 failed, 0 not run`);
    expect(code).toBe(0);
  }, 120_000);
});
