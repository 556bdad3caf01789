// The real firmware image on the virtual board with the W5500 model wired to real sockets, driven
// through its USART console like a person at a terminal: the rig the MQTT end-to-end suites share.
import { VirtualBoard } from '../../host-tools/sim/board/board.ts';
import { BoardRunner } from '../../host-tools/sim/board/runner.ts';
import { W5500NetworkBackend } from '../../host-tools/sim/host/w5500-backend.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { writeFileSync } from 'node:fs';
import { FIRMWARE_ELF, ROOT, requireBuilt, tempStore } from './helpers.ts';

export const FW_W5500 = FIRMWARE_ELF;
export const FW_AOT = `${ROOT}/build/bluepill-aot/firmware.elf`;
// Broker replies take wall time while the firmware's timeouts run on virtual time: at 5x a
// 1 ms wall reply is 5 virtual ms, far inside the core's 10 s timeout.
export const SPEED = 5;

/** A Mosquitto (extra config lines as given) and the firmware image connected to it; both are
 * closed by the cleanups pushed onto `cleanup`. `brokerPort` overrides where the board's broker
 * address leads (a fault proxy in front of the broker, say); `storeImage` is the store the board
 * boots with (e.g. a saved config: host-tools/sim/host/provision-store.ts), else a blank one. */
export async function setupDevice(cleanup: Array<() => Promise<void> | void>, elf = FW_W5500,
  extraConfig: string[] = [], brokerPort?: (mq: Mosquitto) => Promise<number>,
      storeImage?: Uint8Array): Promise<{ mq: Mosquitto; dev: Device }> {
  const mq = await startMosquitto({ extraConfig });
  cleanup.push(() => mq.stop());
  const storeFile = tempStore();
  if (storeImage) writeFileSync(storeFile, storeImage);
  const dev = new Device(brokerPort ? await brokerPort(mq) : mq.port, storeFile, elf);
  cleanup.push(() => dev.close());
  return { mq, dev };
}

export class Device {
  board: VirtualBoard;
  runner: BoardRunner;
  net: W5500NetworkBackend;
  out = '';

  constructor(brokerPort: number, storeFile: string, elf: string) {
    let board: VirtualBoard | undefined;
    this.net = new W5500NetworkBackend(
      { clock: () => board?.millis() ?? 0, routes: { '127.0.0.1:1883': `127.0.0.1:${brokerPort}` } });
    board = new VirtualBoard({ board: 'bluepill', elf: requireBuilt(elf), w5500: this.net.model, storeFile });
    this.board = board;
    board.on('uart', (c: number) => { this.out += String.fromCharCode(c); });
    this.runner = new BoardRunner(board, { speed: SPEED });
    this.runner.start();
  }

  /** Waits until the console output matches; returns the match. */
  async see(re: RegExp, maxVirtualMs: number): Promise<RegExpExecArray> {
    try {
      await this.runner.until(() => re.test(this.out), maxVirtualMs, String(re));
    } catch (err) {
      throw new Error(`${(err as Error).message}; console:\n${this.out}`, { cause: err });
    }
    return re.exec(this.out)!;
  }

  send(line: string): void { this.board.uartInput(`${line}\r\n`); }

  /** Boots and connects with a fresh session, then stops the runner: the test drives the board. */
  async connectThenHold(): Promise<void> {
    await this.see(/evt loaded [^\n]*\n/, 2000);
    this.send('connect');
    await this.see(/evt connected session_present=0/, 20_000);
    await this.runner.stop();
    this.out = '';
  }

  /** Cuts the power (flash kept), boots again, reconnects with the stored session and waits
   * until the open QoS 2 publish completes and nothing is left in flight. */
  async powerCycleAndResume(): Promise<void> {
    this.board.powerCycle();
    this.out = '';
    this.runner = new BoardRunner(this.board, { speed: SPEED });
    this.runner.start();
    await this.see(/evt boot board=bluepill reset=power[^\n]*\n/, 2000);
    await this.see(/evt loaded [^\n]*\n/, 2000);
    this.send('connect');
    await this.see(/evt connected session_present=1/, 20_000);
    await this.see(/evt publish-done pid=\d+ qos=2/, 10_000);
    this.send('status');
    await this.see(/ok status [^\n]*inflight=0 /, 2000);
  }

  count(re: RegExp): number { return this.out.match(new RegExp(re, 'g'))?.length ?? 0; }

  async close(): Promise<void> {
    await this.runner.stop();
    this.board.close();
    await this.net.close();
  }
}
