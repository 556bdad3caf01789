// `wasmqtt sim` on an app's image: the app has no console, so the config's network, broker and
// client settings are saved into the virtual board's store before it boots (by the app's own
// module, run on this machine with the board's chip id); the device then connects to the
// config's broker with the config's keepalive and its chip-id client id. Before, an app's image
// in the simulator ignored the config and dialled the core's default 127.0.0.1:1883.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DemoBroker, type BrokerPacket } from '../../host-tools/demo/broker.ts';
import { runCli } from './run-cli.ts';

const BIN = fileURLToPath(new URL('../../host-tools/cli/bin.mjs', import.meta.url));
let broker: DemoBroker;
let dir: string;

/** The CLI as a child process without blocking this one (the broker answers from here). */
function cliAsync(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('close', (code) => resolve({ code, out }));
  });
}

beforeAll(async () => {
  broker = await DemoBroker.start();
  dir = join(mkdtempSync(join(tmpdir(), 'wasmqtt-simprov-')), 'dev');
  expect(runCli(['init', dir, '--name', 'dev']).code).toBe(0);
  // a broker address that exists nowhere; --broker routes it to the test's broker on loopback
  writeFileSync(join(dir, 'wasmqtt.config.json'), JSON.stringify({
    board: 'bluepill', broker: { host: '10.11.12.13', port: 1883 }, client: { keepalive: 17 },
  }));
  const build = runCli(['build'], { cwd: dir, timeoutMs: 240_000 });
  expect(build.code, build.stderr).toBe(0);
}, 300_000);

afterAll(async () => { await broker?.close(); });

describe('wasmqtt sim with an app image', () => {
  it('boots with the config\'s broker and client settings saved into its store, once', async () => {
    const connects: BrokerPacket['packet'][] = [];
    broker.on(
      'packet', (p: BrokerPacket) => { if (p.dir === 'in' && p.packet.cmd === 'connect') connects.push(p.packet); });
    const args = ['sim', '--broker', `127.0.0.1:${broker.port}`, '--for', '4000', '--no-pty', '--speed', 'max'];
    const first = await cliAsync(args, dir);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain("saved wasmqtt.config.json's broker, client settings into the board's store");
    expect(first.out).toContain('dev started');
    expect(connects).toHaveLength(1);
    const c = connects[0] as { clientId: string; keepalive: number };
    expect(c.keepalive).toBe(17);
    expect(c.clientId).toMatch(/^wasmqtt-[0-9a-f]{24}$/);
    expect(existsSync(join(dir, 'build/bluepill/vboard-store.bin.provisioned'))).toBe(true);

    // unchanged config: the store (and its session) is kept; the chip id is the project's
    const again = await cliAsync(args, dir);
    expect(again.code, again.out).toBe(0);
    expect(again.out).not.toContain('saved wasmqtt.config.json');
    expect(connects).toHaveLength(2);
    expect((connects[1] as { clientId: string }).clientId).toBe(c.clientId);
  }, 240_000);
});
