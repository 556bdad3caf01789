// Maps device-side IPv4 endpoints (what firmware writes into Sn_DIPR/Sn_DPORT) to real host
// endpoints, e.g. 192.168.1.10:1883 → 127.0.0.1:<mosquitto port>. An endpoint missing from the
// map behaves as an unreachable host on the device's network (no ARP reply → ARPTO).

export interface HostEndpoint { host: string; port: number }

export class AddressMap {
  private readonly routes = new Map<string, HostEndpoint>();

  /**
   * Add a route. `device` is "a.b.c.d:port", "a.b.c.d:*" (any port, same port on the host when
   * the target port is 0) or "*:*" (any address: a host with a single upstream, e.g. the POSIX
   * firmware build, whose old TCP seam sent every connect to one host).
   */
  add(device: string, target: HostEndpoint | string): this {
    const m = /^(\d+\.\d+\.\d+\.\d+|\*):(\d+|\*)$/.exec(device);
    if (!m || (m[1] !== '*' && !isIpv4(m[1]!)) || (m[1] === '*' && m[2] !== '*')) {
      throw new Error(
        `address map: "${device}" is not a device endpoint; write it as 192.168.1.10:1883, 192.168.1.10:* or *:*`);
    }
    const t = typeof target === 'string' ? parseHostEndpoint(target) : target;
    if (!Number.isInteger(t.port) || t.port < 0 || t.port > 65535) {
      throw new Error(`address map: port ${t.port} for "${device}" is not 0..65535`);
    }
    this.routes.set(`${m[1]}:${m[2]}`, t);
    return this;
  }

  private readonly udpBinds = new Map<number, HostEndpoint>();

  /**
   * A device UDP port whose socket is a host socket bound to `host` (e.g. DHCP's client port 68
   * → 0.0.0.0:<the DHCP server's client port>, so the socket hears the server's broadcast
   * replies on a veth the test made). Without one, a UDP socket binds 127.0.0.1 and a free port.
   */
  bindUdp(devicePort: number, host: HostEndpoint | string): this {
    if (!Number.isInteger(devicePort) || devicePort < 1 || devicePort > 65535) {
      throw new Error(`address map: UDP port ${devicePort} is not 1..65535`);
    }
    this.udpBinds.set(devicePort, typeof host === 'string' ? parseHostEndpoint(host) : host);
    return this;
  }

  /** The host endpoint a device UDP port binds, if bindUdp() gave one. */
  udpBinding(devicePort: number): HostEndpoint | undefined { return this.udpBinds.get(devicePort); }

  /** Where a device endpoint goes, or undefined when it is unreachable. Port 0 in a `*` route means "same port". */
  resolve(ip: Uint8Array | string, port: number): HostEndpoint | undefined {
    const ipStr = typeof ip === 'string' ? ip : Array.from(ip.subarray(0, 4)).join('.');
    const exact = this.routes.get(`${ipStr}:${port}`);
    if (exact) return exact;
    const any = this.routes.get(`${ipStr}:*`);
    if (any) return { host: any.host, port: any.port === 0 ? port : any.port };
    const all = this.routes.get('*:*');
    if (all) return { host: all.host, port: all.port === 0 ? port : all.port };
    return undefined;
  }

  /** The device endpoint that maps to a host endpoint (for the source of inbound UDP), if any. */
  reverse(host: string, port: number): { ip: number[]; port: number } | undefined {
    for (const [dev, t] of this.routes) {
      if (dev.startsWith('*')) continue; // no single device address to report
      if (t.host === host && t.port === port) {
        const [ip, p] = dev.split(':');
        return { ip: ip!.split('.').map(Number), port: p === '*' ? port : Number(p) };
      }
    }
    return undefined;
  }
}

function isIpv4(s: string): boolean {
  return s.split('.').every((x) => Number(x) >= 0 && Number(x) <= 255);
}

function parseHostEndpoint(s: string): HostEndpoint {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port)) {
    throw new Error(`address map: "${s}" is not a host endpoint; write it as 127.0.0.1:1883`);
  }
  return { host: s.slice(0, i), port };
}
