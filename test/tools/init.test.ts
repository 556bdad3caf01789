// `wasmqtt init`: a project in a folder without a package.json, or merged into an existing one;
// existing files are kept unless --force.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.ts';
import { parseConfig } from '../../host-tools/config/load.ts';

describe('wasmqtt init', () => {
  it('scaffolds a project in a folder with no package.json', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'wasmqtt-init-')), 'greenhouse');
    const r = runCli(['init', dir, '--board', 'bluepill128']);
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['src/main.ts', 'src/tsconfig.json', 'test/app.test.ts', 'wasmqtt.config.json',
        'wasmqtt.config.example.json', '.gitignore', 'README.md', 'package.json']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('greenhouse');
    expect(pkg.scripts).toEqual({ build: 'wasmqtt build', sim: 'wasmqtt sim', flash: 'wasmqtt flash',
      test: 'wasmqtt build --module-only && vitest run' });
    expect(Object.keys(pkg.devDependencies)).toEqual(['vitest', 'wasmqtt']);
    const config = parseConfig(readFileSync(join(dir, 'wasmqtt.config.json'), 'utf8'), 'wasmqtt.config.json');
    expect(config.board).toBe('bluepill128');
    expect(config.broker?.host).toBeDefined();
    expect(config.client?.clientId).toBeUndefined(); // the chip id makes it, unique per board
    const ignore = readFileSync(join(dir, '.gitignore'), 'utf8');
    for (const line of ['wasmqtt.config.json', '*store.bin', 'build/', 'node_modules/']) expect(ignore.split('\n'))
      .toContain(line);
    const app = readFileSync(join(dir, 'src/main.ts'), 'utf8');
    expect(app).toContain('from "wasmqtt/app"');
    expect(app).toMatch(/Pin\.mode\(PC13/);
    expect(app).not.toContain('{{');
    expect(r.stdout).toContain('npm install');
  });

  it('merges into an existing package.json and keeps existing files unless --force', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-init-'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'mine', scripts: { test: 'echo "Error: no test specified" && exit 1', build: 'make' },
      devDependencies: { wasmqtt: 'file:../wasmqtt-0.1.0.tgz' } }));
    writeFileSync(join(dir, 'README.md'), 'my readme\n');
    const r = runCli(['init'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('mine');
    expect(pkg.scripts.build).toBe('make'); // kept
    expect(pkg.scripts.test).toBe('wasmqtt build --module-only && vitest run'); // npm init's placeholder replaced
    expect(pkg.scripts.sim).toBe('wasmqtt sim');
    expect(pkg.devDependencies.wasmqtt).toBe('file:../wasmqtt-0.1.0.tgz');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('my readme\n');
    expect(r.stdout).toMatch(/kept\s+README\.md/);
    expect(r.stdout).toMatch(/kept\s+package\.json scripts\.build/);

    const again = runCli(['init', '--force'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/^# /);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts.build).toBe('wasmqtt build');
  });

  it('an unknown board is refused with the list', () => {
    const r = runCli(['init', mkdtempSync(join(tmpdir(), 'wasmqtt-init-')), '--board', 'uno']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown board "uno"; known boards: bluepill/);
  });
});
