// A LAN with a real DHCP server for the W5500 model: Debian's dnsmasq in a network namespace this
// helper creates, reached over a veth pair whose other end stays in this process's namespace.
//
//   this process (model's UDP socket, 0.0.0.0:<clientPort>)  ── veth ──  netns: dnsmasq on <ns veth>:67
//   host end: <subnet>.10/24 = the one address in the pool     ns end: <subnet>.2/24
//
// The device's broadcasts (255.255.255.255:67) are mapped by the model's address map to the
// server's unicast address, so nothing is ever broadcast here; dnsmasq's broadcast replies go out
// of the namespace's veth only, to its client port (--dhcp-alternate-port=67,<clientPort>), which
// the model's socket for device port 68 binds (AddressMap.bindUdp). The pool is the host end's
// own address, so dnsmasq's unicast replies (to ciaddr when renewing) reach this process too.
// Needs root (ip netns, veth): a rig that cannot be built throws saying why (tests fail, never skip).
// Used by test/w5500/dhcp.test.ts (through test/helpers/dhcp-rig.ts) and the hil dhcp scenarios.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../broker/mosquitto.ts';
import type { AddressMap } from './address-map.ts';

export interface DhcpRigOptions {
  /** Lease time in seconds (dnsmasq's minimum is 120). Default 120. */
  leaseS?: number;
  /** T1 / T2 in seconds (options 58/59); default dnsmasq's (lease/2, 7/8 lease). */
  t1S?: number;
  t2S?: number;
}

export interface DhcpRig {
  /** The address dnsmasq leases (the host end of the veth), the server's address, router and DNS it hands out. */
  readonly leaseIp: string;
  readonly serverIp: string;
  readonly routerIp: string;
  readonly dnsIp: string;
  /** dnsmasq's log lines about DHCP (DHCPDISCOVER, DHCPOFFER, DHCPREQUEST, DHCPACK, DHCPNAK ...), in order. */
  readonly log: string[];
  /** Adds the DHCP routes to a model's address map (device 255.255.255.255:67 and <server>:67, port 68's binding). */
  route(map: AddressMap): void;
  /** Kills dnsmasq (the server is gone; its lease file stays). */
  stop(): Promise<void>;
  /**
   * Starts dnsmasq again with the same lease file, optionally leasing `poolIp` instead (then the old address gets NAK).
   */
  start(poolIp?: string): Promise<void>;
  /** dnsmasq stopped, namespace and veth deleted. */
  close(): Promise<void>;
}

let rigCount = 0;

function run(cmd: string[], what: string): string {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr || r.stdout).trim();
    throw new Error(
      `DHCP test rig: ${what} failed (${cmd.join(' ')}): ${why}. The rig needs root (ip netns add, veth pairs) and ` +
      `iproute2.`);
  }
  return r.stdout;
}

/**
 * A /24 in 10.213.0.0/16 that no interface or route of this machine uses, claimed with a lock file
 * (rigs of test files running at once must never share one: replies would take the wrong veth).
 * A lock whose process is gone is taken over. Returns the subnet and the lock's release.
 */
function claimSubnet(): { net: string; release: () => void } {
  const used = run(['ip', '-4', '-o', 'addr'], 'listing addresses') + run(['ip', '-4', 'route'], 'listing routes');
  for (let i = 0; i < 250; i++) {
    const third = (process.pid * 7 + rigCount * 13 + i * 29) % 250 + 1;
    const net = `10.213.${third}`;
    if (used.includes(`${net}.`)) continue;
    const lock = join(tmpdir(), `wq-dhcp-rig-${third}.lock`);
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
    } catch {
      const owner = Number(readFileSync(lock, 'utf8'));
      if (owner && owner !== process.pid && alive(owner)) continue;
      writeFileSync(lock, String(process.pid));
    }
    return { net, release: () => rmSync(lock, { force: true }) };
  }
  throw new Error('DHCP test rig: no free /24 in 10.213.0.0/16 (every candidate is in use or claimed on this machine)');
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

export async function startDhcpRig(opts: DhcpRigOptions = {}): Promise<DhcpRig> {
  const n = rigCount++;
  const tag = `${process.pid.toString(36)}${n.toString(36)}`.slice(-7);
  const ns = `wqdhcp-${tag}`;
  const hostIf = `wqh${tag}`;
  const nsIf = `wqn${tag}`;
  const { net, release } = claimSubnet();
  const leaseIp = `${net}.10`, serverIp = `${net}.2`, routerIp = `${net}.1`, dnsIp = `${net}.2`;
  const clientPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'wq-dhcp-'));
  const leaseFile = join(dir, 'leases');
  const cleanupNet = () => {
    spawnSync('ip', ['netns', 'del', ns]);
    spawnSync('ip', ['link', 'del', hostIf]);
    release();
  };
  try {
    run(['ip', 'netns', 'add', ns], 'creating the network namespace');
    run(['ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf], 'creating the veth pair');
    run(['ip', 'link', 'set', nsIf, 'netns', ns], 'moving one veth end into the namespace');
    run(['ip', 'addr', 'add', `${leaseIp}/24`, 'dev', hostIf], 'addressing the host end');
    run(['ip', 'link', 'set', hostIf, 'up'], 'bringing the host end up');
    run(
      ['ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', `${serverIp}/24`, 'dev', nsIf], 'addressing the namespace end');
    run(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up'], 'bringing the namespace end up');
    run(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up'], 'bringing the namespace loopback up');
  } catch (e) {
    cleanupNet();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  const log: string[] = [];
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async (poolIp = leaseIp): Promise<void> => {
    const lease = `${opts.leaseS ?? 120}`;
    const args = [
      'netns', 'exec', ns, 'dnsmasq',
      '--keep-in-foreground', '--log-facility=-', '--log-dhcp', '--conf-file=/dev/null', '--no-resolv', '--no-hosts',
      '--no-poll', '--pid-file=', '--user=root', '--port=0', `--interface=${nsIf}`, '--bind-interfaces',
      `--dhcp-range=${poolIp},${poolIp},255.255.255.0,${lease}`, `--dhcp-alternate-port=67,${clientPort}`,
      `--dhcp-leasefile=${leaseFile}`, '--no-ping', '--dhcp-authoritative',
      `--dhcp-option=option:router,${routerIp}`, `--dhcp-option=option:dns-server,${dnsIp}`,
      ...(opts.t1S ? [`--dhcp-option=option:T1,${opts.t1S}`] : []),
      ...(opts.t2S ? [`--dhcp-option=option:T2,${opts.t2S}`] : []),
    ];
    const p = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = p;
    let stderr = '';
    let ready!: () => void;
    const up = new Promise<void>((r) => { ready = r; });
    p.once('error', (e) => { stderr += e.message; });
    p.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString();
      for (const line of b.toString().split('\n')) {
        if (process.env.WQ_DHCP_RIG_DEBUG) process.stderr.write(`[dnsmasq ${ns}] ${line}\n`);
        if (/DHCP, IP range/.test(line)) ready();
        if (/DHCP(DISCOVER|OFFER|REQUEST|ACK|NAK|DECLINE|RELEASE|INFORM)/.test(line)) log.push(
          line.replace(/^dnsmasq-dhcp(\[\d+\])?: (\d+ )?/, ''));
      }
    });
    exited = new Promise<void>((r) => p.once('exit', () => r()));
    const gone = exited.then(
      () => { throw new Error(`DHCP test rig: dnsmasq did not start in ${ns}: ${stderr.trim() || 'it exited'}`); });
    const late = new Promise<never>((_, rej) => setTimeout(() => rej(new Error(
      `DHCP test rig: dnsmasq in ${ns} logged no "DHCP, IP range" line within 5 s: ${stderr.trim()}`)), 5000).unref());
    await Promise.race([up, gone, late]);
  };
  const stop = async (): Promise<void> => {
    if (proc && proc.exitCode === null && proc.signalCode === null) { proc.kill('SIGTERM'); await exited; }
  };

  try {
    await start();
  } catch (e) {
    await stop();
    cleanupNet();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  return {
    leaseIp, serverIp, routerIp, dnsIp, log,
    route(map: AddressMap) {
      // (the server's own route first: replies from it map back to <server>:67, its server identifier)
      map.add(`${serverIp}:67`, `${serverIp}:67`);
      map.add('255.255.255.255:67', `${serverIp}:67`);
      map.bindUdp(68, `0.0.0.0:${clientPort}`);
    },
    stop,
    start,
    async close() {
      await stop();
      cleanupNet();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
