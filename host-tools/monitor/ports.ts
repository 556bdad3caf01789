// Finds the board's serial port: the ST-Link virtual COM port first, then common USB-UART
// bridges, then a running virtual board's pseudo-terminal. serialport's list() needs
// udevadm; without it (containers, minimal systems) we read /sys/class/tty directly.
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { listVirtualPorts } from './virtual-ports.ts';

export type PortKind = 'stlink-vcp' | 'usb-uart' | 'virtual-board' | 'other';

export interface PortCandidate {
  path: string;
  kind: PortKind;
  description: string;
  vendorId?: string;
  productId?: string;
  serial?: string;
}

/** USB vendor ids of the usual USB-UART bridges on STM32 boards' desks. */
export const USB_UART_VENDORS: Record<string, string> = {
  '1a86': 'WCH CH340/CH341',
  '10c4': 'Silicon Labs CP210x',
  '0403': 'FTDI',
  '067b': 'Prolific PL2303',
  '2e8a': 'Raspberry Pi (debugprobe)',
  '1366': 'SEGGER J-Link VCOM',
};
export const ST_VENDOR = '0483';

const RANK: Record<PortKind, number> = { 'stlink-vcp': 0, 'usb-uart': 1, 'virtual-board': 2, other: 3 };

export function classify(vendorId: string | undefined): { kind: PortKind; description: string } {
  const vid = vendorId?.toLowerCase();
  if (vid === ST_VENDOR) return { kind: 'stlink-vcp', description: 'ST-Link virtual COM port' };
  if (vid && vid in USB_UART_VENDORS) return { kind: 'usb-uart', description: `${USB_UART_VENDORS[vid]} USB-UART` };
  return { kind: 'other', description: vid ? `USB serial (vendor ${vid})` : 'serial port' };
}

function attr(dir: string, name: string): string | undefined {
  try { return readFileSync(join(dir, name), 'utf8').trim(); } catch { return undefined; }
}

/** USB serial ports from sysfs: /sys/class/tty/ttyACM*|ttyUSB* → the USB device's ids. */
export function listSysfsPorts(sysfsRoot = process.env.WASMQTT_SYSFS_ROOT ?? '/sys', devDir = '/dev'): PortCandidate[] {
  const ttyDir = join(sysfsRoot, 'class', 'tty');
  if (!existsSync(ttyDir)) return [];
  const out: PortCandidate[] = [];
  for (const name of readdirSync(ttyDir).sort()) {
    if (!/^tty(ACM|USB)\d+$/.test(name)) continue;
    // device → the USB interface; its parent holds idVendor/idProduct/serial (ttyUSB sits one level deeper).
    let dir: string;
    try { dir = realpathSync(join(ttyDir, name, 'device')); } catch { continue; }
    let vid: string | undefined;
    for (let up = 0; up < 4 && !vid; up++) {
      vid = attr(dir, 'idVendor');
      if (!vid) dir = join(dir, '..');
    }
    const info = classify(vid);
    out.push({ path: join(devDir, name), ...info, vendorId: vid, productId: attr(dir, 'idProduct'),
      serial: attr(dir, 'serial') });
  }
  return out;
}

/** serialport's own listing, or [] when it cannot run (no udevadm). */
async function listWithSerialport(): Promise<PortCandidate[]> {
  try {
    const ports = await SerialPort.list();
    return ports
      .filter((p) => p.vendorId !== undefined)
      .map((p) => ({ path: p.path, ...classify(p.vendorId), vendorId: p.vendorId?.toLowerCase(),
        productId: p.productId?.toLowerCase(), serial: p.serialNumber }));
  } catch {
    return [];
  }
}

/** Every candidate port, best first. */
export async function detectPorts(
    opts: { sysfsRoot?: string; devDir?: string; virtualDir?: string } = {}): Promise<PortCandidate[]> {
  const found = new Map<string, PortCandidate>();
  for (const p of [...(await listWithSerialport()), ...listSysfsPorts(opts.sysfsRoot, opts.devDir)]) {
    if (!found.has(p.path)) found.set(p.path, p);
  }
  for (const v of listVirtualPorts(opts.virtualDir)) {
    found.set(v.path, { path: v.path, kind: 'virtual-board', description: `virtual board ${v.board} (pid ${v.pid})` });
  }
  return [...found.values()].sort((a, b) => RANK[a.kind] - RANK[b.kind] || a.path.localeCompare(b.path));
}

/**
 * Chooses the port to open when none was given: the single best-ranked candidate. Several of
 * the best kind → the caller must choose (the list is in the error).
 */
export function choosePort(candidates: PortCandidate[]): PortCandidate {
  if (candidates.length === 0) {
    throw new Error([
      'no serial port found: no ST-Link virtual COM port, no USB-UART and no running virtual board',
      '  hint: plug in the board (ST-Link V2-1/V3 boards expose a VCP; a blue pill needs a USB-UART on PA9/PA10)',
      '  hint: start the virtual board: wasmqtt sim --board bluepill',
      '  hint: or name the port: wasmqtt monitor /dev/ttyUSB0',
    ].join('\n'));
  }
  const best = candidates.filter((c) => c.kind === candidates[0]!.kind);
  if (best.length > 1) {
    throw new Error(
      `${best.length} ports could be the board; name one:\n${best.map((c) => `  wasmqtt monitor ${c.path}   ` +
      `(${c.description}${c.serial ? `, serial ${c.serial}` : ''})`).join('\n')}`);
  }
  return best[0]!;
}
