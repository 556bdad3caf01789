// Import/export trace of core.wasm running on Node's own WebAssembly engine, for replay on the
// C runtime (firmware/runtime/host/core_trace.c). Installs a wrapper around
// WebAssembly.instantiate that records, in order:
//   X name nargs args... W writes     an export call, with the bytes the host wrote into linear
//                                     memory since wasm last ran (e.g. the staging buffer)
//   I mod.name nargs args... O hex    an import call, with the bytes it reads from memory
//   Y result W writes                 that import's result and the bytes it wrote into memory
//   R result                          the export's result ('v' when none)
// writes = "nruns off hex off hex ...". The replay feeds X/Y inputs to the C runtime and checks
// that every I and R it produces is byte-identical.

/** Which import arguments point at memory the import reads: [ptrArg, lenArg]. */
const READS: Record<string, [number, number]> = {
  'board.uart_write': [0, 1],
  'board.store_write': [1, 2],
  'board.event': [1, 2],
  'board.w5500_write': [2, 3],
};

function hex(b: Uint8Array): string {
  return b.length ? Buffer.from(b).toString('hex') : '-';
}

function diff(mem: Uint8Array, shadow: Uint8Array): string {
  const runs: string[] = [];
  const n = Math.min(mem.length, shadow.length);
  const mw = new Uint32Array(mem.buffer, mem.byteOffset, n >>> 2);
  const sw = new Uint32Array(shadow.buffer, shadow.byteOffset, n >>> 2);
  for (let i = 0; i < n; ) {
    if ((i & 3) === 0 && i + 4 <= n && mw[i >>> 2] === sw[i >>> 2]) {
      i += 4;
      continue;
    }
    if (mem[i] === shadow[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && (mem[j] !== shadow[j] || (j + 1 < n && mem[j + 1] !== shadow[j + 1]))) j++;
    runs.push(`${i} ${hex(mem.subarray(i, j))}`);
    i = j;
  }
  if (mem.length > shadow.length) runs.push(`${shadow.length} ${hex(mem.subarray(shadow.length))}`);
  return `${runs.length}${runs.length ? ' ' + runs.join(' ') : ''}`;
}

export class TraceRecorder {
  readonly lines: string[] = [];
  private memory: WebAssembly.Memory | null = null;
  private shadow = new Uint8Array(0);
  private original = WebAssembly.instantiate;

  /** Records the next instantiated module (NodeDevice's core.wasm). */
  install(): void {
    const orig = this.original;
    (WebAssembly as { instantiate: unknown }).instantiate = async (
        mod: WebAssembly.Module, imports: WebAssembly.Imports) => {
      const wrapped: WebAssembly.Imports = {};
      for (const [m, fns] of Object.entries(imports ?? {})) {
        wrapped[m] = {};
        for (const [name, fn] of Object.entries(fns as Record<string, (...a: number[]) => number>)) {
          (wrapped[m] as Record<string, unknown>)[name] = (...args: number[]) =>
            this.onImport(`${m}.${name}`, fn, args);
        }
      }
      const inst = (await orig(mod, wrapped)) as unknown as WebAssembly.Instance;
      this.memory = inst.exports.memory as WebAssembly.Memory;
      this.leave(); // data segments are not host writes
      const exports: Record<string, unknown> = {};
      for (const [name, v] of Object.entries(inst.exports)) {
        exports[name] = typeof v === 'function' ? (...args: number[]) => this.onExport(
          name, v as (...a: number[]) => unknown, args) : v;
      }
      return { exports } as unknown as WebAssembly.Instance;
    };
  }

  uninstall(): void {
    (WebAssembly as { instantiate: unknown }).instantiate = this.original;
  }

  private mem(): Uint8Array {
    return new Uint8Array(this.memory!.buffer);
  }
  /** Control enters wasm: whatever differs from the shadow was written by the host. */
  private enter(): string {
    const m = this.mem();
    const w = diff(m, this.shadow);
    return w;
  }
  /** Control leaves wasm: remember memory as wasm left it. */
  private leave(): void {
    const m = this.mem();
    if (this.shadow.length !== m.length) this.shadow = new Uint8Array(m.length);
    this.shadow.set(m);
  }

  private onExport(name: string, fn: (...a: number[]) => unknown, args: number[]): unknown {
    this.lines.push(
      `X ${name} ${args.length}${args.map((a) => ' ' + (a >>> 0)).join('')} W ${this.memory ? this.enter() : '0'}`);
    const r = fn(...args);
    if (this.memory) this.leave();
    this.lines.push(`R ${typeof r === 'number' ? r >>> 0 : 'v'}`);
    return r;
  }

  private onImport(name: string, fn: (...a: number[]) => number, args: number[]): number {
    this.leave();
    const rd = READS[name];
    const out = rd ? this.mem().subarray(args[rd[0]]! >>> 0, (args[rd[0]]! >>> 0) + (args[rd[1]]! >>> 0)) :
      new Uint8Array(0);
    this.lines.push(`I ${name} ${args.length}${args.map((a) => ' ' + (a >>> 0)).join('')} O ${hex(out)}`);
    const r = fn(...args);
    this.lines.push(`Y ${typeof r === 'number' ? r >>> 0 : 'v'} W ${this.enter()}`);
    return r;
  }
}
