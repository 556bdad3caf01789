// System memory words the firmware reads: the flash size register (0x1FFFF7E0, KB) and the
// 96-bit unique device ID (0x1FFFF7E8). The ID is fixed per virtual board (configurable).
import { readSized, type Peripheral } from './peripheral.ts';

export class UniqueId implements Peripheral {
  readonly name = 'UID';
  readonly base = 0x1ffff000;
  readonly size = 0x1000;
  private readonly words: [number, number, number];

  constructor(private readonly flashKb: number, id: [number, number, number] = [0x0032ff36, 0x3235470b, 0x43176831]) {
    this.words = id;
  }

  reset(): void {}

  read(offset: number, size: number): number {
    const word = offset & ~3;
    let v = 0;
    if (word === 0x7e0) v = this.flashKb & 0xffff;
    else if (word >= 0x7e8 && word < 0x7f4) v = this.words[(word - 0x7e8) >> 2]!;
    return readSized(v >>> 0, offset, size);
  }

  write(): void { /* read-only */ }
}
