// USART1 as a Node stream and as a pseudo-terminal (socat), driven by the runner in real time.
import { chmodSync, closeSync, constants, mkdtempSync, openSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualBoard } from '../../host-tools/sim/board/board.ts';
import { BoardRunner } from '../../host-tools/sim/board/runner.ts';
import { UartPty, UartStream } from '../../host-tools/sim/board/host-serial.ts';
import { openSerialPort } from '../../host-tools/monitor/open-port.ts';
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
    // never block the event loop
    const fd = openSync(pty.path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY);
    cleanup.push(() => closeSync(fd));
    await runner.until(() => runner.virtualMs > 20, 1000, 'boot');
    writeSync(fd, 'h');
    let text = '';
    const buf = Buffer.alloc(256);
    const deadline = Date.now() + 5000;
    while (!text.includes('hello\r\n') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      try { const n = readSync(fd, buf, 0, buf.length, null);
        text += buf.toString('latin1', 0, n); } catch { /* EAGAIN: nothing yet */ }
    }
    expect(text).toContain('hello\r\n');
  });

  it('carries each byte once through the pty when socat logs in several chunks (serialport client)', async () => {
    // Real socat, but its -d -d log reaches us one line per 50 ms, as it does on a loaded machine:
    // "PTY is ..." then "reading from and writing to stdio", "starting data transfer loop".
    const dir = mkdtempSync(join(tmpdir(), 'vboard-socat-'));
    const socat = join(dir, 'socat-slow-log');
    writeFileSync(
      socat, '#!/bin/bash\nexec socat "$@" 2> >(while IFS= read -r l; do printf "%s\\n" "$l" >&2; sleep 0.05; done)\n');
    chmodSync(socat, 0o755);
    const { board, uart, runner } = start(20);
    const received: number[] = [];
    const feed = board.uartInput.bind(board);
    board.uartInput = (bytes: Uint8Array | string) =>
      { received.push(...(typeof bytes === 'string' ? Buffer.from(bytes) : bytes)); feed(bytes); };
    const pty = await UartPty.open(uart, undefined, socat);
    cleanup.push(() => pty.close());
    await new Promise((r) => setTimeout(r, 300)); // the whole log has arrived
    await runner.until(() => runner.virtualMs > 20, 1000, 'boot');
    const port = await openSerialPort(pty.path, 115200);
    cleanup.push(() => new Promise<void>((r) => port.close(() => r())));
    let text = '';
    port.on('data', (d: Buffer) => { text += d.toString('latin1'); });
    port.write('h');
    // at speed 20, 1000 virtual ms is only 50 ms of wall time: the bytes cross serialport, the pty
    // and socat in wall time, which on a loaded machine took longer (a run beside a bench failed)
    await runner.until(() => text.includes('hello\r\n'), 20_000, 'the reply to h');
    await runner.until(() => runner.virtualMs > 60, 1000, 'any duplicate to arrive');
    expect(Buffer.from(received).toString('latin1')).toBe('h');
    expect(text.match(/hello\r\n/g)).toHaveLength(1); // the boot banner may precede it
  });
});
