// `wasmqtt sim`: boot a firmware image on the virtual STM32F103 board (unicorn + TypeScript
// peripherals + the W5500 model), expose its UART as a pty, and run until stopped. Board, image
// and broker come from flags, then the project's wasmqtt.config.json.
import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pick, UserError } from '../../config/load.ts';
import { loadProject, type Project } from '../../config/project.ts';
import { provisionKey, provisionStore, virtualChipId } from '../../config/store-image.ts';
import { loadBoard as loadBoardFile } from '../../fwbuild/boards.ts';
import { readElf } from '../../elf/elf32.ts';
import { VirtualBoard } from '../../sim/board/board.ts';
import { formatFault } from '../../sim/board/fault-report.ts';
import { BoardRunner } from '../../sim/board/runner.ts';
import { UartPty, UartStream } from '../../sim/board/host-serial.ts';
import { serveBoardControl, type BoardAction } from '../../sim/board/control.ts';
import { FaultInjector } from '../../sim/w5500/index.ts';
import { W5500NetworkBackend } from '../../sim/host/w5500-backend.ts';
import { routeControlPath, serveRouteControl } from '../../sim/w5500/route-control.ts';
import { advertiseVirtualPort, virtualPortsDir } from '../../monitor/virtual-ports.ts';

interface SimFlags {
  board?: string;
  elf?: string;
  broker?: string;
  deviceBroker?: string;
  config?: string;
  route: string[];
  store?: string;
  trace?: string;
  speed: string;
  for?: string;
  pty: boolean;
  flashTiming: string;
}

export function register(program: Command): void {
  program
    .command('sim')
    .description('run a firmware image on the virtual STM32F103 board; its UART appears as a pty')
    .option('--board <name>', 'board from boards/ (default: "board" in wasmqtt.config.json, else bluepill)')
    .option('--elf <path>', 'firmware image (default: build/<board>/firmware.elf from `wasmqtt build`, in the ' +
      'project folder)')
    .option('--broker <host:port>', 'where the device\'s broker connection goes on this machine (default: the ' +
      'config\'s broker)')
    .option('--device-broker <ip:port>',
      'the broker address configured on the device (default: the config\'s broker, else 127.0.0.1:1883)')
    .option('-c, --config <file>', 'project config (default: nearest wasmqtt.config.json)')
    .option('--route <dev=host>', 'extra device→host endpoint route, e.g. 192.168.1.20:80=127.0.0.1:8080 (repeatable)',
      (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--store <file>', 'file keeping the persistent-store flash pages (default: build/<board>/vboard-store.bin)')
    .option('--trace <file>', 'write the W5500 SPI frame trace to this file')
    .option('--speed <ratio>', 'virtual seconds per wall second (1 = real time; "max" = as fast as possible)', '1')
    .option('--for <ms>', 'stop after this many virtual milliseconds')
    .option('--flash-timing <typical|max>',
      'flash program/erase times: typical (52.5 us, 20 ms) or the datasheet maximum (70 us, 40 ms)', 'typical')
    .option('--no-pty', 'no pseudo-terminal: copy the UART to stdout and stdin to the UART')
    .action(async (f: SimFlags) => {
      const project = loadProject(f.config);
      const boardName = pick(f.board, project.config.board, 'bluepill');
      const elf = resolve(f.elf ?? join(project.dir, 'build', boardName, 'firmware.elf'));
      if (!existsSync(elf)) throw new UserError(
        `${elf} does not exist; build it with \`wasmqtt build --board ${boardName}\` (or make build), or pass --elf`);
      const configured = project.config.broker ? `${project.config.broker.host}:${project.config.broker.port}` :
        undefined;
      // The device only knows IPv4 addresses; a broker named by host name is reached from this
      // machine by that name, and the device is given the loopback address for it.
      const deviceBroker = pick(f.deviceBroker, configured &&
        /^\d+\.\d+\.\d+\.\d+:\d+$/.test(configured) ? configured : undefined, '127.0.0.1:1883');
      const broker = pick(f.broker, configured);
      const speed = f.speed === 'max' ? Infinity : Number(f.speed);
      if (!(speed > 0)) throw new Error(`--speed ${f.speed} is not a positive number or "max"`);
      if (f.flashTiming !== 'typical' && f.flashTiming !== 'max') throw new UserError(
        `--flash-timing ${f.flashTiming}: use typical or max`);
      // The device's loopback is this machine's loopback, same port: a broker the HIL runner
      // starts on 127.0.0.1:<port> is reachable at that address from the device too.
      const routes: Record<string, string> = { '127.0.0.1:*': '127.0.0.1:0' };
      if (broker) routes[deviceBroker] = broker;
      for (const r of f.route) {
        const [dev, host] = r.split('=');
        if (!dev || !host) throw new Error(`--route ${r}: write it as DEVICE_IP:PORT=HOST:PORT`);
        routes[dev] = host;
      }
      const storeFile = resolve(f.store ?? join(project.dir, 'build', boardName, 'vboard-store.bin'));
      // an app's virtual board: a chip id fixed per project, the config's settings in its store
      const chipId = virtualChipId(project.dir);
      await provisionVirtualStore(project, boardName, elf, storeFile, chipId);
      let board: VirtualBoard | undefined;
      const net = new W5500NetworkBackend({ clock: () => board?.millis() ?? 0, routes, traceFile: f.trace });
      board = new VirtualBoard(
        { board: boardName, elf, w5500: net.model, flashTiming: f.flashTiming, storeFile, uid: chipId });
      const b = board;
      b.on('warning', (t: string) => console.error(`sim: ${t}`));
      b.on('fault', (info) => console.error(formatFault(info, b.image)));
      b.on('lockup', (info) => console.error(formatFault(info, b.image)));
      b.on('reset', (cause: string) => { if (cause !== 'power') console.error(`sim: board reset (${cause})`); });
      const uart = new UartStream(b);
      let pty: UartPty | undefined;
      let withdraw = () => {};
      let control: { close(): Promise<void> } | undefined;
      let routeControl: { close(): Promise<void> } | undefined;
      const runner = new BoardRunner(b, { speed, forMs: f.for !== undefined ? Number(f.for) : undefined });
      if (f.pty) {
        pty = await UartPty.open(uart);
        const controlPath = join(virtualPortsDir(), `${process.pid}.ctl`);
        control = await serveBoardControl(controlPath, (a) => benchAction(a, b, runner, net)).catch((e: unknown) => {
          pty?.close(); // or socat keeps the process alive after the error
          throw e;
        });
        // routes for the HIL runner's LAN scenarios (a DNS server, a DHCP rig's segment), beside the control socket
        routeControl = await serveRouteControl(routeControlPath(controlPath), net.model.addressMap);
        withdraw = advertiseVirtualPort(pty.path, boardName, virtualPortsDir(), process.pid, controlPath);
        console.log(`virtual ${boardName} running ${elf}`);
        console.log(`UART: ${pty.path}   (wasmqtt monitor ${pty.path})`);
      } else {
        uart.pipe(process.stdout);
        process.stdin.pipe(uart);
      }
      const stop = async () => {
        await runner.stop();
        pty?.close();
        withdraw();
        await control?.close();
        await routeControl?.close();
        await net.close();
        b.close();
      };
      process.once('SIGINT', () => { void stop().then(() => process.exit(0)); });
      process.once('SIGTERM', () => { void stop().then(() => process.exit(0)); });
      runner.start();
      if (f.for) {
        await runner.finished();
        await stop();
        console.error(`sim: ran ${b.millis().toFixed(1)} virtual ms, ${b.instructions} instructions`);
        process.exit(b.fault?.kind === 'lockup' ? 1 : 0);
      }
      runner.on('stopped', (why: string) => { if (why === 'lockup') void stop().then(() => process.exit(1)); });
    });
}

/**
 * Saves the config's network, broker and client settings into the virtual board's store when
 * the image is an app (its module, app.wasm, beside the ELF: an app has no console to take them)
 * and they changed since the last run (`<store>.provisioned` holds what was written). The store
 * keeps its session otherwise.
 */
async function provisionVirtualStore(project: Project, boardName: string, elf: string, storeFile: string,
    chipId: [number, number, number]): Promise<void> {
  const c = project.config;
  const module = join(dirname(elf), 'app.wasm');
  if (!(c.network || c.broker || c.client) || !existsSync(module)) return;
  const bytes = readFileSync(module);
  const key = provisionKey(c, bytes);
  const marker = `${storeFile}.provisioned`;
  if (existsSync(storeFile) && existsSync(marker) && readFileSync(marker, 'utf8').trim() === key) return;
  const board = loadBoardFile(boardName);
  const symbols = readElf(elf).symbols;
  const start = symbols.find((x) => x.name === '__store_start')?.value;
  const end = symbols.find((x) => x.name === '__store_end')?.value;
  const size = start !== undefined && end !== undefined ? end - start : board.storePages * board.memory.flashPageBytes;
  const current = existsSync(storeFile) ? new Uint8Array(readFileSync(storeFile)) : new Uint8Array(size).fill(0xff);
  if (current.length !== size) throw new UserError(
    `${storeFile} holds ${current.length} bytes but the image's store is ${size}; delete it (the device's saved ` +
    `session and settings) or pass another --store`);
  const store = await provisionStore({ module: bytes, board, store: current, chipId, config: c });
  mkdirSync(dirname(storeFile), { recursive: true });
  writeFileSync(storeFile, store);
  writeFileSync(marker, key + '\n');
  console.error(
    `sim: saved wasmqtt.config.json's ` +
    `${['network', 'broker', 'client'].filter((k) => c[k as 'network']).join(', ')} settings into the board's store`);
}

/**
 * Power and link control for `wasmqtt hil --sim`. Power off stops the CPU (virtual time stands
 * still while the board is off) and cuts the W5500's connections without FIN, as a pulled plug
 * does; power on is a cold start: RAM and peripherals lost, the store file kept.
 */
let poweredOff = false;
async function benchAction(
    action: BoardAction, board: VirtualBoard, runner: BoardRunner, net: W5500NetworkBackend): Promise<void> {
  switch (action) {
    case 'power off':
      if (poweredOff) return;
      await runner.stop();
      net.model.powerOff();
      poweredOff = true;
      return;
    case 'power on':
      if (!poweredOff) return;
      board.powerCycle();
      poweredOff = false;
      runner.start();
      return;
    case 'link down': new FaultInjector(net.model).linkDown(); return;
    case 'link up': new FaultInjector(net.model).linkUp(); return;
  }
}
