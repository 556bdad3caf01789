// `wasmqtt hil [--node | --port PORT | --sim] [--broker URL] [--json FILE]`: the hardware-in-
// the-loop scenario suite against a device, with a broker-side MQTT.js client.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadProjectConfig, pick, UserError } from '../../config/load.ts';
import { listVirtualPorts } from '../../monitor/virtual-ports.ts';
import { externalBroker, startManagedMosquitto, type BrokerHandle } from '../../hil/brokers.ts';
import { ConsoleDevice } from '../../hil/console-device.ts';
import type { HilDevice } from '../../hil/device.ts';
import { NodeConsoleTransport } from '../../hil/node-console.ts';
import { SimBoardTransport } from '../../hil/sim-board.ts';
import { PACKAGE_ROOT } from '../../config/project.ts';
import { NodeDeviceAdapter } from '../../hil/node-device.ts';
import { formatReport, statusMark, writeJsonReport, writeLadders } from '../../hil/report.ts';
import { runScenarios } from '../../hil/runner.ts';
import { scenarios } from '../../hil/scenarios.ts';
import { SerialTransport } from '../../hil/serial-transport.ts';

interface HilFlags {
  node?: boolean;
  nodeApi?: boolean;
  port?: string;
  sim?: boolean;
  baud?: string;
  relayCommand?: string;
  linkCommand?: string;
  broker?: string;
  json?: string;
  svgDir?: string;
  only?: string;
  list?: boolean;
  timeout?: string;
  wasm?: string;
  config?: string;
}

async function chooseDevice(
    f: HilFlags, port: string | undefined, sim: boolean, relayCommand: string | undefined): Promise<HilDevice> {
  const chosen = [f.node, f.nodeApi, port !== undefined, sim].filter(Boolean).length;
  if (chosen !== 1) {
    throw new UserError('choose one device: --port PORT (a board), --sim (a running virtual board), --node ' +
      '(device.wasm in Node, driven over its console) or --node-api (core.wasm through the NodeDevice API)');
  }
  // --node runs the console's LAN image (DHCP and DNS: the LAN scenarios run too) when it is built
  const lanConsole = join(PACKAGE_ROOT, 'build/core/device-lan.wasm');
  if (f.node) return new ConsoleDevice(
    new NodeConsoleTransport(f.wasm ?? (existsSync(lanConsole) ? lanConsole : undefined)));
  if (f.nodeApi) return new NodeDeviceAdapter(f.wasm);
  const baud = f.baud ? Number(f.baud) : 115200;
  if (port) {
    return new ConsoleDevice(
      await SerialTransport.open({ path: port, baud, relayCommand, linkCommand: f.linkCommand }));
  }
  const running = listVirtualPorts();
  // none running: the runner boots the LAN image on a virtual board of its own (hil/sim-board.ts)
  if (running.length === 0) return new ConsoleDevice(await SimBoardTransport.start());
  if (running.length > 1) throw new UserError(
    `${running.length} virtual boards are running (${running.map((v) => v.path).join(', ')}); pick one with --port`);
  const v = running[0]!;
  return new ConsoleDevice(
    await SerialTransport.open({ path: v.path, baud, description: `virtual board ${v.board} on ${v.path}`, relayCommand,
    linkCommand: f.linkCommand, allowLoopback: true, control: v.control }));
}

export function register(program: Command): void {
  program
    .command('hil')
    .description('run the hardware-in-the-loop scenario suite against a device and a broker')
    .option('--port <port>', 'a board\'s console serial port')
    .option('--sim', 'a running virtual board (wasmqtt sim), else one the runner boots with the LAN image ' +
      '(build/stm32f103rc-lan)')
    .option(
      '--node', 'the console module (default build/core/device-lan.wasm: with DHCP and DNS) in Node, driven over its ' +
      'UART console like a board')
    .option('--node-api', 'core.wasm in Node, driven through the NodeDevice API')
    .option('--baud <rate>', 'console baud rate (default 115200)')
    .option('--relay-command <cmd>', 'shell command that powers the board on/off ({state} = on|off); enables ' +
      'power-cycle scenarios')
    .option('--link-command <cmd>', 'shell command that takes the board\'s link up/down ({state} = up|down)')
    .option('--broker <url>', 'broker URL (default: start a local Mosquitto with persistence, which also enables ' +
      'broker-restart)')
    .option('--json <file>', 'write the JSON report here (for CI)')
    .option('--svg-dir <dir>', 'where ladder diagrams of failed scenarios go', join('build', 'hil'))
    .option('--only <ids>', 'comma-separated scenario ids')
    .option('--list', 'list the scenarios and exit')
    .option('--timeout <ms>', 'per-scenario time limit')
    .option('--wasm <path>', 'the module for --node (default build/core/device-lan.wasm) or --node-api (default ' +
      'build/core/core.wasm)')
    .option('-c, --config <file>', 'project config (default: nearest wasmqtt.config.json)')
    .action(async (f: HilFlags) => {
      if (f.list) {
        for (const s of scenarios) console.log(
          `${s.id.padEnd(24)} ${s.title}${s.needs ? `  [needs ${s.needs.join(', ')}]` : ''}`);
        return;
      }
      const { config } = loadProjectConfig(f.config);
      const only = f.only?.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = only?.filter((id) => !scenarios.some((s) => s.id === id)) ?? [];
      if (unknown.length) throw new UserError(`unknown scenario ${unknown.join(', ')}; see \`wasmqtt hil --list\``);
      const timeout = f.timeout !== undefined ? Number(f.timeout) : config.hil?.timeoutMs;
      if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) throw new UserError(
        `--timeout ${f.timeout} is not a number of milliseconds`);
      const port = pick(f.port, f.node || f.nodeApi || f.sim ? undefined : config.hil?.port);
      const sim = pick(f.sim, f.node || f.nodeApi || f.port ? undefined : config.hil?.sim, false);
      const brokerUrl = pick(f.broker, config.hil?.broker);
      if (port && !brokerUrl) throw new UserError(
        'a board needs a broker it can reach over Ethernet: pass --broker mqtt://<LAN address>:1883');
      const device = await chooseDevice(f, port, sim, pick(f.relayCommand, config.hil?.relayCommand));
      let broker: BrokerHandle | undefined;
      try {
        broker = brokerUrl ? externalBroker(brokerUrl) : await startManagedMosquitto();
        process.stderr.write(`wasmqtt hil: ${device.description} against ${broker.description}\n`);
        const report = await runScenarios({
          device, broker, scenarios, only, timeoutMs: timeout,
          onResult: (r) => process.stderr.write(`  ${statusMark(r.status)}  ${r.id} (${(r.ms / 1000).toFixed(2)} s)\n`),
        });
        writeLadders(report, f.svgDir ?? join('build', 'hil'));
        console.log(formatReport(report));
        if (f.json) writeJsonReport(report, f.json);
        if (report.summary.failed > 0) process.exitCode = 1;
      } finally {
        await device.close();
        await broker?.stop();
      }
    });
}
