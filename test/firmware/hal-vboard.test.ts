// The HAL's start-up paths on the virtual board (the other layer's Cortex-M3 + peripheral
// models) with the real firmware image: HSE failure falls back to HSI with a console warning,
// and both engines' images boot to a working console.
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualBoard } from '../../host-tools/sim/board/board.ts';
import { W5500 } from '../../host-tools/sim/w5500/index.ts';
import { readElf } from '../../host-tools/elf/elf32.ts';
import { BLUEPILL_ELF, REPO_ROOT, requireArtifact } from './helpers.ts';

let open: VirtualBoard[] = [];
afterEach(() => { for (const b of open) b.close(); open = []; });

function boot(elf: string, hseHz?: number) {
  let board: VirtualBoard | undefined;
  const chip = new W5500({ clock: () => board?.millis() ?? 0 });
  board = new VirtualBoard({
    board: 'bluepill', elf: requireArtifact(join(REPO_ROOT, elf)), hseHz, w5500: chip,
    storeFile: join(mkdtempSync(join(tmpdir(), 'wasmqtt-fw-vb-')), 'store.bin'),
  });
  open.push(board);
  const b = board;
  let out = '';
  b.on('uart', (c: number) => { out += String.fromCharCode(c); });
  const waitFor = (re: RegExp, ms = 1000) => {
    if (!b.runUntil(() => re.test(out), ms)) throw new Error(
      `no ${re} within ${ms} virtual ms; console: ${JSON.stringify(out)}`);
    return re.exec(out)![0];
  };
  const command = (line: string, re: RegExp) => { out = ''; b.uartInput(`${line}\r\n`); return waitFor(re); };
  return { board: b, chip, waitFor, command, output: () => out, send: (s: string) => b.uartInput(s) };
}

describe('HAL on the virtual board', () => {
  it('without a crystal: falls back to HSI/2 x 16 = 64 MHz, says so, and the console still works', () => {
    const { board, waitFor, command } = boot(BLUEPILL_ELF, 0);
    expect(waitFor(/evt warn code=hse-failed [^\n]*\n/)).toContain('running on HSI at 64 MHz');
    waitFor(/evt loaded [^\n]*\n/);
    expect(board.hz()).toBe(64_000_000);
    // USART1's divider was computed for 64 MHz: the reply arrives intact.
    expect(command('status', /ok status [^\n]*\r\n/)).toMatch(/^ok status state=idle /);
    expect(board.fault).toBeUndefined();
  });

  it('with the crystal: 72 MHz, no warning; the aot image boots and answers too', () => {
    const interp = boot(BLUEPILL_ELF);
    interp.waitFor(/evt loaded [^\n]*\n/);
    // The vector table VTOR points at (top 512 bytes of RAM), written by the reset handler: the
    // 16 system entries from flash, USART1 (IRQ 37) to its handler, every other interrupt to
    // the handler that reports it.
    const elf = readElf(join(REPO_ROOT, BLUEPILL_ELF));
    const fn = (name: string) => elf.symbols.find((s) => s.name === name)!.value | 1;
    const ram = interp.board.readMemory(0x20000000 + 20 * 1024 - 512, 76 * 4);
    const flash = interp.board.readMemory(0x08000000, 16 * 4);
    const vec = (b: Uint8Array, i: number) => new DataView(b.buffer, b.byteOffset).getUint32(i * 4, true);
    expect(Array.from({ length: 16 }, (_, i) => vec(ram, i))).toEqual(
      Array.from({ length: 16 }, (_, i) => vec(flash, i)));
    expect(Array.from({ length: 60 }, (_, i) => vec(ram, 16 + i)))
      .toEqual(Array.from({ length: 60 }, (_, i) => fn(i === 37 ? 'USART1_IRQHandler' : 'Default_Handler')));
    expect(interp.board.hz()).toBe(72_000_000);
    expect(interp.output()).not.toContain('hse-failed');
    const aot = boot('build/bluepill-aot/firmware.elf');
    expect(aot.waitFor(/evt boot [^\n]*\n/)).toContain('runtime=aot-wasm2c');
    expect(aot.waitFor(/evt loaded [^\n]*\n/)).toMatch(/memory=8192 memory_cap=8192/);
    expect(aot.command('show', /ok show [^\n]*\r\n/)).toMatch(/ id=wasmqtt-[0-9a-f]{24} /);
    expect(aot.board.fault).toBeUndefined();
  });

  it('SPI1 to the W5500 model: a 64-byte burst (DMA) round-trips through the TX buffer, VERSIONR reads 4', () => {
    const dev = boot('build/firmware-test/bluepill-tiny/firmware.elf');
    dev.waitFor(/tiny up\r\n/);
    dev.send('w');
    expect(dev.waitFor(/spi=(ok|bad)\r\n/)).toBe('spi=ok\r\n');
    expect(dev.waitFor(/ver=.\r\n/)).toBe('ver=4\r\n');
    expect(dev.board.fault).toBeUndefined();
    // The burst really went through DMA: the HAL's fallback (redo the frame polled) clears dma_ok.
    const elf = readElf(join(REPO_ROOT, 'build/firmware-test/bluepill-tiny/firmware.elf'));
    const dmaOk = elf.symbols.find((x) => x.name === 'dma_ok')!;
    expect(Buffer.from(dev.board.readMemory(dmaOk.value, 4)).readUInt32LE(0)).toBe(1);
  });
});
