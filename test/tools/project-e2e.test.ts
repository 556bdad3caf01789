// The toolchain as a user gets it: the package packed with `npm pack`, installed into a fresh
// project outside the repo, and the whole first session run there:
//   npm init -y; npm i -D <tarball>; npx wasmqtt --help; npx wasmqtt init; npm install;
//   npx wasmqtt build --board bluepill; npm test
// npm resolves packages through a loopback registry built from this repo's lockfile and takes
// the tarballs from the npm cache `npm ci` filled (test/tools/local-registry.ts): no network.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalRegistry, type LocalRegistry } from './local-registry.ts';
import { readModuleFacts } from '../../host-tools/fwbuild/module-check.ts';
import { readElf } from '../../host-tools/elf/elf32.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
let registry: LocalRegistry;
let work: string;
let tarball: string;
let env: NodeJS.ProcessEnv;

/** Runs a command without blocking this process: the registry above answers from its event loop. */
function sh(cmd: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<{
    code: number | null; out: string; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('close', (code) => resolve({ code, out: stdout + stderr, stdout }));
    p.on('error', (e) => resolve({ code: null, out: `${stdout}${stderr}${e.message}`, stdout }));
  });
}

beforeAll(async () => {
  registry = await startLocalRegistry(join(REPO, 'package-lock.json'));
  // the parent may itself run under npm: its npm_* variables must not steer the child npm
  env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  Object.assign(env, registry.npmEnv, { NO_COLOR: '1' });
  delete env.FORCE_COLOR;
  work = mkdtempSync(join(tmpdir(), 'wasmqtt-e2e-'));
  const pack = await sh('npm', ['pack', '--pack-destination', work, '--silent'], REPO);
  expect(pack.code, pack.out).toBe(0);
  tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
}, 300_000);

afterAll(async () => { await registry?.close(); });

describe('a project outside the repo, from the packed tarball', () => {
  it('npm init, npm i -D <tarball>, --help, init, npm install, build --board bluepill, sim, npm test', async () => {
    const proj = join(work, 'my-device');
    mkdirSync(proj);
    expect((await sh('npm', ['init', '-y'], proj)).code).toBe(0);

    const add = await sh('npm', ['i', '-D', tarball], proj);
    expect(add.code, add.out).toBe(0);

    const help = await sh('npx', ['wasmqtt', '--help'], proj, 60_000);
    expect(help.code, help.out).toBe(0);
    for (const cmd of ['init', 'build', 'sim', 'flash', 'monitor', 'probes', 'hil', 'doctor']) expect(help.stdout)
      .toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));

    // npm exec reaches the same bin
    const version = await sh('npm', ['exec', '--', 'wasmqtt', '--version'], proj, 60_000);
    expect(version.code, version.out).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);

    const init = await sh('npx', ['wasmqtt', 'init'], proj, 60_000);
    expect(init.code, init.out).toBe(0);
    for (const f of ['src/main.ts', 'test/app.test.ts', 'wasmqtt.config.json', '.gitignore', 'README.md']) expect(
      existsSync(join(proj, f)), f).toBe(true);
    const pkg = JSON.parse(readFileSync(join(proj, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['build', 'sim', 'flash', 'test']));
    expect(pkg.devDependencies.wasmqtt).toMatch(/^file:/); // the tarball, kept
    expect(readFileSync(join(proj, '.gitignore'), 'utf8')).toMatch(/^wasmqtt\.config\.json$/m);

    const install = await sh('npm', ['install'], proj);
    expect(install.code, install.out).toBe(0);

    const build = await sh('npx', ['wasmqtt', 'build', '--board', 'bluepill'], proj);
    expect(build.code, build.out).toBe(0);
    const elf = join(proj, 'build/bluepill/firmware.elf');
    const image = readElf(elf); // throws unless a 32-bit ARM ELF (arm-none-eabi-gcc's)
    expect(image.entry >>> 24).toBe(0x08); // starts in the STM32's flash
    expect(build.out).toMatch(/flash\s+\d+ B .* KB budget \(\d+%\)/);
    // the scaffolded app drives a pin or the ADC through the board ABI
    const imports = readModuleFacts(readFileSync(join(proj, 'build/bluepill/app.wasm'))).imports.map((i) => i.name);
    expect(imports.some((n) => /^(gpio_|adc_)/.test(n)), imports.join(' ')).toBe(true);
    // outputs went to the project, nothing into the installed package
    expect(existsSync(join(proj, 'node_modules/wasmqtt/build/bluepill'))).toBe(false);

    // the packaged virtual board boots the image: the app's first console line
    // (the config's broker 192.168.1.10 is routed to a closed loopback port: no LAN traffic)
    const sim = await sh('npx',
      ['wasmqtt', 'sim', '--broker', '127.0.0.1:1', '--for', '3000', '--no-pty', '--speed', 'max'], proj, 120_000);
    expect(sim.code, sim.out).toBe(0);
    expect(sim.out).toContain('my-device started');
    expect(sim.out).not.toMatch(/evt trap|evt fault/);

    const test = await sh('npm', ['test'], proj);
    expect(test.code, test.out).toBe(0);
    expect(test.out).toMatch(/Tests\s+2 passed \(2\)/);
    // every package came from the local registry's documents; nothing was fetched from outside
    expect(registry.requests).toContain('vitest');
  }, 900_000);
});
