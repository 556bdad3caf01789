// The virtual-board demo (host-tools/sim/board/demo.ts) against the in-process aedes broker.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DEMO_ELF, virtualBoardDemo } from '../../host-tools/sim/board/demo.ts';
import { ROOT, requireBuilt } from './helpers.ts';

describe('virtual board demo', () => {
  it('shows every QoS flow from both sides and completes', async () => {
    requireBuilt(DEMO_ELF);
    const out: string[] = [];
    await virtualBoardDemo((l) => out.push(l));
    const text = out.join('\n');
    expect(text).toContain('every flow completed');
    const qos2In = text.slice(text.indexOf('QoS 2, broker -> device'));
    for (const step of ['device  <-- PUBLISH', 'device  --> PUBREC', 'device  <-- PUBREL', 'device  --> PUBCOMP',
        '-->  broker PUBCOMP']) {
      expect(qos2In).toContain(step);
    }
    expect(qos2In.match(/app {5}<-- message topic=demo\/in\/qos2/g)).toHaveLength(1);
  });
});

describe('make demo (host-tools/demo/main.ts)', () => {
  const run = (env: NodeJS.ProcessEnv = {}) => spawnSync(
    process.execPath, ['--import', 'tsx', join(ROOT, 'host-tools/demo/main.ts')],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });

  it('boots the virtual board first, then the Node device, and both complete every flow', () => {
    requireBuilt(DEMO_ELF);
    const r = run();
    expect(r.status, r.stderr).toBe(0);
    const board = r.stdout.indexOf('Part 1: the firmware on the virtual board');
    const node = r.stdout.indexOf('Part 2: the same MQTT core in Node');
    expect(board).toBeGreaterThanOrEqual(0);
    expect(node).toBeGreaterThan(board);
    const boardPart = r.stdout.slice(board, node);
    expect(boardPart).toContain('virtual board demo finished: every flow completed.');
    expect(boardPart).toContain('-->  broker PUBCOMP');
    expect(r.stdout.slice(node)).toContain('Node demo finished: every flow completed.');
    expect(r.stderr).toBe('');
  }, 60_000);

  it('says how to build the firmware when the image is missing, without a stack trace', () => {
    const r = run({ WASMQTT_DEMO_ELF: join(ROOT, 'build/no-such-board/firmware.elf') });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/build\/no-such-board\/firmware\.elf is not built: run `make build`/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
