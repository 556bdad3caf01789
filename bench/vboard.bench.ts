// Virtual board figures: emulation speed on the real firmware image, virtual vs wall time, and a
// peer measured in the same run (unicorn alone on a two-instruction loop, with the same
// instruction-counting hook) so the cost of the peripheral models and exception handling shows.
// Network figures (instructions and SPI bytes per QoS 1 publish, reset to first CONNECT, the
// 72 MHz projection, the realtime factor over a QoS soak) come from the same image (core.wasm's
// transport is the W5500 driver) against a real Mosquitto.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualBoard } from '../host-tools/sim/board/board.ts';
import { Reg, UnicornCpu } from '../host-tools/sim/board/unicorn.ts';
import { BoardRunner } from '../host-tools/sim/board/runner.ts';
import { W5500, W5500NetworkBackend } from '../host-tools/sim/w5500/index.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';

const ROOT = join(import.meta.dirname, '..');
const ELF = join(ROOT, 'build/bluepill/firmware.elf');
const SOAK_PUBLISHES = 200;
const SOAK_SPEED = 50;
const SPI_HZ = 18_000_000;

/**
 * QoS soak on the firmware with the W5500 transport against a real Mosquitto: reset → connect,
 * then SOAK_PUBLISHES QoS 1 publishes typed on the console one after another.
 */
async function qosSoak(): Promise<Record<string, number | string>> {
  const mq = await startMosquitto();
  let board: VirtualBoard | undefined;
  let net: W5500NetworkBackend | undefined;
  let runner: BoardRunner | undefined;
  try {
    net = new W5500NetworkBackend({ clock: () => board?.millis() ?? 0, routes: { '127.0.0.1:1883': `127.0.0.1:${mq.port}` } });
    board = new VirtualBoard({ board: 'bluepill', elf: ELF, w5500: net.model });
    return await soakOn(board, net, (r) => { runner = r; });
  } finally {
    await runner?.stop();
    board?.close();
    await net?.close();
    await mq.stop();
  }
}

async function soakOn(b: VirtualBoard, net: W5500NetworkBackend, started: (r: BoardRunner) => void): Promise<Record<string, number | string>> {
  let out = '';
  b.on('uart', (c: number) => { out += String.fromCharCode(c); });
  // First CONNECT: the first TX-buffer write whose first byte is the CONNECT header 0x10.
  let connectInstr = -1;
  const chip = net.model as unknown as { writeByte(block: number, addr: number, v: number): void };
  const writeByte = chip.writeByte.bind(chip);
  let lastBlock = -1;
  chip.writeByte = (block, addr, v) => {
    if (connectInstr < 0 && (block & 3) === 2 && block !== lastBlock && v === 0x10) connectInstr = b.instructions;
    lastBlock = block;
    writeByte(block, addr, v);
  };
  const runner = new BoardRunner(b, { speed: SOAK_SPEED });
  started(runner);
  runner.start();
  await runner.until(() => out.includes('evt loaded'), 2000, 'boot');
    b.uartInput('connect\r\n');
    await runner.until(() => out.includes('evt connected'), 20_000, 'connect');
    // Idle cost while connected (SysTick and the idle loop), subtracted below: how much idle
    // virtual time passes per publish depends on the broker's wall-clock latency.
    b.runFor(20);
    const idleI0 = b.instructions;
    b.runFor(500);
    const idlePerMs = (b.instructions - idleI0) / 500;
    const i0 = b.instructions, s0 = net.model.counters.bytes, v0 = b.millis(), w0 = performance.now();
    for (let k = 0; k < SOAK_PUBLISHES; k++) {
      const done = `evt publish-done pid=`;
      const before = out.split(done).length;
      b.uartInput(`pub bench/soak 1 0 message-${k}\r\n`);
      await runner.until(() => out.split(done).length > before, 10_000, `publish ${k}`);
    }
    const wall = (performance.now() - w0) / 1000;
    const virtMs = b.millis() - v0;
    return {
      instr: (b.instructions - i0 - idlePerMs * virtMs) / SOAK_PUBLISHES,
      idlePerMs,
      spiBytes: (net.model.counters.bytes - s0) / SOAK_PUBLISHES,
      realtime: (b.millis() - v0) / 1000 / wall,
      connectInstr,
  };
}

function rawUnicornMips(): number {
  const cpu = new UnicornCpu();
  try {
    cpu.mapRam(0x20000000, 0x1000);
    cpu.write(0x20000000, new Uint8Array([0x01, 0x30, 0xfd, 0xe7])); // adds r0, #1; b.n -2
    cpu.setReg(Reg.SP, 0x20000800);
    const n = 50_000_000;
    cpu.deadline = n;
    const t = performance.now();
    cpu.run(0x20000000);
    return cpu.instr / ((performance.now() - t) / 1000) / 1e6;
  } finally { cpu.close(); }
}

function projection(instr: number, spiBytes: number, cpi: number, connectInstr: number, idlePerMs: number): Record<string, unknown> {
  const cpuBound = 72e6 / (instr * cpi);
  const spiBound = SPI_HZ / 8 / spiBytes;
  return {
    vboard_instr_per_qos1_publish: Math.round(instr),
    vboard_instr_per_qos1_publish_includes: 'console command in (UART RX IRQs, parse) and the ok/evt lines out, plus the MQTT work; idle-loop cost subtracted',
    idle_instructions_per_ms_connected: Math.round(idlePerMs),
    spi_bytes_per_qos1_publish: Number(spiBytes.toFixed(1)),
    projected_msgs_per_s_72mhz: {
      cpu_bound: Math.round(cpuBound),
      spi_bound_18mhz: Math.round(spiBound),
      value: Math.round(Math.min(cpuBound, spiBound)),
      limited_by: cpuBound < spiBound ? 'cpu' : 'spi',
    },
    instructions_reset_to_first_connect: connectInstr,
    instructions_reset_to_first_connect_note: 'includes booting, loading core.wasm and typing `connect` at 115200 baud',
  };
}

export async function run(): Promise<Record<string, unknown>> {
  if (!existsSync(ELF)) throw new Error(`${ELF} is missing: run make build`);
  let board: VirtualBoard | undefined;
  const chip = new W5500({ clock: () => board?.millis() ?? 0 });
  board = new VirtualBoard({ board: 'bluepill', elf: ELF, w5500: chip });
  const b = board;
  let out = '';
  b.on('uart', (c: number) => { out += String.fromCharCode(c); });

  // Phase 1, CPU-bound: reset until the runtime has loaded core.wasm (parse, validate, link).
  let t = performance.now();
  b.runUntil(() => out.includes('evt loaded'), 5000, 0.5);
  const bootWall = (performance.now() - t) / 1000;
  const bootInstr = b.instructions;
  const bootMs = b.millis();
  // Same phase again after a pin reset: RAM and unicorn's translated code survive, so this is
  // the warm emulation speed (the first boot pays for translating every block once).
  b.runFor(50);
  out = '';
  const warmI0 = b.instructions;
  b.pinReset();
  t = performance.now();
  b.runUntil(() => out.includes('evt loaded'), 5000, 0.5);
  const warmWall = (performance.now() - t) / 1000;
  const warmInstr = b.instructions - warmI0;

  // Phase 2, a console session: idle with commands every 100 virtual ms for 10 virtual s.
  const idle0 = b.instructions;
  b.runFor(500);
  const sessionIdlePerMs = (b.instructions - idle0) / 500;
  const v0 = b.millis(), i0 = b.instructions;
  t = performance.now();
  for (let k = 0; k < 100; k++) {
    b.uartInput(k % 2 ? 'status\r\n' : 'show\r\n');
    b.runFor(100);
  }
  const sessionWall = (performance.now() - t) / 1000;
  const sessionVirtual = (b.millis() - v0) / 1000;
  const sessionInstr = b.instructions - i0;
  b.close();

  const raw = rawUnicornMips();
  const soak = existsSync(ELF) ? await qosSoak() : undefined;
  const mips = bootInstr / bootWall / 1e6;
  const warmMips = warmInstr / warmWall / 1e6;
  return {
    vboard_mips: Number((sessionInstr / sessionWall / 1e6).toFixed(2)),
    vboard_mips_phase: 'real firmware, 10 virtual s console session (100 commands): instructions per wall second',
    boot_mips_warm: Number(warmMips.toFixed(2)),
    boot_mips_cold_first_boot: Number(mips.toFixed(2)),
    peer_unicorn_raw_mips: Number(raw.toFixed(1)),
    ratio_vboard_to_raw_unicorn: Number((sessionInstr / sessionWall / 1e6 / raw).toFixed(3)),
    instructions_reset_to_core_loaded: bootInstr,
    virtual_ms_reset_to_core_loaded: Number(bootMs.toFixed(2)),
    vboard_realtime_factor: soak ? Number((soak.realtime as number).toFixed(1)) : null,
    vboard_realtime_factor_session: `QoS soak: ${SOAK_PUBLISHES} QoS 1 publishes typed on the console, real Mosquitto, runner capped at ${SOAK_SPEED}x`,
    console_session_realtime_factor: Number((sessionVirtual / sessionWall).toFixed(1)),
    console_session_instructions_per_virtual_s: Math.round(sessionInstr / sessionVirtual),
    console_command_instructions: Math.round((sessionInstr - sessionIdlePerMs * sessionVirtual * 1000) / 100),
    console_command_note: 'one `show` or `status` line in, its reply out (idle cost subtracted): the console share of a typed publish',
    cpi_assumed: b.cpi,
    ...(soak ? projection(soak.instr as number, soak.spiBytes as number, b.cpi, soak.connectInstr as number, soak.idlePerMs as number) : {
      vboard_instr_per_qos1_publish: null, projected_msgs_per_s_72mhz: null,
      network_figures_missing_because: `${ELF} missing (make build)`,
    }),
  };
}
