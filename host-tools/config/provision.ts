// Turns the project config's network, broker and client sections into device console
// commands (firmware/app/console/console.ts), ending with `save` so the board keeps them in flash.
// Used by `wasmqtt monitor --provision`; the console answers each with ok or err.
import { escapeArg } from '../monitor/console-protocol.ts';
import { UserError } from './load.ts';
import type { ProjectConfig } from './schema.ts';

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export function provisionCommands(c: ProjectConfig): string[] {
  const out: string[] = [];
  const n = c.network;
  if (n?.dhcp) throw new UserError('network.dhcp: the device console has no DHCP setting; give network.ip, gateway and mask instead');
  if (n?.mac) out.push(`net mac ${n.mac}`);
  if (n?.ip) out.push(`net ip ${n.ip}`);
  if (n?.gateway) out.push(`net gw ${n.gateway}`);
  if (n?.mask) out.push(`net mask ${n.mask}`);
  if (c.broker) {
    if (!IPV4.test(c.broker.host)) {
      throw new UserError(`broker.host "${c.broker.host}": the device has no DNS; give the broker's IPv4 address`);
    }
    out.push(`set host ${c.broker.host}`, `set port ${c.broker.port}`);
  }
  const cl = c.client;
  if (cl?.clientId !== undefined) out.push(`set id ${escapeArg(cl.clientId)}`);
  if (cl?.username !== undefined) out.push(`set user ${escapeArg(cl.username)}`);
  if (cl?.password !== undefined) out.push(`set pass ${escapeArg(cl.password)}`);
  if (cl?.keepalive !== undefined) out.push(`set keepalive ${cl.keepalive}`);
  if (cl?.cleanSession !== undefined) out.push(`set clean ${cl.cleanSession ? 1 : 0}`);
  if (cl?.will) out.push(`set will ${escapeArg(cl.will.topic)} ${cl.will.qos} ${cl.will.retain ? 1 : 0} ${escapeArg(cl.will.payload)}`);
  if (out.length === 0) throw new UserError('nothing to provision: the config has no network, broker or client settings');
  out.push('save');
  return out;
}
