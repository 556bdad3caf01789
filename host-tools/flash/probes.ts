// ST-Link probe discovery from Linux sysfs (/sys/bus/usb/devices/*/idVendor...). No libusb:
// sysfs is always there on a Linux host with USB, and a fake tree makes this unit-testable.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ST_VENDOR_ID = '0483';
/** ST-Link product ids (V1, V2, V2-1 with and without mass storage, V3 variants). */
export const STLINK_PRODUCTS: Record<string, string> = {
  '3744': 'ST-Link/V1',
  '3748': 'ST-Link/V2',
  '374b': 'ST-Link/V2-1',
  '3752': 'ST-Link/V2-1',
  '374d': 'ST-Link/V3 (loader)',
  '374e': 'ST-Link/V3',
  '374f': 'ST-Link/V3',
  '3753': 'ST-Link/V3',
  '3754': 'ST-Link/V3',
  '3757': 'ST-Link/V3PWR',
};

export interface Probe {
  kind: string;
  vendorId: string;
  productId: string;
  serial: string;
  /** USB bus path in sysfs (e.g. 1-1.2), stable while the cable stays in the same port. */
  usbPath: string;
  /** /dev/bus/usb/BBB/DDD, for permission messages. */
  devNode?: string;
}

export interface ProbeScan {
  /** False when this host exposes no USB bus in sysfs (container, WSL1, VM without passthrough). */
  usbVisible: boolean;
  probes: Probe[];
}

function readAttr(dir: string, name: string): string | undefined {
  try {
    return readFileSync(join(dir, name), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Lists attached ST-Link probes. `sysfsRoot` defaults to $WASMQTT_SYSFS_ROOT or /sys. */
export function listProbes(sysfsRoot: string = process.env.WASMQTT_SYSFS_ROOT ?? '/sys'): ProbeScan {
  const devices = join(sysfsRoot, 'bus', 'usb', 'devices');
  if (!existsSync(devices)) return { usbVisible: false, probes: [] };
  const probes: Probe[] = [];
  for (const entry of readdirSync(devices).sort()) {
    const dir = join(devices, entry);
    const vid = readAttr(dir, 'idVendor')?.toLowerCase();
    const pid = readAttr(dir, 'idProduct')?.toLowerCase();
    if (vid !== ST_VENDOR_ID || !pid || !(pid in STLINK_PRODUCTS)) continue;
    const bus = readAttr(dir, 'busnum');
    const dev = readAttr(dir, 'devnum');
    probes.push({
      kind: STLINK_PRODUCTS[pid]!,
      vendorId: vid,
      productId: pid,
      serial: readAttr(dir, 'serial') ?? '',
      usbPath: entry,
      devNode: bus && dev ? `/dev/bus/usb/${bus.padStart(3, '0')}/${dev.padStart(3, '0')}` : undefined,
    });
  }
  return { usbVisible: true, probes };
}

export function formatProbe(p: Probe, index: number): string {
  return `[${index}] ${p.kind} (${p.vendorId}:${p.productId}) serial ${p.serial || '(none)'} at usb ${p.usbPath}`;
}

/** The setup hints shown whenever no probe can be reached. */
export function noProbeHints(board = "<name>"): string[] {
  return [
    'check that the ST-Link is plugged in (a charge-only USB cable shows nothing)',
    'Linux permissions: sudo cp /usr/share/openocd/contrib/60-openocd.rules /etc/udev/rules.d/ && sudo udevadm ' +
      'control --reload && sudo udevadm trigger, then replug the probe (and be in the plugdev group)',
    'in a container or VM, pass the USB device through (e.g. docker run --device /dev/bus/usb)',
    `no hardware? run the same firmware on the virtual board: wasmqtt sim --board ${board}`,
  ];
}
