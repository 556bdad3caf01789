// Console transport over a virtual board the HIL runner boots itself (`wasmqtt hil --sim` when no
// `wasmqtt sim` is running): the LAN image (the console with DHCP and DNS, build/<board>-lan/,
// mk/w5500.mk) on the virtual STM32F103 at a real board's pace, its UART read directly, power and
// the PHY link switched on the board and the W5500 model, and the model's routes owned by the
// runner (hil/lan-routes.ts), so the LAN scenarios run against real dnsmasq servers as the others
// run against Mosquitto.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../config/load.ts';
import { PACKAGE_ROOT } from '../config/project.ts';
import { VirtualBoard } from '../sim/board/board.ts';
import { BoardRunner } from '../sim/board/runner.ts';
import { UartStream } from '../sim/board/host-serial.ts';
import { W5500NetworkBackend } from '../sim/host/w5500-backend.ts';
import type { ConsoleTransport } from './console-device.ts';
import { LAN_BROKER, LanRoutes, type LanRouting } from './lan-routes.ts';
import { LinkRelay } from './link-relay.ts';

/**
 * The board `hil --sim` boots when none is running: the smallest one whose LAN image fits (docs/w5500.md, "LAN
 * images").
 */
export const SIM_LAN_BOARD = 'stm32f103rc';
export const simLanElf = (board = SIM_LAN_BOARD): string => join(PACKAGE_ROOT, 'build', `${board}-lan`, 'firmware.elf');

export class SimBoardTransport implements ConsoleTransport {
  readonly description: string;
  readonly reachesRunnerLoopback = true;
  readonly lan: LanRouting;
  private readonly relay = new LinkRelay('127.0.0.1', 9, true);
  private readonly routes = new LanRoutes(this.relay);
  private readonly net: W5500NetworkBackend;
  private readonly board: VirtualBoard;
  private readonly runner: BoardRunner;
  private readonly uart: UartStream;
  private readonly storeDir = mkdtempSync(join(tmpdir(), 'wasmqtt-hil-sim-'));
  private powered = true;

  private constructor(boardName: string, elf: string) {
    let board: VirtualBoard | undefined;
    this.net = new W5500NetworkBackend({ clock: () => board?.millis() ?? 0 });
    board = new VirtualBoard(
      { board: boardName, elf, w5500: this.net.model, storeFile: join(this.storeDir, 'store.bin') });
    this.board = board;
    this.uart = new UartStream(board);
    this.runner = new BoardRunner(board, { speed: 1 });
    this.lan = this.routes;
    this.description = `virtual ${boardName} (${elf}: the console with DHCP and DNS), booted by the runner`;
  }

  /** Boots `elf` (default: the LAN image of SIM_LAN_BOARD) on the virtual board. */
  static async start(boardName = SIM_LAN_BOARD, elf = simLanElf(boardName)): Promise<SimBoardTransport> {
    if (!existsSync(elf)) {
      throw new UserError(
        `${elf} does not exist: build it with \`make ${elf.slice(PACKAGE_ROOT.length + 1)}\` (or make build), or ` +
        `start a virtual board yourself (wasmqtt sim) and run wasmqtt hil --sim again`);
    }
    const t = new SimBoardTransport(boardName, elf);
    await t.relay.start();
    t.routes.attach(t.net.model.addressMap); // (the broker route needs the relay's port)
    t.runner.start();
    await t.booted();
    return t;
  }

  /** Resolves once the firmware has loaded its module (`evt loaded`): the console reads from then on. */
  private booted(ms = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(
        () =>
        { this.uart.off('data', on);
        reject(
        new Error(
        `the virtual board printed no "evt loaded" within ` +
        `${ms} ms; its UART said: ${seen.slice(-300) || 'nothing'}`)); }, ms);
      const on = (d: Buffer): void => {
        seen += d.toString('latin1');
        if (/evt loaded [^\n]*\n/.test(seen)) { clearTimeout(timer); this.uart.off('data', on); resolve(); }
        else if (/evt (fatal|trap|fault) /.test(seen)) { clearTimeout(timer); this.uart.off('data', on);
          reject(new Error(`the virtual board did not start: ${seen.trim()}`)); }
      };
      this.uart.on('data', on);
    });
  }

  write(text: string): void {
    if (this.powered) this.board.uartInput(text);
  }

  onData(fn: (chunk: Buffer) => void): void {
    this.uart.on('data', fn);
  }

  async brokerAddress(url: string): Promise<{ ip: string; port: number }> {
    const u = new URL(url);
    this.relay.retarget(u.hostname, Number(u.port || 1883));
    return LAN_BROKER;
  }

  /**
   * As `wasmqtt sim`'s bench control: the CPU stops (virtual time with it) and the W5500 drops its connections without
   * FIN.
   */
  async powerOff(): Promise<void> {
    if (!this.powered) return;
    await this.runner.stop();
    this.net.model.powerOff();
    this.powered = false;
  }

  /** A cold start: RAM and peripherals lost, the store kept. */
  async powerOn(): Promise<void> {
    if (this.powered) return;
    this.board.powerCycle();
    this.powered = true;
    this.runner.start();
  }

  async linkDown(): Promise<void> { this.net.model.faults.linkDown(); }
  async linkUp(): Promise<void> { this.net.model.faults.linkUp(); }

  millis(): number { return this.board.millis(); }

  async close(): Promise<void> {
    await this.runner.stop();
    this.uart.destroy();
    await this.net.close();
    this.board.close();
    await this.relay.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
