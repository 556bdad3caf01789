// The virtual board's bench controls for other processes: what a USB relay and a managed switch
// port are for a real board. `wasmqtt sim` listens on a Unix socket (advertised next to its pty,
// host-tools/monitor/virtual-ports.ts) and the HIL runner sends one line per action:
//   power off | power on | link down | link up   →   "ok" or "err <what went wrong>"
import { createConnection, createServer, type Server } from 'node:net';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

export type BoardAction = 'power off' | 'power on' | 'link down' | 'link up';
export const BOARD_ACTIONS: readonly BoardAction[] = ['power off', 'power on', 'link down', 'link up'];

export type BoardActionHandler = (action: BoardAction) => void | Promise<void>;

/** Serves `handler` on the Unix socket `path` (replacing a stale socket file). Close it with `close()`. */
export async function serveBoardControl(
  path: string, handler: BoardActionHandler,
): Promise<{ close(): Promise<void> }> {
  try {
    mkdirSync(dirname(path), { recursive: true });
    rmSync(path, { force: true });
  } catch (e) {
    throw new Error(`cannot make the board control socket ${path} (${(e as Error).message}); ` +
      'set WASMQTT_VPORT_DIR to a writable directory', { cause: e });
  }
  const server: Server = createServer((sock) => {
    let buf = '';
    // Actions run one after another, in the order they arrive.
    let chain = Promise.resolve();
    sock.on('error', () => { /* the client went away; nothing to answer */ });
    sock.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        chain = chain.then(async () => {
          const action = BOARD_ACTIONS.find((a) => a === line);
          if (!action) { sock.write(`err unknown action "${line}"; one of: ${BOARD_ACTIONS.join(', ')}\n`); return; }
          try { await handler(action); sock.write('ok\n'); } catch (e) { sock.write(`err ${(e as Error).message}\n`); }
        });
      }
    });
  });
  return await new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`cannot listen on ${path} for board control: ${e.message}`)));
    server.listen(path, () => resolve({
      close: () => new Promise<void>((r) => server.close(() => { rmSync(path, { force: true }); r(); })),
    }));
  });
}

/** Sends one action to a running virtual board; resolves on "ok", rejects with its error text otherwise. */
export function sendBoardAction(path: string, action: BoardAction, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    let reply = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`virtual board on ${path} did not answer "${action}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (err?: Error) => { clearTimeout(timer); sock.end(); if (err) reject(err); else resolve(); };
    sock.on('error', (e) => done(new Error(
      `cannot reach the virtual board's control socket ${path} (${e.message}); is wasmqtt sim still running?`)));
    sock.on('data', (d: Buffer) => {
      reply += d.toString('utf8');
      const nl = reply.indexOf('\n');
      if (nl < 0) return;
      const line = reply.slice(0, nl);
      done(line === 'ok' ? undefined : new Error(`virtual board: ${action}: ${line.replace(/^err /, '')}`));
    });
    sock.write(`${action}\n`);
  });
}
