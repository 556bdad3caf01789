// NOR-flash semantics of the Node host's store (docs/board-abi.md), in memory and on a file.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MemoryStore, FileStore, PowerCut, STORE_OK, STORE_OUT_OF_RANGE, STORE_PGERR,
} from '../../host-tools/sim/host/store.ts';

describe('MemoryStore (NOR flash rules)', () => {
  it('starts erased and programs half-words that read 0xFFFF', () => {
    const s = new MemoryStore({ size: 2048, pageSize: 1024 });
    expect(s.read(0, 4)).toEqual(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    expect(s.write(2, new Uint8Array([1, 2]))).toBe(STORE_OK);
    expect(s.read(0, 4)).toEqual(new Uint8Array([0xff, 0xff, 1, 2]));
  });

  it('refuses to program over a written half-word (PGERR) and writes nothing of that call', () => {
    const s = new MemoryStore({ size: 2048, pageSize: 1024 });
    expect(s.write(4, new Uint8Array([0xaa, 0xbb]))).toBe(STORE_OK);
    // The first half-word is erased, the second is not: the whole call must fail untouched.
    expect(s.write(2, new Uint8Array([1, 2, 3, 4]))).toBe(STORE_PGERR);
    expect(s.read(2, 4)).toEqual(new Uint8Array([0xff, 0xff, 0xaa, 0xbb]));
    // Even writing 0xFFFF over 0xAABB is a PGERR on the STM32 (it checks before programming).
    expect(s.write(4, new Uint8Array([0xff, 0xff]))).toBe(STORE_PGERR);
    expect(s.stats.pgErrors).toBe(2);
  });

  it('rejects odd offsets/lengths and out-of-range accesses with -1', () => {
    const s = new MemoryStore({ size: 1024, pageSize: 1024 });
    expect(s.write(1, new Uint8Array([1, 2]))).toBe(STORE_OUT_OF_RANGE);
    expect(s.write(0, new Uint8Array([1]))).toBe(STORE_OUT_OF_RANGE);
    expect(s.write(1022, new Uint8Array([1, 2, 3, 4]))).toBe(STORE_OUT_OF_RANGE);
    expect(s.read(1020, 8)).toBe(STORE_OUT_OF_RANGE);
    expect(s.read(-2, 2)).toBe(STORE_OUT_OF_RANGE);
    expect(s.erase(1024)).toBe(STORE_OUT_OF_RANGE);
  });

  it('erases exactly the page containing the offset', () => {
    const s = new MemoryStore({ size: 3072, pageSize: 1024 });
    for (const off of [1022, 1024, 2046, 2048]) expect(s.write(off, new Uint8Array([0, 0]))).toBe(STORE_OK);
    expect(s.erase(1500)).toBe(STORE_OK);
    expect(s.read(1022, 2)).toEqual(new Uint8Array([0, 0]));
    expect(s.read(1024, 2)).toEqual(new Uint8Array([0xff, 0xff]));
    expect(s.read(2046, 2)).toEqual(new Uint8Array([0xff, 0xff]));
    expect(s.read(2048, 2)).toEqual(new Uint8Array([0, 0]));
  });

  it('validates its geometry with a clear message', () => {
    expect(() => new MemoryStore({ size: 1000, pageSize: 1024 })).toThrow(/multiple of the page size/);
    expect(() => new MemoryStore({ size: 1024, pageSize: 3 })).toThrow(/page size/);
  });

  it('simulates a power cut mid-write: earlier half-words land, the cut one is torn, later ones do not', () => {
    const s = new MemoryStore({ size: 1024, pageSize: 1024 });
    s.powerCutAfter(2);
    expect(() => s.write(0, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(PowerCut);
    expect(s.read(0, 8)).toEqual(new Uint8Array([1, 2, 3, 4, 5, 0xff, 0xff, 0xff]));
    // The cut is one-shot: the store works again afterwards.
    expect(s.write(8, new Uint8Array([9, 9]))).toBe(STORE_OK);
  });
});

describe('FileStore', () => {
  it('persists programs and erases across instances and checks the file size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmqtt-store-'));
    try {
      const path = join(dir, 'flash.bin');
      const a = new FileStore(path, { size: 2048, pageSize: 1024 });
      expect(statSync(path).size).toBe(2048);
      a.write(10, new Uint8Array([0x12, 0x34]));
      a.write(1030, new Uint8Array([0x56, 0x78]));
      a.erase(1024);
      a.close();
      const b = new FileStore(path, { size: 2048, pageSize: 1024 });
      expect(b.read(10, 2)).toEqual(new Uint8Array([0x12, 0x34]));
      expect(b.read(1030, 2)).toEqual(new Uint8Array([0xff, 0xff]));
      expect(b.write(10, new Uint8Array([0, 0]))).toBe(STORE_PGERR);
      b.close();
      expect(() => new FileStore(path, { size: 4096, pageSize: 1024 })).toThrow(/has 2048 bytes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
