// `wasmqtt monitor [PORT]`: the device console, with auto-detected port, line editing,
// timestamps, decoded events and --raw bytes.
import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { loadProjectConfig, pick, UserError } from '../../config/load.ts';
import { choosePort, detectPorts } from '../../monitor/ports.ts';
import { openSerialPort } from '../../monitor/open-port.ts';
import { MonitorSession } from '../../monitor/session.ts';
import { needsLan, provisionCommands } from '../../config/provision.ts';
import { ConsoleDevice } from '../../hil/console-device.ts';
import { SerialTransport } from '../../hil/serial-transport.ts';

interface MonitorFlags {
  baud?: string;
  raw?: boolean;
  timestamps?: boolean;
  decode?: boolean;
  list?: boolean;
  eol?: string;
  provision?: boolean;
  config?: string;
}

const EOLS: Record<string, string> = { crlf: '\r\n', lf: '\n', cr: '\r' };

export function register(program: Command): void {
  program
    .command('monitor')
    .argument('[port]', 'serial port (default: auto-detect ST-Link VCP, USB-UART, virtual board)')
    .description('open the device console: decoded events, timestamps, line editing (Ctrl-C or Ctrl-] to quit)')
    .option('--baud <rate>', 'baud rate (default 115200)')
    .option('--raw', 'show bytes as a hex dump and send keystrokes as they are typed')
    .option('-t, --timestamps', 'prefix each line with the time it arrived')
    .option('--no-decode', 'show event lines exactly as the device sends them')
    .option('--eol <crlf|lf|cr>', 'line ending sent after each typed line (default crlf)')
    .option('-l, --list', 'list the candidate ports and exit')
    .option('--provision', 'send the config\'s network, broker and client settings to the device, save them, and exit')
    .option('-c, --config <file>', 'project config (default: nearest wasmqtt.config.json)')
    .action(async (portArg: string | undefined, f: MonitorFlags) => {
      const { config } = loadProjectConfig(f.config);
      if (f.list) {
        const c = await detectPorts();
        if (c.length === 0) console.log('no candidate serial ports (no ST-Link VCP, USB-UART or virtual board)');
        for (const p of c) console.log(`${p.path}  ${p.description}${p.serial ? `  serial ${p.serial}` : ''}`);
        return;
      }
      const baud = Number(pick(f.baud, config.monitor?.baud?.toString(), '115200'));
      if (!Number.isInteger(baud) || baud <= 0) throw new UserError(
        `--baud ${f.baud} is not a baud rate; e.g. --baud 115200`);
      const eol = EOLS[f.eol ?? 'crlf'];
      if (eol === undefined) throw new UserError(`--eol ${f.eol}: use crlf, lf or cr`);
      let path = pick(portArg, config.monitor?.port);
      if (!path) {
        try {
          const chosen = choosePort(await detectPorts());
          path = chosen.path;
          process.stderr.write(`using ${chosen.path} (${chosen.description})\n`);
        } catch (err) {
          throw new UserError((err as Error).message);
        }
      }
      if (f.provision) {
        provisionCommands(config, { lan: true }); // the config's own errors first, before the port opens
        const transport = await SerialTransport.open({ path, baud });
        // DHCP or a broker by name: ask the device whether it runs the LAN image (status has dhcp=)
        const lan = needsLan(config) && await transport.runsLanImage();
        const device = new ConsoleDevice(transport);
        try {
          const commands = provisionCommands(config, { lan });
          for (const c of commands) {
            await device.command(c).catch(
              (e: Error) => { throw new UserError(`provisioning stopped at "${c}": ${e.message}`); });
            console.log(`ok  ${c.startsWith('set pass') ? 'set pass ***' : c}`);
          }
          console.log(`provisioned ${path}: ${commands.length - 1} settings saved to the device's flash`);
        } finally {
          await device.close();
        }
        return;
      }
      const port = await openSerialPort(path, baud);
      const interactive = process.stdin.isTTY === true;
      const timestamps = pick(f.timestamps, config.monitor?.timestamps, false);

      let redraw: (() => void) | undefined;
      let clearLine: (() => void) | undefined;
      const screen = new Writable({
        write(chunk: Buffer, _enc, cb) {
          clearLine?.();
          process.stdout.write(chunk);
          redraw?.();
          cb();
        },
      });
      const session = new MonitorSession(port, screen, { raw: f.raw, timestamps, noDecode: f.decode === false, eol });
      process.stderr.write(`--- ${path} at ${baud} baud${f.raw ? ', raw' : ''}; Ctrl-C or Ctrl-] to quit ---\n`);

      const quit = (code: number): void => {
        port.close(() => process.exit(code));
        setTimeout(() => process.exit(code), 500).unref();
      };
      port.on('close', () => { process.stderr.write(
        `\n--- ${path} closed (device unplugged or virtual board stopped) ---\n`); process.exit(1); });
      port.on('error', (e: Error) => { process.stderr.write(`\n--- ${path}: ${e.message} ---\n`); quit(1); });
      process.on('SIGTERM', () => quit(0));

      if (f.raw) {
        if (interactive) process.stdin.setRawMode(true);
        process.stdin.on('data', (d: Buffer) => {
          if (d.includes(0x1d) || (interactive && d.includes(0x03))) return quit(0);
          session.send(d);
        });
        return;
      }
      const rl = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined,
        terminal: interactive, historySize: 200, prompt: '> ' });
      if (interactive) {
        clearLine = () => { process.stdout.write('\r\x1b[K'); };
        redraw = () => rl.prompt(true);
        process.stdin.on(
            'keypress', (_s: string, key: { ctrl?: boolean; name?: string; sequence?: string } | undefined) => {
          if (key?.sequence === '\x1d') quit(0);
        });
        rl.prompt();
      }
      rl.on('line', (line) => { session.send(line); if (interactive) rl.prompt(); });
      rl.on('SIGINT', () => quit(0));
      // A prompt without a newline: show it once the device pauses.
      setInterval(() => session.flushPartial(), 300).unref();
    });
}
