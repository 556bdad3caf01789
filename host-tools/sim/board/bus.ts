// Routes MMIO accesses to the peripheral whose window contains them. An access nobody models is
// reported once per 1 KB block (address and PC) and reads as 0, never silently ignored.
import type { Peripheral } from './peripheral.ts';

export interface UnmodelledAccess { kind: 'read' | 'write'; address: number; size: number; pc: number }

export class Bus {
  private readonly peripherals: Peripheral[] = [];
  private last?: Peripheral;
  private readonly reported = new Set<number>();

  constructor(private readonly onUnmodelled: (a: UnmodelledAccess) => void, private readonly pc: () => number) {}

  attach(p: Peripheral): void { this.peripherals.push(p); }

  all(): readonly Peripheral[] { return this.peripherals; }

  find(address: number): Peripheral | undefined {
    const l = this.last;
    if (l && address >= l.base && address < l.base + l.size) return l;
    for (const p of this.peripherals) {
      if (address >= p.base && address < p.base + p.size) { this.last = p; return p; }
    }
    return undefined;
  }

  read(address: number, size: number): number {
    const p = this.find(address);
    if (p) return p.read(address - p.base, size);
    this.unmodelled('read', address, size);
    return 0;
  }

  write(address: number, size: number, value: number): void {
    const p = this.find(address);
    if (p) { p.write(address - p.base, size, value); return; }
    this.unmodelled('write', address, size);
  }

  private unmodelled(kind: 'read' | 'write', address: number, size: number): void {
    const block = address >>> 10;
    if (this.reported.has(block)) return;
    this.reported.add(block);
    this.onUnmodelled({ kind, address, size, pc: this.pc() });
  }
}
