// Virtual board figures: emulation speed on the real firmware image, virtual vs wall time, and a
// peer measured in the same run (unicorn alone on a two-instruction loop, with the same
// instruction-counting hook) so the cost of the peripheral models and exception handling shows.
// Network figures (instructions and SPI bytes per QoS 1 publish, reset to first CONNECT, the
// 72 MHz projection, the realtime factor over a QoS soak) come from the same image (device.wasm's
// transport is the W5500 driver) against a real Mosquitto. The image is the default engine's (the register
// form); the stack form's and AOT's are measured beside it (keys _stack, _engine_aot).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualBoard } from '../host-tools/sim/board/board.ts';
import type { FlashTiming } from '../host-tools/sim/board/flash.ts';
import { Reg, UnicornCpu } from '../host-tools/sim/board/unicorn.ts';
import { BoardRunner } from '../host-tools/sim/board/runner.ts';
import { W5500 } from '../host-tools/sim/w5500/index.ts';
import { W5500NetworkBackend } from '../host-tools/sim/host/w5500-backend.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';

const ROOT = join(import.meta.dirname, '..');
const ELF = join(ROOT, 'build/bluepill/firmware.elf');
// The same firmware with device.wasm compiled to C by wasm2c (`wasmqtt build --engine aot`): the peer
// that shows what the interpreter costs on the MQTT path.
const AOT_ELF = join(ROOT, 'build/bluepill-aot/firmware.elf');
// The same firmware on the stack form (`wasmqtt build --engine stack`: device.wasm pre-decoded to format 39,
// interp.c): the engine before the register form, measured beside the other two while it is kept.
const STACK_ELF = join(ROOT, 'build/bluepill-stack/firmware.elf');
const SOAK_PUBLISHES = 200;
const SOAK_SPEED = 50;
const REPEAT_PUBLISHES = 200;
const SPI_HZ = 18_000_000;
const UART_BYTES_PER_S = 115_200 / 10; // 8N1: 10 bit times per byte

/** Per publish: instructions (idle subtracted), cycles polling a busy peripheral (CPU time on the
 * chip too, e.g. a polled UART TX), W5500 SPI bytes, console bytes in and out. */
interface PathFigures { instr: number; busyWaitCycles: number; busyWaitBy: Record<string, number>;
  flashPrograms: number; flashErases: number; spiBytes: number; uartInBytes: number; uartOutBytes: number }
interface Soak { typed: PathFigures; repeat: PathFigures & { virtualMsPerPublish: number }; idlePerMs: number;
  realtime: number; connectInstr: number; maxUnfedMs: number }

/**
 * QoS soak on the firmware with the W5500 transport against a real Mosquitto: reset → connect,
 * then (a) SOAK_PUBLISHES QoS 1 publishes typed on the console one after another, and (b) one
 * `pub -n REPEAT_PUBLISHES` line: the same QoS 1 publishes handed to the core back to back.
 */
async function qosSoak(elf: string = ELF, flashTiming: FlashTiming = 'typical'): Promise<Soak> {
  const mq = await startMosquitto();
  let board: VirtualBoard | undefined;
  let net: W5500NetworkBackend | undefined;
  let runner: BoardRunner | undefined;
  try {
    net = new W5500NetworkBackend(
      { clock: () => board?.millis() ?? 0, routes: { '127.0.0.1:1883': `127.0.0.1:${mq.port}` } });
    board = new VirtualBoard({ board: 'bluepill', elf, w5500: net.model, flashTiming });
    return await soakOn(board, net, (r) => { runner = r; });
  } finally {
    await runner?.stop();
    board?.close();
    await net?.close();
    await mq.stop();
  }
}

async function soakOn(b: VirtualBoard, net: W5500NetworkBackend, started: (r: BoardRunner) => void): Promise<Soak> {
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
    // (a) Console-typed: SOAK_PUBLISHES `pub` lines typed one after another, each waited for.
    const a0 = snapshot(b, net, out.length), w0 = performance.now();
    let typedIn = 0;
    for (let k = 0; k < SOAK_PUBLISHES; k++) {
      const done = `evt publish-done pid=`;
      const before = out.split(done).length;
      const line = `pub bench/soak 1 0 message-${k}\r\n`;
      typedIn += line.length;
      b.uartInput(line);
      await runner.until(() => out.split(done).length > before, 10_000, `publish ${k}`);
    }
    const wall = (performance.now() - w0) / 1000;
    const a1 = snapshot(b, net, out.length);
    const virtMs = a1.ms - a0.ms;
    const typed = perPath(a0, a1, SOAK_PUBLISHES, idlePerMs, typedIn);
    const realtime = virtMs / 1000 / wall;

    // (b) The MQTT path: one `pub -n` line hands REPEAT_PUBLISHES QoS 1 messages to the core back
    // to back (docs/console.md), with the console quiet (`set quiet 1`): an application prints no
    // line per message, and the console's `evt publish-done` lines alone would cap the run at the
    // UART's rate. Done when `status` shows nothing in flight or queued; the figures stop at the
    // snapshot taken before that last `status` (polls every 50 virtual ms, idle subtracted).
    const quietAt = out.length;
    b.uartInput('set quiet 1\r\n');
    await runner.until(() => out.slice(quietAt).includes('ok set\r\n'), 10_000, 'set quiet 1')
      .catch((e: Error) =>
        { throw new Error(`${e.message}; the console said: ${JSON.stringify(out.slice(quietAt, quietAt + 300))}`); });
    b.runFor(20);
    const mark = out.length;
    const r0 = snapshot(b, net, mark);
    const repeatLine = `pub -n ${REPEAT_PUBLISHES} bench/repeat 1 0 message-x\r\n`;
    b.uartInput(repeatLine);
    await runner.until(
      () => /ok pub pid=\d+ queued=\d+\r\n/.test(out.slice(mark)), 60_000, `pub -n ${REPEAT_PUBLISHES}`);
    const reply = /ok pub pid=\d+ queued=(\d+)\r\n/.exec(out.slice(mark));
    if (!reply || Number(reply[1]) !== REPEAT_PUBLISHES) throw new Error(
      `pub -n ${REPEAT_PUBLISHES} did not queue all: ${out.slice(mark, mark + 200)}`);
    // (the polls' own console bytes are taken out of the UART figure; their CPU time, a few
    // thousand instructions each, stays in: well under 1% of the run)
    let r1: Snapshot;
    let pollBytes = 0;
    for (let poll = 0; ; poll++) {
      if (poll > 200) throw new Error(
        `pub -n ${REPEAT_PUBLISHES}: still in flight after ${poll} status polls: ${out.slice(-200)}`);
      r1 = snapshot(b, net, out.length - pollBytes);
      const at = out.length;
      b.uartInput('status\r\n');
      await runner.until(() => /ok status [^\n]*\r\n/.test(out.slice(at)), 10_000, 'status');
      if (/ok status state=connected inflight=0 queued=0 /.test(out.slice(at))) break;
      pollBytes += out.length - at;
      b.runFor(50);
    }
    if (out.slice(mark).includes('evt ')) throw new Error(
      `quiet console printed an event: ${out.slice(mark, mark + 200)}`);
    const loudAt = out.length;
    b.uartInput('set quiet 0\r\n');
    await runner.until(() => out.slice(loudAt).includes('ok set\r\n'), 10_000, 'set quiet 0');
    const repeat = { ...perPath(r0, r1, REPEAT_PUBLISHES, idlePerMs, repeatLine.length),
      virtualMsPerPublish: (r1.ms - r0.ms) / REPEAT_PUBLISHES };
    // The longest stretch without a watchdog feed since power-on (first-boot format included).
    return { typed, repeat, idlePerMs, realtime, connectInstr, maxUnfedMs: b.iwdg.maxUnfedNs / 1e6 };
}

/** Counters at one moment, to turn into per-publish figures with perPath(). */
interface Snapshot { instr: number; ms: number; busy: number; busyBy: Record<string, number>; programs: number;
  erases: number; spi: number; outLen: number }

function snapshot(b: VirtualBoard, net: W5500NetworkBackend, outLen: number): Snapshot {
  return { instr: b.instructions, ms: b.millis(), busy: b.stats.busyWaitCycles, busyBy: { ...b.stats.busyWaitBy },
    programs: b.flash.stats.programs, erases: b.flash.stats.erases, spi: net.model.counters.bytes, outLen };
}

/** Per-publish figures between snapshots `a` and `z` over `n` publishes (idle-loop cost subtracted). */
function perPath(a: Snapshot, z: Snapshot, n: number, idlePerMs: number, uartInBytes: number): PathFigures {
  return {
    instr: (z.instr - a.instr - idlePerMs * (z.ms - a.ms)) / n,
    busyWaitCycles: (z.busy - a.busy) / n,
    busyWaitBy: perPublish(z.busyBy, a.busyBy, n),
    flashPrograms: (z.programs - a.programs) / n,
    flashErases: (z.erases - a.erases) / n,
    spiBytes: (z.spi - a.spi) / n,
    uartInBytes: uartInBytes / n,
    uartOutBytes: (z.outLen - a.outLen) / n,
  };
}

function perPublish(now: Record<string, number>, before: Record<string, number>, n: number): Record<string, number> {
  return Object.fromEntries(Object.keys(now).map((k) => [k, Math.round((now[k]! - (before[k] ?? 0)) / n)]));
}

/**
 * Console input while the store erases and programs, with no network: after `echo on`, rounds of
 * `save` (a store append; every few rounds a compaction, which erases a whole page group) with
 * the next line (`set id ...`) right behind it, so its bytes arrive while the flash is busy. The
 * FLASH runs at the datasheet's maximum times. Lost = printable bytes typed minus bytes echoed.
 * The peer is how many bytes arrived while the flash was busy (the bytes a firmware whose
 * handlers stall with the flash would have put at risk).
 */
export function consoleDuringErases(rounds = 150): Record<string, unknown> {
  let board: VirtualBoard | undefined;
  const chip = new W5500({ clock: () => board?.millis() ?? 0 });
  board = new VirtualBoard({ board: 'bluepill', elf: ELF, w5500: chip, flashTiming: 'max' });
  const b = board;
  try {
    let out = '';
    b.on('uart', (c: number) => { out += String.fromCharCode(c); });
    if (!b.runUntil(() => out.includes('evt loaded'), 5000)) throw new Error(
      `console-during-erase: no boot: ${out.slice(-200)}`);
    b.runFor(100);
    b.uartInput('echo on\r\n');
    // the reply, then the echo of the line's own end (echo is on by then): both before counting
    if (!b.runUntil(() => out.includes('ok echo\r\n\r\n'), 500)) throw new Error(
      'console-during-erase: no reply to echo on');
    out = '';
    // Bytes taken off the line while the FLASH was busy: counted around the USART model's tick.
    let duringBusy = 0;
    const usartTick = b.usart.tick.bind(b.usart);
    b.usart.tick = (cycles: number) => {
      const before = b.usart.rxBacklog;
      usartTick(cycles);
      if (b.flash.busy) duringBusy += before - b.usart.rxBacklog;
    };
    const erases0 = b.flash.stats.erases;
    // The firmware's millisecond counter against virtual time: SysTick ticks lost in a stall would
    // show as a growing gap.
    const millisAt = b.image.symbols.find((sym) => sym.name === 'millis_now')?.address;
    const firmwareMillis = () => (
      millisAt === undefined ? NaN : new DataView(b.readMemory(millisAt, 4).buffer).getUint32(0, true));
    const gap0 = b.millis() - firmwareMillis();
    let typed = 0;
    for (let k = 0; k < rounds; k++) {
      const line = `save\r\nset id bench-typed-${k}\r\n`;
      typed += line.length - 4; // printable bytes (the CR LF pairs are not echoed as bytes)
      const n0 = out.split('ok set\r\n').length;
      b.uartInput(line);
      if (!b.runUntil(() => out.split('ok set\r\n').length > n0, 2000)) break; // a garbled line gets no `ok set`
    }
    b.runFor(20); // the echo of the last line end is still going out
    const echoed = out.split('\r\n').filter((l) => !/^(ok|err|evt) /.test(l)).join('').length;
    const drift = b.millis() - firmwareMillis() - gap0;
    return {
      vboard_console_bytes_lost_during_erase: typed - echoed,
      vboard_console_bytes_typed_during_erase_run: typed,
      vboard_console_bytes_arrived_while_flash_busy: duringBusy,
      vboard_console_erase_run_page_erases: b.flash.stats.erases - erases0,
      vboard_console_erase_run_usart_overruns: b.usart.overruns,
      vboard_console_erase_run_cpu_flash_stalls: b.stats.flashStalls,
      vboard_console_erase_run_millis_drift_ms: Number(drift.toFixed(1)),
      vboard_console_erase_run_virtual_ms_in_flash_ops: Number(((b.stats.busyWaitBy.flash / 72e6) * 1000).toFixed(0)),
      vboard_console_bytes_lost_during_erase_note: `${rounds} rounds of \`save\` + \`set id ...\` typed at 115200 ` +
        `baud, the second line arriving while the store programs or compacts ` +
        '(datasheet-max flash times: 70 us per half-word, 40 ms per page erase); lost = typed printable bytes minus ' +
          'echoed (`echo on`); ' +
        'arrived_while_flash_busy is the peer: bytes that a firmware with its interrupt handlers in flash would have ' +
          'had to take during a stall',
    };
  } finally {
    b.close();
  }
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

/** Messages per second at 72 MHz for one path. The chip's own time per message is its
 * instructions × CPI plus the cycles it waits on a busy peripheral; flash programming (the store
 * persisting each QoS 1/2 message: half-word programs and page erases) is shown as its own bound
 * because no engine can make it faster. SPI-bound is the W5500 bytes at 18 MHz, UART-bound the
 * console bytes at 115200 8N1 (RX and TX run in parallel, so the busier direction counts). The
 * value is the lowest of device time, SPI and UART; limited_by names the largest share. */
function bounds(p: PathFigures, cpi: number): Record<string, unknown> {
  const flashWait = p.busyWaitBy.flash ?? 0;
  const cpuCycles = p.instr * cpi + (p.busyWaitCycles - flashWait);
  const limits = {
    cpu: 72e6 / cpuCycles,
    flash: flashWait > 0 ? 72e6 / flashWait : Infinity,
    spi_18mhz: SPI_HZ / 8 / p.spiBytes,
    uart_115200: UART_BYTES_PER_S / Math.max(p.uartInBytes, p.uartOutBytes),
  };
  const device = 72e6 / (cpuCycles + flashWait);
  const value = Math.min(device, limits.spi_18mhz, limits.uart_115200);
  const limitedBy = value === device ? (cpuCycles >= flashWait ? 'cpu' : 'flash') : value === limits.spi_18mhz ?
    'spi_18mhz' : 'uart_115200';
  return {
    instr_per_publish: Math.round(p.instr),
    busy_wait_cycles_per_publish: Math.round(p.busyWaitCycles),
    busy_wait_cycles_per_publish_by: p.busyWaitBy,
    store_halfword_programs_per_publish: Number(p.flashPrograms.toFixed(1)),
    store_page_erases_per_publish: Number(p.flashErases.toFixed(3)),
    spi_bytes_per_publish: Number(p.spiBytes.toFixed(1)),
    uart_bytes_per_publish: { in: Number(p.uartInBytes.toFixed(1)), out: Number(p.uartOutBytes.toFixed(1)) },
    cpu_bound: Math.round(limits.cpu),
    flash_bound: Number.isFinite(limits.flash) ? Math.round(limits.flash) : null,
    device_bound_cpu_plus_flash: Math.round(device),
    spi_bound_18mhz: Math.round(limits.spi_18mhz),
    uart_bound_115200: Math.round(limits.uart_115200),
    value: Math.round(value),
    limited_by: limitedBy,
  };
}

function projection(soak: Soak, cpi: number): Record<string, unknown> {
  const mqtt = bounds(soak.repeat, cpi);
  return {
    vboard_instr_per_qos1_publish: Math.round(soak.repeat.instr),
    vboard_instr_per_qos1_publish_includes: `MQTT path: one \`pub -n ${REPEAT_PUBLISHES}\` line, then per message ` +
      `the core's publish, the W5500 driver and PUBACK handling, with the console quiet (\`set quiet 1\`: no \`evt ` +
      `publish-done\` line per message, as an application prints none); the \`status\` polls that find the end are ` +
      `out of the count; idle-loop cost subtracted`,
    vboard_instr_per_console_typed_qos1_publish: Math.round(soak.typed.instr),
    idle_instructions_per_ms_connected: Math.round(soak.idlePerMs),
    spi_bytes_per_qos1_publish: Number(soak.repeat.spiBytes.toFixed(1)),
    projected_msgs_per_s_72mhz: { ...mqtt, path: `pub -n ${REPEAT_PUBLISHES} (MQTT path)` },
    projected_msgs_per_s_72mhz_console_typed: {
      ...bounds(soak.typed, cpi), path: 'one `pub` line typed per message, each waited for' },
    projected_msgs_per_s_note: 'projected_msgs_per_s_72mhz is the MQTT path (what an application on the device gets: ' +
      'one `pub -n` run with the console quiet, no line out per message); the console-typed figure is what a ' +
      'terminal user gets, ' +
      'and it also pays the console (line in, parse, reply and event out; its bytes at 115200 baud). UART TX is ' +
        'interrupt-driven, so the CPU bound counts ' +
      'the TX interrupt per byte, not the character times; the UART bound is the line rate. CPU bound = 72e6 / ' +
        '(instr × cpi_assumed + busy-wait cycles other than flash); ' +
      'flash bound = 72e6 / flash-busy cycles (half-word programs and page erases of the store, timed by the FLASH ' +
        'model); the device bound adds both, since the CPU waits for the flash.',
    pub_repeat_virtual_ms_per_publish: Number(soak.repeat.virtualMsPerPublish.toFixed(3)),
    pub_repeat_virtual_ms_per_publish_note: 'virtual time of the `pub -n` run over its publishes: the device waiting ' +
      'on the broker\'s replies is in it (and its main-loop polls are in the instruction figures). ' +
      'The firmware opens TCP with Sn_MR.ND and the W5500 model honours it (the host socket ACKs each arrival at ' +
        'once, TCP_QUICKACK), so Mosquitto\'s Nagle (set_tcp_nodelay false, its default) ' +
      'does not hold each PUBACK behind a delayed ACK of the host (40 ms and more; docs/w5500.md)',
    instructions_reset_to_first_connect: soak.connectInstr,
    instructions_reset_to_first_connect_note: 'includes booting, loading device.wasm and typing `connect` at 115200 ' +
      'baud',
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

  // Phase 1, CPU-bound: reset until the runtime has loaded device.wasm (parse, validate, link).
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
  const aot = existsSync(AOT_ELF) ? await qosSoak(AOT_ELF) : undefined;
  const stack = existsSync(STACK_ELF) ? await qosSoak(STACK_ELF) : undefined;
  // The same soak with the FLASH at the datasheet's maximum times: how long the watchdog goes unfed.
  const soakMax = await qosSoak(ELF, 'max');
  const duringErases = consoleDuringErases();
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
    vboard_realtime_factor: soak ? Number(soak.realtime.toFixed(1)) : null,
    vboard_realtime_factor_session: `QoS soak: ` +
      `${SOAK_PUBLISHES} QoS 1 publishes typed on the console, real Mosquitto, runner capped at ${SOAK_SPEED}x`,
    console_session_realtime_factor: Number((sessionVirtual / sessionWall).toFixed(1)),
    console_session_instructions_per_virtual_s: Math.round(sessionInstr / sessionVirtual),
    console_command_instructions: Math.round((sessionInstr - sessionIdlePerMs * sessionVirtual * 1000) / 100),
    console_command_note: 'one `show` or `status` line in, its reply out (idle cost subtracted): the console share ' +
      'of a typed publish',
    cpi_assumed: b.cpi,
    vboard_watchdog_max_unfed_ms_datasheet_max: Number(soakMax.maxUnfedMs.toFixed(1)),
    vboard_watchdog_max_unfed_ms_typical: soak ? Number(soak.maxUnfedMs.toFixed(1)) : null,
    vboard_watchdog_max_unfed_note: `longest time between two IWDG reloads from power-on to the end of the QoS soak ` +
      `(first-boot store format, ${SOAK_PUBLISHES} typed and ${REPEAT_PUBLISHES} repeated QoS 1 publishes), ` +
      'FLASH at the datasheet maximum (70 us per half-word program, 40 ms per page erase); the _typical figure is ' +
        'the main soak (52.5 us, 20 ms) as peer. The IWDG times out after 2 s at the nominal 40 kHz LSI, 1.33 s at ' +
        'its fastest (60 kHz)',
    ...duringErases,
    ...(soak ? projection(soak, b.cpi) : {
      vboard_instr_per_qos1_publish: null, projected_msgs_per_s_72mhz: null,
      network_figures_missing_because: `${ELF} missing (make build)`,
    }),
    ...(aot ? {
      vboard_instr_per_qos1_publish_engine_aot: Math.round(aot.repeat.instr),
      projected_msgs_per_s_72mhz_engine_aot: { ...bounds(aot.repeat, b.cpi),
        path: `pub -n ${REPEAT_PUBLISHES} (MQTT path), device.wasm through wasm2c instead of the interpreter` },
      ...(soak ? {
        interpreter_vs_aot_instr_per_qos1_publish: Number((soak.repeat.instr / aot.repeat.instr).toFixed(2)) } : {}),
    } : { engine_aot_figures_missing_because: `${AOT_ELF} missing (make build)` }),
    ...(stack ? {
      vboard_instr_per_qos1_publish_stack: Math.round(stack.repeat.instr),
      projected_msgs_per_s_72mhz_stack: { ...bounds(stack.repeat, b.cpi),
        path: `pub -n ${REPEAT_PUBLISHES} (MQTT path), device.wasm in the stack form (--engine stack)` },
      ...(aot ? {
        stack_vs_aot_instr_per_qos1_publish: Number((stack.repeat.instr / aot.repeat.instr).toFixed(2)) } : {}),
      ...(soak ? {
        interpreter_vs_stack_instr_per_qos1_publish: Number((soak.repeat.instr / stack.repeat.instr).toFixed(3)) } :
        {}),
    } : { engine_stack_figures_missing_because: `${STACK_ELF} missing (make build)` }),
  };
}
