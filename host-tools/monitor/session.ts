// One monitor session: device bytes → screen (lines decoded and time-stamped, or raw hex),
// keyboard lines → device. The serial port is any Duplex stream, so tests and the HIL runner
// can use a pty, a SerialPort or an in-memory pair.
import type { Duplex, Writable } from 'node:stream';
import { describeConsoleLine, parseConsoleLine } from './console-protocol.ts';

export interface SessionOptions {
  raw?: boolean;
  timestamps?: boolean;
  /** Show event lines as sent, not decoded. */
  noDecode?: boolean;
  /** Line ending sent after each typed line. */
  eol?: string;
  now?: () => Date;
}

export function timestamp(d: Date): string {
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:` +
    `${String(d.getSeconds()).padStart(2, '0')}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** Hex + ASCII dump of one chunk, 16 bytes per row, offsets counted across the session. */
export function hexDump(chunk: Uint8Array, offset: number): string {
  const rows: string[] = [];
  for (let i = 0; i < chunk.length; i += 16) {
    const row = chunk.subarray(i, i + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    rows.push(`${(offset + i).toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  |${ascii}|`);
  }
  return rows.join('\n');
}

export class MonitorSession {
  private pending = '';
  private offset = 0;
  private lastDataAt = 0;

  constructor(
      private readonly port: Duplex, private readonly screen: Writable, private readonly opts: SessionOptions = {}) {
    port.on('data', (chunk: Buffer) => this.fromDevice(chunk));
  }

  /** Renders one complete line from the device. */
  renderLine(line: string): string {
    const text = this.opts.noDecode ? line : describeConsoleLine(parseConsoleLine(line));
    return this.opts.timestamps ? `[${timestamp((this.opts.now ?? (() => new Date()))())}] ${text}` : text;
  }

  private fromDevice(chunk: Buffer): void {
    this.lastDataAt = Date.now();
    if (this.opts.raw) {
      this.screen.write(hexDump(chunk, this.offset) + '\n');
      this.offset += chunk.length;
      return;
    }
    this.pending += chunk.toString('utf8');
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl).replace(/\r$/, '');
      this.pending = this.pending.slice(nl + 1);
      this.screen.write(this.renderLine(line) + '\n');
    }
  }

  /** Whatever arrived without a newline yet (a prompt), shown when the device goes quiet. */
  flushPartial(quietMs = 250): void {
    if (this.pending && !this.opts.raw && Date.now() - this.lastDataAt >= quietMs) {
      this.screen.write(this.pending);
      this.pending = '';
    }
  }

  /** Sends one typed line (or raw bytes in raw mode). */
  send(text: string | Uint8Array): void {
    if (typeof text === 'string') this.port.write(text + (this.opts.eol ?? '\r\n'));
    else this.port.write(text);
  }
}
