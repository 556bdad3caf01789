import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { provisionCommands } from '../../host-tools/config/provision.ts';
import { parseConfig } from '../../host-tools/config/load.ts';
import { ConsoleDevice } from '../../host-tools/hil/console-device.ts';
import { NodeConsoleTransport } from '../../host-tools/hil/node-console.ts';
import { ptyPair } from './pty.ts';

const CONFIG = {
  network: { mac: '02:57:51:00:00:07', ip: '192.168.7.50', gateway: '192.168.7.1', mask: '255.255.255.0' },
  broker: { host: '192.168.7.10', port: 1884 },
  client: { clientId: 'bp 7', keepalive: 30, cleanSession: false, password: 's3cret', will: { topic: 'dev/7/status', payload: 'gone away', qos: 1, retain: true } },
};

describe('provisioning a device from the project config', () => {
  it('turns the config into console commands, escaped, ending with save', () => {
    expect(provisionCommands(parseConfig(JSON.stringify(CONFIG), 'c.json'))).toEqual([
      'net mac 02:57:51:00:00:07', 'net ip 192.168.7.50', 'net gw 192.168.7.1', 'net mask 255.255.255.0',
      'set host 192.168.7.10', 'set port 1884', 'set id bp%207', 'set pass s3cret', 'set keepalive 30', 'set clean 0',
      'set will dev/7/status 1 1 gone%20away', 'save',
    ]);
    expect(() => provisionCommands({ broker: { host: 'broker.lan', port: 1883 } })).toThrow(/no DNS; give the broker's IPv4 address/);
    expect(() => provisionCommands({ board: 'bluepill' })).toThrow(/nothing to provision/);
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
        port: '1884', id: 'bp 7', pass: 'set', keepalive: '30', clean: '0', will: 'dev/7/status', will_qos: '1', will_retain: '1', will_payload: 'gone away',
      });
    } finally {
      await dev.close();
    }
  });

  it('`wasmqtt monitor --provision` sends them over a serial port and stops at the first err', async () => {
    const pair = await ptyPair();
    const board = await new Promise<SerialPort>((resolve, reject) => { const p = new SerialPort({ path: pair.b, baudRate: 115200 }, (e) => (e ? reject(e) : resolve(p))); });
    let buf = '';
    board.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const [cmd] = line.split(' ');
        board.write(line.startsWith('set keepalive') ? 'err set bad-number expected a decimal number\r\n' : `ok ${cmd}\r\n`);
      }
    });
    const proj = mkdtempSync(join(tmpdir(), 'wasmqtt-prov-'));
    writeFileSync(join(proj, 'wasmqtt.config.json'), JSON.stringify(CONFIG));
    const bin = fileURLToPath(new URL('../../host-tools/cli/bin.mjs', import.meta.url));
    const child = spawn(process.execPath, [bin, 'monitor', pair.a, '--provision'], { cwd: proj });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((r) => board.close(() => r()));
    await pair.close();
    expect(out).toContain('ok  net mac 02:57:51:00:00:07');
    expect(out).toContain('ok  set pass ***');
    expect(err).toContain('provisioning stopped at "set keepalive 30": device answered "err set bad-number expected a decimal number"');
    expect(code).toBe(1);
  });
});
