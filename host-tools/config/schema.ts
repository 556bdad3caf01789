// The project config file (wasmqtt.config.json): board, network, broker, client and tool
// settings, so users don't repeat flags. Validated with zod; every field is optional except
// where a command needs it, and command-line flags override what the file says.
import { z } from 'zod';

const ipv4 = z.string().regex(/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/, {
  message: 'expected an IPv4 address like 192.168.1.50',
});
const mac = z.string().regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, {
  message: 'expected a MAC address like 02:00:00:00:00:01',
});
const port = z.number().int().min(1, { message: 'expected a TCP port 1..65535' }).max(
  65535, { message: 'expected a TCP port 1..65535' });

export const networkSchema = z.strictObject({
  mac: mac.optional(),
  ip: ipv4.optional(),
  gateway: ipv4.optional(),
  mask: ipv4.optional(),
  /**
   * Lease the address by DHCP (a module with the LAN services: docs/w5500.md); then ip, gateway and mask come from the
   * lease.
   */
  dhcp: z.boolean().optional(),
  /**
   * The DNS server asked for a broker host name (a module with the LAN services); default: the lease's, else the
   * gateway.
   */
  dns: ipv4.optional(),
}).refine((n) => !n.dhcp || (n.ip === undefined && n.gateway === undefined && n.mask === undefined), {
  message: 'dhcp: true takes the address, gateway and mask from the DHCP lease; drop ip, gateway and mask (or dhcp ' +
    'for a static address)',
});

/** broker.host is an address (digits and dots) rather than a host name for the device's DNS client. */
export function brokerHostIsAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

export const brokerSchema = z.strictObject({
  host: z.string().min(1, { message: 'expected a host name or IPv4 address' }),
  port: port.default(1883),
});

export const willSchema = z.strictObject({
  topic: z.string().min(1).refine((t) => !/[+#]/.test(t), { message: 'a will topic cannot contain + or #' }),
  payload: z.string().default(''),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
  retain: z.boolean().default(false),
});

export const clientSchema = z.strictObject({
  clientId: z.string().min(1).max(
    23, { message: 'MQTT 3.1.1 servers only have to accept client ids of up to 23 characters' }).optional(),
  keepalive: z.number().int().min(0).max(65535, { message: 'keepalive is seconds, 0..65535' }).optional(),
  cleanSession: z.boolean().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  will: willSchema.optional(),
});

export const flashSchema = z.strictObject({
  /** ST-Link serial number to use when several probes are attached. */
  probe: z.string().min(1).optional(),
  /** OpenOCD binary (default: `openocd` on PATH). */
  openocd: z.string().min(1).optional(),
  /** SWD clock in kHz. */
  speedKHz: z.number().int().min(5).max(24000).optional(),
  /** Connect under reset (needed when the firmware disables SWD pins or sleeps deeply). */
  connectUnderReset: z.boolean().optional(),
});

export const monitorSchema = z.strictObject({
  port: z.string().min(1).optional(),
  baud: z.number().int().positive().optional(),
  timestamps: z.boolean().optional(),
});

export const hilSchema = z.strictObject({
  /** Broker URL the runner's broker-side client uses (mqtt://host:port). */
  broker: z.string().regex(
    /^mqtts?:\/\/[^/]+$/, { message: 'expected a broker URL like mqtt://127.0.0.1:1883' }).optional(),
  port: z.string().min(1).optional(),
  sim: z.boolean().optional(),
  /** Shell command that power-cycles a real board (a relay); {state} is replaced by off/on. */
  relayCommand: z.string().min(1).optional(),
  /** Per-scenario timeout in ms. */
  timeoutMs: z.number().int().positive().optional(),
});

export const projectConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  board: z.string().min(1).optional(),
  /** The app's entry file (AssemblyScript), relative to this file; default src/main.ts. */
  app: z.string().min(1).regex(/\.ts$/, { message: 'expected the app\'s entry file, e.g. src/main.ts' }).optional(),
  network: networkSchema.optional(),
  broker: brokerSchema.optional(),
  client: clientSchema.optional(),
  flash: flashSchema.optional(),
  monitor: monitorSchema.optional(),
  hil: hilSchema.optional(),
});

export type ProjectConfig = z.infer<typeof projectConfigSchema>;
