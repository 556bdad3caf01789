// OpenOCD (Debian's 0.12) as the flasher: the exact command lines we run, and the mapping of
// what OpenOCD prints into clear errors with the fix. The strings matched here were read from
// the real binary's output and its embedded `program` procedure.
import { noProbeHints } from './probes.ts';

export interface OpenocdTarget {
  /** Board name, only for the hints in messages. */
  board?: string;
  /** ST-Link serial (adapter serial); required when several probes are attached. */
  probeSerial?: string;
  /** SWD clock in kHz. */
  speedKHz?: number;
  /** Hold NRST while connecting (firmware that remaps SWD pins or sleeps). */
  connectUnderReset?: boolean;
  /** Accept any Cortex-M3 TAP id (CKS32/GD32/APM32 clones report a different one). */
  anyCpuTapId?: boolean;
}

/** Escapes a path for a Tcl word in braces (OpenOCD's command language). */
function tclWord(s: string): string {
  if (/[{}\\]/.test(s)) throw new Error(
    `path ${s} contains { } or \\, which OpenOCD's command language cannot take; move the file`);
  return `{${s}}`;
}

/** Interface, probe selection and target: the part every OpenOCD invocation shares. */
export function openocdBaseArgs(t: OpenocdTarget): string[] {
  const args = ['-f', 'interface/stlink.cfg'];
  if (t.probeSerial) args.push('-c', `adapter serial ${t.probeSerial}`);
  // CPUTAPID is read by the target script; the speed must come after it (it sets 1000 kHz).
  if (t.anyCpuTapId) args.push('-c', 'set CPUTAPID 0');
  args.push('-f', 'target/stm32f1x.cfg');
  if (t.speedKHz) args.push('-c', `adapter speed ${t.speedKHz}`);
  if (t.connectUnderReset) args.push('-c', 'reset_config srst_only srst_nogate connect_assert_srst');
  return args;
}

/** A raw image for one flash address (the persistent store's pages). */
export interface FlashRegion {
  path: string;
  address: number;
}

/**
 * program + verify + reset, then exit. With `store`, the image is programmed and verified first,
 * then the store image at its address (all its pages erased and written), then the reset.
 */
export function openocdFlashArgs(t: OpenocdTarget, elfPath: string, store?: FlashRegion): string[] {
  if (!store) return [...openocdBaseArgs(t), '-c', `program ${tclWord(elfPath)} verify reset exit`];
  return [...openocdBaseArgs(t), '-c', `program ${tclWord(elfPath)} verify`,
    '-c', `program ${tclWord(store.path)} verify reset exit 0x${store.address.toString(16).padStart(8, '0')}`];
}

/** The STM32F1's 96-bit unique device id (reference manual RM0008, 30.2). */
export const UID_ADDRESS = 0x1ffff7e8;

/** Connects, halts, prints the chip's unique id words, lets the chip run again and exits. */
export function openocdChipIdArgs(t: OpenocdTarget): string[] {
  return [...openocdBaseArgs(t), '-c', 'init', '-c', 'reset halt', '-c', `mdw 0x${UID_ADDRESS.toString(16)} 3`, '-c',
    'reset run', '-c', 'exit'];
}

/** The three id words from `mdw`'s line ("0x1ffff7e8: 0034ffd8 4e4b3032 20333230"), or undefined. */
export function parseChipId(output: string): [number, number, number] | undefined {
  const m = /0x0*1ffff7e8:\s+([0-9a-f]{8})\s+([0-9a-f]{8})\s+([0-9a-f]{8})/i.exec(output);
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : undefined;
}

/**
 * Clears STM32F1 read protection (RDP level 1 → 0). This mass-erases the chip, which is the
 * only way out of RDP; the new option bytes take effect after a power cycle.
 */
export function openocdUnlockArgs(t: OpenocdTarget): string[] {
  return [...openocdBaseArgs(t), '-c', 'init', '-c', 'reset halt', '-c', 'stm32f1x unlock 0', '-c', 'reset halt', '-c',
    'exit'];
}

/** Connects, halts and prints the flash size and device id, then exits (used by `probes --check`). */
export function openocdProbeArgs(t: OpenocdTarget): string[] {
  return [
    ...openocdBaseArgs(t), '-c', 'init', '-c', 'reset halt', '-c', 'flash probe 0', '-c', 'reset run', '-c', 'exit'];
}

export type FailureKind =
  | 'no-probe' | 'probe-serial-mismatch' | 'usb-permission' | 'no-target' | 'wrong-target' | 'low-voltage'
  | 'locked' | 'outside-flash' | 'verify-mismatch' | 'file' | 'scripts-missing' | 'program-failed' | 'unknown';

export interface OpenocdFailure {
  kind: FailureKind;
  message: string;
  hints: string[];
}

/** The command that clears read protection, for the 'locked' hint. */
const UNLOCK_HINT = 'clear the read protection (this ERASES the chip): wasmqtt flash --unlock, then power-cycle the ' +
  'board and flash again';

interface Rule {
  kind: FailureKind;
  re: RegExp;
  message: (m: RegExpExecArray, out: string, t: OpenocdTarget) => string;
  hints: (t: OpenocdTarget) => string[];
}

// Order matters: the most specific cause first (OpenOCD often prints a generic failure after).
const RULES: Rule[] = [
  {
    kind: 'scripts-missing', re: /Can't find (\S+\.cfg)/,
    message: (m) => `OpenOCD cannot find its script ${m[1]}`,
    hints: () => ['reinstall Debian\'s OpenOCD: sudo apt-get install --reinstall -y openocd (the scripts live in ' +
      '/usr/share/openocd/scripts)'],
  },
  {
    kind: 'usb-permission', re: /LIBUSB_ERROR_ACCESS|libusb_open\(\) failed/,
    message: () => 'an ST-Link is attached but this user may not open it (USB permission denied)',
    hints: (t) => noProbeHints(t.board).slice(1, 2),
  },
  {
    kind: 'probe-serial-mismatch', re: /ST-LINK open failed \(serial mismatch\)/,
    message: (_m, _o, t) => `no ST-Link with serial ${t.probeSerial ?? '?'} is attached`,
    hints: () => ['list the attached probes and their serials: wasmqtt probes',
      'pick one with --probe SERIAL (or flash.probe in wasmqtt.config.json)'],
  },
  {
    kind: 'no-probe', re: /^Error: open failed$/m,
    message: (_m, _o, t) => t.probeSerial ? `no ST-Link with serial ${t.probeSerial} was found` :
      'no ST-Link probe was found',
    hints: (t) => (t.probeSerial ? [
      'list the attached probes and their serials: wasmqtt probes', ...noProbeHints(t.board)] : noProbeHints(t.board)),
  },
  {
    kind: 'locked', re: /stm32x device protected|Device Security Bit Set|read protection/i,
    message: () => 'the target\'s flash is read/write protected (RDP or write protection is set)',
    hints: () => [UNLOCK_HINT],
  },
  {
    kind: 'wrong-target', re: /UNEXPECTED idcode: (0x[0-9a-f]+)/i,
    message: (m) => `the chip answered with id ${m[1]}, not an STM32F103's Cortex-M3 (0x1ba01477 / 0x3ba00477)`,
    hints: () => [
      'check that --board matches the chip on the board',
      'CKS32/GD32/APM32 clones report a different id: retry with --any-cpu-id',
    ],
  },
  {
    kind: 'low-voltage', re: /target voltage may be too low/i,
    message: () => 'the probe sees no or too low target voltage: the board is not powered or its 3.3V pin is not ' +
      'wired to the probe',
    hints: () => ['power the board (USB or 3.3V) and connect the probe\'s 3.3V/VAPP pin to the board\'s 3.3V'],
  },
  {
    kind: 'no-target', re: /init mode failed \(unable to connect to the target\)/,
    message: () => 'the ST-Link was found but the target does not answer on SWD',
    hints: () => [
      'check the wiring: SWDIO, SWCLK, GND and 3.3V between probe and board',
      'if the firmware disables SWD or sleeps: retry with --connect-under-reset (wire the probe\'s NRST) or hold ' +
        'RESET while starting',
      'set BOOT0 = 0 (jumper) so the chip runs from flash; BOOT0 = 1 also helps recover a board that locks up at start',
    ],
  },
  {
    kind: 'outside-flash', re: /no flash bank found for address (0x[0-9a-f]+)/i,
    message: (m) =>
      `the image has data at ${m[1]}, outside the target's flash (OpenOCD skips such data and still reports success)`,
    hints: () => ['check --board against the chip (a 64 KiB part cannot take a 128 KiB image) and rebuild with ' +
      '`wasmqtt build --board <name>`'],
  },
  {
    kind: 'verify-mismatch', re: /\*\* Verify Failed \*\*|diff \d+ address (0x[0-9a-f]+)/,
    message: (_m, out) => {
      const d = /diff \d+ address (0x[0-9a-f]+)\. Was (0x[0-9a-f]+) instead of (0x[0-9a-f]+)/.exec(out);
      return d ? `verify failed: flash at ${d[1]} reads ${d[2]} but the image has ${d[3]}` :
        'verify failed: the flash does not read back as the image';
    },
    hints: () => [
      'flash again; if it persists, the chip may be write-protected (wasmqtt flash --unlock) or a clone with less ' +
        'flash than it reports',
      'a lower SWD clock helps with long or noisy wires: --speed 480',
    ],
  },
  {
    kind: 'file', re: /couldn't open (\S+)/,
    message: (m) => `OpenOCD could not open ${m[1]}`,
    hints: () => ['check the path, or build the image: wasmqtt build --board <name>'],
  },
  {
    kind: 'program-failed', re: /\*\* Programming Failed \*\*|error writing to flash at address (0x[0-9a-f]+)/,
    message: (m) => (m[1] ? `programming failed writing flash at ${m[1]}` : 'programming failed'),
    hints: () => ['retry; if the board is read-protected, unlock it first: wasmqtt flash --unlock',
      'a lower SWD clock helps with long wires: --speed 480'],
  },
];

/**
 * Finds the cause of a failed (or falsely successful) OpenOCD run in its output. Returns
 * undefined when the output shows a clean program/verify/reset.
 */
export function classifyOpenocdOutput(output: string, exitCode: number | null, t: OpenocdTarget = {}): OpenocdFailure |
    undefined {
  for (const rule of RULES) {
    const m = rule.re.exec(output);
    if (!m) continue;
    // A low-voltage warning alone is fatal only if the run failed.
    if (rule.kind === 'low-voltage' && exitCode === 0) continue;
    return { kind: rule.kind, message: rule.message(m, output, t), hints: rule.hints(t) };
  }
  if (exitCode === 0) return undefined;
  const lastError = output.split('\n').filter((l) => /^Error:/.test(l)).pop();
  return {
    kind: 'unknown',
    message: `OpenOCD failed (exit code ${exitCode})${lastError ? `: ${lastError.replace(/^Error:\s*/, '')}` : ''}`,
    hints: ['run it again with --verbose to see OpenOCD\'s full output'],
  };
}

export function formatFailure(f: OpenocdFailure): string {
  return [f.message, ...f.hints.map((h) => `  hint: ${h}`)].join('\n');
}
