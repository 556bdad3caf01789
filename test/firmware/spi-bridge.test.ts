// The POSIX host build's W5500 is the TypeScript model behind host-tools/sim/w5500/spi-bridge.ts
// (the MQTT round trip through it is host-binding-mqtt.test.ts). Here: a bridge that cannot run
// is a clear error and an exit, never a hang.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORE_HOST, requireArtifact } from './helpers.ts';

describe('host build: W5500 bridge', () => {
  it('a bridge command that fails ends the program with a message naming the bridge', () => {
    const store = join(mkdtempSync(join(tmpdir(), 'wasmqtt-bridge-')), 'store.bin');
    const r = spawnSync(
        requireArtifact(CORE_HOST), ['--store', store, '--w5500-bridge', 'echo "no such bridge" >&2; exit 3'], {
      input: 'connect\n', encoding: 'utf8', timeout: 20_000, env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no such bridge/);
    expect(r.stderr).toMatch(/wasmqtt-host: the W5500 bridge \(spi-bridge\.ts\) went away/);
  });
});
