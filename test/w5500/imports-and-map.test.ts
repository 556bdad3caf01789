// The board-ABI imports over the model (bounds checks, block numbering) and the address map.
import { describe, expect, it } from 'vitest';
import {
  AddressMap, BoardAbiError, COMMON, SN, W5500, socketRegBlock, w5500Imports,
} from '../../host-tools/sim/w5500/index.ts';
import { VirtualClock } from './helpers.ts';

describe('w5500Imports (board ABI)', () => {
  const setup = () => {
    const m = new W5500({ clock: new VirtualClock().now });
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
    return { m, memory, imp: w5500Imports(m, () => memory), bytes: new Uint8Array(memory.buffer) };
  };

  it('reads and writes one frame per call, with block select numbering from the ABI', () => {
    const { m, imp, bytes } = setup();
    imp.w5500_read(COMMON.VERSIONR, 0, 100, 1);
    expect(bytes[100]).toBe(0x04);
    bytes.set([1, 2], 200);
    imp.w5500_write(SN.PORT, socketRegBlock(3), 200, 2);
    expect(Array.from(m.read(SN.PORT, socketRegBlock(3), 2))).toEqual([1, 2]);
    expect(m.counters.frames).toBe(3);
  });

  it('traps out-of-range pointers, lengths, addresses and blocks with a message naming the argument', () => {
    const { imp } = setup();
    expect(() => imp.w5500_read(0, 0, 65535, 2)).toThrow(BoardAbiError);
    expect(() => imp.w5500_read(0, 0, 65535, 2)).toThrow(/outside linear memory \(65536 bytes\)/);
    expect(() => imp.w5500_write(0, 0, -4, 1)).toThrow(/outside linear memory/);
    expect(() => imp.w5500_read(0, 0, 0, 0)).toThrow(/len 0 must be 1\.\.65535/);
    expect(() => imp.w5500_read(0x10000, 0, 0, 1)).toThrow(/not a 16-bit W5500 offset/);
    expect(() => imp.w5500_read(0, 32, 0, 1)).toThrow(/not a 5-bit block select/);
  });

  it('w5500_irq follows INTn and w5500_reset resets the chip', () => {
    const { m, imp, bytes } = setup();
    expect(imp.w5500_irq()).toBe(0);
    bytes[0] = 0x44;
    imp.w5500_write(COMMON.SIPR, 0, 0, 1);
    imp.w5500_reset();
    expect(m.read(COMMON.SIPR, 0, 1)[0]).toBe(0);
  });
});

describe('AddressMap', () => {
  it('maps exact endpoints, wildcard ports, and back', () => {
    const map = new AddressMap()
      .add('192.168.1.10:1883', '127.0.0.1:41883')
      .add('10.0.0.5:*', { host: '127.0.0.1', port: 0 });
    expect(map.resolve('192.168.1.10', 1883)).toEqual({ host: '127.0.0.1', port: 41883 });
    expect(map.resolve(Uint8Array.of(192, 168, 1, 10), 1884)).toBeUndefined();
    expect(map.resolve('10.0.0.5', 8080)).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(map.reverse('127.0.0.1', 41883)).toEqual({ ip: [192, 168, 1, 10], port: 1883 });
    expect(map.reverse('127.0.0.1', 1)).toBeUndefined();
  });

  it('"*:*" catches every address not mapped more precisely (one upstream, e.g. the POSIX host build)', () => {
    const map = new AddressMap()
      .add('192.168.1.10:1883', '127.0.0.1:41883')
      .add('*:*', { host: '127.0.0.1', port: 0 });
    expect(map.resolve('192.168.1.10', 1883)).toEqual({ host: '127.0.0.1', port: 41883 });
    expect(map.resolve('10.1.2.3', 18830)).toEqual({ host: '127.0.0.1', port: 18830 });
    expect(map.reverse('127.0.0.1', 18830)).toBeUndefined(); // no single device address to name
    expect(() => map.add('*:1883', '127.0.0.1:1')).toThrow(/192\.168\.1\.10:\* or \*:\*/);
  });
  it('rejects malformed entries with a message saying how to write them', () => {
    const map = new AddressMap();
    expect(() => map.add('broker:1883', '127.0.0.1:1')).toThrow(/write it as 192\.168\.1\.10:1883/);
    expect(() => map.add('300.1.1.1:1', '127.0.0.1:1')).toThrow(/not a device endpoint/);
    expect(() => map.add('1.1.1.1:1', 'localhost')).toThrow(/write it as 127\.0\.0\.1:1883/);
    expect(() => map.add('1.1.1.1:1', '127.0.0.1:70000')).toThrow(/not 0\.\.65535/);
  });
});
