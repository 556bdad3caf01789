import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { formatDoctor, runDoctor } from '../../host-tools/doctor/checks.ts';

describe('wasmqtt doctor', () => {
  it('finds the real tools installed on this machine, with versions', () => {
    const results = runDoctor();
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    expect(byName['openocd']).toMatchObject({ ok: true, version: '0.12.0' });
    expect(byName['arm-none-eabi-gcc']?.ok).toBe(true);
    expect(byName['mosquitto']?.version).toMatch(/^2\./);
    expect(byName['asc (AssemblyScript)']?.version).toMatch(/^0\.28\./);
    expect(byName['libunicorn2']?.ok).toBe(true);
    expect(byName['newlib-nano (arm)']?.detail).toMatch(/libc_nano\.a$/);
  });

  it('says how to install each missing tool, and the one apt command for all', () => {
    const empty = mkdtempSync(join(tmpdir(), 'wasmqtt-nopath-'));
    const results = runDoctor(
      { path: empty, libDirs: [empty], nodeVersion: 'v18.0.0', projectRoot: empty, cwd: empty });
    expect(results.filter((r) => r.ok).map((r) => r.name)).toEqual(['wasmqtt.config.json']); // none is fine
    const text = formatDoctor(results);
    expect(text).toContain('[MISS] openocd');
    expect(text).toContain('fix: sudo apt-get install -y openocd');
    expect(text).toContain('fix: sudo apt-get install -y libunicorn2');
    expect(text).toContain('fix: run `npm ci` (or `make deps`) in the project root');
    expect(text).toMatch(/version v18\.0\.0 is older than 20\.19/);
    expect(text).toContain('[warn] udevadm');
    expect(text).toMatch(/install them all at once: sudo apt-get install -y gcc-arm-none-eabi libnewlib-arm-none-eabi openocd mosquitto socat wabt libunicorn2$/);
  });

  it('reports an invalid project config with its problems', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-cfg-'));
    writeFileSync(join(dir, 'wasmqtt.config.json'), '{"broker": {"host": "h", "port": 0}}');
    const cfg = runDoctor({ cwd: dir }).find((r) => r.name === 'wasmqtt.config.json')!;
    expect(cfg.ok).toBe(false);
    expect(cfg.fix).toContain('broker.port: expected a TCP port 1..65535 (got 0)');
  });

  it('runs as a CLI command and exits 0 when everything required is there', () => {
    const out = execFileSync(
      process.execPath, ['--import', 'tsx', 'host-tools/cli/main.ts', 'doctor', '--json'], { encoding: 'utf8' });
    const parsed = JSON.parse(out) as { name: string; ok: boolean }[];
    expect(parsed.find((r) => r.name === 'node')?.ok).toBe(true);
  });
});
