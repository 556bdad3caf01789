// Brokers the HIL runner can use: a Mosquitto it starts itself (so it can restart it with
// persistence), any broker by URL, and a scripted hostile broker for refusal and
// malformed-packet scenarios.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../config/load.ts';

export interface BrokerHandle {
  url: string;
  description: string;
  /** Present when the runner controls the broker process. */
  restart?: () => Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** Starts Debian's Mosquitto on a free loopback port with persistence (for broker restarts). */
export async function startManagedMosquitto(bin = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto'): Promise<BrokerHandle> {
  if (!existsSync(bin)) throw new UserError(`Mosquitto not found at ${bin}\n  install it: sudo apt-get install -y mosquitto   (or pass --broker mqtt://HOST:PORT)`);
  const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-hil-mosq-'));
  const port = await freePort();
  const log = join(dir, 'mosquitto.log');
  writeFileSync(join(dir, 'mosquitto.conf'), [
    `listener ${port} 127.0.0.1`, 'allow_anonymous true', `log_dest file ${log}`,
    'persistence true', `persistence_location ${dir}/`, 'autosave_interval 1', 'max_inflight_messages 0', '',
  ].join('\n'));
  let proc: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    proc = spawn(bin, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    let exited = false;
    proc.once('exit', () => { exited = true; });
    for (let i = 0; i < 200 && !exited; i++) {
      if (await canConnect(port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    let text = '';
    try { text = readFileSync(log, 'utf8'); } catch { /* no log yet */ }
    throw new UserError(`Mosquitto did not start on 127.0.0.1:${port}\n${text}`);
  };
  const kill = async (): Promise<void> => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => p.kill('SIGKILL'), 3000);
      p.once('exit', () => { clearTimeout(t); resolve(); });
      p.kill('SIGTERM'); // Mosquitto saves its persistence file on SIGTERM
    });
  };
  await launch();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    description: `Mosquitto (started by the runner, 127.0.0.1:${port}, persistence on)`,
    restart: async () => { await kill(); await launch(); },
    stop: async () => { await kill(); rmSync(dir, { recursive: true, force: true }); },
  };
}

export function externalBroker(url: string): BrokerHandle {
  if (!/^mqtts?:\/\/[^/]+$/.test(url)) throw new UserError(`--broker ${url} is not a broker URL; use mqtt://HOST:PORT`);
  return { url, description: url, stop: async () => {} };
}

export interface HostileOptions {
  /** CONNACK return code to answer CONNECT with (0 accepts). */
  connackCode: number;
  /** Bytes sent right after an accepting CONNACK (a malformed packet). */
  afterConnack?: Buffer;
}

/**
 * A scripted broker on loopback: answers CONNECT with the configured CONNACK and, if asked,
 * sends malformed bytes. Records whether the device closed the connection itself.
 */
export class HostileBroker {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  connections = 0;
  closedByDevice = 0;
  port = 0;

  constructor(private readonly opts: HostileOptions) {}

  async start(): Promise<void> {
    this.server = createServer((sock) => {
      this.connections++;
      this.sockets.add(sock);
      let answered = false;
      let weClosed = false;
      let counted = false;
      const deviceClosed = (): void => { if (!weClosed && !counted) { counted = true; this.closedByDevice++; } };
      sock.on('data', (d) => {
        // The first byte 0x10 is CONNECT; the rest of the packet does not matter here.
        if (answered || d[0] !== 0x10) return;
        answered = true;
        sock.write(Buffer.from([0x20, 0x02, 0x00, this.opts.connackCode]));
        if (this.opts.connackCode !== 0) { weClosed = true; sock.end(); return; }
        if (this.opts.afterConnack) sock.write(this.opts.afterConnack);
      });
      sock.on('end', () => { deviceClosed(); sock.end(); });
      sock.on('error', deviceClosed);
      sock.on('close', () => this.sockets.delete(sock));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    const a = this.server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
