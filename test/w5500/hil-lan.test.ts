// `wasmqtt hil --node-api` with the LAN services module (build/w5500/core-lan.wasm) as a user runs
// it: the link, DNS and DHCP scenarios against the runner's Mosquitto and a dnsmasq each DNS or
// DHCP scenario starts (DHCP: in a network namespace of its own); each must pass. The console
// module (--node) has neither client: those scenarios are reported as not run, with what to use instead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'host-tools/cli/main.ts', 'hil', ...args], { encoding: 'utf8', timeout: 120_000 });

describe('wasmqtt hil: link and DNS scenarios', () => {
  it('--node-api with core-lan.wasm passes link-cable-out-qos2, dns-broker-by-name and dns-unresolvable', () => {
    const r = cli(['--node-api', '--wasm', 'build/w5500/core-lan.wasm', '--only', 'link-cable-out-qos2,dns-broker-by-name,dns-unresolvable']);
    const out = r.stdout + r.stderr;
    expect(out, out).toContain('3 passed, 0 failed, 0 not run');
    expect(out).toMatch(/asked the DNS server 192\.168\.1\.1:53/);
    expect(r.status).toBe(0);
  }, 120_000);

  it('--node-api --json with core-lan.wasm passes dhcp-lease, dhcp-renew and dhcp-server-gone against dnsmasq in a network namespace', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'wq-hil-dhcp-')), 'report.json');
    const r = cli(['--node-api', '--json', file, '--wasm', 'build/w5500/core-lan.wasm', '--only', 'dhcp-lease,dhcp-renew,dhcp-server-gone']);
    const out = r.stdout + r.stderr;
    expect(existsSync(file), out).toBe(true);
    const report = JSON.parse(readFileSync(file, 'utf8')) as { summary: { passed: number; failed: number; notRun: number }; scenarios: Array<{ id: string; status: string; checks: string[] }> };
    expect(report.scenarios.map((s) => `${s.id}:${s.status}`), out).toEqual(['dhcp-lease:pass', 'dhcp-renew:pass', 'dhcp-server-gone:pass']);
    expect(report.scenarios[0]!.checks[0]).toMatch(/^DHCP bound: 10\.213\.\d+\.10 mask 255\.255\.255\.0 gateway 10\.213\.\d+\.1 dns 10\.213\.\d+\.2, lease 120 s/);
    expect(report.scenarios[2]!.checks[0]).toMatch(/DHCP renewing.*DHCP rebinding/);
    expect(r.status).toBe(0);
  }, 120_000);

  it('--node (device.wasm: no DNS or DHCP client) reports the dhcp scenarios as not run, naming the module to use', () => {
    const r = cli(['--node', '--only', 'dhcp-lease,dhcp-renew,dhcp-server-gone']);
    const out = r.stdout + r.stderr;
    expect(out, out).toContain('0 passed, 0 failed, 3 not run');
    expect(out).toMatch(/needs a device with a DHCP client: --node-api --wasm build\/w5500\/core-lan\.wasm/);
  }, 60_000);

  it('--node (device.wasm: no DNS client) reports the DNS scenarios as not run, naming the module to use', () => {
    const r = cli(['--node', '--only', 'dns-broker-by-name']);
    const out = r.stdout + r.stderr;
    expect(out, out).toContain('0 passed, 0 failed, 1 not run');
    expect(out).toContain('--node-api --wasm build/w5500/core-lan.wasm');
  }, 60_000);
});
