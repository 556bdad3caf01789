// USART1 as a Node stream and as a pseudo-terminal (socat), driven by the runner in real time.
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualBoard } from '../../host-tools/sim/board/board.ts';
import { BoardRunner } from '../../host-tools/sim/board/runner.ts';
import { UartPty, UartStream } from '../../host-tools/sim/board/uart.ts';
import { FIXTURE_ELF, requireBuilt } from './helpers.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

function start(speed = Infinity) {
  const board = new VirtualBoard({ board: 'bluepill', elf: requireBuilt(FIXTURE_ELF) });
  const uart = new UartStream(board);
  const runner = new BoardRunner(board, { speed });
  cleanup.push(() => board.close(), () => runner.stop());
  runner.start();
  return { board, uart, runner };
}

function collect(stream: NodeJS.ReadableStream): { text: () => string } {
  let s = '';
  stream.on('data', (d: Buffer) => { s += d.toString('latin1'); });
  return { text: () => s };
}

describe('UART host side', () => {
  it('is a Node duplex stream: boot banner out, commands in', async () => {
    const { uart, runner } = start();
    const got = collect(uart);
    await runner.until(() => got.text().includes('clk=72000000\r\n'), 100, 'the boot banner');
    uart.write('h');
    await runner.until(() => got.text().includes('hello\r\n'), 100, 'the reply to h');
    expect(got.text()).toBe('fixture boot cause=power clk=72000000\r\nhello\r\n');
  });

  it('appears as a pseudo-terminal that a terminal program can open', async () => {
    const { uart, runner } = start(20);
    const pty = await UartPty.open(uart);
    cleanup.push(() => pty.close());
    expect(pty.path).toMatch(/^\/dev\/pts\/\d+$/);
    const fd = openSync(pty.path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY); // never block the event loop
    cleanup.push(() => closeSync(fd));
    await runner.until(() => runner.virtualMs > 20, 1000, 'boot');
    writeSync(fd, 'h');
    let text = '';
    const buf = Buffer.alloc(256);
    const deadline = Date.now() + 5000;
    while (!text.includes('hello\r\n') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      try { const n = readSync(fd, buf, 0, buf.length, null); text += buf.toString('latin1', 0, n); } catch { /* EAGAIN: nothing yet */ }
    }
    expect(text).toContain('hello\r\n');
  });
});
