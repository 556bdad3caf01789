// `wasmqtt sim` as a user runs it: the UART on stdout with --no-pty, and clear errors.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FIXTURE_ELF, ROOT, requireBuilt, tempStore } from './helpers.ts';

function sim(args: string[], input = '') {
  return spawnSync(process.execPath, ['--import', 'tsx', 'host-tools/cli/main.ts', 'sim', ...args],
    { cwd: ROOT, input, encoding: 'utf8', timeout: 60_000 });
}

describe('wasmqtt sim', () => {
  it('boots an image and copies its UART to stdout', () => {
    const r = sim(
      ['--elf', requireBuilt(FIXTURE_ELF), '--store', tempStore(), '--no-pty', '--for', '50', '--speed', 'max']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('fixture boot cause=power clk=72000000');
    expect(r.stderr).toMatch(/ran 50\.0 virtual ms/);
  });

  it('says what is wrong when the image is missing, without a stack trace', () => {
    const r = sim(['--elf', '/nonexistent/firmware.elf', '--no-pty']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/nonexistent/firmware.elf does not exist');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs with the datasheet-maximum flash timing and rejects an unknown one', () => {
    const r = sim(['--elf', requireBuilt(FIXTURE_ELF), '--store', tempStore(), '--no-pty', '--for', '150', '--speed',
      'max', '--flash-timing', 'max'], 'E');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/erased\r\nticks=[12]\r\n/); // the erase froze the CPU: SysTick ran once for 40 ms
    const bad = sim(['--elf', requireBuilt(FIXTURE_ELF), '--no-pty', '--flash-timing', 'slow']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--flash-timing slow: use typical or max');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects a bad --speed', () => {
    const r = sim(['--elf', requireBuilt(FIXTURE_ELF), '--speed', 'fast', '--no-pty']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--speed fast is not a positive number');
  });
});
