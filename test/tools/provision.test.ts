import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { needsLan, provisionCommands } from '../../host-tools/config/provision.ts';
import { parseConfig } from '../../host-tools/config/load.ts';
import { ConsoleDevice } from '../../host-tools/hil/console-device.ts';
import { NodeConsoleTransport } from '../../host-tools/hil/node-console.ts';
import { ptyPair } from './pty.ts';

const CONFIG = {
  network: { mac: '02:57:51:00:00:07', ip: '192.168.7.50', gateway: '192.168.7.1', mask: '255.255.255.0' },
  broker: { host: '192.168.7.10', port: 1884 },
  client: { clientId: 'bp 7', keepalive: 30, cleanSession: false, password: 's3cret',
    will: { topic: 'dev/7/status', payload: 'gone away', qos: 1, retain: true } },
};

describe('provisioning a device from the project config', () => {
  it('turns the config into console commands, escaped, ending with save', () => {
    expect(provisionCommands(parseConfig(JSON.stringify(CONFIG), 'c.json'))).toEqual([
      'net mac 02:57:51:00:00:07', 'net ip 192.168.7.50', 'net gw 192.168.7.1', 'net mask 255.255.255.0',
      'set host 192.168.7.10', 'set port 1884', 'set id bp%207', 'set pass s3cret', 'set keepalive 30', 'set clean 0',
      'set will dev/7/status 1 1 gone%20away', 'save',
    ]);
    expect(() => provisionCommands({ broker: { host: 'broker.lan', port: 1883 } })).toThrow(/broker\.host "broker\.lan": the device runs the console image without DHCP and DNS; flash a LAN image .* or give the broker's IPv4 address/);
    expect(() => provisionCommands({ network: { dhcp: true } })).toThrow(
      /network\.dhcp: the device runs the console image without DHCP and DNS/);
    expect(() => provisionCommands({ board: 'bluepill' })).toThrow(/nothing to provision/);
  });

  it('DHCP, a DNS server and a broker by name go to a device running the LAN image', () => {
    const c = parseConfig(JSON.stringify(
      { network: { dhcp: true, dns: '192.168.7.53' }, broker: { host: 'broker.lan', port: 1883 } }), 'c.json');
    expect(needsLan(c)).toBe(true);
    expect(needsLan(parseConfig(JSON.stringify(CONFIG), 'c.json'))).toBe(false);
    expect(provisionCommands(c, { lan: true })).toEqual(
      ['net ip 0.0.0.0', 'net dns 192.168.7.53', 'set host broker.lan', 'set port 1883', 'save']);
  });

  it('the LAN console image (device-lan.wasm) accepts them and shows the settings', async () => {
    const transport = new NodeConsoleTransport('build/core/device-lan.wasm');
    const dev = new ConsoleDevice(transport, 5000);
    try {
      await transport.brokerAddress('mqtt://127.0.0.1:9'); // powers the device on
      const c = parseConfig(JSON.stringify(
        { network: { dhcp: true, dns: '192.168.7.53' }, broker: { host: 'broker.lan', port: 1884 } }), 'c.json');
      expect((await dev.command('status')).fields.dhcp).toBeDefined(); // what monitor --provision asks first
      for (const cmd of provisionCommands(c, { lan: true })) await dev.command(cmd);
      expect((await dev.command('show')).fields).toMatchObject(
        { ip: '0.0.0.0', dns: '192.168.7.53', host: 'broker.lan', port: '1884' });
    } finally {
      await dev.close();
    }
  });

  it('the real device console (core.wasm) accepts every command and shows the settings', async () => {
    const transport = new NodeConsoleTransport();
    const dev = new ConsoleDevice(transport, 5000);
    try {
      await transport.brokerAddress('mqtt://127.0.0.1:9'); // powers the device on
      for (const c of provisionCommands(parseConfig(JSON.stringify(CONFIG), 'c.json'))) await dev.command(c);
      const show = await dev.command('show');
      expect(show.fields).toMatchObject({
        mac: '02:57:51:00:00:07', ip: '192.168.7.50', gw: '192.168.7.1', mask: '255.255.255.0', host: '192.168.7.10',
        port: '1884', id: 'bp 7', pass: 'set', keepalive: '30', clean: '0', will: 'dev/7/status', will_qos: '1',
        will_retain: '1', will_payload: 'gone away',
      });
    } finally {
      await dev.close();
    }
  });

  it('`wasmqtt monitor --provision` sends them over a serial port and stops at the first err', async () => {
    const { out, err, code } = await provisionOverPty(CONFIG, (line, cmd) =>
      line.startsWith('set keepalive') ? 'err set bad-number expected a decimal number' : `ok ${cmd}`);
    expect(out).toContain('ok  net mac 02:57:51:00:00:07');
    expect(out).toContain('ok  set pass ***');
    expect(err).toContain('provisioning stopped at "set keepalive 30": device answered "err set bad-number expected ' +
      'a decimal number"');
    expect(code).toBe(1);
  });

  it('`wasmqtt monitor --provision` with a broker by name asks the device first and refuses an image without ' +
      'DNS', async () => {
    const { out, err, code, lines } = await provisionOverPty(
      { broker: { host: 'broker.lan', port: 1883 } }, (_line, cmd) =>
      cmd === 'status' ? 'ok status state=idle link=1' : `ok ${cmd}`); // (a LAN image's line has dhcp=)
    expect(lines).toEqual(['status']);
    expect(out).toBe('');
    expect(err).toMatch(
      /broker\.host "broker\.lan": the device runs the console image without DHCP and DNS; flash a LAN image/);
    expect(code).toBe(1);
  });
});

/** Runs `wasmqtt monitor PORT --provision` in a project with `config` against a scripted console
 * on the other end of a pty, which answers each line with `answer(line, word)`. */
async function provisionOverPty(config: object, answer: (line: string, cmd: string) => string) {
  const pair = await ptyPair();
  const board = await new Promise<SerialPort>((resolve, reject) =>
    { const p = new SerialPort({ path: pair.b, baudRate: 115200 }, (e) => (e ? reject(e) : resolve(p))); });
  const lines: string[] = [];
  let buf = '';
  board.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 2);
      lines.push(line);
      board.write(`${answer(line, line.split(' ')[0]!)}\r\n`);
    }
  });
  const proj = mkdtempSync(join(tmpdir(), 'wasmqtt-prov-'));
  writeFileSync(join(proj, 'wasmqtt.config.json'), JSON.stringify(config));
  const bin = fileURLToPath(new URL('../../host-tools/cli/bin.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin, 'monitor', pair.a, '--provision'], { cwd: proj });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((r) => board.close(() => r()));
  await pair.close();
  return { out, err, code, lines };
}
