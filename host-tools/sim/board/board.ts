// The virtual STM32F103 board: a unicorn Cortex-M3 plus the TypeScript peripheral models, the
// M-profile exception model unicorn leaves to us, and virtual time.
//
// Time: core cycles = executed instructions × CPI + cycles skipped while idle. The CPI (default
// 1.25) stands for a Cortex-M3 at 72 MHz running from flash with 2 wait states behind the
// prefetch buffer: most instructions take 1 cycle, loads/stores 2, taken branches 2-4. WFI, and
// a status-register poll of a busy peripheral (USART TXE, FLASH BSY, DMA TCIF), jump straight to
// the next timed event instead of executing the wait.
//
// Exceptions: entry pushes the 8-word frame (r0-r3, r12, lr, return address, xPSR; 8-byte
// aligned with xPSR bit 9 when padded) on the active stack, sets LR to EXC_RETURN, IPSR to the
// exception number and PC from the vector table at VTOR. Return is detected when the CPU
// branches to an EXC_RETURN value (unicorn stops on the fetch from 0xFFFFFFxx); the frame is
// popped and the masks restored. Priorities, PRIGROUP, PRIMASK/BASEPRI/FAULTMASK, tail pending
// and escalation of disabled faults to HardFault follow the ARMv7-M rules; a fault at
// HardFault priority stops the board in lockup.
//
// Flash stall: while the FLASH controller programs or erases (BSY), every CPU access to flash
// waits (RM0008 §3.3.3), instruction fetches and vector reads included. The board models it as
// time passing with the CPU frozen: peripherals keep running (USART bytes arrive and overrun,
// SysTick wraps but keeps one pending bit), interrupts stay pending until the stall ends. Code
// running from RAM goes on; its first access to flash (fetch, load, vector) starts the stall.
//
// SRAM: a system reset (SYSRESETREQ, watchdog, NRST) leaves it as it was; a power cut loses it:
// at power-on it holds pseudo-random bytes (seeded, so runs repeat), as silicon holds noise.
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { Adc } from './adc.ts';
import { Afio } from './afio.ts';
import { type BoardSpec, loadBoardSpec, parsePin } from './board-spec.ts';
import { Bus, type UnmodelledAccess } from './bus.ts';
import { Dma } from './dma.ts';
import { Dwt } from './dwt.ts';
import { ElfImage } from './elf.ts';
import { CpuExceptions, type FaultInfo } from './cpu-exceptions.ts';
import { Exc, ExceptionState } from './exceptions.ts';
import { FlashInterface, FlashStore, type FlashTiming } from './flash.ts';
import { GpioPort } from './gpio.ts';
import { Iwdg } from './iwdg.ts';
import { Nvic } from './nvic.ts';
import type { Peripheral, TimeSource } from './peripheral.ts';
import { Rcc, ResetFlag } from './rcc.ts';
import { Scb } from './scb.ts';
import { Spi, type SpiDevice } from './spi.ts';
import { SysTick } from './systick.ts';
import { UniqueId } from './uid.ts';
import { Reg, UcErr, UnicornCpu, UC_PROT_READ, UC_PROT_EXEC, UC_PROT_ALL, UC_PROT_NONE } from './unicorn.ts';
import { Usart } from './usart.ts';

export const DEFAULT_CPI = 1.25;

/** Three id words from a path (SHA-256), for a board that runs on that store file. */
function uidOfPath(path: string): [number, number, number] {
  const h = createHash('sha256').update(path).digest();
  return [h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8)];
}

/** Longest CPU slice between peripheral updates (instructions). */
const MAX_SLICE = 200_000;

/** The W5500 side of the board: SPI byte clock plus the RST and INT pins. */
export interface W5500Pins extends SpiDevice {
  readonly intAsserted: boolean;
  hardwareReset(): void;
}

export interface BoardOptions {
  /** Board name from boards/ or a parsed spec. */
  board?: string | BoardSpec;
  /** Firmware image (path or parsed). */
  elf: string | ElfImage;
  /** File holding the persistent-store pages (created when missing); omitted: kept in memory only. */
  storeFile?: string;
  /** Cycles per instruction for virtual time. */
  cpi?: number;
  /** The W5500 model (or any byte-clocked device) on SPI1 with its pins. */
  w5500?: W5500Pins;
  /** HSE crystal frequency; 0 models a crystal that does not start. Default from the board file. */
  hseHz?: number;
  /** Flash program/erase times: `typical` (default) or the datasheet `max` (worst-case tests). */
  flashTiming?: FlashTiming;
  /** What the chip's flash-size register (0x1FFFF7E0) reports, in KB; default the board file's
   * flash. Less than the board needs models a part without the flash the image expects (e.g. a
   * 64 KB STM32F103C8 running a 128 KB board's image). */
  flashSizeKb?: number;
  /** The chip's 96-bit unique id (three words at 0x1FFFF7E8), kept across resets and power
   * cuts. Default: derived from the store file's path (the same board each time it runs on that
   * store, as a chip keeps its id), or random without one; two boards never share a MAC or
   * client id unless they share a store file. */
  uid?: [number, number, number];
}

export type ResetCause = 'power' | 'software' | 'watchdog' | 'pin';
export type { FaultInfo };

/** Peripherals whose busy flag the firmware polls (the board skips ahead to their next event). */
export type BusyWaitSource = 'flash' | 'usart' | 'dma';

export interface BoardStats {
  instructions: number;
  /** Cycles skipped without executing: asleep in WFI, or in a busy-poll loop (below). */
  idleCycles: number;
  /** The part of idleCycles the core spent polling a busy peripheral (USART TXE, flash BSY, DMA):
   * not asleep, so on the chip these cycles are CPU time lost to the wait. */
  busyWaitCycles: number;
  /** busyWaitCycles by the peripheral polled. */
  busyWaitBy: Record<BusyWaitSource, number>;
  exceptionsTaken: number;
  resets: number;
  cpuRuns: number;
  /** Cycles the CPU sat frozen on a flash access while the FLASH was busy (also in busyWaitBy.flash). */
  flashStallCycles: number;
  /** Flash stalls (a fetch, load or vector read that had to wait for a program or erase). */
  flashStalls: number;
}

/** Events: 'uart' (byte: number), 'reset' (cause), 'fault' (FaultInfo), 'warning' (text), 'lockup' (FaultInfo). */
export class VirtualBoard extends EventEmitter implements TimeSource {
  readonly spec: BoardSpec;
  readonly image: ElfImage;
  readonly cpi: number;
  readonly store: FlashStore;
  readonly storeBase: number;
  readonly stats: BoardStats = {
    instructions: 0, idleCycles: 0, busyWaitCycles: 0, busyWaitBy: { flash: 0, usart: 0, dma: 0 },
    exceptionsTaken: 0, resets: 0, cpuRuns: 0, flashStallCycles: 0, flashStalls: 0,
  };
  readonly flashTiming: FlashTiming;

  // Peripherals (rebuilt on a power cut, kept across resets).
  exc!: ExceptionState;
  rcc!: Rcc;
  flash!: FlashInterface;
  gpio!: GpioPort[];
  afio!: Afio;
  usart!: Usart;
  spi!: Spi;
  dma!: Dma;
  systick!: SysTick;
  nvic!: Nvic;
  scb!: Scb;
  iwdg!: Iwdg;
  dwt!: Dwt;
  uid!: UniqueId;
  adc!: Adc;
  private readonly uidWords: [number, number, number];
  private cpu!: UnicornCpu;
  private exceptions!: CpuExceptions;
  private bus!: Bus;
  private timed: Peripheral[] = [];

  private pc = 0;
  private sleeping = false;
  private polling = false;
  private pollingOn: BusyWaitSource = 'flash';
  private resetRequest?: ResetCause;
  private halted?: FaultInfo;
  private lastBadAddress?: { kind: string; address: number };
  private idleCycles = 0;
  private instrBase = 0; // instructions from earlier CPUs (before power cuts)
  private hzNow = 8_000_000;
  private nsBase = 0;
  private cyclesAtHz = 0;
  private readonly w5500?: W5500Pins;
  private readonly hseHz: number;
  private readonly warned = new Set<string>();
  private powered = false;
  private powerOns = 0;
  private readonly flashSizeKb: number;
  /** The CPU waits for the FLASH (a flash access while BSY): no instruction runs until it is done. */
  private flashStall = false;
  /** Flash is mapped inaccessible while an operation runs and the CPU is in RAM, so the first
   * flash access traps and becomes a stall. */
  private flashGuarded = false;
  /** Why the chip last started. */
  resetCause: ResetCause = 'power';

  constructor(opts: BoardOptions) {
    super();
    this.spec = typeof opts.board === 'object' ? opts.board : loadBoardSpec(opts.board ?? 'bluepill');
    this.image = typeof opts.elf === 'string' ? ElfImage.load(opts.elf) : opts.elf;
    this.cpi = opts.cpi ?? DEFAULT_CPI;
    this.w5500 = opts.w5500;
    this.hseHz = opts.hseHz ?? this.spec.clock.hseHz;
    this.flashTiming = opts.flashTiming ?? 'typical';
    this.flashSizeKb = opts.flashSizeKb ?? this.spec.memory.flashBytes / 1024;
    const randomWord = () => randomBytes(4).readUInt32LE(0);
    this.uidWords = opts.uid
      ?? (opts.storeFile ? uidOfPath(resolve(opts.storeFile)) : [randomWord(), randomWord(), randomWord()]);
    const m = this.spec.memory;
    const storeStart = this.image.symbol('__store_start');
    const storeEnd = this.image.symbol('__store_end');
    const pageBytes = m.flashPageBytes;
    this.storeBase = storeStart ?? m.flashOrigin + m.flashBytes - this.spec.storePages * pageBytes;
    const storeSize = storeStart !== undefined && storeEnd !== undefined ? storeEnd - storeStart
      : this.spec.storePages * pageBytes;
    // unicorn maps memory in 1 KB pages on this CPU: flash below the store and the store's MMIO.
    if ((this.storeBase - m.flashOrigin) % 1024 !== 0 || storeSize % 1024 !== 0) {
      throw new Error(`store at 0x${this.storeBase.toString(16)} (+${storeSize}) ` +
        'must start and end on a 1 KB boundary of flash for the virtual board');
    }
    this.store = new FlashStore(this.storeBase, storeSize, pageBytes, opts.storeFile);
    for (const seg of this.image.segments) {
      const inFlash = seg.address >= m.flashOrigin && seg.address + seg.data.length <= this.storeBase;
      const inRam = seg.address >= m.ramOrigin && seg.address + seg.data.length <= m.ramOrigin + m.ramBytes;
      if (!inFlash && !inRam) {
        throw new Error(`${this.image.path}: segment at 0x${seg.address.toString(16)} (${seg.data.length} bytes) ` +
          `is outside this board's flash (below the store) and RAM; was it built for ${this.spec.name}?`);
      }
    }
    this.powerOn();
  }

  // ---------------------------------------------------------------- time

  cycles(): number { return this.idleCycles + (this.instrBase + this.cpu.instr) * this.cpi; }
  hz(): number { return this.hzNow; }
  /** Virtual nanoseconds since the first power-on. */
  nowNs(): number { return this.nsBase + ((this.cycles() - this.cyclesAtHz) * 1e9) / this.hzNow; }
  /** Virtual milliseconds (the W5500 model's clock). */
  millis(): number { return this.nowNs() / 1e6; }
  get instructions(): number { return this.instrBase + this.cpu.instr; }
  get isSleeping(): boolean { return this.sleeping; }
  get fault(): FaultInfo | undefined { return this.halted; }

  private setHz(hz: number): void {
    if (!this.cpu) { this.hzNow = hz; return; }
    const c = this.cycles();
    this.nsBase += ((c - this.cyclesAtHz) * 1e9) / this.hzNow;
    this.cyclesAtHz = c;
    this.hzNow = hz;
  }

  private nsToCycles(ns: number): number { return (ns * this.hzNow) / 1e9; }

  // ---------------------------------------------------------------- power and reset

  private powerOn(): void {
    const m = this.spec.memory;
    this.cpu = new UnicornCpu();
    const flashCode = this.storeBase - m.flashOrigin;
    const image = new Uint8Array(flashCode).fill(0xff);
    for (const seg of this.image.segments) {
      if (seg.address >= m.flashOrigin && seg.address < this.storeBase) {
        image.set(seg.data, seg.address - m.flashOrigin);
      }
    }
    for (const base of [0, m.flashOrigin]) {
      this.cpu.mapRam(base, flashCode, UC_PROT_READ | UC_PROT_EXEC);
      this.cpu.write(base, image);
    }
    this.cpu.mapRam(m.ramOrigin, Math.ceil(m.ramBytes / 4096) * 4096, UC_PROT_ALL);
    this.cpu.write(m.ramOrigin, powerOnNoise(m.ramBytes, ++this.powerOns));
    for (const seg of this.image.segments) {
      if (seg.address >= m.ramOrigin && seg.address < m.ramOrigin + m.ramBytes) this.cpu.write(seg.address, seg.data);
    }

    this.exc = new ExceptionState();
    this.bus = new Bus((a) => this.reportUnmodelled(a), () => this.cpu.reg(Reg.PC));
    this.rcc = new Rcc(this.hseHz, (hz) => this.setHz(hz));
    this.flash = new FlashInterface(this.store, this, this.flashTiming);
    this.flash.onBusyPoll = () => this.busyPoll('flash');
    this.flash.onBusyStart = () => this.flashBusyStarted();
    this.flash.onBusyRead = () => this.stallUntilFlashDone();
    this.flash.onWarning = (t) => this.warnOnce(t);
    this.gpio = [0, 1, 2, 3, 4].map((p) => new GpioPort(p, () => this.rcc.apb2Enabled(2 + p)));
    for (const g of this.gpio) g.onWarning = (t) => this.warnOnce(t);
    this.adc = new Adc(this, { enabled: () => this.rcc.apb2Enabled(9), cfgr: () => this.rcc.read(0x04, 4) });
    this.adc.onWarning = (t) => this.warnOnce(t);
    this.afio = new Afio();
    this.usart = new Usart(this);
    this.usart.onTransmit = (b) => this.emit('uart', b);
    this.usart.onBusyPoll = () => this.busyPoll('usart');
    this.usart.onLineRaised = () => this.cpu.stopSoon();
    this.spi = new Spi(this, this.w5500);
    this.dma = new Dma(this, this.spi, { read: (a, n) => this.cpu.read(a, n), write: (a, b) => this.cpu.write(a, b) });
    this.dma.onWarning = (t) => this.warnOnce(t);
    this.dma.onBusyPoll = () => this.busyPoll('dma');
    this.systick = new SysTick(this);
    this.systick.onInterrupt = () => this.exc.setPending(Exc.SysTick);
    this.nvic = new Nvic(this.exc);
    this.nvic.onChange = () => this.cpu.stopSoon();
    this.scb = new Scb(this.exc);
    this.scb.onChange = () => this.cpu.stopSoon();
    this.scb.onSystemReset = () => this.requestReset('software');
    this.exceptions = new CpuExceptions(this.cpu, this.exc, this.scb, {
      pc: () => this.pc,
      setPc: (pc) => { this.pc = pc; },
      fault: (info) => this.emit('fault', info),
      lockup: (info) => { this.halted = info; this.emit('lockup', info); },
      taken: () => { this.stats.exceptionsTaken++; },
      cycles: () => this.cycles(),
    });
    this.iwdg = new Iwdg(this);
    this.iwdg.onExpire = () => this.requestReset('watchdog');
    this.dwt = new Dwt(this);
    this.uid = new UniqueId(this.flashSizeKb, this.uidWords);
    const all: Peripheral[] = [this.rcc, this.flash, ...this.gpio, this.afio, this.usart, this.spi, this.dma,
      this.systick, this.nvic, this.scb, this.iwdg, this.dwt, this.adc];
    for (const p of all) this.bus.attach(p);
    this.timed = [this.flash, this.usart, this.dma, this.systick, this.iwdg, this.adc];
    this.cpu.mapMmio(0x40000000, 0x30000, {
      read: (o, s) => this.bus.read(0x40000000 + o, s), write: (o, s, v) => this.bus.write(0x40000000 + o, s, v),
    });
    this.cpu.mapMmio(0xe0000000, 0x100000, {
      read: (o, s) => this.bus.read(0xe0000000 + o, s), write: (o, s, v) => this.bus.write(0xe0000000 + o, s, v),
    });
    // System memory (2 KB, with the flash-size register and the unique ID at its end); the
    // reserved space above the option bytes (up to 0x1FFFFFFF, right below SRAM) is a bus error,
    // so a stack that runs off the bottom of SRAM faults.
    this.cpu.mapMmio(0x1ffff000, 0x800, {
      read: (o, s) => this.uid.read(o, s),
      write: () => this.warnOnce('write to system memory (unique ID area) ignored'),
    });
    for (const base of [this.storeBase, this.storeBase - m.flashOrigin]) {
      this.cpu.mapMmio(base, this.store.bytes.length, {
        read: (o, s) => this.flash.readStore(this.storeBase + o, s),
        write: (o, s, v) => this.flash.writeStore(this.storeBase + o, s, v),
      });
    }
    this.cpu.onInvalidAccess((kind, address) => { this.lastBadAddress = { kind, address }; });
    this.wirePins();
    this.powered = true;
    this.resetCore('power');
  }

  private wirePins(): void {
    const cs = parsePin(this.spec.pins.w5500Cs);
    const rst = parsePin(this.spec.pins.w5500Rst);
    const irq = parsePin(this.spec.pins.w5500Int);
    this.gpio[cs.port]!.onOutput((pin, level) => { if (pin === cs.pin) this.spi.setChipSelect(level); });
    this.gpio[rst.port]!.onOutput((pin, level) => { if (pin === rst.pin && level === 0) this.w5500?.hardwareReset(); });
    if (this.w5500) {
      const chip = this.w5500;
      this.gpio[irq.port]!.connectInput(irq.pin, () => (chip.intAsserted ? 0 : 1));
    }
  }

  /**
   * Cut the power and switch it on again: RAM and peripheral state are lost, the store file is
   * kept. The W5500 shares the supply, so it resets too (its connections end).
   */
  powerCycle(): void {
    this.flash.powerCut();
    this.w5500?.hardwareReset();
    const c = this.cycles();
    this.instrBase += this.cpu.instr;
    this.cpu.close();
    this.powered = false;
    this.flashStall = false;
    this.flashGuarded = false;
    this.idleCycles = c - this.instrBase * this.cpi; // time keeps running across the cut
    this.powerOn();
  }

  /** Pulse NRST (pin reset): like a system reset with RCC_CSR.PINRSTF only. */
  pinReset(): void { this.resetCore('pin'); }

  private requestReset(cause: ResetCause): void {
    this.resetRequest ??= cause;
    this.cpu.stopSoon();
  }

  private resetCore(cause: ResetCause): void {
    this.stats.resets++;
    this.resetRequest = undefined;
    this.halted = undefined;
    this.sleeping = false;
    this.polling = false;
    const flag = cause === 'power' ? ResetFlag.POR | ResetFlag.PIN
      : cause === 'software' ? ResetFlag.SFT | ResetFlag.PIN
      : cause === 'watchdog' ? ResetFlag.IWDG | ResetFlag.PIN : ResetFlag.PIN;
    // Flags accumulate until firmware clears them with RMVF (the F103 keeps PINRSTF on every reset).
    for (const p of this.bus.all()) if (p !== this.rcc) p.reset();
    this.flashStall = false;
    this.guardFlash(false);
    this.rcc.reset();
    this.rcc.setResetCause(flag);
    this.exc.reset();
    this.cpu.setReg(Reg.CONTROL, 0);
    this.cpu.setReg(Reg.PRIMASK, 0);
    this.cpu.setReg(Reg.FAULTMASK, 0);
    this.cpu.setReg(Reg.BASEPRI, 0);
    this.cpu.setReg(Reg.IPSR, 0);
    this.cpu.setReg(Reg.XPSR, 0x01000000);
    this.cpu.setReg(Reg.LR, 0xffffffff);
    const sp = this.cpu.read32(0);
    const entry = this.cpu.read32(4);
    this.cpu.setReg(Reg.SP, sp & ~3);
    this.pc = entry & ~1;
    this.resetCause = cause;
    this.emit('reset', cause);
  }

  // ---------------------------------------------------------------- running

  /** Run for `ms` virtual milliseconds (or until a lockup). */
  runFor(ms: number): void {
    const end = this.nowNs() + ms * 1e6;
    // The clock may change during the run (RCC switch), so re-aim in cycles until the time is reached.
    while (!this.halted && this.nowNs() < end - 0.5) {
      this.runUntilCycles(this.cycles() + Math.max(1, this.nsToCycles(end - this.nowNs())));
    }
  }

  /** Run until `cond()` holds (checked between slices) or `maxMs` virtual ms pass; returns cond(). */
  runUntil(cond: () => boolean, maxMs: number, chunkMs = 1): boolean {
    const end = this.nowNs() + maxMs * 1e6;
    while (!cond()) {
      if (this.nowNs() >= end || this.halted) return cond();
      this.runFor(Math.min(chunkMs, (end - this.nowNs()) / 1e6));
    }
    return true;
  }

  /** Core loop: peripherals, exceptions, CPU slices, idle skips. */
  runUntilCycles(target: number): void {
    if (!this.powered) throw new Error('board is powered off');
    while (!this.halted) {
      const now = this.cycles();
      for (const p of this.timed) p.tick!(now);
      if (this.resetRequest) { this.resetCore(this.resetRequest); continue; }
      // A level: while its handler runs, the handler itself clears the source (reads DR, writes DR,
      // clears TXEIE); the line is looked at again once it has returned, as the NVIC does.
      if (this.usart.interruptLine && !this.exc.active[Exc.IRQ0 + this.usart.irq]) {
        this.exc.setPending(Exc.IRQ0 + this.usart.irq);
      }
      if (this.flashGuarded && !this.flash.busy) this.guardFlash(false);
      if (now >= target) return;
      if (this.flashStall) {
        if (this.flash.busy) {
          // Frozen on a flash access: only time passes, in steps of the next peripheral event.
          const next = Math.min(this.nextEvent(), target);
          if (next > now) this.addStallCycles(next - now);
          continue;
        }
        this.flashStall = false;
      }

      const pendingNow = this.exc.highestPending();
      if (pendingNow !== 0) {
        const take = this.exc.toTake(this.cpu.reg(Reg.PRIMASK), this.cpu.reg(Reg.FAULTMASK), this.cpu.reg(Reg.BASEPRI));
        // Exception entry reads the vector: from a table in flash it waits for the FLASH first.
        if (take !== 0 && this.flash.busy && this.isFlashAddress((this.scb.vtor + 4 * take) >>> 0)) {
          this.startFlashStall();
          continue;
        }
        if (take !== 0) { this.sleeping = false; this.exceptions.enter(take, this.pc); continue; }
        if (this.sleeping) this.sleeping = false; // WFI also wakes on a masked pending interrupt
      }
      if (this.sleeping || this.polling) {
        this.polling = false;
        const next = Math.min(this.nextEvent(), target);
        if (next > now) {
          this.idleCycles += next - now; this.stats.idleCycles += next - now;
          if (!this.sleeping) {
            this.stats.busyWaitCycles += next - now;
            this.stats.busyWaitBy[this.pollingOn] += next - now;
          }
        }
        if (this.sleeping && next === target) return;
        continue;
      }
      const budget = Math.min(this.nextEvent(), target) - now;
      const slice = Math.max(1, Math.min(MAX_SLICE, Math.ceil(budget / this.cpi)));
      const before = this.cpu.instr;
      this.cpu.deadline = before + slice;
      this.lastBadAddress = undefined;
      const rc = this.cpu.run(this.pc);
      this.stats.cpuRuns++;
      this.stats.instructions += this.cpu.instr - before;
      this.pc = this.cpu.reg(Reg.PC);
      if (rc !== UcErr.OK) { this.handleStop(rc); continue; }
      if (this.cpu.instr < this.cpu.deadline && !this.resetRequest && this.isAfterWfi(this.pc)) this.sleeping = true;
    }
  }

  private nextEvent(): number {
    let t = Infinity;
    for (const p of this.timed) t = Math.min(t, p.nextEvent!());
    return t;
  }

  /** Flash code (both the 0x08000000 range and its alias at 0) and the store pages. */
  private isFlashAddress(a: number): boolean {
    const m = this.spec.memory;
    const end = this.storeBase + this.store.bytes.length;
    return (a >= m.flashOrigin && a < end) || a < end - m.flashOrigin;
  }

  /** A program or erase has just started. From flash code the next fetch already waits; from RAM
   * the CPU goes on until it touches flash, so flash is made inaccessible until then. */
  private flashBusyStarted(): void {
    if (this.isFlashAddress(this.cpu.reg(Reg.PC))) this.startFlashStall();
    else this.guardFlash(true);
  }

  private startFlashStall(): void {
    if (!this.flashStall) this.stats.flashStalls++;
    this.flashStall = true;
    this.sleeping = false;
    this.cpu.stopSoon();
  }

  /** A store-page read in the middle of an instruction while the FLASH is busy: the bus holds the
   * access until the operation ends, so time jumps there at once (peripherals catch up after the
   * instruction, interrupts wait); the slice ends so nothing runs on borrowed time. */
  private stallUntilFlashDone(): void {
    const wait = this.flash.nextEvent() - this.cycles();
    this.stats.flashStalls++;
    if (wait > 0) this.addStallCycles(wait);
    this.cpu.stopSoon();
  }

  private addStallCycles(n: number): void {
    this.idleCycles += n;
    this.stats.idleCycles += n;
    this.stats.busyWaitCycles += n;
    this.stats.busyWaitBy.flash += n;
    this.stats.flashStallCycles += n;
  }

  private guardFlash(on: boolean): void {
    if (on === this.flashGuarded) return;
    this.flashGuarded = on;
    const m = this.spec.memory;
    const flashCode = this.storeBase - m.flashOrigin;
    for (const base of [0, m.flashOrigin]) {
      this.cpu.protect(base, flashCode, on ? UC_PROT_NONE : UC_PROT_READ | UC_PROT_EXEC);
    }
  }

  private busyPoll(source: BusyWaitSource): void {
    this.polling = true;
    this.pollingOn = source;
    this.cpu.stopSoon();
  }

  private isAfterWfi(pc: number): boolean {
    const hw = this.cpu.tryRead(pc - 2, 2);
    return hw !== undefined && hw[0] === 0x30 && hw[1] === 0xbf;
  }

  // ---------------------------------------------------------------- exceptions

  /** The CPU stopped: a flash stall (RAM code touching flash during an operation) is the board's;
   * exception returns and faults go to the exception model (cpu-exceptions.ts). */
  private handleStop(rc: number): void {
    const pc = this.pc >>> 0;
    const bad = this.lastBadAddress;
    if (this.flashGuarded && (rc === UcErr.FETCH_PROT || rc === UcErr.READ_PROT)) {
      const addr = rc === UcErr.FETCH_PROT ? pc : bad?.address ?? pc;
      if (this.isFlashAddress(addr)) {
        // RAM code touched flash during an operation: the instruction waits, then runs again.
        if (this.flash.busy) this.startFlashStall(); else this.guardFlash(false);
        return;
      }
    }
    this.exceptions.cpuStopped(rc, bad);
  }

  // ---------------------------------------------------------------- misc

  private reportUnmodelled(a: UnmodelledAccess): void {
    this.warnOnce(`unmodelled peripheral: ${a.kind} of ${a.size} byte(s) at 0x${a.address.toString(16)} ` +
      `(PC 0x${a.pc.toString(16)}); reads return 0, writes are dropped`);
  }

  private warnOnce(text: string): void {
    if (this.warned.has(text)) return;
    this.warned.add(text);
    this.emit('warning', text);
  }

  /** Type into the console (USART1 RX). */
  uartInput(data: Uint8Array | string): void { this.usart.receive(data); }

  /** Read guest memory (tests, debugging). */
  readMemory(address: number, len: number): Uint8Array { return this.cpu.read(address, len); }

  /**
   * Set a core register as a debugger would (halted between slices): r0-r12, sp, lr or pc. Tests
   * use it to put the firmware in a state it cannot reach on its own (a stack at its limit).
   */
  setRegister(name: string, value: number): void {
    if (name === 'pc') { this.pc = value & ~1; return; }
    const ids: Record<string, number> = { sp: Reg.SP, lr: Reg.LR };
    for (let i = 0; i <= 12; i++) ids[`r${i}`] = Reg.R0 + i;
    const id = ids[name];
    if (id === undefined) throw new Error(`setRegister: unknown register ${name} (r0-r12, sp, lr, pc)`);
    this.cpu.setReg(id, value);
  }

  /** Current register values (r0-r12, sp, lr, pc, xpsr). */
  registers(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i <= 12; i++) out[`r${i}`] = this.cpu.reg(Reg.R0 + i);
    out.sp = this.cpu.reg(Reg.SP); out.lr = this.cpu.reg(Reg.LR); out.pc = this.pc; out.xpsr = this.cpu.reg(Reg.XPSR);
    return out;
  }

  close(): void {
    if (!this.powered) return;
    this.powered = false;
    this.cpu.close();
  }
}

/** SRAM content at power-on: noise, not zeros (silicon powers up with random cells). Seeded by the
 * power-on count so a run repeats exactly. */
function powerOnNoise(bytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = (0x9e3779b9 ^ Math.imul(seed, 0x85ebca6b)) >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
