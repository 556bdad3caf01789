// The project config written into a device's store, the way the device itself saves it: the
// module (the app with the core) runs on this machine with the board's store geometry and the
// device's chip id, takes each setting through wq_config (the core checks them as on the chip),
// and saves with wq_config_save. An app has no console to be provisioned through, so this is how
// `wasmqtt sim` gives the virtual board the config's network, broker and client settings.
// The saved blob carries the identity made from the chip id (client id, MAC) unless the config
// sets them: so it is made with the id of the device it is for, never a shared one.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Board } from '../fwbuild/boards.ts';
import { readElf } from '../elf/elf32.ts';
import { hostBoardImports } from '../fwbuild/start-check.ts';
import { Cfg, errorText } from '../sim/host/abi.ts';
import { ipv4ToU32 } from '../sim/host/network.ts';
import { UserError } from './load.ts';
import { brokerHostIsAddress, type ProjectConfig } from './schema.ts';

const utf8 = new TextEncoder();

function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

/** The config's network, broker and client settings as wq_config (key, bytes, field) triples. */
export function configEntries(c: ProjectConfig): Array<{ key: number; bytes: Uint8Array; field: string }> {
  const out: Array<{ key: number; bytes: Uint8Array; field: string }> = [];
  const n = c.network;
  if (n?.dhcp) {
    // DHCP is the saved device address 0.0.0.0 (firmware/core/net/dhcp.ts): the lease brings address, gateway and mask
    const fixed = (['ip', 'gateway', 'mask'] as const).filter((k) => n[k] !== undefined);
    if (fixed.length) throw new UserError(
      `network.dhcp: the DHCP lease gives the device its address, gateway and mask; drop ` +
      `network.${fixed.join(', network.')} (or drop network.dhcp for a static address)`);
    out.push({ key: Cfg.DEVICE_IP, bytes: u32(0), field: 'network.dhcp' });
  }
  if (n?.mac) out.push(
    { key: Cfg.MAC, bytes: Uint8Array.from(n.mac.split(':').map((h) => parseInt(h, 16))), field: 'network.mac' });
  if (n?.ip) out.push({ key: Cfg.DEVICE_IP, bytes: u32(ipv4ToU32(n.ip)), field: 'network.ip' });
  if (n?.gateway) out.push({ key: Cfg.GATEWAY, bytes: u32(ipv4ToU32(n.gateway)), field: 'network.gateway' });
  if (n?.mask) out.push({ key: Cfg.NETMASK, bytes: u32(ipv4ToU32(n.mask)), field: 'network.mask' });
  if (n?.dns) out.push({ key: Cfg.DNS_SERVER, bytes: u32(ipv4ToU32(n.dns)), field: 'network.dns' });
  if (c.broker) {
    out.push(brokerHostIsAddress(c.broker.host)
      ? { key: Cfg.BROKER_IP, bytes: u32(ipv4ToU32(c.broker.host)), field: 'broker.host' }
      : { key: Cfg.BROKER_HOST, bytes: utf8.encode(c.broker.host), field: 'broker.host' });
    out.push({ key: Cfg.BROKER_PORT, bytes: u32(c.broker.port), field: 'broker.port' });
  }
  const cl = c.client;
  if (cl?.clientId !== undefined) out.push(
    { key: Cfg.CLIENT_ID, bytes: utf8.encode(cl.clientId), field: 'client.clientId' });
  if (cl?.username !== undefined) out.push(
    { key: Cfg.USERNAME, bytes: utf8.encode(cl.username), field: 'client.username' });
  if (cl?.password !== undefined) out.push(
    { key: Cfg.PASSWORD, bytes: utf8.encode(cl.password), field: 'client.password' });
  if (cl?.keepalive !== undefined) out.push(
    { key: Cfg.KEEPALIVE_S, bytes: u32(cl.keepalive), field: 'client.keepalive' });
  if (cl?.cleanSession !== undefined) out.push(
    { key: Cfg.CLEAN_SESSION, bytes: u32(cl.cleanSession ? 1 : 0), field: 'client.cleanSession' });
  if (cl?.will) {
    out.push({ key: Cfg.WILL_TOPIC, bytes: utf8.encode(cl.will.topic), field: 'client.will.topic' });
    out.push({ key: Cfg.WILL_PAYLOAD, bytes: utf8.encode(cl.will.payload), field: 'client.will.payload' });
    out.push({ key: Cfg.WILL_FLAGS, bytes: u32(cl.will.qos | (cl.will.retain ? 4 : 0)), field: 'client.will' });
  }
  return out;
}

/** What a provisioned store depends on: the settings and the module that wrote them. */
export function provisionKey(c: ProjectConfig, module: Uint8Array): string {
  return createHash('sha256').update(JSON.stringify({ network: c.network, broker: c.broker, client: c.client }))
    .update(module).digest('hex');
}

/** A 96-bit chip id for a virtual board, fixed per project folder (so its client id and MAC stay
 * the same from run to run, and differ between projects). */
export function virtualChipId(projectDir: string): [number, number, number] {
  const h = createHash('sha256').update(`wasmqtt virtual board ${projectDir}`).digest();
  return [h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8)];
}

/**
 * The store after the device saved the config's settings: `store` (the current store bytes, or
 * erased flash) is updated in place and returned. Throws UserError naming the field the core
 * refused.
 */
export async function provisionStore(o: { module: Uint8Array; board: Board; store: Uint8Array;
    chipId: [number, number, number]; config: ProjectConfig }): Promise<Uint8Array> {
  const entries = configEntries(o.config);
  const mod = await WebAssembly.compile(new Uint8Array(o.module));
  const uid = new Uint8Array(12);
  o.chipId.forEach((w, i) => new DataView(uid.buffer).setUint32(i * 4, w >>> 0, true));
  let memory: WebAssembly.Memory | undefined;
  const mem = () => new Uint8Array(memory!.buffer);
  const instance = await WebAssembly.instantiate(mod, hostBoardImports(mod, o.board, o.store, uid, mem, () => {}));
  const ex = instance.exports as Record<string, unknown>;
  for (const name of ['memory', 'start', 'wq_buf', 'wq_config', 'wq_config_save']) {
    if (ex[name] === undefined) throw new UserError(
      `the module does not export ${name}, so the config cannot be saved into its store (an app re-exports ` +
      `"wasmqtt/app/exports")`);
  }
  const lanField = entries.find((e) => e.field === 'network.dhcp' || e.field === 'network.dns')?.field;
  if (lanField && ex.wq_lan === undefined) {
    throw new UserError(
      `wasmqtt.config.json ${lanField}: this module has no DHCP or DNS client (the firmware images, device.wasm and ` +
      `core.wasm carry none); use a module with the LAN services (build/w5500/core-lan.wasm, or an app that calls ` +
      `lanEnable(): docs/w5500.md, "LAN services"), or give network.ip, gateway and mask`);
  }
  memory = ex.memory as WebAssembly.Memory;
  (ex.start as () => void)();
  const buf = (ex.wq_buf as () => number)();
  for (const e of entries) {
    mem().set(e.bytes, buf);
    const r = (ex.wq_config as (k: number, len: number) => number)(e.key, e.bytes.length);
    if (r < 0) throw new UserError(`wasmqtt.config.json ${e.field}: the device refuses it (${errorText(r)})`);
  }
  const saved = (ex.wq_config_save as () => number)();
  if (saved < 0) throw new UserError(`saving the config into the store failed: ${errorText(saved)}`);
  return o.store;
}

/** True when the config has settings that go into the store (network, broker or client). */
export function hasStoreSettings(c: ProjectConfig): boolean {
  return Boolean(c.network || c.broker || c.client);
}

/** The names of the config's sections that go into the store, for messages. */
export function storeSections(c: ProjectConfig): string[] {
  return (['network', 'broker', 'client'] as const).filter((k) => c[k]);
}

/** Where a firmware image keeps its store: the linker's __store_start/__store_end, else the
 * board's last storePages pages. */
export function imageStoreRegion(elfPath: string, board: Board): { address: number; bytes: number } {
  const symbols = readElf(elfPath).symbols;
  const start = symbols.find((x) => x.name === '__store_start')?.value;
  const end = symbols.find((x) => x.name === '__store_end')?.value;
  if (start !== undefined && end !== undefined && end > start) return { address: start, bytes: end - start };
  const bytes = board.storePages * board.memory.flashPageBytes;
  return { address: board.memory.flashOrigin + board.memory.flashBytes - bytes, bytes };
}

/**
 * The module a firmware image was built from (it writes the store the way that image reads it):
 * the source in image.json beside the ELF (`wasmqtt build` writes it) when that is a module, else
 * the app.wasm compiled beside it. Undefined when neither is there.
 */
export function imageModule(elfPath: string): string | undefined {
  const dir = dirname(elfPath);
  const marker = join(dir, 'image.json');
  if (existsSync(marker)) {
    let source: unknown;
    try { source = (JSON.parse(readFileSync(marker, 'utf8')) as { source?: unknown })
      .source; } catch { /* unreadable: look for app.wasm */ }
    if (typeof source === 'string' && source.endsWith('.wasm') && existsSync(source)) return source;
  }
  const app = join(dir, 'app.wasm');
  return existsSync(app) ? app : undefined;
}
