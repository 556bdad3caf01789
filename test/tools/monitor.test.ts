import { describe, it, expect, afterEach } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { SerialPort } from 'serialport';
import { ptyPair, type PtyPair } from './pty.ts';
import { choosePort, detectPorts, listSysfsPorts } from '../../host-tools/monitor/ports.ts';
import { advertiseVirtualPort, listVirtualPorts } from '../../host-tools/monitor/virtual-ports.ts';
import {
  describeConsoleLine, escapeArg, parseConsoleLine, unescapeValue, valueBytes,
} from '../../host-tools/monitor/console-protocol.ts';
import { hexDump, MonitorSession } from '../../host-tools/monitor/session.ts';
import { runCli } from './run-cli.ts';

const BIN = fileURLToPath(new URL('../../host-tools/cli/bin.mjs', import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

function openPort(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const p = new SerialPort({ path, baudRate: 115200 }, (err) => (err ? reject(err) : resolve(p)));
  });
}

/** Collects a stream's text and waits for a pattern (bounded: a failure, never a hang). */
function collector(stream: NodeJS.ReadableStream, stripAnsi = false) {
  let text = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  stream.on('data', (d: Buffer) => {
    text += stripAnsi ? stripVTControlCharacters(d.toString()) : d.toString();
    for (const w of [...waiters]) if (w.re.test(text)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  });
  return {
    text: () => text,
    waitFor: (re: RegExp, ms = 8000) => new Promise<void>((resolve, reject) => {
      if (re.test(text)) return resolve();
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${text}`)), ms);
      waiters.push({ re, resolve: () => { clearTimeout(t); resolve(); } });
    }),
  };
}

function startMonitor(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [BIN, 'monitor', ...args], { env: { ...process.env, ...env } });
  cleanups.push(() => new Promise<void>(
    (r) => { if (child.exitCode !== null) return r(); child.once('exit', () => r()); child.kill('SIGTERM'); }));
  return child;
}

describe('console line protocol (monitor decoding)', () => {
  it('escapes command arguments as %XX and decodes values back', () => {
    expect(escapeArg('a b%c\n')).toBe('a%20b%25c%0A');
    expect(escapeArg('sensors/t')).toBe('sensors/t');
    expect(unescapeValue('a%20b%25c%0A')).toBe('a b%c\n');
    const l = parseConsoleLine('evt message topic=a/b qos=1 retain=0 dup=0 pid=4 len=3 payload=%00%FFx');
    expect(valueBytes(l.fields.payload!)).toEqual(Buffer.from([0, 0xff, 0x78]));
  });
  it('parses ok / err / evt lines and leaves free text alone', () => {
    expect(parseConsoleLine('ok pub pid=12')).toMatchObject({ kind: 'ok', name: 'pub', fields: { pid: '12' } });
    expect(parseConsoleLine('err sub not-connected core returned -4')).toMatchObject(
      { kind: 'error', name: 'sub', code: 'not-connected', text: 'core returned -4' });
    expect(parseConsoleLine('wasmqtt 0.1 ready\r')).toMatchObject({ kind: 'text', raw: 'wasmqtt 0.1 ready' });
  });
  it('decodes events readably', () => {
    const d = (s: string) => describeConsoleLine(parseConsoleLine(s));
    expect(d('evt message topic=sensors/t qos=2 retain=1 dup=0 pid=7 len=4 payload=21.5')).toBe(
      'message on sensors/t "21.5" QoS 2 (PUBREC/PUBREL/PUBCOMP) id 7 retained');
    expect(d('evt publish-done pid=3 qos=1')).toBe('publish id 3 complete (QoS 1 (PUBACK) acknowledged)');
    expect(d('evt connect-failed error=connack-refused rc=5')).toBe(
      'connect failed: connack-refused (CONNACK 5: not authorized)');
    expect(d('evt connect-failed error=tcp-failed rc=none addr=10.0.0.7:1883')).toBe(
      'connect failed: tcp-failed, tried 10.0.0.7:1883');
    expect(d('evt disconnected reason=broker-closed addr=10.0.0.7:1883')).toBe(
      'disconnected: broker-closed (10.0.0.7:1883)');
    expect(d('evt error code=qos3 packet=3 detail=0')).toBe('ERROR qos3 in PUBLISH');
    expect(d('evt trace dir=tx type=6 flags=2 extra=0 pid=9 len=4')).toBe('-> PUBREL id 9');
    expect(d('evt trace dir=rx type=3 flags=12 extra=0 pid=5 len=20')).toBe('<- PUBLISH id 5 QoS 2 DUP');
    expect(d('evt suback pid=2 codes=1,failure')).toBe('subscribed id 2: granted 1,failure');
    expect(d('err - unknown-command frob is not a command; type help')).toBe(
      'ERROR unknown-command (frob is not a command; type help)');
  });
});

describe('port detection', () => {
  it('reads USB serial ports from sysfs and ranks the ST-Link VCP before a USB-UART', async () => {
    const root = mkdtempSync(join(tmpdir(), 'wasmqtt-sys-'));
    const mk = (usb: string, vid: string, tty: string, deep: boolean) => {
      const dev = join(root, 'devices', 'usb1', usb);
      const iface = join(dev, `${usb}:1.0`);
      mkdirSync(deep ? join(iface, tty) : iface, { recursive: true });
      writeFileSync(join(dev, 'idVendor'), vid + '\n');
      writeFileSync(join(dev, 'idProduct'), '0001\n');
      writeFileSync(join(dev, 'serial'), `S-${usb}\n`);
      mkdirSync(join(root, 'class', 'tty', tty), { recursive: true });
      symlinkSync(deep ? join(iface, tty) : iface, join(root, 'class', 'tty', tty, 'device'));
    };
    mk('1-1', '1a86', 'ttyUSB0', true);
    mk('1-2', '0483', 'ttyACM0', false);
    mkdirSync(join(root, 'class', 'tty', 'ttyS0'), { recursive: true });
    expect(listSysfsPorts(root, '/dev').map((p) => [p.path, p.kind, p.serial])).toEqual([
      ['/dev/ttyACM0', 'stlink-vcp', 'S-1-2'], ['/dev/ttyUSB0', 'usb-uart', 'S-1-1'],
    ]);
    const ports = await detectPorts({ sysfsRoot: root, virtualDir: join(root, 'none') });
    expect(choosePort(ports).path).toBe('/dev/ttyACM0');
  });

  it('finds a running virtual board\'s pty and forgets it when withdrawn', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-vp-'));
    const withdraw = advertiseVirtualPort('/dev/pts/77', 'bluepill', dir);
    advertiseVirtualPort('/dev/pts/78', 'bluepill', dir, 2 ** 22 + 12345); // a pid that does not exist
    expect(listVirtualPorts(dir)).toEqual([{ path: '/dev/pts/77', board: 'bluepill', pid: process.pid }]);
    withdraw();
    expect(listVirtualPorts(dir)).toEqual([]);
  });

  it('with nothing attached, says what to plug in or start', () => {
    expect(() => choosePort([])).toThrow(/no serial port found[\s\S]*wasmqtt sim --board bluepill/);
    expect(() => choosePort([{ path: '/dev/ttyUSB0', kind: 'usb-uart', description: 'a' },
      { path: '/dev/ttyUSB1', kind: 'usb-uart', description: 'b' }]))
      .toThrow(/2 ports could be the board; name one:\n  wasmqtt monitor \/dev\/ttyUSB0/);
  });
});

describe('MonitorSession', () => {
  it('splits lines across chunks, time-stamps them and sends typed lines with CRLF', () => {
    const port = new PassThrough();
    const sent: string[] = [];
    const duplex = Object.assign(port, { write: (d: string) => { sent.push(d); return true; } });
    let screen = '';
    const out = new PassThrough();
    out.on('data', (d: Buffer) => { screen += d.toString(); });
    const s = new MonitorSession(
      duplex as never, out, { timestamps: true, now: () => new Date(2026, 0, 1, 9, 8, 7, 6) });
    port.emit('data', Buffer.from('evt conn'));
    port.emit('data', Buffer.from('ected session_present=1\r\nhello\n'));
    s.send('status');
    expect(screen).toBe('[09:08:07.006] connected to the broker (session resumed)\n[09:08:07.006] hello\n');
    expect(sent).toEqual(['status\r\n']);
  });
  it('dumps raw bytes as hex with running offsets', () => {
    expect(hexDump(Buffer.from('AB\x00\x10'), 16)).toBe('00000010  41 42 00 10' + ' '.repeat(36) + '  |AB..|');
  });
});

describe('wasmqtt monitor over a socat pty pair', () => {
  let pty: PtyPair;

  it('shows decoded, time-stamped device lines and sends typed lines to the device', async () => {
    pty = await ptyPair();
    cleanups.push(() => pty.close());
    const device = await openPort(pty.b);
    cleanups.push(() => new Promise<void>((r) => device.close(() => r())));
    const fromMonitor = collector(device);
    const mon = startMonitor([pty.a, '--timestamps']);
    const out = collector(mon.stdout);
    const err = collector(mon.stderr);
    await err.waitFor(/at 115200 baud/);
    device.write('evt message topic=a/b qos=1 retain=0 dup=0 pid=4 len=2 payload=hi\r\nplain text\r\n');
    await out.waitFor(/plain text/);
    expect(out.text()).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] message on a\/b "hi" QoS 1 \(PUBACK\) id 4\n\[\d\d:\d\d:\d\d\.\d{3}\] plain text\n$/);
    mon.stdin.write('pub t/x hello 2\n');
    await fromMonitor.waitFor(/pub t\/x hello 2\r\n/);
  });

  it('--raw shows a hex dump', async () => {
    pty = await ptyPair();
    cleanups.push(() => pty.close());
    const device = await openPort(pty.b);
    cleanups.push(() => new Promise<void>((r) => device.close(() => r())));
    const mon = startMonitor([pty.a, '--raw']);
    const out = collector(mon.stdout);
    await collector(mon.stderr).waitFor(/raw/);
    device.write(Buffer.from([0x30, 0x00, 0xff]));
    await out.waitFor(/00000000  30 00 ff/);
    expect(out.text()).toContain('|0..|');
  });

  it('auto-detects an advertised virtual board pty', async () => {
    pty = await ptyPair();
    cleanups.push(() => pty.close());
    const vdir = mkdtempSync(join(tmpdir(), 'wasmqtt-vp-'));
    cleanups.push(advertiseVirtualPort(pty.a, 'bluepill', vdir));
    const env = { WASMQTT_VPORT_DIR: vdir, WASMQTT_SYSFS_ROOT: join(vdir, 'nosys') };
    expect(runCli(['monitor', '--list'], { env }).stdout).toContain(
      `${pty.a}  virtual board bluepill (pid ${process.pid})`);
    const mon = startMonitor([], env);
    await collector(mon.stderr).waitFor(
      new RegExp(`using ${pty.a.replace(/[/.]/g, '\\$&')} \\(virtual board bluepill`));
  });

  it('on a terminal: line editing, history, and device lines redrawn around the prompt', async () => {
    pty = await ptyPair();
    cleanups.push(() => pty.close());
    const device = await openPort(pty.b);
    cleanups.push(() => new Promise<void>((r) => device.close(() => r())));
    const fromMonitor = collector(device);
    // socat gives the monitor a real terminal (a pty) as stdin/stdout, as a person would have.
    const term = spawn('socat', [`EXEC:${process.execPath} ${BIN} monitor ${pty.a},pty,setsid,ctty,stderr`, 'STDIO']);
    cleanups.push(() => new Promise<void>(
      (r) => { if (term.exitCode !== null) return r(); term.once('exit', () => r()); term.kill('SIGTERM'); }));
    const screen = collector(term.stdout, true);
    await screen.waitFor(/> $/);
    term.stdin.write('pub t 0 0 hellp');
    term.stdin.write('\x7f'); // backspace
    term.stdin.write('o\r');
    await fromMonitor.waitFor(/pub t 0 0 hello\r\n/);
    term.stdin.write('\x1b[A\r'); // up arrow: the previous line again
    await fromMonitor.waitFor(/pub t 0 0 hello\r\npub t 0 0 hello\r\n/);
    term.stdin.write('sta');
    device.write('evt connected session_present=0\r\n');
    await screen.waitFor(/connected to the broker\r?\n> sta/);
    term.stdin.write('\x1d'); // Ctrl-]
    await new Promise<void>((resolve) => (term.exitCode !== null ? resolve() : term.once('exit', () => resolve())));
  });

  it('a missing port and no port at all give clear errors', () => {
    const missing = runCli(['monitor', '/dev/ttyNOPE9']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('serial port /dev/ttyNOPE9 does not exist');
    const none = runCli(
      ['monitor'], { env: { WASMQTT_VPORT_DIR: '/nonexistent', WASMQTT_SYSFS_ROOT: '/nonexistent' } });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no serial port found');
  });
});
