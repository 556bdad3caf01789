// Embedded flash interface (FLASH_ACR/KEYR/SR/CR/AR) and the persistent-store pages it programs.
// The store pages are mapped as MMIO so every program/erase goes through this model; their
// content lives in a file, so it survives a power cut. Timing from the STM32F103x8/xB datasheet
// (DS5319, flash memory characteristics): half-word programming 40 min / 52.5 typ / 70 max us,
// page erase 20 min / 40 max ms (BSY set meanwhile; EOP when done). `typical` uses 52.5 us and
// 20 ms, `max` the datasheet maxima (70 us, 40 ms). While BSY is set the chip stalls every CPU
// access to flash (RM0008 §3.3.3); the board models that stall, this file only says when.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readSized, writeSized, type Peripheral, type TimeSource } from './peripheral.ts';

const ACR = 0x00, KEYR = 0x04, OPTKEYR = 0x08, SR = 0x0c, CR = 0x10, AR = 0x14, OBR = 0x1c, WRPR = 0x20;
const KEY1 = 0x45670123, KEY2 = 0xcdef89ab;
const SR_BSY = 1 << 0, SR_PGERR = 1 << 2, SR_WRPRTERR = 1 << 4, SR_EOP = 1 << 5;
const CR_PG = 1 << 0, CR_PER = 1 << 1, CR_STRT = 1 << 6, CR_LOCK = 1 << 7;
/** Flash operation times: `typical` (what most parts do) or `max` (the datasheet's worst case). */
export type FlashTiming = 'typical' | 'max';
export const FLASH_TIMES_NS: Record<FlashTiming, { program: number; pageErase: number }> = {
  typical: { program: 52_500, pageErase: 20_000_000 },
  max: { program: 70_000, pageErase: 40_000_000 },
};

/** The store pages' bytes, optionally backed by a file written after every change. */
export class FlashStore {
  readonly bytes: Uint8Array;
  constructor(readonly base: number, size: number, readonly pageSize: number, readonly file?: string) {
    this.bytes = new Uint8Array(size).fill(0xff);
    if (file && existsSync(file)) {
      const saved = readFileSync(file);
      if (saved.length !== size) {
        throw new Error(`flash store file ${file} holds ${saved.length} bytes but the board's store is ${size}; ` +
          'delete it or pick another --store file');
      }
      this.bytes.set(saved);
    }
  }
  contains(addr: number): boolean { return addr >= this.base && addr < this.base + this.bytes.length; }
  persist(): void { if (this.file) writeFileSync(this.file, this.bytes); }
}

type Pending = { kind: 'program'; off: number; value: number; doneAt: number }
  | { kind: 'erase'; off: number; doneAt: number };

export class FlashInterface implements Peripheral {
  readonly name = 'FLASH';
  readonly base = 0x40022000;
  readonly size = 0x400;
  private acr = 0x30;
  private sr = 0;
  private cr = CR_LOCK;
  private ar = 0;
  private keyStage = 0;
  private pending?: Pending;
  /** Count of completed operations (figures and tests). */
  readonly stats = { programs: 0, erases: 0 };
  /** Called when the CPU should stop polling and skip ahead (BSY read while busy). */
  onBusyPoll: () => void = () => {};
  /** Reported once per kind of misuse (write to flash without PG, programming while locked...). */
  onWarning: (text: string) => void = () => {};
  /** Called when a program or erase starts (BSY set): from now until it ends, CPU accesses to
   * flash stall. */
  onBusyStart: () => void = () => {};
  /** Called when the CPU reads a store page while busy: the board lets time pass to the end of
   * the operation (the bus stalls), so the read returns the finished content. */
  onBusyRead: () => void = () => {};

  constructor(
    readonly store: FlashStore, private readonly time: TimeSource, readonly timing: FlashTiming = 'typical',
  ) {}

  /** True while a program or erase is in progress (BSY). */
  get busy(): boolean { return this.pending !== undefined; }

  reset(): void {
    this.complete(); // an operation in flight finishes (the chip keeps power on a system reset)
    this.acr = 0x30; this.sr = 0; this.cr = CR_LOCK; this.ar = 0; this.keyStage = 0;
  }

  /** Drop an operation in flight without applying it (power cut). */
  powerCut(): void { this.pending = undefined; }

  get waitStates(): number { return this.acr & 7; }

  read(offset: number, size: number): number {
    this.tick(this.time.cycles());
    let v: number;
    switch (offset & ~3) {
      case ACR: v = this.acr; break;
      case SR:
        v = this.sr;
        if (this.sr & SR_BSY) this.onBusyPoll();
        break;
      case CR: v = this.cr; break;
      case AR: v = this.ar; break;
      case OBR: v = 0x03fffffc; break; // no read protection, option bytes erased
      case WRPR: v = 0xffffffff; break; // no page write-protected
      default: v = 0;
    }
    return readSized(v, offset, size);
  }

  write(offset: number, size: number, value: number): void {
    this.tick(this.time.cycles());
    switch (offset & ~3) {
      case ACR: this.acr = writeSized(this.acr, offset, size, value) & 0x3f; return;
      case KEYR:
        if (this.keyStage === 0 && value === KEY1) { this.keyStage = 1; return; }
        if (this.keyStage === 1 && value === KEY2) { this.keyStage = 0; this.cr &= ~CR_LOCK; return; }
        this.keyStage = 0;
        this.onWarning(`FLASH_KEYR: wrong key sequence (0x${value.toString(16)}); FLASH_CR stays locked until reset`);
        return;
      case OPTKEYR: return;
      case SR: this.sr &= ~(value & (SR_EOP | SR_PGERR | SR_WRPRTERR)); return; // write 1 to clear
      case CR: {
        if (this.cr & CR_LOCK) { this.cr |= (value & CR_LOCK); return; } // only LOCK is writable while locked
        const v = writeSized(this.cr, offset, size, value);
        this.cr = v & (CR_PG | CR_PER | 0x2c | CR_STRT | CR_LOCK | 0x1e00);
        if ((v & CR_STRT) && (v & CR_PER)) this.startErase();
        this.cr &= ~CR_STRT;
        return;
      }
      case AR: if (!(this.cr & CR_LOCK)) this.ar = value >>> 0; return;
      default: return;
    }
  }

  /** A read from the store pages (MMIO). */
  readStore(addr: number, size: number): number {
    if (this.pending) { this.onBusyRead(); this.tick(this.time.cycles()); } // the read waits for the operation
    else this.tick(this.time.cycles());
    const off = addr - this.store.base;
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = (v * 256) + (this.store.bytes[off + i] ?? 0xff);
    return v >>> 0;
  }

  /** A write to the store pages: only a half-word program with PG set does anything. */
  writeStore(addr: number, size: number, value: number): void {
    this.tick(this.time.cycles());
    if (!(this.cr & CR_PG) || (this.cr & CR_LOCK)) {
      this.onWarning(
        `write to flash 0x${addr.toString(16)} without FLASH_CR.PG set (or while locked): ignored, as on the chip`);
      return;
    }
    if (this.sr & SR_BSY) { this.sr |= SR_PGERR; return; }
    if (size !== 2 || (addr & 1)) {
      this.onWarning(`flash programming needs aligned half-word writes; got ${size} bytes at 0x${addr.toString(16)}`);
      this.sr |= SR_PGERR;
      return;
    }
    const off = addr - this.store.base;
    const current = this.store.bytes[off]! | (this.store.bytes[off + 1]! << 8);
    if (current !== 0xffff && (value & 0xffff) !== 0) { this.sr |= SR_PGERR; return; } // not erased
    this.sr |= SR_BSY;
    const doneAt = this.time.cycles() + nsToCycles(FLASH_TIMES_NS[this.timing].program, this.time.hz());
    this.pending = { kind: 'program', off, value: value & 0xffff, doneAt };
    this.onBusyStart();
  }

  nextEvent(): number { return this.pending ? this.pending.doneAt : Infinity; }

  tick(cycles: number): void {
    if (this.pending && cycles >= this.pending.doneAt) this.complete();
  }

  private startErase(): void {
    if (this.sr & SR_BSY) return;
    const addr = this.ar >= 0x08000000 ? this.ar : this.ar + 0x08000000;
    if (!this.store.contains(addr)) {
      this.onWarning(`page erase at 0x${this.ar.toString(16)} is outside the store pages; ` +
        'only the store is erasable on the virtual board');
      this.sr |= SR_WRPRTERR | SR_EOP;
      return;
    }
    const off = Math.floor((addr - this.store.base) / this.store.pageSize) * this.store.pageSize;
    this.sr |= SR_BSY;
    const doneAt = this.time.cycles() + nsToCycles(FLASH_TIMES_NS[this.timing].pageErase, this.time.hz());
    this.pending = { kind: 'erase', off, doneAt };
    this.onBusyStart();
  }

  private complete(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    if (p.kind === 'program') {
      this.store.bytes[p.off] = p.value & 0xff;
      this.store.bytes[p.off + 1] = p.value >>> 8;
      this.stats.programs++;
    } else {
      this.store.bytes.fill(0xff, p.off, p.off + this.store.pageSize);
      this.stats.erases++;
    }
    this.store.persist();
    this.sr = (this.sr & ~SR_BSY) | SR_EOP;
  }
}

export function nsToCycles(ns: number, hz: number): number {
  return Math.max(1, Math.round((ns * hz) / 1e9));
}
