// Turns the project config's network, broker and client sections into device console
// commands (firmware/app/console/console.ts), ending with `save` so the board keeps them in flash.
// Used by `wasmqtt monitor --provision`; the console answers each with ok or err. DHCP and a
// broker host name need the console's LAN image (docs/w5500.md, "LAN images"): `net ip 0.0.0.0`
// there leases the address, `set host NAME` is resolved by its DNS client.
import { escapeArg } from '../monitor/console-protocol.ts';
import { UserError } from './load.ts';
import { brokerHostIsAddress, type ProjectConfig } from './schema.ts';

/** The config needs a device with DHCP and DNS clients (the LAN image). */
export function needsLan(c: ProjectConfig): boolean {
  return !!c.network?.dhcp || c.network?.dns !== undefined ||
    (c.broker !== undefined && !brokerHostIsAddress(c.broker.host));
}

/** `lan`: the device runs the LAN image (its `status` line has dhcp=); without it DHCP and a
 * broker host name are refused here, before any command goes out. */
export function provisionCommands(c: ProjectConfig, o: { lan?: boolean } = {}): string[] {
  const out: string[] = [];
  const n = c.network;
  const image = 'the device runs the console image without DHCP and DNS; flash a LAN image (build/<board>-lan, ' +
    'docs/w5500.md "LAN images")';
  if (n?.dhcp && !o.lan) throw new UserError(`network.dhcp: ${image}, or give network.ip, gateway and mask`);
  if (n?.mac) out.push(`net mac ${n.mac}`);
  if (n?.dhcp) out.push('net ip 0.0.0.0');
  if (n?.ip) out.push(`net ip ${n.ip}`);
  if (n?.gateway) out.push(`net gw ${n.gateway}`);
  if (n?.mask) out.push(`net mask ${n.mask}`);
  if (n?.dns && !o.lan) throw new UserError(`network.dns: ${image}`);
  if (n?.dns) out.push(`net dns ${n.dns}`);
  if (c.broker) {
    if (!brokerHostIsAddress(c.broker.host) && !o.lan) {
      throw new UserError(`broker.host "${c.broker.host}": ${image}, or give the broker's IPv4 address`);
    }
    out.push(`set host ${c.broker.host}`, `set port ${c.broker.port}`);
  }
  const cl = c.client;
  if (cl?.clientId !== undefined) out.push(`set id ${escapeArg(cl.clientId)}`);
  if (cl?.username !== undefined) out.push(`set user ${escapeArg(cl.username)}`);
  if (cl?.password !== undefined) out.push(`set pass ${escapeArg(cl.password)}`);
  if (cl?.keepalive !== undefined) out.push(`set keepalive ${cl.keepalive}`);
  if (cl?.cleanSession !== undefined) out.push(`set clean ${cl.cleanSession ? 1 : 0}`);
  if (cl?.will) out.push(
    `set will ${escapeArg(cl.will.topic)} ${cl.will.qos} ${cl.will.retain ? 1 : 0} ${escapeArg(cl.will.payload)}`);
  if (out.length === 0) throw new UserError(
    'nothing to provision: the config has no network, broker or client settings');
  out.push('save');
  return out;
}
