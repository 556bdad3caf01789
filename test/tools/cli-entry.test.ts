// The `wasmqtt` bin runs however it is reached. npx and npm exec start it through the
// node_modules/.bin/wasmqtt symlink (argv[1] ends in "wasmqtt", not "bin.mjs"): the CLI printed
// nothing and exited 0 there before bin.mjs called run() itself.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../host-tools/cli/bin.mjs', import.meta.url));

function runScript(script: string, args: string[]) {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 60_000, cwd: tmpdir() });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('wasmqtt bin entry', () => {
  it('through a node_modules/.bin symlink named wasmqtt, --help lists the commands', () => {
    const bin = join(mkdtempSync(join(tmpdir(), 'wasmqtt-bin-')), 'node_modules', '.bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(BIN, join(bin, 'wasmqtt'));
    const r = runScript(join(bin, 'wasmqtt'), ['--help']);
    expect(r.code, r.stderr).toBe(0);
    for (const cmd of ['init', 'build', 'flash', 'sim', 'monitor', 'hil', 'doctor']) expect(r.stdout).toMatch(
      new RegExp(`^\\s+${cmd}\\b`, 'm'));
    // run once, not twice (main.ts must not also run itself when bin.mjs imports it)
    expect(r.stdout.match(/^Usage: wasmqtt/gm)).toHaveLength(1);
  });

  it('an unknown command fails with exit 1 and a hint, not silence', () => {
    const r = runScript(BIN, ['frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
