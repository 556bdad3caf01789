// Text-format modules for the runtime tests: wabt's wat2wasm (Debian `wabt`) in a temporary
// folder that is removed again.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The binary module of `src`; `noCheck` skips wat2wasm's validation (for modules the validator
 * under test must refuse). */
export function wat2wasm(src: string, opts: { noCheck?: boolean } = {}): Uint8Array<ArrayBuffer> {
  const dir = mkdtempSync(join(tmpdir(), 'wq-wat-'));
  try {
    writeFileSync(join(dir, 'm.wat'), src);
    execFileSync('wat2wasm', [...(opts.noCheck ? ['--no-check'] : []), join(dir, 'm.wat'), '-o', join(dir, 'm.wasm')]);
    return new Uint8Array(readFileSync(join(dir, 'm.wasm')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
