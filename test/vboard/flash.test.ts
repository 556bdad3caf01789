import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlashInterface, FlashStore } from '../../host-tools/sim/board/flash.ts';
import { ManualTime } from '../../host-tools/sim/board/peripheral.ts';

const KEYR = 0x04, SR = 0x0c, CR = 0x10, AR = 0x14;
const BASE = 0x0800f000;

function setup(file?: string) {
  const time = new ManualTime();
  time.clockHz = 72_000_000;
  const store = new FlashStore(BASE, 4096, 1024, file);
  const flash = new FlashInterface(store, time);
  const unlock = () => { flash.write(KEYR, 4, 0x45670123); flash.write(KEYR, 4, 0xcdef89ab); };
  return { time, store, flash, unlock };
}

describe('FLASH model', () => {
  it('is locked until the two keys are written in order', () => {
    const { flash } = setup();
    expect(flash.read(CR, 4) & 0x80).toBe(0x80);
    flash.write(KEYR, 4, 0xcdef89ab);
    flash.write(KEYR, 4, 0x45670123);
    expect(flash.read(CR, 4) & 0x80).toBe(0x80);
    flash.write(CR, 4, 1); // PG ignored while locked
    expect(flash.read(CR, 4) & 1).toBe(0);
  });

  it('programs a half-word with BSY for 52.5 us, then EOP; a non-erased target gives PGERR', () => {
    const { flash, time, store, unlock } = setup();
    unlock();
    flash.write(CR, 4, 1);
    flash.writeStore(BASE + 2, 2, 0x1234);
    expect(flash.read(SR, 4) & 1).toBe(1);
    expect(store.bytes[2]).toBe(0xff); // not yet
    time.now += 3780; // 52.5 us at 72 MHz
    expect(flash.read(SR, 4) & 0x21).toBe(0x20);
    expect(flash.readStore(BASE + 2, 2)).toBe(0x1234);
    flash.write(SR, 4, 0x20);
    flash.writeStore(BASE + 2, 2, 0x5678);
    expect(flash.read(SR, 4) & 0x4).toBe(0x4);
    expect(flash.readStore(BASE + 2, 2)).toBe(0x1234);
  });

  it('erases the page at AR in 20 ms and persists to its file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vb-flash-'));
    const { flash, time, unlock } = setup(join(dir, 's.bin'));
    unlock();
    flash.write(CR, 4, 1);
    flash.writeStore(BASE + 1024, 2, 0);
    time.now += 4000;
    flash.write(CR, 4, 2);
    flash.write(AR, 4, BASE + 1024 + 10);
    flash.write(CR, 4, 2 | 0x40);
    time.now += 72_000 * 19;
    expect(flash.read(SR, 4) & 1).toBe(1);
    time.now += 72_000 * 2;
    expect(flash.read(SR, 4) & 0x21).toBe(0x20);
    expect(readFileSync(join(dir, 's.bin'))[1024]).toBe(0xff);
    const again = setup(join(dir, 's.bin'));
    expect(again.flash.readStore(BASE + 1024, 4)).toBe(0xffffffff);
  });

  it('loses an operation in flight on a power cut', () => {
    const { flash, time, unlock, store } = setup();
    unlock();
    flash.write(CR, 4, 1);
    flash.writeStore(BASE, 2, 0xabcd);
    flash.powerCut();
    time.now += 10_000;
    flash.tick(time.now);
    expect(store.bytes[0]).toBe(0xff);
  });
});
