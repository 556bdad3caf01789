// The device console's line protocol as the host tools read and write it — the ONE place
// that knows its syntax (the monitor's decoder and the HIL runner's console adapter both use
// this module). The authority is the firmware's console (firmware/app/console/console.ts,
// docs/console.md): every reply is one line,
//   ok <cmd> key=value ...        a command succeeded
//   err <cmd> <code> <text...>    a command failed (<cmd> is "-" when there was no command)
//   evt <name> key=value ...      something happened (connected, message, publish-done, trace...)
// Values and command arguments escape bytes outside 0x21..0x7e, and '%', as %XX.
// Anything else the device prints (a banner, a fault report) is free text.

export type LineKind = 'event' | 'ok' | 'error' | 'text';

export interface ConsoleLine {
  kind: LineKind;
  /** Event name (message, publish-done...) or the command an ok/err answers. */
  name: string;
  /** key=value pairs, values %XX-decoded (latin1: one char per byte). */
  fields: Record<string, string>;
  /** For err: the error code (e.g. not-connected). */
  code?: string;
  /** For err: the explanation. */
  text?: string;
  raw: string;
}

/** Bytes outside printable ASCII (and '%', and space) as %XX; the console decodes them back. */
export function escapeArg(v: string | Uint8Array): string {
  const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
  let out = '';
  for (const b of bytes) out += b < 0x21 || b > 0x7e || b === 0x25
    ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b);
  return out;
}

/** %XX → byte; the result is latin1 (one char per byte) so binary payloads survive. */
export function unescapeValue(v: string): string {
  return v.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export function valueBytes(v: string): Buffer {
  return Buffer.from(v, 'latin1');
}

function parseFields(words: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq > 0) fields[w.slice(0, eq)] = unescapeValue(w.slice(eq + 1));
  }
  return fields;
}

export function parseConsoleLine(raw: string): ConsoleLine {
  const line = raw.replace(/\r?\n$/, '').replace(/\r$/, '');
  const words = line.split(/[ \t]+/).filter(Boolean);
  const tag = words[0];
  if ((tag === 'ok' || tag === 'evt') && words.length >= 2) {
    return { kind: tag === 'ok' ? 'ok' : 'event', name: words[1]!, fields: parseFields(words.slice(2)), raw: line };
  }
  if (tag === 'err' && words.length >= 3) {
    return { kind: 'error', name: words[1]!, code: words[2]!, text: words.slice(3).join(' '), fields: {}, raw: line };
  }
  return { kind: 'text', name: '', fields: {}, raw: line };
}

/** MQTT packet type numbers (1..14) as names, for trace events. */
export const PACKET_TYPES = ['', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP',
  'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT'] as const;

export function packetName(type: string | undefined): string {
  const n = Number(type);
  return PACKET_TYPES[n] || `type ${type ?? '?'}`;
}

const QOS_FLOW: Record<string, string> = { '0': 'QoS 0', '1': 'QoS 1 (PUBACK)', '2': 'QoS 2 (PUBREC/PUBREL/PUBCOMP)' };

const CONNACK_TEXT: Record<string, string> = {
  '1': 'unacceptable protocol version', '2': 'client id rejected', '3': 'server unavailable',
  '4': 'bad user name or password', '5': 'not authorized',
};

/** Printable payload: text quoted, anything else as hex. */
function showPayload(p: string | undefined): string {
  if (p === undefined) return '';
  return /^[\x20-\x7e]*$/.test(p) ? JSON.stringify(p) : `0x${valueBytes(p).toString('hex')}`;
}

function kv(f: Record<string, string>): string {
  return Object.entries(f).map(([k, v]) => `${k}=${v}`).join(' ');
}

/** `addr=` of a connect-failed line: what the device tried to reach (the broker, or the DNS or DHCP server). */
function tried(addr: string | undefined): string {
  return addr && addr !== '0.0.0.0:0' ? `, tried ${addr}` : '';
}

/** A person-readable rendering of a parsed line (events decoded, text unchanged). */
export function describeConsoleLine(l: ConsoleLine): string {
  const f = l.fields;
  if (l.kind === 'text') return l.raw;
  if (l.kind === 'ok') return `ok ${l.name}${Object.keys(f).length ? ` ${kv(f)}` : ''}`;
  if (l.kind === 'error') return `ERROR ${l.name === '-' ? '' : `${l.name}: `}${l.code}${l.text ? ` (${l.text})` : ''}`;
  const pid = f.pid && f.pid !== '0' ? ` id ${f.pid}` : '';
  switch (l.name) {
    case 'connected': return `connected to the broker${f.session_present === '1' ? ' (session resumed)' : ''}`;
    case 'connect-failed':
      return `connect failed: ${f.error ?? '?'}` +
        `${f.rc && f.rc !== 'none' ? ` (CONNACK ${f.rc}: ${CONNACK_TEXT[f.rc] ?? 'unknown code'})` : ''}` +
        `${tried(f.addr)}`;
    case 'disconnected': return `disconnected` +
      `${f.reason && f.reason !== 'requested' ? `: ${f.reason}` : ' (requested)'}` +
      `${f.addr && f.addr !== '0.0.0.0:0' ? ` (${f.addr})` : ''}`;
    case 'message':
      return `message on ${f.topic ?? '?'} ${showPayload(f.payload)} ` +
        `${QOS_FLOW[f.qos ?? '0'] ?? `QoS ${f.qos}`}${pid}` +
        `${f.retain === '1' ? ' retained' : ''}${f.dup === '1' ? ' dup' : ''}`;
    case 'publish-done':
      return `publish${pid} complete (${QOS_FLOW[f.qos ?? ''] ?? `QoS ${f.qos ?? '?'}`} acknowledged)`;
    case 'suback': return `subscribed${pid}: granted ${f.codes ?? '?'}`;
    case 'unsuback': return `unsubscribed${pid}`;
    case 'error': return `ERROR ${f.code ?? '?'}` +
      `${f.packet && f.packet !== '0' ? ` in ${packetName(f.packet)}` : ''}` +
      `${f.detail && f.detail !== '0' ? ` (detail ${f.detail})` : ''}`;
    case 'trace': {
      const flags = Number(f.flags ?? 0);
      const name = packetName(f.type);
      const extra = name === 'PUBLISH' ? ` QoS ${(flags >> 1) & 3}${flags & 8 ? ' DUP' : ''}`
        : name === 'CONNACK' ? ` rc ${f.extra ?? '?'}` : '';
      return `${f.dir === 'rx' ? '<-' : '->'} ${name}${pid}${extra}`;
    }
    default: return `${l.name}${Object.keys(f).length ? ` ${kv(f)}` : ''}`;
  }
}
