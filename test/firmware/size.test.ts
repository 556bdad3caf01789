// Issue 6: the size budgets are real. Every board image `make build` produced is held to the
// budget in its board file, read from the build's own size report (build/<board>/size.json),
// which is first checked against the ELF and map it describes (so a stale report cannot pass).
// And `make` itself fails, naming the largest contributors, when an image is over its budget.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listBoards, loadBoard } from '../../host-tools/fwbuild/boards.ts';
import { sizeReport, type SizeReport } from '../../host-tools/fwbuild/size.ts';
import { DEVICE_WASM, REPO_ROOT, requireArtifact } from './helpers.ts';

/** Every image `make build` builds: each board (the default engine, the register form), the bluepill image on the
 * stack form and the bluepill AOT image. */
const IMAGES = [...listBoards().map((b) => ({ dir: b, board: b })), { dir: 'bluepill-stack', board: 'bluepill' },
  { dir: 'bluepill-aot', board: 'bluepill' }];

describe('size budgets (make build output)', () => {
  for (const { dir, board: name } of IMAGES) {
    it(`${dir}: the size report matches its image and is within the board's budget`, () => {
      const out = join(REPO_ROOT, 'build', dir);
      const report = JSON.parse(readFileSync(requireArtifact(join(out, 'size.json')), 'utf8')) as SizeReport;
      const board = loadBoard(name);
      const fresh = sizeReport(
        join(out, 'firmware.elf'), join(out, 'firmware.map'), board, report.runtime, report.moduleBytes);
      expect(report.board).toBe(name);
      expect(report.flash).toEqual(fresh.flash);
      expect(report.ram).toEqual(fresh.ram);
      // The budget comes from the board file, not from the report or from this test.
      expect(report.flash.budget).toBe(board.budget.flashBytes);
      expect(report.ram.budget).toBe(board.budget.ramBytes);
      const why =
        `${dir}: flash ${report.flash.used}/${board.budget.flashBytes} B, RAM ${report.ram.total}/` +
        `${board.budget.ramBytes} B; largest: ` +
        report.largest.flashObjects.slice(0, 3).map((c) => `${c.name} ${c.bytes} B`).join(', ');
      expect(report.overBudget, why).toEqual([]);
      expect(report.flash.used, why).toBeLessThanOrEqual(board.budget.flashBytes);
      expect(report.ram.total, why).toBeLessThanOrEqual(board.budget.ramBytes);
    });
  }

  it('make fails on an image over its budget, names the largest contributors, and retries next time', () => {
    requireArtifact(DEVICE_WASM);
    const name = `budget-check-${process.pid}`;
    const boards = mkdtempSync(join(tmpdir(), 'wasmqtt-boards-'));
    const spec = JSON.parse(readFileSync(join(REPO_ROOT, 'boards/bluepill.json'), 'utf8'));
    spec.name = name;
    spec.budget = { flashBytes: 16 * 1024, ramBytes: 16 * 1024 };
    writeFileSync(join(boards, `${name}.json`), JSON.stringify(spec));
    const out = join(REPO_ROOT, 'build', name);
    try {
      // -o: never rebuild device.wasm from here (another layer's rule); only this board's image.
      const r = spawnSync('make', ['-s', '--no-print-directory', '-o', 'build/core/device.wasm', '-o', 'npm',
        `build/${name}/firmware.elf`, `FW_BOARDS_DIR=${boards}`],
          { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stdout + r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(new RegExp(`${name} is over budget \\(flash\\)`));
      expect(r.stderr).toMatch(/flash\s+\d+ B .* of 16\.0 KB budget .*OVER BUDGET/);
      expect(r.stderr).toMatch(/largest flash contributors \(objects\):\n\s+\d+ B  gen\/core_wasm\.o/);
      expect(r.stderr).toMatch(/raise "budget" in the board file/);
      expect(r.stderr).toMatch(new RegExp(`make: ${name} failed`));
      expect(r.stderr).not.toMatch(/\n\s+at /);
      // Kept for inspection, but dated so that make does not take it as up to date.
      expect(statSync(join(out, 'firmware.elf')).mtimeMs).toBe(0);
      const again = spawnSync('make', ['-q', '-o', 'build/core/device.wasm', '-o', 'npm', `build/${name}/firmware.elf`,
        `FW_BOARDS_DIR=${boards}`], { cwd: REPO_ROOT });
      expect(again.status).not.toBe(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
      rmSync(boards, { recursive: true, force: true });
    }
  }, 120_000);
});
