// The whole board on the fixture firmware (test/vboard/fixtures/fixture.c): CPU, exceptions,
// virtual time, the store across power cuts, watchdog, faults.
import { afterEach, describe, expect, it } from 'vitest';
import { formatFault } from '../../host-tools/sim/board/fault-report.ts';
import type { FaultInfo } from '../../host-tools/sim/board/board.ts';
import { W5500 } from '../../host-tools/sim/w5500/index.ts';
import { Exc } from '../../host-tools/sim/board/exceptions.ts';
import type { CpuExceptions } from '../../host-tools/sim/board/cpu-exceptions.ts';
import { Reg, type UnicornCpu } from '../../host-tools/sim/board/unicorn.ts';
import { CapturedBoard, tempStore } from './helpers.ts';

let open: CapturedBoard[] = [];
function board(opts = {}): CapturedBoard { const b = new CapturedBoard(opts); open.push(b); return b; }
afterEach(() => { for (const b of open) b.close(); open = []; });

describe('virtual board on the fixture firmware', () => {
  it('boots from the vector table, switches to 72 MHz and answers on USART1', () => {
    const b = board();
    b.waitFor('fixture boot cause=power clk=72000000\r\n', 50);
    expect(b.board.hz()).toBe(72_000_000);
    expect(b.command('h', 'hello\r\n')).toBe('hello\r\n');
    expect(b.resets).toEqual(['power']);
  });

  it('keeps virtual time: SysTick at 1 kHz, DWT counts 72000 cycles per tick, WFI skips ahead', () => {
    const b = board();
    b.boot();
    const t0 = b.board.millis();
    const instr0 = b.board.instructions;
    b.board.runFor(1000);
    expect(b.board.millis() - t0).toBeCloseTo(1000, 6);
    // Idle in WFI: a SysTick handler and a loop check per millisecond, not 72 M instructions.
    expect(b.board.instructions - instr0).toBeLessThan(100_000);
    const m = /millis=(\d+)/.exec(b.command('m', /millis=\d+\r\n/))!;
    expect(Number(m[1])).toBeGreaterThanOrEqual(1000);
    expect(Number(m[1])).toBeLessThanOrEqual(1006); // boot took a few ms before t0
    const cycles = Number(/cycles=(\d+)/.exec(b.command('c', /cycles=\d+\r\n/))![1]);
    expect(Math.abs(cycles - 72000)).toBeLessThanOrEqual(2); // instructions land on 1.25-cycle steps
    expect(b.command('s', /slept=\d+\r\n/, 100)).toBe('slept=50\r\n');
  });

  it('takes PendSV and SVCall through the vector table and returns to the interrupted code', () => {
    const b = board();
    b.boot();
    expect(b.command('p', 'pendsv ticks-running=1\r\n')).toBe('pendsv ticks-running=1\r\n');
    expect(b.command('u', 'svc\r\n')).toBe('svc\r\n');
    expect(b.command('h', 'hello\r\n')).toBe('hello\r\n'); // still alive after both returns
  });

  it('exception entry clears the IT state for the handler and stacks it for the return', () => {
    // An interrupt can be taken between two instructions of an IT block (the AOT firmware hit
    // this under `pub -n`: the USART handler ran its first loads under the block's conditions).
    const b = board();
    b.boot();
    const inner = b.board as unknown as { cpu: UnicornCpu; pc: number; exceptions: CpuExceptions };
    const cpu = inner.cpu;
    const itState = 0x0600_1c00; // `itee ne` after its first instruction: two slots left
    cpu.setReg(Reg.XPSR, (cpu.reg(Reg.XPSR) | itState) >>> 0);
    expect(cpu.reg(Reg.XPSR) & 0x0600fc00).toBe(itState); // unicorn keeps what was written
    const ret = inner.pc;
    inner.exceptions.enter(Exc.PendSV, ret);
    expect(cpu.reg(Reg.XPSR) & 0x0600fc00).toBe(0);
    expect(cpu.reg(Reg.IPSR)).toBe(Exc.PendSV);
    const frame = cpu.read(cpu.reg(Reg.SP), 32);
    const stacked = new DataView(frame.buffer, frame.byteOffset).getUint32(28, true);
    expect(stacked & 0x0600fc00).toBe(itState);
  });

  it('programs the store in flash and keeps it across a power cut; erase takes 20 ms', () => {
    const store = tempStore();
    const b = board({ storeFile: store });
    b.boot();
    expect(b.command('w', /count=\d+\r\n/)).toBe('count=1\r\n');
    expect(b.command('w', /count=\d+\r\n/)).toBe('count=2\r\n');
    b.board.powerCycle();
    b.out = '';
    b.waitFor('cause=power clk=72000000\r\n', 50);
    expect(b.command('w', /count=\d+\r\n/)).toBe('count=3\r\n');
    const t0 = b.board.millis();
    expect(b.command('e', /erase.*\r\n/, 100)).toBe('erased\r\n');
    expect(b.board.millis() - t0).toBeGreaterThanOrEqual(20);
    // A new board on the same file sees the erased page.
    b.close();
    const again = board({ storeFile: store });
    again.boot();
    expect(again.command('w', /count=\d+\r\n/)).toBe('count=1\r\n');
  });

  it('resets the board when the watchdog is starved, and the firmware sees the cause', () => {
    const b = board();
    b.boot();
    b.command('d', 'starving\r\n');
    b.out = '';
    b.waitFor('fixture boot cause=watchdog', 50); // PR=/4, RLR=100: 10 ms
    expect(b.resets).toEqual(['power', 'watchdog']);
  });

  it('turns a bus error into a HardFault with CFSR/BFAR and reports it with registers', () => {
    const b = board();
    const faults: FaultInfo[] = [];
    b.board.on('fault', (f) => faults.push(f));
    b.boot();
    const out = b.command('f', 'cause=software', 50);
    expect(faults).toHaveLength(1);
    expect(faults[0]!.kind).toBe('busfault');
    expect(faults[0]!.bfar).toBe(0x60000000);
    expect(faults[0]!.reason).toContain('0x60000000');
    const pc = faults[0]!.pc;
    expect(b.board.image.symbolize(pc)).toMatch(/^main\+0x/);
    // The firmware's own handler read the stacked frame: same PC, PRECISERR|BFARVALID.
    expect(out).toContain(`hardfault pc=${pc.toString(16).padStart(8, '0')} cfsr=00008200 bfar=60000000`);
    const report = formatFault(faults[0]!, b.board.image);
    expect(report).toContain('HARDFAULT (busfault)');
    expect(report).toMatch(/pc +0x080[0-9a-f]{5} main\+0x/);
    expect(report).toContain('bfar=0x60000000');
    expect(report).toMatch(/r0=0x[0-9a-f]{8}/);
  });

  it('stops in lockup when a fault cannot be taken (FAULTMASK set)', () => {
    const b = board();
    b.boot();
    b.board.uartInput('l');
    b.board.runFor(20);
    expect(b.board.fault?.kind).toBe('lockup');
    expect(b.board.fault?.reason).toContain('0x60000000');
    const t = b.board.millis();
    b.board.runFor(10); // a locked-up core does not run
    expect(b.board.millis()).toBe(t);
  });

  it('reports an unmodelled peripheral once with its address and PC', () => {
    const b = board();
    b.boot();
    b.command('x', 'tim3\r\n');
    b.command('x', 'tim3\r\n');
    const hits = b.warnings.filter((w) => w.includes('unmodelled peripheral'));
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatch(/write of 4 byte\(s\) at 0x40000400 \(PC 0x80[0-9a-f]{5}\)/);
  });

  it('clocks SPI1 into the W5500 model with chip select on PA4', () => {
    let now = 0;
    const chip = new W5500({ clock: () => now });
    const b = board({ w5500: chip });
    b.boot();
    now = b.board.millis();
    expect(b.command('v', /version=[0-9a-f]+\r\n/)).toBe('version=00000004\r\n');
    expect(chip.counters.frames).toBe(1);
    expect(b.board.spi.bytes).toBe(4);
  });

  it('software reset through AIRCR restarts from the vector table', () => {
    const b = board();
    b.boot();
    b.command('r', 'fixture boot cause=software', 50);
    expect(b.resets).toEqual(['power', 'software']);
  });
});
