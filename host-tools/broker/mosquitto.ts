// Starts a real Mosquitto (Debian's) on a free loopback port, and stops or restarts it.
// The one launcher: tests, benchmarks and `wasmqtt hil` all use it, so a failure names the
// broker's log the same way everywhere.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../config/load.ts';

export interface Mosquitto {
  host: string;
  port: number;
  url: string;
  /** Stops the broker (SIGTERM, then SIGKILL) and removes its temp dir. */
  stop(): Promise<void>;
  /** Stops and starts it again on the same port, keeping its persistence file. */
  restart(): Promise<void>;
  /** The broker's log so far (for failure messages). */
  log(): string;
}

export interface MosquittoOptions {
  /** Extra lines for mosquitto.conf (e.g. `max_inflight_messages 0`). */
  extraConfig?: string[];
  /** Keep retained messages and sessions across restart(). */
  persistence?: boolean;
}

/** A loopback TCP port that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
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

const MOSQUITTO_BIN = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  if (!existsSync(MOSQUITTO_BIN)) {
    throw new UserError(
      `Mosquitto not found at ${MOSQUITTO_BIN}\n  install it: apt-get install -y mosquitto  (or run \`make deps\`)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-mosq-'));
  // Started as root, Mosquitto drops to the `mosquitto` user: it must still be able to write
  // its log and persistence file here, or a restart silently loses every session.
  chmodSync(dir, 0o777);
  const port = await freePort();
  const logFile = join(dir, 'mosquitto.log');
  const conf = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    `log_dest file ${logFile}`,
    'log_type error', 'log_type warning', 'log_type notice', 'log_type information',
    `persistence ${opts.persistence ? 'true' : 'false'}`,
    `persistence_location ${dir}/`,
    ...(opts.extraConfig ?? []),
  ].join('\n') + '\n';
  writeFileSync(join(dir, 'mosquitto.conf'), conf);

  let proc: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    proc = spawn(MOSQUITTO_BIN, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    let exited = false;
    proc.once('exit', () => { exited = true; });
    proc.once('error', () => { exited = true; });
    for (let i = 0; i < 200; i++) {
      if (exited) break;
      if (await canConnect(port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new UserError(
      `mosquitto did not start on ` +
      `127.0.0.1:${port} (is Debian's mosquitto installed? run \`make deps\`)\n${readLog()}`);
  };
  const readLog = (): string => { try { return readFileSync(logFile, 'utf8'); } catch { return ''; } };
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
    host: '127.0.0.1',
    port,
    url: `mqtt://127.0.0.1:${port}`,
    async stop() { await kill(); rmSync(dir, { recursive: true, force: true }); },
    async restart() { await kill(); await launch(); },
    log: readLog,
  };
}
