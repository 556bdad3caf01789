// `wasmqtt sim`'s bench controls (power, link) as `wasmqtt hil --sim` uses them: a real sim
// process on the fixture firmware, its pty opened with serialport, actions over the control
// socket it advertises.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { openSerialPort } from '../../host-tools/monitor/open-port.ts';
import type { VirtualPort } from '../../host-tools/monitor/virtual-ports.ts';
import { sendBoardAction, serveBoardControl } from '../../host-tools/sim/board/control.ts';
import { FIXTURE_ELF, ROOT, requireBuilt, tempStore } from './helpers.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startSim(): Promise<{ vport: VirtualPort; port: SerialPort; text: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vboard-vports-'));
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'host-tools/cli/main.ts', 'sim', '--elf',
    requireBuilt(FIXTURE_ELF), '--store', tempStore(), '--speed', '20'],
    { cwd: ROOT, env: { ...process.env, WASMQTT_VPORT_DIR: dir }, stdio: 'ignore' });
  cleanup.push(() => new Promise<void>(
    (r) => { if (proc.exitCode !== null) return r(); proc.once('exit', () => r()); proc.kill('SIGTERM'); }));
  const json = () => readdirSync(dir).find((f) => f.endsWith('.json'));
  await until(() => existsSync(dir) && json() !== undefined, 'the sim to advertise its pty', 30_000);
  const vport = JSON.parse(readFileSync(join(dir, json()!), 'utf8')) as VirtualPort;
  const port = await openSerialPort(vport.path, 115200);
  cleanup.push(() => new Promise<void>((r) => port.close(() => r())));
  let text = '';
  port.on('data', (d: Buffer) => { text += d.toString('latin1'); });
  return { vport, port, text: () => text };
}

describe('virtual board bench controls', () => {
  it('powers the board off and on (a cold boot) and pulls the link, over the advertised socket', async () => {
    const { vport, port, text } = await startSim();
    expect(vport.control).toBeDefined();
    const ctl = vport.control!;
    port.write('h');
    await until(() => text().includes('hello\r\n'), 'the reply to h');
    await sendBoardAction(ctl, 'power off');
    const atOff = text().length;
    port.write('h');
    await new Promise((r) => setTimeout(r, 300));
    expect(text().slice(atOff)).toBe(''); // nothing runs while the power is off
    await sendBoardAction(ctl, 'power on');
    await until(() => text().slice(atOff).includes('fixture boot cause=power'), 'the boot banner after power on');
    port.write('h');
    await until(() => text().slice(atOff).includes('hello\r\n'), 'the reply to h after power on');
    await sendBoardAction(ctl, 'link down');
    await sendBoardAction(ctl, 'link up');
  }, 60_000);

  it('answers an unknown action with the list of actions, and a dead socket with a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vboard-ctl-'));
    const path = join(dir, 'ctl');
    const seen: string[] = [];
    const server = await serveBoardControl(path, (a) => { seen.push(a); });
    cleanup.push(() => server.close());
    await sendBoardAction(path, 'link down');
    expect(seen).toEqual(['link down']);
    await expect(sendBoardAction(path, 'reboot' as never)).rejects.toThrow(
      'unknown action "reboot"; one of: power off, power on, link down, link up');
    await expect(sendBoardAction(join(dir, 'gone'), 'power off')).rejects.toThrow(
      /cannot reach the virtual board's control socket .*is wasmqtt sim still running\?/);
  });
});
