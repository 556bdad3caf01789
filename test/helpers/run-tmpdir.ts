// vitest globalSetup: every temp folder a test makes (builds, store images, ptys, projects) goes
// under one folder for the run, removed when the run ends. Tests call os.tmpdir(), which reads
// TMPDIR; the forked workers and the programs they start inherit it. Without this each
// `make test` left a few thousand folders in /tmp.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-test-run-'));
  // searchable by all, as /tmp is: Mosquitto started as root drops to its own user, and its
  // folders (made by host-tools/broker/mosquitto.ts for it) are inside
  chmodSync(dir, 0o755);
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
