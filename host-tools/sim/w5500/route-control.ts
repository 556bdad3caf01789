// Routes added to a running model's address map from another process: `wasmqtt sim` serves this
// next to its bench control socket, and the HIL runner sends the routes its LAN scenarios need
// (a DNS server, a DHCP rig's segment, the broker behind them). One line per route:
//   route DEVICE_IP:PORT HOST:PORT   |   bind-udp DEVICE_PORT HOST:PORT   →   "ok" or "err <why>"
import { createConnection, createServer, type Server } from 'node:net';
import { rmSync } from 'node:fs';
import type { AddressMap } from './address-map.ts';

/** The route socket of a virtual board whose bench control socket is `controlPath` (<pid>.ctl → <pid>.routes). */
export function routeControlPath(controlPath: string): string {
  return controlPath.replace(/\.ctl$/, '') + '.routes';
}

/** Serves route lines for `map` on the Unix socket `path` (a stale socket file is replaced). */
export async function serveRouteControl(path: string, map: AddressMap): Promise<{ close(): Promise<void> }> {
  rmSync(path, { force: true });
  const server: Server = createServer((sock) => {
    let buf = '';
    sock.on('error', () => { /* the client went away */ });
    sock.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        const [verb, dev, host, ...extra] = line.split(/\s+/);
        try {
          if (extra.length || !dev || !host) throw new Error(
            `expected "route DEVICE_IP:PORT HOST:PORT" or "bind-udp PORT HOST:PORT", got "${line}"`);
          if (verb === 'route') map.add(dev, host);
          else if (verb === 'bind-udp') map.bindUdp(Number(dev), host);
          else throw new Error(`unknown route command "${verb}"; one of: route, bind-udp`);
          sock.write('ok\n');
        } catch (e) {
          sock.write(`err ${(e as Error).message}\n`);
        }
      }
    });
  });
  return await new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`cannot listen on ${path} for route control: ${e.message}`)));
    server.listen(path, () => resolve({
      close: () => new Promise<void>((r) => server.close(() => { rmSync(path, { force: true }); r(); })),
    }));
  });
}

/** Sends route lines to a running board; resolves once each was answered "ok", rejects with the first error. */
export function sendRoutes(path: string, lines: string[], timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    let reply = '';
    let answered = 0;
    const timer = setTimeout(() => { sock.destroy();
      reject(new Error(`virtual board's route control ${path} did not answer within ${timeoutMs} ms`)); }, timeoutMs);
    const done = (err?: Error) => { clearTimeout(timer); sock.end(); if (err) reject(err); else resolve(); };
    sock.on('error', (e) => done(new Error(
      `cannot reach the virtual board's route control ${path} (${e.message}); is wasmqtt sim still running?`)));
    sock.on('data', (d: Buffer) => {
      reply += d.toString('utf8');
      for (let nl = reply.indexOf('\n'); nl >= 0; nl = reply.indexOf('\n')) {
        const line = reply.slice(0, nl);
        reply = reply.slice(nl + 1);
        if (line !== 'ok') return done(new Error(`virtual board: ${lines[answered]}: ${line.replace(/^err /, '')}`));
        if (++answered === lines.length) return done();
      }
    });
    if (lines.length === 0) return done();
    sock.write(lines.map((l) => `${l}\n`).join(''));
  });
}

/** An address map that only writes down what is added to it, as route lines (for a caller such as DhcpRig.route). */
export function routeRecorder(): { map: AddressMap; lines: string[] } {
  const lines: string[] = [];
  const endpoint = (t: string | { host: string; port: number }) => (typeof t === 'string' ? t : `${t.host}:${t.port}`);
  const map = {
    add(device: string, target: string | { host: string; port: number }) { lines.push(
      `route ${device} ${endpoint(target)}`); return map; },
    bindUdp(port: number,
      host: string | { host: string; port: number }) { lines.push(`bind-udp ${port} ${endpoint(host)}`); return map; },
  };
  return { map: map as unknown as AddressMap, lines };
}
