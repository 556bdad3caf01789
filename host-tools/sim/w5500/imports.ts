// The W5500 part of the board ABI (docs/board-abi.md) for a Node host: each w5500_read /
// w5500_write call is one VDM SPI frame on the model. Every pointer is bounds-checked against
// the module's linear memory; a bad call traps with a message naming the bad argument.
import { OM_VDM, controlByte } from './registers.ts';
import type { W5500 } from './w5500.ts';

export interface W5500BoardImports {
  w5500_read(addr: number, block: number, dst: number, len: number): void;
  w5500_write(addr: number, block: number, src: number, len: number): void;
  w5500_reset(): void;
  w5500_irq(): number;
}

export class BoardAbiError extends Error {}

/** Where the module's linear memory is: a WebAssembly.Memory, or a view of all of it (e.g. LinearMemory.bytes()). */
export type MemorySource = () => WebAssembly.Memory | Uint8Array;

function view(src: MemorySource): Uint8Array {
  const m = src();
  return m instanceof Uint8Array ? m : new Uint8Array(m.buffer);
}

function check(name: string, memory: Uint8Array, addr: number, block: number, ptr: number, len: number): void {
  if (addr >>> 0 > 0xffff) throw new BoardAbiError(
    `${name}: addr ${addr >>> 0} is not a 16-bit W5500 offset (0..0xFFFF)`);
  if (block >>> 0 > 31) throw new BoardAbiError(`${name}: block ${block >>> 0} is not a 5-bit block select (0..31)`);
  const size = memory.byteLength;
  const p = ptr >>> 0;
  const n = len >>> 0;
  if (n === 0 || n > 0xffff) throw new BoardAbiError(`${name}: len ${len} must be 1..65535`);
  if (p + n > size) throw new BoardAbiError(`${name}: [${p}, ${p + n}) is outside linear memory (${size} bytes)`);
}

/** The imports, over `model`, reading and writing the memory `getMemory()` returns at call time. */
export function w5500Imports(model: W5500, getMemory: MemorySource): W5500BoardImports {
  return {
    w5500_read(addr, block, dst, len) {
      const mem = view(getMemory);
      check('w5500_read', mem, addr, block, dst, len);
      const p = dst >>> 0;
      model.frameInto(addr >>> 0, controlByte(block >>> 0, false, OM_VDM), mem.subarray(p, p + (len >>> 0)));
    },
    w5500_write(addr, block, src, len) {
      const mem = view(getMemory);
      check('w5500_write', mem, addr, block, src, len);
      const p = src >>> 0;
      // A view, not a copy: the chip copies the bytes into its registers / TX memory during the frame.
      model.frameInto(addr >>> 0, controlByte(block >>> 0, true, OM_VDM), mem.subarray(p, p + (len >>> 0)));
    },
    w5500_reset() { model.hardwareReset(); },
    w5500_irq() { return model.intAsserted ? 1 : 0; },
  };
}
