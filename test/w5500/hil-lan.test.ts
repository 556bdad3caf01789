// `wasmqtt hil --node-api` with the LAN services module (build/w5500/core-lan.wasm) as a user runs
// it: the link and DNS scenarios against the runner's Mosquitto and a dnsmasq each DNS scenario
// starts; each must pass. The console module (--node) has no DNS client: the DNS scenarios are
// reported as not run, with what to use instead.
import { spawnSync } from 'node:child_process';
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

  it('--node (device.wasm: no DNS client) reports the DNS scenarios as not run, naming the module to use', () => {
    const r = cli(['--node', '--only', 'dns-broker-by-name']);
    const out = r.stdout + r.stderr;
    expect(out, out).toContain('0 passed, 0 failed, 1 not run');
    expect(out).toContain('--node-api --wasm build/w5500/core-lan.wasm');
  }, 60_000);
});
