// Debian's dnsmasq as the LAN's DNS server for tests and hil scenarios: real, independent server
// software on a loopback address and a free UDP port (never a real interface), answering A
// records for the names it is given and NXDOMAIN for any other name in their domain. The W5500
// model reaches it through its address map (device DNS server :53 → 127.0.0.1:<port>).
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { freePort } from '../../broker/mosquitto.ts';

export interface DnsmasqOptions {
  /** name → IPv4 answered (A records). */
  hosts: Record<string, string>;
  /**
   * Domain dnsmasq is authoritative for (unknown names there: NXDOMAIN, never forwarded). Default: the first host's
   * parent domain.
   */
  domain?: string;
  /** TTL of the answers in seconds (default 60). */
  ttl?: number;
}

export interface Dnsmasq {
  readonly port: number;
  /** Every query dnsmasq logged ("query[A] name from 127.0.0.1"), in order. */
  readonly queries: string[];
  /** Stop answering (the process ends; the port then refuses with ICMP unreachable). */
  stop(): Promise<void>;
}

/** Starts dnsmasq as a DNS-only server on 127.0.0.1:<free port>; resolves once it answers. */
export async function startDnsmasq(opts: DnsmasqOptions): Promise<Dnsmasq> {
  const port = await freePort();
  const names = Object.keys(opts.hosts);
  const domain = opts.domain ?? names[0]?.split('.').slice(1).join('.');
  const args = [
    '--keep-in-foreground', '--log-facility=-', '--log-queries', '--conf-file=/dev/null', '--no-resolv', '--no-hosts',
    '--no-poll', '--pid-file=', '--user=root', '--bind-interfaces', '--listen-address=127.0.0.1', `--port=${port}`,
    `--local-ttl=${opts.ttl ?? 60}`,
    ...(domain ? [`--local=/${domain}/`] : []),
    ...Object.entries(opts.hosts).map(([n, ip]) => `--host-record=${n},${ip}`),
  ];
  const proc: ChildProcess = spawn('dnsmasq', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const queries: string[] = [];
  let stderr = '';
  proc.once('error', (e: NodeJS.ErrnoException) => {
    stderr += e.code === 'ENOENT' ? 'dnsmasq not found: install Debian\'s dnsmasq-base (make deps does)' : e.message;
  });
  proc.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
    for (const line of b.toString().split('\n')) if (/query\[/.test(line)) queries.push(line.replace(/^dnsmasq: /, ''));
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  await waitAnswering(port, proc, () => stderr);
  queries.length = 0; // (the readiness probe's)
  return {
    port,
    queries,
    async stop() { if (proc.exitCode === null) { proc.kill('SIGTERM'); await exited; } },
  };
}

/** Sends a query for "." until dnsmasq answers anything (it is up), or fails with its stderr. */
async function waitAnswering(port: number, proc: ChildProcess, stderr: () => string): Promise<void> {
  const sock = createSocket('udp4');
  try {
    const q = Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
    for (let i = 0; i < 100; i++) {
      if (proc.exitCode !== null || proc.signalCode !== null || /not found/.test(stderr())) {
        throw new Error(`dnsmasq did not start: ${stderr().trim() || `exit ${proc.exitCode ?? proc.signalCode}`}`);
      }
      const got = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => { sock.removeAllListeners('message'); resolve(false); }, 50);
        sock.once('message', () => { clearTimeout(t); resolve(true); });
        sock.send(q, port, '127.0.0.1');
      });
      if (got) return;
    }
    throw new Error(`dnsmasq did not answer on 127.0.0.1:${port} within 5 s: ${stderr().trim()}`);
  } finally {
    sock.close();
  }
}
