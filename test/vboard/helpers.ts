// Shared by the virtual-board suites: the fixture firmware (built by mk/vboard.mk) and a board
// with its UART captured.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { VirtualBoard, type BoardOptions } from '../../host-tools/sim/board/board.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const FIXTURE_ELF = join(ROOT, 'build/vboard/fixture.elf');
/** The bluepill image the firmware suites run (`make build` writes each): the default engine's (the register form)
 * when WASMQTT_FIRMWARE_ENGINE is unset; =stack runs them on the stack form's (`wasmqtt build --engine stack`), =aot
 * on wasm2c's. */
export const FIRMWARE_ELF = bluepillElf(process.env.WASMQTT_FIRMWARE_ENGINE);

export function bluepillElf(engine = 'regform'): string {
  const dirs: Record<string, string> = { regform: 'bluepill', stack: 'bluepill-stack', aot: 'bluepill-aot' };
  const dir = engine === '' ? dirs.regform : dirs[engine];
  if (!dir) throw new Error(
    `WASMQTT_FIRMWARE_ENGINE=${engine}: not an engine; use one of ${Object.keys(dirs).join(', ')} ` +
    '(or leave it unset for the default, regform)');
  return join(ROOT, 'build', dir, 'firmware.elf');
}

export function requireBuilt(path: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`make build\` first`);
  return path;
}

export function tempStore(): string {
  return join(mkdtempSync(join(tmpdir(), 'vboard-')), 'store.bin');
}

export class CapturedBoard {
  readonly board: VirtualBoard;
  out = '';
  readonly warnings: string[] = [];
  readonly resets: string[];

  constructor(opts: Partial<BoardOptions> = {}) {
    this.board = new VirtualBoard({ board: 'bluepill', elf: requireBuilt(FIXTURE_ELF), ...opts });
    this.board.on('uart', (b: number) => { this.out += String.fromCharCode(b); });
    this.board.on('warning', (t: string) => this.warnings.push(t));
    this.resets = [this.board.resetCause];
    this.board.on('reset', (c: string) => this.resets.push(c));
  }

  /** Run until the fixture's boot line is complete. */
  boot(): string { return this.waitFor('clk=72000000\r\n', 50); }

  /** Run until the console shows `text` (after the current output) or `maxMs` virtual ms pass. */
  waitFor(text: string | RegExp, maxMs = 200): string {
    const seen = () => (typeof text === 'string' ? this.out.includes(text) : text.test(this.out));
    if (!this.board.runUntil(seen, maxMs)) throw new Error(
      `console never showed ${String(text)} in ${maxMs} ms; got ${JSON.stringify(this.out)}`);
    return this.out;
  }

  /** Send a command and return the console output it produced up to `until`. */
  command(cmd: string, until: string | RegExp, maxMs = 200): string {
    this.out = '';
    this.board.uartInput(cmd);
    return this.waitFor(until, maxMs);
  }

  close(): void { this.board.close(); }
}
