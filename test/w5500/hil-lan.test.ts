// `wasmqtt hil --node-api` with the LAN services module (build/w5500/core-lan.wasm) as a user runs
// it: the link, DNS and DHCP scenarios against the runner's Mosquitto and a dnsmasq each DNS or
// DHCP scenario starts (DHCP: in a network namespace of its own); each must pass. Then the console's
// LAN image as --node and --sim run it with no flags, and device.wasm (no DNS or DHCP client)
// reporting them as not run.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** `wasmqtt hil ARGS` in a child process (not spawnSync: a blocked worker misses vitest's own calls). */
function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{
    status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'host-tools/cli/main.ts', 'hil', ...args],
      { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGTERM'), 170_000);
    child.on('exit', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

describe('wasmqtt hil: link and DNS scenarios', () => {
  it('--node-api with core-lan.wasm passes link-cable-out-qos2, dns-broker-by-name and dns-unresolvable', async () => {
    const r = await cli(['--node-api', '--wasm', 'build/w5500/core-lan.wasm', '--only',
      'link-cable-out-qos2,dns-broker-by-name,dns-unresolvable']);
    const out = r.stdout + r.stderr;
    expect(out, out).toContain('3 passed, 0 failed, 0 not run');
    expect(out).toMatch(/asked the DNS server 192\.168\.1\.1:53/);
    expect(r.status).toBe(0);
  }, 120_000);

  it('--node-api --json with core-lan.wasm passes dhcp-lease, dhcp-renew and dhcp-server-gone against dnsmasq in a ' +
      'network namespace', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'wq-hil-dhcp-')), 'report.json');
    const r = await cli(['--node-api', '--json', file, '--wasm', 'build/w5500/core-lan.wasm', '--only',
      'dhcp-lease,dhcp-renew,dhcp-server-gone']);
    const out = r.stdout + r.stderr;
    expect(existsSync(file), out).toBe(true);
    const report = JSON.parse(readFileSync(file, 'utf8')) as { summary: { passed: number; failed: number;
      notRun: number }; scenarios: Array<{ id: string; status: string; checks: string[] }> };
    expect(report.scenarios.map((s) => `${s.id}:${s.status}`), out).toEqual(
      ['dhcp-lease:pass', 'dhcp-renew:pass', 'dhcp-server-gone:pass']);
    expect(report.scenarios[0]!.checks[0]).toMatch(
      /^DHCP bound: 10\.213\.\d+\.10 mask 255\.255\.255\.0 gateway 10\.213\.\d+\.1 dns 10\.213\.\d+\.2, lease 120 s/);
    expect(report.scenarios[2]!.checks[0]).toMatch(/DHCP renewing.*DHCP rebinding/);
    expect(r.status).toBe(0);
  }, 120_000);

  // The console's LAN image (firmware/app/console/index-lan.ts) with no flags: --node runs
  // build/core/device-lan.wasm, --sim with no wasmqtt sim running boots build/stm32f103rc-lan on a
  // virtual board of its own. Every dhcp, dns and link scenario runs and passes against dnsmasq and
  // Mosquitto; the --sim run also connects and publishes with the image's static configuration.
  const LAN_IDS = ['link-down-up', 'link-cable-out-qos2', 'dns-broker-by-name', 'dns-unresolvable', 'dhcp-lease',
    'dhcp-renew', 'dhcp-server-gone'];
  const runJson = async (args: string[], env?: NodeJS.ProcessEnv) => {
    const file = join(mkdtempSync(join(tmpdir(), 'wq-hil-lan-')), 'report.json');
    const r = await cli([...args, '--json', file], env);
    const out = r.stdout + r.stderr;
    expect(existsSync(file), out).toBe(true);
    return { r, out, report: JSON.parse(readFileSync(file, 'utf8')) as {
      device: string; scenarios: Array<{ id: string; status: string; reason?: string; checks: string[] }> } };
  };

  it('--node (the LAN console image by default) runs and passes every dhcp, dns and link scenario', async () => {
    const { r, out, report } = await runJson(['--node', '--only', LAN_IDS.join(',')]);
    expect(report.device).toContain('device-lan.wasm');
    expect(report.scenarios.map((s) => `${s.id}:${s.status}${s.reason ? ` ${s.reason}` : ''}`), out).toEqual(
      LAN_IDS.map((id) => `${id}:pass`));
    expect(report.scenarios.find((s) => s.id === 'dns-unresolvable')!.checks[0]).toMatch(
      /does not resolve.*\(asked the DNS server 192\.168\.1\.1:53\)/);
    expect(report.scenarios.find((s) => s.id === 'dhcp-lease')!.checks[0]).toMatch(
      /^DHCP bound: 10\.213\.\d+\.10 mask 255\.255\.255\.0 gateway 10\.213\.\d+\.1 dns 10\.213\.\d+\.2, lease 120 s/);
    expect(r.status).toBe(0);
  }, 180_000);

  it('--sim with no virtual board running boots the LAN image (real firmware ELF) and passes them, and the static ' +
      'ones on the same image', async () => {
    const vports = mkdtempSync(join(tmpdir(), 'wq-vports-'));
    // (link-cable-out-qos2's 1 s bound is on the board's own clock here: the emulator may fall
    // behind the wall clock on a machine as loaded as make test's)
    const ids = ['connect', 'publish-qos2', ...LAN_IDS];
    const { r, out, report } = await runJson(
      ['--sim', '--only', ids.join(',')], { ...process.env, WASMQTT_VPORT_DIR: vports });
    expect(report.device).toMatch(/virtual stm32f103rc \(.*build\/stm32f103rc-lan\/firmware\.elf/);
    expect(report.scenarios.map((s) => `${s.id}:${s.status}${s.reason ? ` ${s.reason}` : ''}`), out)
      .toEqual(ids.map((id) => `${id}:pass`));
    expect(r.status).toBe(0);
  }, 180_000);

  it('--sim against a wasmqtt sim of the LAN image in another process: the routes go over its route ' +
      'socket', async () => {
    const vports = mkdtempSync(join(tmpdir(), 'wq-vports-'));
    const env = { ...process.env, WASMQTT_VPORT_DIR: vports };
    const sim = spawn(process.execPath, ['--import', 'tsx', 'host-tools/cli/main.ts', 'sim', '--board', 'stm32f103rc',
      '--elf', 'build/stm32f103rc-lan/firmware.elf', '--store', join(vports, 'store.bin')],
        { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let simOut = '';
      sim.stdout.on('data', (d: Buffer) => { simOut += d.toString(); });
      sim.stderr.on('data', (d: Buffer) => { simOut += d.toString(); });
      const until = Date.now() + 30_000;
      while (!/UART: \S+/.test(simOut) && Date.now() < until &&
        sim.exitCode === null) await new Promise((r) => setTimeout(r, 20));
      expect(simOut, simOut).toMatch(/UART: \S+/);
      const ids = ['dns-broker-by-name', 'dhcp-lease'];
      const { r, out, report } = await runJson(['--sim', '--only', ids.join(',')], env);
      expect(report.device).toMatch(/^virtual board stm32f103rc on /);
      expect(report.scenarios.map((s) => `${s.id}:${s.status}${s.reason ? ` ${s.reason}` : ''}`), out)
        .toEqual(ids.map((id) => `${id}:pass`));
      expect(r.status).toBe(0);
    } finally {
      sim.kill('SIGTERM');
    }
  }, 120_000);

  it('--node with device.wasm (no DNS or DHCP client) reports those scenarios as not run, naming the images that ' +
      'have them', async () => {
    const r = await cli(['--node', '--wasm', 'build/core/device.wasm', '--only', 'dhcp-lease,dns-broker-by-name']);
    const out = r.stdout + r.stderr;
    expect(out, out).toContain('0 passed, 0 failed, 2 not run');
    expect(out).toMatch(/needs a device with a DHCP client on a network the runner routes: the console's LAN image, as --node \(build\/core\/device-lan\.wasm\) runs it, and --sim on build\/stm32f103rc-lan/);
  }, 60_000);
});
