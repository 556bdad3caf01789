// NodeDevice's handling of bad modules and of a module that breaks the sandbox rule. These use
// tiny hand-written modules (a unit test of the host layer alone), compiled with wabt's wat2wasm.
import { describe, it, expect } from 'vitest';
import { NodeDevice, BadModuleError } from '../../host-tools/sim/host/device.ts';
import { MemoryStore } from '../../host-tools/sim/host/store.ts';
import { wat2wasm } from '../helpers/wat.ts';

// The API surface of docs/core-api.md with trivial bodies; `start` is supplied per test.
const apiExports = (start: string) => `
  (memory (export "memory") 1)
  (func (export "start") ${start})
  (func (export "step") (result i32) i32.const 1000)
  (func (export "wq_buf") (result i32) i32.const 1024)
  (func (export "wq_buf_size") (result i32) i32.const 256)
  (func (export "wq_config") (param i32 i32) (result i32) i32.const 0)
  (func (export "wq_connect") (result i32) i32.const 0)
  (func (export "wq_disconnect") (result i32) i32.const 0)
  (func (export "wq_publish") (param i32 i32 i32) (result i32) i32.const 0)
  (func (export "wq_subscribe") (param i32) (result i32) i32.const 1)
  (func (export "wq_unsubscribe") (param i32) (result i32) i32.const 1)
  (func (export "wq_stat") (param i32) (result i32) i32.const 0)`;

describe('NodeDevice module loading', () => {
  it('a corrupt core.wasm gives a clear error, not a stack trace', async () => {
    const bytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0xff]);
    const err = await NodeDevice.start({ wasm: bytes }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadModuleError);
    expect((err as Error).message).toMatch(/is not a valid WebAssembly module .*make build/);
  });

  it('a missing core.wasm says to run make build', async () => {
    const err = await NodeDevice.start({ wasm: '/nonexistent/core.wasm' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadModuleError);
    expect((err as Error).message).toBe('core.wasm not found at /nonexistent/core.wasm: run `make build` first');
  });

  it('a valid module that is not a wasmqtt core names the missing exports', async () => {
    const err = await NodeDevice.start({ wasm: wat2wasm('(module (func (export "start")))') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadModuleError);
    expect((err as Error).message).toMatch(/lacks the exports memory, step, wq_buf/);
  });

  it('a module needing imports this host lacks names them', async () => {
    const err = await NodeDevice.start(
      { wasm: wat2wasm(`(module (import "board" "teleport" (func)) ${apiExports('')})`) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadModuleError);
    expect((err as Error).message).toMatch(/needs imports this host does not provide: board\.teleport/);
  });

  it('an import given a pointer range outside linear memory is refused (sandbox), and nothing is written', async () => {
    const store = new MemoryStore();
    const mod = wat2wasm(`(module (import "board" "store_write" (func $w (param i32 i32 i32) (result i32)))
      ${apiExports('(drop (call $w (i32.const 0) (i32.const 65534) (i32.const 4)))')})`);
    const err = await NodeDevice.start({ wasm: mod, store, waitConnected: false }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /store_write: range \[65534, 65538\) is outside core.wasm's linear memory \(65536 bytes\)/);
    expect(store.snapshot().every((b) => b === 0xff)).toBe(true);
  });

  it('bridges store_* to the NOR store with its result codes', async () => {
    const store = new MemoryStore({ size: 2048, pageSize: 1024 });
    // start(): write "AB" at 0 (ok), write again at 0 (PGERR -2), record both results at 100/104 of memory.
    const mod = wat2wasm(`(module
      (import "board" "store_write" (func $w (param i32 i32 i32) (result i32)))
      (import "board" "store_size" (func $s (result i32)))
      ${apiExports(`(i32.store16 (i32.const 0) (i32.const 0x4241))
        (i32.store (i32.const 100) (call $w (i32.const 0) (i32.const 0) (i32.const 2)))
        (i32.store (i32.const 104) (call $w (i32.const 0) (i32.const 0) (i32.const 2)))
        (i32.store (i32.const 108) (call $s))`)})`);
    const dev = await NodeDevice.start({ wasm: mod, store, waitConnected: false });
    try {
      expect(store.read(0, 2)).toEqual(new Uint8Array([0x41, 0x42]));
      expect(store.stats.pgErrors).toBe(1);
    } finally {
      dev.kill();
    }
  });
});
