// `wasmqtt flash`: pre-flight checks (OpenOCD present, image fits the board, one probe
// chosen), then OpenOCD program/verify/reset with a progress bar and the time taken.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { UserError } from '../config/load.ts';
import { loadBoard } from '../fwbuild/boards.ts';
import { checkImageFits, readFlashImage, type FlashImage } from './elf.ts';
import {
  classifyOpenocdOutput, formatFailure, openocdChipIdArgs, openocdFlashArgs, openocdProbeArgs, openocdUnlockArgs,
  parseChipId, type OpenocdTarget,
} from './openocd.ts';
import { formatProbe, listProbes, type ProbeScan } from './probes.ts';
import { FlashProgressTracker } from './progress.ts';

export interface FlashOptions extends OpenocdTarget {
  board: string;
  elfPath: string;
  /** OpenOCD binary (default `openocd`). */
  openocd?: string;
  /** Probe scan override (tests); default scans sysfs. */
  probeScan?: ProbeScan;
  /** Where progress and OpenOCD output go (default stderr). */
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Print OpenOCD's full output. */
  verbose?: boolean;
  /**
   * The persistent store to give the chip: its address and size, and the image for a chip id.
   * The chip's id is read through the probe first; the store image is programmed after the
   * firmware image, in the same OpenOCD run, before the reset.
   */
  store?: StorePlan;
}

export interface StorePlan {
  address: number;
  bytes: number;
  image: (chipId: [number, number, number]) => Promise<Uint8Array>;
}

export interface StoreResult {
  address: number;
  bytes: number;
  /** The chip's unique id words as read at 0x1FFFF7E8. */
  chipId: [number, number, number];
}

export interface FlashResult {
  board: string;
  elfPath: string;
  imageBytes: number;
  seconds: number;
  probeSerial?: string;
  command: string[];
  /** The store written, when one was. */
  store?: StoreResult;
}

const APT_HINT = 'OpenOCD is not installed (or not on PATH)\n  install it: sudo apt-get install -y openocd   (or set ' +
  'flash.openocd in wasmqtt.config.json to its path)';

/** Fails with the apt command when the OpenOCD binary cannot run. */
export function ensureOpenocd(bin: string): void {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw new UserError(
    bin === 'openocd' ? APT_HINT :
    `cannot run OpenOCD at ${bin} (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})\n  fix the path, ` +
    `or install Debian's: sudo apt-get install -y openocd`);
}

/**
 * Picks the probe: the chosen serial must be attached (when USB is visible); with several
 * attached and none chosen, lists them and says how to pick. Returns the serial to pass on.
 */
export function chooseProbe(scan: ProbeScan, wanted: string | undefined): string | undefined {
  if (!scan.usbVisible) return wanted; // cannot see USB here: let OpenOCD try, it reports what it finds
  if (wanted) {
    if (!scan.probes.some((p) => p.serial === wanted)) {
      const list = scan.probes.length ? scan.probes.map((p, i) => `  ${formatProbe(p, i)}`).join('\n') :
        '  (none attached)';
      throw new UserError(
        `no ST-Link with serial ${wanted} is attached; attached probes:\n${list}\n  pick one with --probe SERIAL`);
    }
    return wanted;
  }
  if (scan.probes.length > 1) {
    const list = scan.probes.map((p, i) => `  ${formatProbe(p, i)}`).join('\n');
    throw new UserError(
      `${scan.probes.length} ST-Link probes are attached and none was chosen:\n${list}\n  pick one with --probe ` +
      `SERIAL, or set flash.probe in wasmqtt.config.json`);
  }
  return scan.probes[0]?.serial || undefined;
}

interface RunOutcome { code: number | null; output: string }

function runOpenocd(bin: string, args: string[], onLine: (l: string) => void): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let pending = '';
    const feed = (chunk: Buffer): void => {
      const s = chunk.toString('utf8');
      output += s;
      pending += s;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, nl).replace(/\r$/, ''));
        pending = pending.slice(nl + 1);
      }
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.once('error', (err) => reject(new UserError(`${APT_HINT}\n  (${err.message})`)));
    child.once('close', (code) => {
      if (pending) onLine(pending);
      resolve({ code, output });
    });
  });
}

export async function flashBoard(opts: FlashOptions): Promise<FlashResult> {
  const out = opts.out ?? process.stderr;
  const bin = opts.openocd ?? 'openocd';
  const board = loadBoard(opts.board);
  const image = readFlashImage(opts.elfPath, board.name);
  checkImageFits(image, board.name, board.memory.flashBytes, opts.elfPath,
    board.storePages * board.memory.flashPageBytes);
  ensureOpenocd(bin);
  const serial = chooseProbe(opts.probeScan ?? listProbes(), opts.probeSerial);
  const target: OpenocdTarget = { ...opts, probeSerial: serial };
  const t0 = Date.now();
  let store: { result: StoreResult; dir: string; path: string } | undefined;
  if (opts.store) {
    const chipId = await readChipId(bin, target, out, opts.verbose);
    const bytes = await opts.store.image(chipId);
    if (bytes.length !== opts.store.bytes) throw new Error(
      `store image is ${bytes.length} bytes, the store ${opts.store.bytes}`);
    // a private file, removed after: it holds the broker password
    const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-store-'));
    const path = join(dir, 'store.bin');
    writeFileSync(path, bytes, { mode: 0o600 });
    store = { result: { address: opts.store.address, bytes: bytes.length, chipId }, dir, path };
  }
  try {
    return await programImage({ opts, bin, target, board: board.name, image, t0, store });
  } finally {
    if (store) rmSync(store.dir, { recursive: true, force: true });
  }
}

/** Reads the chip's 96-bit unique id through the probe (the chip runs on afterwards). */
async function readChipId(bin: string, target: OpenocdTarget, out: NodeJS.WritableStream,
    verbose?: boolean): Promise<[number, number, number]> {
  out.write('reading the chip\'s unique id\n');
  const outcome = await runOpenocd(
    bin, openocdChipIdArgs(target), (line) => { if (verbose) out.write(`openocd: ${line}\n`); });
  const failure = classifyOpenocdOutput(outcome.output, outcome.code, target);
  if (failure) throw new UserError(`flash failed: ${formatFailure(failure)}`);
  const id = parseChipId(outcome.output);
  if (!id) throw new UserError('flash failed: OpenOCD did not print the chip\'s unique id (at 0x1FFFF7E8), so the ' +
    'store cannot be made for this chip\n  hint: run it again with --verbose to see OpenOCD\'s output, or pass ' +
    '--keep-store to program the image only');
  return id;
}

/** The OpenOCD run that programs, verifies (the image, then the store if any) and resets. */
async function programImage(
  p: { opts: FlashOptions; bin: string; target: OpenocdTarget; board: string; image: FlashImage; t0: number;
  store: { result: StoreResult; path: string } | undefined }): Promise<FlashResult> {
  const { opts, bin, target, image, t0, store } = p;
  const out = opts.out ?? process.stderr;
  const serial = target.probeSerial;
  const args = openocdFlashArgs(target, opts.elfPath, store && { path: store.path, address: store.result.address });
  const tracker = new FlashProgressTracker(image.flashBytes + (store?.result.bytes ?? 0), t0);
  const bar = out.isTTY
    ? new cliProgress.SingleBar({
        stream: out as NodeJS.WriteStream,
        format: 'flashing {board} |{bar}| {percentage}% | {phase} | {duration}s',
        hideCursor: true,
        clearOnComplete: false,
      }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(100, 0, { phase: 'connecting', board: p.board });
  const tick = bar ? setInterval(() => {
    const s = tracker.state(Date.now());
    bar.update(Math.round(s.fraction * 100), { phase: s.phase });
  }, 100) : undefined;
  const storeNote = store ?
    ` and the store (${store.result.bytes} bytes at 0x${store.result.address.toString(16).padStart(8, '0')})` : '';
  if (!bar) out.write(`flashing ${opts.elfPath} (${image.flashBytes} bytes)${storeNote} to ${p.board}: connecting\n`);

  let outcome: RunOutcome;
  try {
    outcome = await runOpenocd(bin, args, (line) => {
      if (opts.verbose && !bar) out.write(`openocd: ${line}\n`);
      if (tracker.line(line, Date.now()) && !bar) out.write(`  ${tracker.state(Date.now()).phase}\n`);
    });
  } finally {
    if (tick) clearInterval(tick);
  }
  const failure = classifyOpenocdOutput(outcome.output, outcome.code, target);
  if (failure) {
    bar?.stop();
    if (opts.verbose && bar) out.write(outcome.output);
    throw new UserError(`flash failed: ${formatFailure(failure)}`);
  }
  tracker.finish();
  bar?.update(100, { phase: 'done' });
  bar?.stop();
  const seconds = (Date.now() - t0) / 1000;
  return { board: p.board, elfPath: opts.elfPath, imageBytes: image.flashBytes, seconds, probeSerial: serial,
    command: [bin, ...args], store: store?.result };
}

/** Clears read protection (mass erase). */
export async function unlockBoard(opts: Omit<FlashOptions, 'elfPath'>): Promise<void> {
  const bin = opts.openocd ?? 'openocd';
  ensureOpenocd(bin);
  const serial = chooseProbe(opts.probeScan ?? listProbes(), opts.probeSerial);
  const target = { ...opts, probeSerial: serial };
  const outcome = await runOpenocd(bin, openocdUnlockArgs(target), () => {});
  const failure = classifyOpenocdOutput(outcome.output, outcome.code, target);
  if (failure) throw new UserError(`unlock failed: ${formatFailure(failure)}`);
}

export interface ProbeCheck {
  probeSerial?: string;
  /** What OpenOCD reported about the chip (flash size, device id), when it got that far. */
  facts: string[];
}

/** Connects through the probe, halts the chip, reads its flash size, and lets it run again. */
export async function checkTarget(
    opts: OpenocdTarget & { openocd?: string; probeScan?: ProbeScan }): Promise<ProbeCheck> {
  const bin = opts.openocd ?? 'openocd';
  ensureOpenocd(bin);
  const serial = chooseProbe(opts.probeScan ?? listProbes(), opts.probeSerial);
  const target = { ...opts, probeSerial: serial };
  const outcome = await runOpenocd(bin, openocdProbeArgs(target), () => {});
  const failure = classifyOpenocdOutput(outcome.output, outcome.code, target);
  if (failure) throw new UserError(`target check failed: ${formatFailure(failure)}`);
  const facts = outcome.output.split('\n').filter((l) => /flash size|device id|Target voltage|STLINK V/i.test(l)).map(
    (l) => l.replace(/^Info\s*:\s*/, '').trim());
  return { probeSerial: serial, facts };
}
