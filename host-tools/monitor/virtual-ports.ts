// How a running virtual board tells the monitor and the HIL runner where its UART is: it
// writes <dir>/<pid>.json = {"path": "/dev/pts/N", "board": "bluepill", "pid": N, "control": SOCKET}
// while it runs and removes it on exit. Entries of dead processes are ignored (and cleaned up).
// `control` is the board's power/link control socket (host-tools/sim/board/control.ts).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface VirtualPort {
  path: string;
  board: string;
  pid: number;
  /** Unix socket taking "power off|on" and "link down|up" (absent: no bench controls). */
  control?: string;
}

export function virtualPortsDir(): string {
  return process.env.WASMQTT_VPORT_DIR ?? join(tmpdir(), 'wasmqtt-vports');
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** For the virtual board: advertise its UART pty; returns a function that withdraws it. */
export function advertiseVirtualPort(
    path: string, board: string, dir = virtualPortsDir(), pid = process.pid, control?: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${pid}.json`);
  writeFileSync(file, JSON.stringify({ path, board, pid, control } satisfies VirtualPort));
  return () => rmSync(file, { force: true });
}

export function listVirtualPorts(dir = virtualPortsDir()): VirtualPort[] {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  const out: VirtualPort[] = [];
  for (const n of names.filter((f) => f.endsWith('.json'))) {
    try {
      const v = JSON.parse(readFileSync(join(dir, n), 'utf8')) as VirtualPort;
      if (typeof v.path === 'string' && typeof v.pid === 'number' && alive(v.pid)) out.push(v);
      else rmSync(join(dir, n), { force: true });
    } catch { /* a half-written file: skip it this time */ }
  }
  return out;
}
