// The LAN a console device sees in the HIL runner when the runner owns its W5500 model (NodeDevice
// over its UART, or a virtual board the runner booted itself): the broker at 192.168.1.10:1883
// (a LinkRelay the runner points at each scenario's broker), its gateway 192.168.1.1 as the DNS
// server (port 53 → the scenario's dnsmasq), or a DHCP rig's segment (dnsmasq in a network
// namespace) with the broker at the rig's router address. Kept so a device booted again (power on:
// a new model) gets the same routes.
import type { AddressMap } from '../sim/w5500/address-map.ts';
import type { DhcpRig } from '../sim/w5500/dhcp-rig.ts';
import { routeRecorder, sendRoutes } from '../sim/w5500/route-control.ts';
import type { LinkRelay } from './link-relay.ts';

/** Where the device believes the broker is (routed to the relay), and its gateway (the DNS server it asks). */
export const LAN_BROKER = { ip: '192.168.1.10', port: 1883 };
export const LAN_DNS = '192.168.1.1:53';

/** What a console transport with LAN routing offers the console adapter (hil/console-device.ts). */
export interface LanRouting {
  /** The device's DNS server (its gateway, 192.168.1.1, UDP 53) leads to `server` (host:port on this machine). */
  routeDns(server: string): Promise<void>;
  /**
   * Puts the device on `rig`'s segment (DHCP to its dnsmasq); returns the broker's address there (the rig's router).
   */
  routeDhcp(rig: DhcpRig): Promise<string>;
}

export class LanRoutes implements LanRouting {
  /** The routes by what they are for (a later DNS server or DHCP rig replaces the earlier one). */
  private readonly steps = new Map<'broker' | 'dns' | 'dhcp', (map: AddressMap) => void>();
  private current: AddressMap | undefined;

  constructor(private readonly relay: LinkRelay) {
    this.steps.set(
      'broker', (map) => { map.add(`${LAN_BROKER.ip}:${LAN_BROKER.port}`, `127.0.0.1:${this.relay.port}`); });
  }

  /** A (new) model's address map: every route so far, and later ones as they come. The relay must be listening. */
  attach(map: AddressMap): void {
    this.current = map;
    for (const s of this.steps.values()) s(map);
  }

  private set(what: 'dns' | 'dhcp', step: (map: AddressMap) => void): void {
    this.steps.set(what, step);
    if (this.current) step(this.current);
  }

  async routeDns(server: string): Promise<void> {
    this.set('dns', (map) => { map.add(LAN_DNS, server); });
  }

  async routeDhcp(rig: DhcpRig): Promise<string> {
    this.set('dhcp', (map) => {
      rig.route(map);
      map.add(`${rig.routerIp}:${LAN_BROKER.port}`, `127.0.0.1:${this.relay.port}`);
    });
    return rig.routerIp;
  }
}

/**
 * The same LAN for a virtual board `wasmqtt sim` runs in another process: the routes go over its
 * route socket (sim/w5500/route-control.ts). Its device reaches this machine's loopback directly,
 * so the broker behind a name or a rig is the scenario's own (`broker()`: where it listens).
 */
export class RemoteLanRoutes implements LanRouting {
  constructor(private readonly path: string, private readonly broker: () => { ip: string; port: number }) {}

  private brokerAt(device: string): string {
    const b = this.broker();
    return `route ${device}:${b.port} ${b.ip}:${b.port}`; // (the device is told the broker's own port)
  }

  async routeDns(server: string): Promise<void> {
    await sendRoutes(this.path, [`route ${LAN_DNS} ${server}`, this.brokerAt(LAN_BROKER.ip)]);
  }

  async routeDhcp(rig: DhcpRig): Promise<string> {
    const r = routeRecorder();
    rig.route(r.map);
    await sendRoutes(this.path, [...r.lines, this.brokerAt(rig.routerIp)]);
    return rig.routerIp;
  }
}
