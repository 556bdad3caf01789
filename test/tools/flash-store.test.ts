// `wasmqtt flash` gives the chip the config's network, broker and client settings, as `sim` does
// for the virtual board: it reads the chip's 96-bit unique id through OpenOCD, has the image's own
// module save the settings into a store image for that id and the image's store geometry, and
// programs it at the store's address after the firmware, before the reset. Before, flash
// programmed the image only and a chip ran with the core's defaults (broker 127.0.0.1:1883).
// No probe exists here: an OpenOCD stand-in answers as 0.12 does and keeps the store image it
// was given; that image then boots the real firmware ELF on the virtual board, which must dial
// the config's broker (routed to a real Mosquitto) with the identity of the chip id read.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualBoard } from '../../host-tools/sim/board/board.ts';
import { BoardRunner } from '../../host-tools/sim/board/runner.ts';
import { W5500NetworkBackend } from '../../host-tools/sim/host/w5500-backend.ts';
import { parseChipId } from '../../host-tools/flash/openocd.ts';
import { loadBoard } from '../../host-tools/fwbuild/boards.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { ROOT, requireBuilt } from '../vboard/helpers.ts';
import { runCli } from './run-cli.ts';

const SENSOR_ELF = `${ROOT}/build/bluepill-sensor/firmware.elf`;
/** The id words the stand-in reports, as OpenOCD's mdw prints them. */
const CHIP_ID: [number, number, number] = [0x0034ffd8, 0x4e4b3032, 0x20333230];
/** bluepill's store: the last storePages pages of its flash (0x0800d800, 10 KiB today). */
const BLUEPILL = loadBoard('bluepill');
const STORE_BYTES = BLUEPILL.storePages * BLUEPILL.memory.flashPageBytes;
const STORE_ADDRESS = BLUEPILL.memory.flashOrigin + BLUEPILL.memory.flashBytes - STORE_BYTES;
const HEX_ADDRESS = `0x${STORE_ADDRESS.toString(16).padStart(8, '0')}`;
const NO_USB = { WASMQTT_SYSFS_ROOT: '/nonexistent' };

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

/**
 * OpenOCD 0.12 with a blue pill attached, as far as flash uses it: the chip-id run prints mdw's
 * line (or nothing, with `noId`), the program run prints a clean program/verify/reset and copies
 * the store image it was given (the .bin in the second program command) to `<script>.store`.
 * Each run's arguments are appended to `<script>.runs`, one line per run.
 */
function fakeOpenocd(dir: string, o: { noId?: boolean } = {}): string {
  const file = join(dir, 'openocd.sh');
  const ok = ['** Programming Started **', '** Programming Finished **', '** Verify Started **', '** Verified OK **'];
  writeFileSync(file, [
    '#!/bin/sh',
    'if [ "$1" = "--version" ]; then echo "Open On-Chip Debugger 0.12.0" >&2; exit 0; fi',
    'echo "$*" >> "$0.runs"',
    'echo "Open On-Chip Debugger 0.12.0" >&2',
    'echo "Info : STLINK V2J37S7 (API v2) VID:PID 0483:3748" >&2',
    'case "$*" in *mdw*)',
    o.noId ? '  exit 0;;' :
      `  echo "0x1ffff7e8: ${CHIP_ID.map((w) => w.toString(16).padStart(8, '0')).join(' ')} " >&2; exit 0;;`,
    'esac',
    'for a in "$@"; do case "$a" in "program {"*".bin} "*) f="${a#program \\{}"; cp "${f%%\\}*}" "$0.store";; esac; ' +
      'done',
    ...[...ok, ...ok, '** Resetting Target **', 'shutdown command invoked'].map((l) => `echo '${l}' >&2`),
    'exit 0',
  ].join('\n'), { mode: 0o755 });
  return file;
}

function project(config: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-flashstore-'));
  writeFileSync(join(dir, 'wasmqtt.config.json'), JSON.stringify(config));
  return dir;
}

const runs = (ocd: string): string[] => (
  existsSync(`${ocd}.runs`) ? readFileSync(`${ocd}.runs`, 'utf8').trim().split('\n') : []);

beforeAll(() => { requireBuilt(SENSOR_ELF); });

describe('wasmqtt flash writes the config into the chip\'s store', () => {
  it('reads the chip id, programs the image then the store at its address, and that store makes the firmware dial ' +
      'the config\'s broker', async () => {
    const dir = project({ board: 'bluepill', broker: { host: '10.11.12.13', port: 1883 }, client: { keepalive: 17 } });
    const ocd = fakeOpenocd(dir);
    const r = runCli(
      ['flash', '--elf', SENSOR_ELF, '--openocd', ocd, '--json'], { cwd: dir, env: NO_USB, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const [idRun, programRun, ...more] = runs(ocd);
    expect(more).toEqual([]);
    expect(idRun).toContain('-c init -c reset halt -c mdw 0x1ffff7e8 3 -c reset run -c exit');
    expect(programRun).toContain(`-c program {${SENSOR_ELF}} verify -c program {`);
    expect(programRun!.endsWith(`store.bin} verify reset exit ${HEX_ADDRESS}`)).toBe(true);
    const json = JSON.parse(r.stdout) as { store: { address: number; bytes: number; chipId: number[] } };
    expect(json.store).toEqual({ address: STORE_ADDRESS, bytes: STORE_BYTES, chipId: CHIP_ID });
    // the file OpenOCD was given holds the broker password: it is gone after the run
    const given = /program \{([^}]*store\.bin)\}/.exec(programRun!)![1]!;
    expect(existsSync(given)).toBe(false);
    const store = readFileSync(`${ocd}.store`);
    expect(store.length).toBe(STORE_BYTES);

    // the virtual board with the chip's id and the store flash wrote: only the config's broker
    // address leads to Mosquitto (the core's default 127.0.0.1:1883 leads nowhere)
    const mq = await startMosquitto();
    cleanup.push(() => mq.stop());
    const storeFile = join(dir, 'chip-store.bin');
    copyFileSync(`${ocd}.store`, storeFile);
    let board: VirtualBoard | undefined;
    const net = new W5500NetworkBackend(
      { clock: () => board?.millis() ?? 0, routes: { '10.11.12.13:1883': `127.0.0.1:${mq.port}` } });
    board = new VirtualBoard({ board: 'bluepill', elf: SENSOR_ELF, w5500: net.model, storeFile, uid: CHIP_ID });
    const b = board;
    let uart = '';
    b.on('uart', (c: number) => { uart += String.fromCharCode(c); });
    const runner = new BoardRunner(b, { speed: 5 });
    runner.start();
    cleanup.push(async () => { await runner.stop(); b.close(); await net.close(); });
    // the client id the core makes from the id bytes in address order (words little-endian)
    const idHex = Buffer.from(new Uint32Array(CHIP_ID).buffer).toString('hex');
    try {
      await runner.until(
        () => mq.log().includes(` as wasmqtt-${idHex} `), 15_000, 'the connection at the config\'s broker');
    } catch (err) {
      throw new Error(`${(err as Error).message}; console:\n${uart}\nbroker:\n${mq.log()}`, { cause: err });
    }
    expect(mq.log()).toMatch(new RegExp(` as wasmqtt-${idHex} \\(p2, c\\d, k17\\)`));
    expect(b.fault).toBeUndefined();
  }, 120_000);

  it('prints what it wrote, for which chip', () => {
    const dir = project({ board: 'bluepill', broker: { host: '192.168.1.10', port: 1883 } });
    const ocd = fakeOpenocd(dir);
    const r = runCli(['flash', '--elf', SENSOR_ELF, '--openocd', ocd], { cwd: dir, env: NO_USB, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('reading the chip\'s unique id\n');
    expect(r.stderr).toContain(
      `(${STORE_BYTES} bytes at ${HEX_ADDRESS}) to bluepill: connecting\n  programming\n  verifying\n  resetting\n`);
    expect(r.stdout).toMatch(/^flashed .*firmware\.elf \([\d.]+ KiB\) to bluepill: verified, reset, \d+\.\d\d s\n/);
    expect(r.stdout).toContain(
      `store: broker settings from the config for chip 0034ffd8 4e4b3032 20333230 ` +
      `(${(STORE_BYTES / 1024).toFixed(1)} KiB at ${HEX_ADDRESS}); the chip's previous store was replaced\n`);
  }, 60_000);

  it('--keep-store programs the image only, without reading the chip id', () => {
    const dir = project({ board: 'bluepill', broker: { host: '192.168.1.10', port: 1883 } });
    const ocd = fakeOpenocd(dir);
    const r = runCli(['flash', '--elf', SENSOR_ELF, '--openocd', ocd, '--keep-store'], { cwd: dir, env: NO_USB });
    expect(r.code, r.stderr).toBe(0);
    expect(runs(ocd)).toEqual(
      [`-f interface/stlink.cfg -f target/stm32f1x.cfg -c program {${SENSOR_ELF}} verify reset exit`]);
    expect(r.stderr).toContain('note: --keep-store: the chip keeps its store (saved settings and session)');
    expect(r.stdout).not.toContain('store:');
  });

  it('a config without network, broker or client settings leaves the store alone and says so', () => {
    const dir = project({ board: 'bluepill' });
    const ocd = fakeOpenocd(dir);
    const r = runCli(['flash', '--elf', SENSOR_ELF, '--openocd', ocd], { cwd: dir, env: NO_USB });
    expect(r.code, r.stderr).toBe(0);
    expect(runs(ocd)).toHaveLength(1);
    expect(runs(ocd)[0]).not.toContain('mdw');
    expect(r.stderr).toContain('note: wasmqtt.config.json has no network, broker or client settings: the image only, ' +
      'the chip keeps its store');
  });

  it('a setting the device refuses stops before the probe is touched', () => {
    const dir = project(
      { board: 'bluepill', broker: { host: '192.168.1.10', port: 1883 }, client: { username: 'u'.repeat(300) } });
    const ocd = fakeOpenocd(dir);
    const r = runCli(['flash', '--elf', SENSOR_ELF, '--openocd', ocd], { cwd: dir, env: NO_USB });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^wasmqtt: wasmqtt\.config\.json client\.username: the device refuses it \(/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(runs(ocd)).toEqual([]);
  });

  it('an image without its module beside it: says why and how to go on', () => {
    const dir = project({ board: 'bluepill', broker: { host: '192.168.1.10', port: 1883 } });
    const elf = join(dir, 'copied.elf');
    copyFileSync(SENSOR_ELF, elf);
    const ocd = fakeOpenocd(dir);
    const r = runCli(['flash', '--elf', elf, '--openocd', ocd], { cwd: dir, env: NO_USB });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `cannot find the module ${elf} was built from (image.json or app.wasm beside it), which writes the config's ` +
      `broker settings into the chip's store`);
    expect(r.stderr).toContain('or pass --keep-store to program the image only');
    expect(runs(ocd)).toEqual([]);
  });

  it('OpenOCD that prints no id: a clear error, nothing programmed', () => {
    const dir = project({ board: 'bluepill', broker: { host: '192.168.1.10', port: 1883 } });
    const ocd = fakeOpenocd(dir, { noId: true });
    const r = runCli(['flash', '--elf', SENSOR_ELF, '--openocd', ocd], { cwd: dir, env: NO_USB });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('wasmqtt: flash failed: OpenOCD did not print the chip\'s unique id (at 0x1FFFF7E8)');
    expect(runs(ocd)).toHaveLength(1);
  });

  it('with the real OpenOCD and no probe: the chip-id run reports the missing probe', () => {
    const dir = project({ board: 'bluepill', broker: { host: '192.168.1.10', port: 1883 } });
    const r = runCli(['flash', '--elf', SENSOR_ELF], { cwd: dir, env: NO_USB });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('reading the chip\'s unique id\n');
    expect(r.stderr).toContain('wasmqtt: flash failed: no ST-Link probe was found');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reads the id words from mdw\'s line', () => {
    expect(parseChipId('Info : halted\n0x1ffff7e8: 0034ffd8 4e4b3032 20333230 \n')).toEqual(CHIP_ID);
    expect(parseChipId('Error: open failed\n')).toBeUndefined();
  });
});
