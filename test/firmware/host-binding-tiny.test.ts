// The C binding + our runtime on a Linux host (fake HAL), driven by the tiny fixture module:
// console I/O, the store surviving a restart, and traps (including the binding's own bounds
// check on a pointer outside linear memory) reported with function index and offset.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostDevice, requireArtifact, TINY_HOST } from './helpers.ts';

function device(store: string): HostDevice {
  return new HostDevice(requireArtifact(TINY_HOST), ['--store', store, '--page-size', '1024', '--store-pages', '4']);
}

describe('binding on the host (tiny module)', () => {
  it('boots, reports the arena, runs step() and passes UART bytes both ways', async () => {
    const dev = device(join(mkdtempSync(join(tmpdir(), 'wasmqtt-fw-')), 'store.bin'));
    try {
      const boot = await dev.waitFor(/^evt boot /);
      expect(boot).toMatch(/^evt boot board=host-posix\(bluepill\) reset=power runtime=wasmqtt-rt module=\d+$/);
      const loaded = await dev.waitFor(/^evt loaded /);
      const [, used, total, cap] = /arena_used=(\d+) arena=(\d+) memory_cap=(\d+)/.exec(loaded)!.map(Number);
      expect(used).toBeLessThanOrEqual(total!);
      expect(cap).toBe(8192);
      await dev.waitFor(/^tiny up$/);
      dev.write('abc'); // no 'o', 's' or 't': those are the fixture's commands
      const deadline = Date.now() + 10_000;
      while (!dev.partial().includes('ABC') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(dev.partial()).toContain('ABC');
    } finally {
      await dev.stop();
    }
  });

  it('store writes keep NOR semantics and survive a restart of the device', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'wasmqtt-fw-')), 'store.bin');
    const dev = device(store);
    try {
      await dev.waitFor(/^tiny up$/);
      dev.write('s');
      await dev.waitFor(/^ok$/);
    } finally {
      await dev.stop();
    }
    const bytes = readFileSync(store);
    expect(bytes.length).toBe(4096);
    expect(bytes.subarray(0, 2).toString()).toBe('ok');
    expect(bytes.subarray(2).every((b) => b === 0xff)).toBe(true);
    // Second boot: the half-word is programmed already, so the module must erase first
    // (a write over non-erased flash returns -2 and changes nothing) and still reads "ok".
    const again = device(store);
    try {
      await again.waitFor(/^tiny up$/);
      again.write('s');
      await again.waitFor(/^ok$/);
    } finally {
      await again.stop();
    }
  });

  it('a pointer outside linear memory traps in the binding; the device reports and restarts', async () => {
    const dev = device(join(mkdtempSync(join(tmpdir(), 'wasmqtt-fw-')), 'store.bin'));
    try {
      await dev.waitFor(/^tiny up$/);
      dev.write('o');
      const trap = await dev.waitFor(/^evt trap /);
      expect(trap).toMatch(/^evt trap func=\d+ offset=0x[0-9a-f]{8} error="\[trap\] out of bounds memory access"$/);
      const from = dev.lines.indexOf(trap);
      const reboot = await dev.waitFor(/^evt boot /, from);
      expect(reboot).toMatch(/reset=software/);
      await dev.waitFor(/^tiny up$/, from);
    } finally {
      await dev.stop();
    }
  });

  it('a wasm trap (unreachable) names the function index and offset', async () => {
    const dev = device(join(mkdtempSync(join(tmpdir(), 'wasmqtt-fw-')), 'store.bin'));
    try {
      await dev.waitFor(/^tiny up$/);
      dev.write('t');
      const trap = await dev.waitFor(/^evt trap /);
      // step is function 9: eight imports (0-7), then start (8), then step (9).
      expect(trap).toMatch(/^evt trap func=9 offset=0x[0-9a-f]{8} error="\[trap\] unreachable executed"$/);
    } finally {
      await dev.stop();
    }
  });

  it('bad options get a clear message and exit code 2', async () => {
    const dev = new HostDevice(requireArtifact(TINY_HOST), ['--bogus', '1']);
    const code = await dev.exited;
    expect(code).toBe(2);
    expect(dev.lines.join('\n')).toMatch(
      /unknown option --bogus \(known: --store --store-pages --page-size --w5500-bridge --uid\)/);
  });
});
