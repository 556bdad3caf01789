// The app API's pins and ADC on every host, through the probe app (test/app/fixtures/probe.ts):
// a pin the board uses is refused at start with `evt app-error pin-reserved <pin>` (NodeDevice:
// start() rejects naming it; the firmware on the virtual board: the line, then the trap report);
// an input's level, an output's toggling and a pin's analog voltage go through the HAL's
// registers on the virtual board (GPIO CRL/CRH/IDR/BSRR, ADC1 channel 0) and through
// NodeDevice's pins.
import { describe, expect, it } from 'vitest';
import { NodeDevice } from '../../host-tools/sim/host/device.ts';
import { VirtualClock } from '../../host-tools/sim/host/clock.ts';
import { MemoryStore } from '../../host-tools/sim/host/store.ts';
import { VirtualBoard } from '../../host-tools/sim/board/board.ts';
import { writeAppSettingsImage } from '../../host-tools/sim/host/provision-store.ts';
import { ROOT, requireBuilt, tempStore } from '../vboard/helpers.ts';

const PROBE_WASM = `${ROOT}/build/app/probe.wasm`;
const PROBE_ELF = `${ROOT}/build/bluepill-probe/firmware.elf`;
const PA0 = 0, PA5 = 5, PB0 = 16, PB5 = 21, PB6 = 22;

async function probeOnNode(settings: Record<string, number>): Promise<{ dev: NodeDevice; lines: () => string[] }> {
  const store = new MemoryStore({ size: 12 * 1024, pageSize: 1024 });
  const first = await NodeDevice.start({ wasm: PROBE_WASM, store, clock: new VirtualClock(), waitConnected: false });
  first.setAppSettings(settings);
  await first.close();
  const dev = await NodeDevice.start({ wasm: PROBE_WASM, store, clock: new VirtualClock(), waitConnected: false });
  let out = '';
  dev.on('uart', (s: string) => { out += s; });
  return { dev, lines: () => out.split('\r\n').filter((l) => l.startsWith('probe')) };
}

function probeOnBoard(settingsFile: string) {
  const board = new VirtualBoard({ board: 'bluepill', elf: requireBuilt(PROBE_ELF), storeFile: settingsFile });
  let out = '';
  const warnings: string[] = [];
  board.on('uart', (c: number) => { out += String.fromCharCode(c); });
  board.on('warning', (t: string) => warnings.push(t));
  const waitFor = (re: RegExp, ms: number): RegExpExecArray => {
    board.runUntil(() => re.test(out), ms);
    const m = re.exec(out);
    if (!m) throw new Error(`no ${re} within ${ms} virtual ms; console:\n${out}`);
    return m;
  };
  return { board, waitFor, warnings, output: () => out };
}

describe('pins and ADC through the app API', () => {
  it('NodeDevice: a pin the board uses (PA5, SPI1 SCK) stops the app at start, naming it', async () => {
    const store = new MemoryStore({ size: 12 * 1024, pageSize: 1024 });
    const first = await NodeDevice.start({ wasm: PROBE_WASM, store, clock: new VirtualClock(), waitConnected: false });
    first.setAppSettings({ out: PA5 });
    await first.close();
    await expect(NodeDevice.start({ wasm: PROBE_WASM, store, clock: new VirtualClock(), waitConnected: false }))
      .rejects.toThrow(/evt app-error pin-reserved PA5/);
  });

  it('NodeDevice: an invalid subscription filter stops the app at start with filter-invalid', async () => {
    const store = new MemoryStore({ size: 12 * 1024, pageSize: 1024 });
    const first = await NodeDevice.start({ wasm: PROBE_WASM, store, clock: new VirtualClock(), waitConnected: false });
    first.setAppSettings({ bad: 1 });
    await first.close();
    await expect(NodeDevice.start({ wasm: PROBE_WASM, store, clock: new VirtualClock(), waitConnected: false }))
      .rejects.toThrow(/evt app-error filter-invalid/);
  });

  it('NodeDevice: an app whose setup() outgrows the board\'s linear memory fails at start, as it traps on the ' +
      'board', async () => {
    const store = new MemoryStore({ size: 12 * 1024, pageSize: 1024 });
    const first = await NodeDevice.start({ wasm: PROBE_WASM, store, clock: new VirtualClock(), waitConnected: false });
    first.setAppSettings({ text: 3000 });
    await first.close();
    await expect(NodeDevice.start({ wasm: PROBE_WASM, store, clock: new VirtualClock(), waitConnected: false }))
      .rejects.toThrow(/the app uses \d+ bytes of linear memory after setup\(\) .* bluepill gives a module 8192/);
  });

  it('NodeDevice: settings the app saves itself survive a restart; after() runs once, a cancelled timer ' +
      'never', async () => {
    const store = new MemoryStore({ size: 12 * 1024, pageSize: 1024 });
    const first = await NodeDevice.start({ wasm: PROBE_WASM, store, clock: new VirtualClock(), waitConnected: false });
    first.setAppSettings({ boots: 0 });
    await first.close();
    for (const expected of [1, 2]) {
      const dev = await NodeDevice.start({ wasm: PROBE_WASM, store, clock: new VirtualClock(), waitConnected: false });
      let out = '';
      dev.on('uart', (s: string) => { out += s; });
      dev.advance(49);
      dev.advance(1);
      dev.advance(200);
      await new Promise((r) => setImmediate(r));
      await dev.close();
      expect(out).toContain(`boots=${expected}\r\n`);
      expect(out.match(/after\r\n/g)).toHaveLength(1);
      expect(out).not.toContain('never');
      expect(out).not.toContain('nosave');
    }
  });

  it('NodeDevice: reads an input and an analog pin, toggles an output', async () => {
    const { dev, lines } = await probeOnNode({ out: PB6, in: PB5, adc: PA0 });
    try {
      const levels: number[] = [];
      dev.on('pin', (e: { pin: string; level: number }) => { if (e.pin === 'PB6') levels.push(e.level); });
      dev.pins.setAnalog('PA0', 1.65);
      dev.advance(100);
      dev.pins.setInput('PB5', 0);
      dev.advance(100);
      await new Promise((r) => setImmediate(r));
      expect(lines()[0]).toMatch(/^probe in=1 adc=2048 mv=1650 vdda=33\d\d$/); // pull-up, mid-scale
      expect(lines()[1]).toMatch(/^probe in=0 /);
      expect(levels).toEqual([1, 0]);
    } finally {
      await dev.close();
    }
  });

  it('virtual board: the firmware refuses PB0 (the W5500 reset line) with the error line, then traps in ' +
      'start', async () => {
    const file = tempStore();
    await writeAppSettingsImage(file, PROBE_WASM, { out: PB0 });
    const { board, waitFor } = probeOnBoard(file);
    try {
      waitFor(/evt app-error pin-reserved PB0\r\n/, 2000);
      waitFor(/evt trap [^\n]*in=start[^\n]*\r\n/, 500);
    } finally {
      board.close();
    }
  });

  it('virtual board: the same app traps in start (its Text lies past the 8 KB the runtime gives it)', async () => {
    const file = tempStore();
    await writeAppSettingsImage(file, PROBE_WASM, { text: 3000 });
    const { board, waitFor } = probeOnBoard(file);
    try {
      waitFor(/evt trap [^\n]*in=start[^\n]*\r\n/, 2000);
    } finally {
      board.close();
    }
  });

  it('virtual board: GPIO input with pull-up, output toggling and ADC1 channel 0 on the registers', async () => {
    const file = tempStore();
    await writeAppSettingsImage(file, PROBE_WASM, { out: PB6, in: PB5, adc: PA0 });
    const { board, waitFor, warnings } = probeOnBoard(file);
    try {
      const levels: number[] = [];
      board.gpio[1]!.onOutput((pin, level) => { if (pin === 6) levels.push(level); });
      board.adc.setInput(0, 0.825);
      const first = waitFor(/probe in=(\d) adc=(\d+) mv=(\d+) vdda=(\d+)\r\n/, 3000);
      // floating PB5 reads its pull-up
      expect(first.slice(1)).toEqual(['1', String(board.adc.code(0.825)), '825', '3300']);
      const level = 0;
      board.gpio[1]!.connectInput(5, () => level);
      board.adc.setInput(0, 3.0);
      const before = levels.length;
      board.runUntil(() => levels.length > before + 1, 500);
      // (up to the next field: a line still being printed must not match with its number cut)
      const second = waitFor(/(?:probe[^\n]*\r\n){2}probe in=(\d) adc=(\d+) mv=(\d+) vdda=/, 500);
      expect(second.slice(1, 4)).toEqual(['0', String(board.adc.code(3.0)), '3000']);
      expect(levels.length).toBeGreaterThanOrEqual(2);
      expect(levels.slice(0, 2)).toEqual([1, 0]);
      expect(board.gpio[1]!.pinConfig(6)).toBe(0x2); // push-pull output, 2 MHz
      expect(board.gpio[1]!.pinConfig(5)).toBe(0x8); // input with pull
      expect(board.gpio[0]!.pinConfig(0)).toBe(0x0); // analog
      expect(warnings.filter((w) => /ADC1|GPIO/.test(w))).toEqual([]);
      expect(board.fault).toBeUndefined();
    } finally {
      board.close();
    }
  });
});
