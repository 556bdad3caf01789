// Console transport over a serial port: a real board's UART (ST-Link VCP or USB-UART) or the
// virtual board's pty. Power and link control on real hardware come from user commands (a
// USB relay, a managed switch port), with {state} replaced by on/off.
import { spawn } from 'node:child_process';
import type { SerialPort } from 'serialport';
import { UserError } from '../config/load.ts';
import { openSerialPort } from '../monitor/open-port.ts';
import { existsSync } from 'node:fs';
import { sendBoardAction } from '../sim/board/control.ts';
import { routeControlPath } from '../sim/w5500/route-control.ts';
import { RemoteLanRoutes, type LanRouting } from './lan-routes.ts';
import type { ConsoleTransport } from './console-device.ts';

export interface SerialTransportOptions {
  path: string;
  baud?: number;
  description?: string;
  /** Shell command that switches the board's power; {state} is on or off. */
  relayCommand?: string;
  /** Shell command that switches the board's Ethernet link; {state} is up or down. */
  linkCommand?: string;
  /** The device reaches this machine's loopback (the virtual board's W5500 model uses host sockets). */
  allowLoopback?: boolean;
  /** A virtual board's control socket: power and link control when no command above is given. */
  control?: string;
}

function runHook(template: string, state: string): Promise<void> {
  const cmd = template.replaceAll('{state}', state);
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.once('error', (e) => reject(new Error(`hook "${cmd}" could not run: ${e.message}`)));
    child.once('exit',
      (code) => (code === 0 ? resolve() : reject(new Error(`hook "${cmd}" exited with ${code}: ${err.trim()}`))));
  });
}

export class SerialTransport implements ConsoleTransport {
  readonly description: string;
  readonly powerOff?: () => Promise<void>;
  readonly powerOn?: () => Promise<void>;
  readonly linkDown?: () => Promise<void>;
  readonly linkUp?: () => Promise<void>;

  readonly reachesRunnerLoopback: boolean;
  /** A virtual board (wasmqtt sim) running the LAN image: its routes through its route socket. */
  lan: LanRouting | undefined;
  private broker = { ip: '127.0.0.1', port: 1883 };

  private constructor(private readonly port: SerialPort, o: SerialTransportOptions) {
    this.reachesRunnerLoopback = o.allowLoopback ?? false;
    this.description = o.description ?? `board on ${o.path}`;
    if (o.relayCommand) {
      const cmd = o.relayCommand;
      this.powerOff = () => runHook(cmd, 'off');
      this.powerOn = () => runHook(cmd, 'on');
    } else if (o.control) {
      const ctl = o.control;
      this.powerOff = () => sendBoardAction(ctl, 'power off');
      this.powerOn = () => sendBoardAction(ctl, 'power on');
    }
    if (o.linkCommand) {
      const cmd = o.linkCommand;
      this.linkDown = () => runHook(cmd, 'down');
      this.linkUp = () => runHook(cmd, 'up');
    } else if (o.control) {
      const ctl = o.control;
      this.linkDown = () => sendBoardAction(ctl, 'link down');
      this.linkUp = () => sendBoardAction(ctl, 'link up');
    }
  }

  static async open(o: SerialTransportOptions): Promise<SerialTransport> {
    const t = new SerialTransport(await openSerialPort(o.path, o.baud ?? 115200), o);
    const routes = o.control ? routeControlPath(o.control) : undefined;
    if (routes && existsSync(routes) && await t.runsLanImage()) t.lan = new RemoteLanRoutes(routes, () => t.broker);
    return t;
  }

  /** Asks `status` before anyone else reads the port: the LAN image's line has dhcp= (docs/console.md). */
  runsLanImage(ms = 3000): Promise<boolean> {
    return new Promise((resolve) => {
      let seen = '';
      const finish = (lan: boolean): void => { clearTimeout(timer); this.port.off('data', on); resolve(lan); };
      const on = (d: Buffer): void => {
        seen += d.toString('latin1');
        const line = /^ok status [^\r\n]*\r?\n/m.exec(seen); // (a whole line: it may come in pieces)
        if (line) finish(/ dhcp=/.test(line[0]));
      };
      const timer = setTimeout(() => finish(false), ms);
      this.port.on('data', on);
      this.port.write('status\r\n');
    });
  }

  write(text: string): void {
    this.port.write(text);
  }

  onData(fn: (chunk: Buffer) => void): void {
    this.port.on('data', fn);
  }

  /** A board cannot reach this machine's loopback: it needs a LAN address, or a host name its LAN's DNS
   * server knows (a LAN image resolves it; an image without a DNS client answers bad-ip, which the
   * console adapter reports). */
  async brokerAddress(url: string): Promise<{ ip: string; port: number }> {
    const u = new URL(url);
    if (u.hostname.startsWith('127.') && !this.reachesRunnerLoopback) {
      throw new UserError(
        `the board cannot reach ${u.hostname} (this machine's loopback); pass --broker mqtt://<this machine's LAN ` +
        `address>:1883`);
    }
    this.broker = { ip: u.hostname, port: Number(u.port || 1883) };
    return { ip: u.hostname, port: Number(u.port || 1883) };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.port.isOpen ? this.port.close(() => resolve()) : resolve()));
  }
}
