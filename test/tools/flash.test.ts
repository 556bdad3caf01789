import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openocdFlashArgs, openocdUnlockArgs, classifyOpenocdOutput } from '../../host-tools/flash/openocd.ts';
import { listProbes, type ProbeScan } from '../../host-tools/flash/probes.ts';
import { chooseProbe, flashBoard } from '../../host-tools/flash/flash.ts';
import { checkImageFits, readFlashImage } from '../../host-tools/flash/elf.ts';
import { FlashProgressTracker } from '../../host-tools/flash/progress.ts';
import { runCli } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-flash-'));
let smallElf = '';
let bigElf = '';
let storeElf = '';

/** A real Cortex-M3 ELF from arm-none-eabi-gcc, with `extra` bytes of constant data in flash. */
function buildElf(name: string, extra: number): string {
  const c = join(dir, `${name}.c`);
  const ld = join(dir, `${name}.ld`);
  writeFileSync(
    c, `void Reset_Handler(void){for(;;);}\n__attribute__((section(".isr_vector"),used)) void* const ` +
    `vec[2]={(void*)0x20005000,(void*)Reset_Handler};\n` +
    (extra ? `__attribute__((used)) const unsigned char blob[${extra}] = {1};\n` : ''));
  writeFileSync(
    ld, 'MEMORY { FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 512K  RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 20K }\n' +
    'SECTIONS { .isr_vector : { KEEP(*(.isr_vector)) } > FLASH  .text : { *(.text*) *(.rodata*) } > FLASH }\n');
  const elf = join(dir, `${name}.elf`);
  execFileSync('arm-none-eabi-gcc', ['-mcpu=cortex-m3', '-mthumb', '-nostdlib', '-T', ld, c, '-o', elf]);
  return elf;
}

/** A fake sysfs tree with the given USB devices (vid, pid, serial). */
function fakeSysfs(devs: [string, string, string][]): string {
  const root = mkdtempSync(join(tmpdir(), 'wasmqtt-sysfs-'));
  devs.forEach(([vid, pid, serial], i) => {
    const d = join(root, 'bus', 'usb', 'devices', `1-${i + 1}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'idVendor'), `${vid}\n`);
    writeFileSync(join(d, 'idProduct'), `${pid}\n`);
    writeFileSync(join(d, 'serial'), `${serial}\n`);
    writeFileSync(join(d, 'busnum'), '1\n');
    writeFileSync(join(d, 'devnum'), `${i + 4}\n`);
  });
  if (devs.length === 0) mkdirSync(join(root, 'bus', 'usb', 'devices'), { recursive: true });
  return root;
}

beforeAll(() => {
  smallElf = buildElf('small', 0);
  bigElf = buildElf('big', 70 * 1024);
  storeElf = buildElf('store', 58 * 1024); // fits the blue pill's 64 KiB, not its last 10 pages (the store)
});

describe('OpenOCD command lines', () => {
  it('programs, verifies and resets with the ST-Link interface and the STM32F1 target', () => {
    expect(openocdFlashArgs({}, '/b/firmware.elf')).toEqual([
      '-f', 'interface/stlink.cfg', '-f', 'target/stm32f1x.cfg', '-c', 'program {/b/firmware.elf} verify reset exit',
    ]);
  });
  it('selects the probe by serial; clone id before the target script, speed and reset mode after it', () => {
    expect(openocdFlashArgs(
      { probeSerial: '066DFF', speedKHz: 480, anyCpuTapId: true, connectUnderReset: true }, 'fw.elf')).toEqual([
      '-f', 'interface/stlink.cfg', '-c', 'adapter serial 066DFF', '-c', 'set CPUTAPID 0',
      '-f', 'target/stm32f1x.cfg', '-c', 'adapter speed 480', '-c',
      'reset_config srst_only srst_nogate connect_assert_srst',
      '-c', 'program {fw.elf} verify reset exit',
    ]);
  });
  it('with a store image: the image, then the store at its address, then the reset', () => {
    expect(openocdFlashArgs({}, '/b/firmware.elf', { path: '/t/store.bin', address: 0x0800d800 }).slice(4)).toEqual([
      '-c', 'program {/b/firmware.elf} verify', '-c', 'program {/t/store.bin} verify reset exit 0x0800d800',
    ]);
  });
  it('unlocks with stm32f1x unlock between halts', () => {
    expect(openocdUnlockArgs({}).slice(4)).toEqual(
      ['-c', 'init', '-c', 'reset halt', '-c', 'stm32f1x unlock 0', '-c', 'reset halt', '-c', 'exit']);
  });
  it('refuses a path OpenOCD cannot quote', () => {
    expect(() => openocdFlashArgs({}, '/tmp/a{b}.elf')).toThrow(/cannot take; move the file/);
  });
});

describe('real OpenOCD without a probe', () => {
  it('reports no probe found with setup hints (OpenOCD says only "open failed")', async () => {
    const err = await flashBoard({ board: 'bluepill', elfPath: smallElf, probeScan: { usbVisible: false, probes: [] },
      out: { write: () => true } as never })
      .then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/^flash failed: no ST-Link probe was found\n/);
    expect(err?.message).toContain('60-openocd.rules');
    expect(err?.message).toContain('wasmqtt sim --board bluepill');
  });

  it('through the CLI: names the serial asked for, exit code 1, no stack trace', () => {
    const r = runCli(['flash', '--board', 'bluepill', '--elf', smallElf, '--probe', 'ABC123'],
      { env: { WASMQTT_SYSFS_ROOT: '/nonexistent' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('wasmqtt: flash failed: no ST-Link with serial ABC123 was found');
    expect(r.stderr).toContain('hint: list the attached probes and their serials: wasmqtt probes');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('every option we pass is accepted by the real OpenOCD (it gets as far as looking for the probe)', async () => {
    const { spawnSync } = await import('node:child_process');
    const { openocdProbeArgs, openocdChipIdArgs } = await import('../../host-tools/flash/openocd.ts');
    const all = { probeSerial: 'ABC', speedKHz: 480, anyCpuTapId: true, connectUnderReset: true };
    const withStore = openocdFlashArgs(all, smallElf, { path: join(dir, 'store.bin'), address: 0x0800d800 });
    for (const args of [openocdFlashArgs(all, smallElf), withStore, openocdUnlockArgs(all), openocdProbeArgs(all),
        openocdChipIdArgs(all)]) {
      const r = spawnSync('openocd', args, { encoding: 'utf8', timeout: 20_000 });
      const out = `${r.stdout}${r.stderr}`;
      expect(out, args.join(' ')).toContain('Error: open failed');
      expect(out).toContain('clock speed 480 kHz'); // our speed wins over the target script's 1000 kHz
      expect(out).not.toMatch(/invalid command name|Unknown|wrong # args|Can't find/);
      expect(classifyOpenocdOutput(out, r.status, all)?.kind).toBe('no-probe');
    }
  });

  it('`wasmqtt probes --check` runs the real OpenOCD and explains the missing probe', () => {
    const r = runCli(['probes', '--check'], { env: { WASMQTT_SYSFS_ROOT: '/nonexistent' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('wasmqtt: target check failed: no ST-Link probe was found');
  });

  it('says how to install OpenOCD when it is missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'wasmqtt-nopath-'));
    const r = runCli(['flash', '--board', 'bluepill', '--elf', smallElf], { env: { PATH: empty } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('OpenOCD is not installed (or not on PATH)');
    expect(r.stderr).toContain('sudo apt-get install -y openocd');
  });

  it('takes the board from wasmqtt.config.json and points at the build when the image is missing', () => {
    const proj = mkdtempSync(join(tmpdir(), 'wasmqtt-proj-'));
    writeFileSync(join(proj, 'wasmqtt.config.json'), '{"board": "stm32f103rc"}');
    const r = runCli(['flash'], { cwd: proj });
    expect(r.stderr).toContain('firmware image build/stm32f103rc/firmware.elf does not exist');
    expect(r.stderr).toContain('wasmqtt build --board stm32f103rc');
    const noBoard = runCli(['flash'], { cwd: mkdtempSync(join(tmpdir(), 'wasmqtt-proj-')) });
    expect(noBoard.stderr).toContain('no board given: pass --board NAME or set "board" in wasmqtt.config.json');
  });
});

/**
 * A stand-in for OpenOCD with a probe attached (none exists on this machine): prints what
 * OpenOCD 0.12 prints for a successful program/verify/reset, or a verify failure. It tests
 * the flash layer's handling of OpenOCD's output; the real binary is used everywhere it can be.
 */
function fakeOpenocd(mode: 'ok' | 'verify-fail'): string {
  const file = join(dir, `openocd-${mode}.sh`);
  const lines = mode === 'ok'
    ? [
      '** Programming Started **', 'Info : device id = 0x20036410', 'Info : flash size = 64kbytes',
      '** Programming Finished **', '** Verify Started **', 'verified 14 bytes from file fw.elf in 0.1s (0.137 KiB/s)',
      '** Verified OK **', '** Resetting Target **', 'shutdown command invoked']
    : [
      '** Programming Started **', '** Programming Finished **', '** Verify Started **',
      'Error: checksum mismatch - attempting binary compare', 'diff 0 address 0x08000004. Was 0xff instead of 0x41',
      '** Verify Failed **'];
  writeFileSync(file, [
    '#!/bin/sh',
    'if [ "$1" = "--version" ]; then echo "Open On-Chip Debugger 0.12.0" >&2; exit 0; fi',
    'echo "$@" > "$0.args"',
    'echo "Open On-Chip Debugger 0.12.0" >&2',
    ...lines.map((l) => `sleep 0.05; echo '${l}' >&2`),
    `exit ${mode === 'ok' ? 0 : 1}`,
  ].join('\n'), { mode: 0o755 });
  return file;
}

describe('flash output handling (OpenOCD stand-in with a probe)', () => {
  it('reports success with size, board and time, and JSON with the exact command', () => {
    const ocd = fakeOpenocd('ok');
    const r = runCli(['flash', '--board', 'bluepill', '--elf', smallElf, '--openocd', ocd, '--speed', '480'],
      { env: { WASMQTT_SYSFS_ROOT: '/nonexistent' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^flashed .*small\.elf \(\d+ bytes\) to bluepill: verified, reset, \d+\.\d\d s\n$/);
    expect(r.stderr).toMatch(/connecting\n  programming\n  verifying\n  resetting\n/);
    const json = runCli(['flash', '--board', 'bluepill', '--elf', smallElf, '--openocd', ocd, '--json'],
      { env: { WASMQTT_SYSFS_ROOT: '/nonexistent' } });
    expect(JSON.parse(json.stdout).command).toEqual([
      ocd, '-f', 'interface/stlink.cfg', '-f', 'target/stm32f1x.cfg', '-c', `program {${smallElf}} verify reset exit`]);
  });

  it('draws a progress bar on a terminal', async () => {
    const ocd = fakeOpenocd('ok');
    const { spawn } = await import('node:child_process');
    const bin = new URL('../../host-tools/cli/bin.mjs', import.meta.url).pathname;
    // socat gives the command a real terminal, so cli-progress draws (stdin stays open meanwhile).
    const term = spawn(
      'socat',
      [
      `EXEC:${process.execPath} ${bin} flash --board bluepill --elf ${smallElf} --openocd ${ocd}` +
      `,pty,setsid,ctty,stderr`, 'STDIO'],
      { env: { ...process.env, WASMQTT_SYSFS_ROOT: '/nonexistent' } });
    let out = '';
    term.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const killer = setTimeout(() => term.kill('SIGKILL'), 30_000);
    await new Promise<void>((resolve) => term.once('exit', () => resolve()));
    clearTimeout(killer);
    expect(out).toMatch(/flashing bluepill \|[█░]+\| 100% \| done/);
    expect(out).toMatch(/verified, reset, \d+\.\d\d s/);
  });

  it('turns a verify failure into the address and values, exit code 1', () => {
    const r = runCli(['flash', '--board', 'bluepill', '--elf', smallElf, '--openocd', fakeOpenocd('verify-fail')],
      { env: { WASMQTT_SYSFS_ROOT: '/nonexistent' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('wasmqtt: flash failed: verify failed: flash at 0x08000004 reads 0xff but the image ' +
      'has 0x41');
  });
});

describe('pre-flight checks', () => {
  it('reads the load segments of a real ELF', () => {
    const img = readFlashImage(bigElf);
    expect(img.start).toBe(0x08000000);
    expect(img.flashBytes).toBeGreaterThan(70 * 1024);
  });
  it('refuses an image larger than the board flash before running OpenOCD', async () => {
    const err = await flashBoard(
      { board: 'bluepill', elfPath: bigElf, openocd: '/nonexistent/openocd' }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /does not fit bluepill's flash: the image ends at 0x0801....,\s\d+ bytes past the end of its 64 KiB/);
  });
  it('refuses an image that fits the flash but reaches into the store pages of the board file', async () => {
    const err = await flashBoard(
      { board: 'bluepill', elfPath: storeElf, openocd: '/nonexistent/openocd' }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/reaches into bluepill's persistent store/);
  });
  it('refuses an image that reaches into the persistent store pages', () => {
    const img = readFlashImage(bigElf);
    expect(() => checkImageFits(img, 'bluepill128', 128 * 1024, 'big.elf', 128 * 1024 - 60 * 1024))
      .toThrow(/reaches into bluepill128's persistent store .* would erase the saved config and MQTT session/);
    expect(() => checkImageFits(img, 'bluepill128', 128 * 1024, 'big.elf', 2048)).not.toThrow();
  });
  it('refuses a file that is not an ELF', () => {
    const notElf = join(dir, 'fw.bin');
    writeFileSync(notElf, Buffer.alloc(100));
    expect(() => readFlashImage(notElf)).toThrow(/is not an ELF file; pass the \.elf/);
  });
});

describe('probe discovery and choice', () => {
  it('lists ST-Links from sysfs and ignores other USB devices', () => {
    const root = fakeSysfs([['0483', '3748', '55FF6B06'], ['1a86', '7523', ''], ['0483', '374b', '0671FF']]);
    const scan = listProbes(root);
    expect(scan.usbVisible).toBe(true);
    expect(scan.probes.map((p) => [p.kind, p.serial, p.devNode])).toEqual([
      ['ST-Link/V2', '55FF6B06', '/dev/bus/usb/001/004'], ['ST-Link/V2-1', '0671FF', '/dev/bus/usb/001/006'],
    ]);
  });
  it('with several probes and none chosen, lists them and says how to pick', () => {
    const scan = listProbes(fakeSysfs([['0483', '3748', 'AAA'], ['0483', '374e', 'BBB']]));
    expect(() => chooseProbe(scan, undefined)).toThrow(/2 ST-Link probes are attached and none was chosen:\n  \[0\] ST-Link\/V2 \(0483:3748\) serial AAA at usb 1-1\n  \[1\] ST-Link\/V3 \(0483:374e\) serial BBB at usb 1-2\n  pick one with --probe SERIAL/);
    expect(chooseProbe(scan, 'BBB')).toBe('BBB');
    expect(() => chooseProbe(scan, 'CCC')).toThrow(/no ST-Link with serial CCC is attached/);
  });
  it('passes the only probe on and leaves it to OpenOCD when USB is not visible', () => {
    expect(chooseProbe(listProbes(fakeSysfs([['0483', '3748', 'ONE']])), undefined)).toBe('ONE');
    const hidden: ProbeScan = { usbVisible: false, probes: [] };
    expect(chooseProbe(hidden, undefined)).toBeUndefined();
    expect(chooseProbe(hidden, 'X')).toBe('X');
  });
  it('`wasmqtt probes` explains a machine without USB, and lists probes from sysfs', () => {
    const none = runCli(['probes'], { env: { WASMQTT_SYSFS_ROOT: '/nonexistent' } });
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('shows no USB bus');
    const two = runCli(
      ['probes'], { env: { WASMQTT_SYSFS_ROOT: fakeSysfs([['0483', '3748', 'AAA'], ['0483', '3752', 'BBB']]) } });
    expect(two.code).toBe(0);
    expect(two.stdout).toContain('2 ST-Link probes attached:');
    expect(two.stdout).toContain('pick one with: wasmqtt flash --probe SERIAL');
  });
});

// Transcripts in OpenOCD 0.12's wording (the strings are those in Debian's binary).
const HEAD = 'Open On-Chip Debugger 0.12.0\nInfo : clock speed 1000 kHz\nInfo : STLINK V2J37S7 (API v2) VID:PID ' +
  '0483:3748\nInfo : Target voltage: 3.245\n';
describe('OpenOCD output → clear errors', () => {
  it('maps each known failure to its cause and fix', () => {
    const cases: [string, number, RegExp, RegExp][] = [
      [
        HEAD + '** Programming Started **\nError: stm32x device protected\nError: failed erasing sectors 0 to 23\n** ' +
        'Programming Failed **\n', 1, /read\/write protected/, /wasmqtt flash --unlock/],
      [HEAD + 'Error: UNEXPECTED idcode: 0x2ba01477\nError: expected 1 of 1: 0x1ba01477\n', 1,
        /id 0x2ba01477, not an STM32F103/, /--any-cpu-id/],
      ['Info : Target voltage: 0.012\nError: target voltage may be too low for reliable debugging\nError: init mode ' +
        'failed (unable to connect to the target)\n', 1, /not powered/, /3\.3V/],
      [HEAD + 'Error: init mode failed (unable to connect to the target)\n', 1, /does not answer on SWD/,
        /--connect-under-reset/],
      [
        HEAD + '** Programming Started **\nWarn : no flash bank found for address 0x08010000\n** Programming ' +
        'Finished **\n** Verify Started **\n** Verified OK **\n', 0, /data at 0x08010000, outside the target's flash/,
        /check --board/],
      [
        HEAD + '** Verify Started **\nError: checksum mismatch - attempting binary compare\ndiff 0 address ' +
        '0x08000004. Was 0xff instead of 0x41\n** Verify Failed **\n', 1,
        /flash at 0x08000004 reads 0xff but the image has 0x41/, /--speed 480/],
      ['Error: libusb_open() failed with LIBUSB_ERROR_ACCESS\nError: open failed\n', 1, /may not open it/, /plugdev/],
    ];
    for (const [out, code, msg, hint] of cases) {
      const f = classifyOpenocdOutput(out, code);
      expect(f?.message, out).toMatch(msg);
      expect(f?.hints.join('\n'), out).toMatch(hint);
    }
  });
  it('accepts a clean run and reports an unknown failure with its last error line', () => {
    const ok = HEAD + '** Programming Started **\n** Programming Finished **\n** Verify Started **\n** Verified OK ' +
      '**\n** Resetting Target **\nshutdown command invoked\n';
    expect(classifyOpenocdOutput(ok, 0)).toBeUndefined();
    expect(classifyOpenocdOutput('Error: something new\n', 1)?.message).toBe(
      'OpenOCD failed (exit code 1): something new');
  });
});

describe('progress', () => {
  it('follows OpenOCD phases and never reports a phase complete early', () => {
    const t = new FlashProgressTracker(24 * 1024, 0);
    expect(t.state(0)).toMatchObject({ phase: 'connecting', fraction: 0 });
    t.line('** Programming Started **', 100);
    expect(t.state(100).fraction).toBeCloseTo(0.05);
    expect(t.state(60_000).fraction).toBeLessThan(0.75); // long erase: held below the phase end
    t.line('** Verify Started **', 2_100);
    t.line('verified 24576 bytes in 0.5s (48.000 KiB/s)', 2_600);
    expect(t.state(2_600)).toMatchObject({ phase: 'verifying', reportedKiBps: 48 });
    t.line('** Resetting Target **', 2_700);
    t.finish();
    expect(t.state(2_800).fraction).toBe(1);
  });
});
