// Debian's libunicorn2 (2.0.1) through koffi: just the calls the virtual board needs, with the
// enum values taken from /usr/include/unicorn/{unicorn,arm}.h of that version.
import koffi, { type LibraryHandle } from 'koffi';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const UC_ARCH_ARM = 1;
export const UC_MODE_THUMB = 1 << 4;
export const UC_MODE_MCLASS = 1 << 5;
export const UC_CPU_ARM_CORTEX_M3 = 8; // enum uc_cpu_arm: 926, 946, 1026, 1136_R2, 1136, 1176, 11MPCORE, M0, M3
export const UC_CTL_CPU_MODEL = 7;
export const UC_CTL_IO_WRITE = 1;
export const UC_PROT_NONE = 0;
export const UC_PROT_READ = 1;
export const UC_PROT_WRITE = 2;
export const UC_PROT_EXEC = 4;
export const UC_PROT_ALL = 7;
export const UC_HOOK_CODE = 1 << 2;
export const UC_HOOK_MEM_READ_UNMAPPED = 1 << 4;
export const UC_HOOK_MEM_WRITE_UNMAPPED = 1 << 5;
export const UC_HOOK_MEM_FETCH_UNMAPPED = 1 << 6;
export const UC_HOOK_MEM_READ_PROT = 1 << 7;
export const UC_HOOK_MEM_WRITE_PROT = 1 << 8;
export const UC_HOOK_MEM_FETCH_PROT = 1 << 9;

/** uc_err values (unicorn.h). */
export const UcErr = {
  OK: 0, NOMEM: 1, ARCH: 2, HANDLE: 3, MODE: 4, VERSION: 5,
  READ_UNMAPPED: 6, WRITE_UNMAPPED: 7, FETCH_UNMAPPED: 8, HOOK: 9, INSN_INVALID: 10, MAP: 11,
  WRITE_PROT: 12, READ_PROT: 13, FETCH_PROT: 14, ARG: 15, READ_UNALIGNED: 16, WRITE_UNALIGNED: 17,
  FETCH_UNALIGNED: 18, HOOK_EXIST: 19, RESOURCE: 20, EXCEPTION: 21,
} as const;

/** uc_arm_reg values (arm.h, unicorn 2.0.1). */
export const Reg = {
  LR: 10, PC: 11, SP: 12,
  R0: 66, R1: 67, R2: 68, R3: 69, R4: 70, R5: 71, R6: 72, R7: 73, R8: 74, R9: 75, R10: 76, R11: 77, R12: 78,
  IPSR: 114, MSP: 115, PSP: 116, CONTROL: 117, XPSR: 120, PRIMASK: 123, BASEPRI: 124, FAULTMASK: 126,
} as const;

const MmioRead = koffi.proto('uint64_t vb_mmio_read(void *uc, uint64_t offset, unsigned int size, void *user)');
const MmioWrite = koffi.proto(
  'void vb_mmio_write(void *uc, uint64_t offset, unsigned int size, uint64_t value, void *user)');
const HookMem = koffi.proto(
  'bool vb_hook_mem(void *uc, int type, uint64_t address, int size, int64_t value, void *user)');

let lib: LibraryHandle | undefined;
let clockLib: LibraryHandle | undefined;
// Each entry is what lib.func returns: koffi checks its arguments against the C signature string.
let api: Record<string, ReturnType<LibraryHandle['func']>> | undefined;

const here = dirname(fileURLToPath(import.meta.url));
/** Where mk/vboard.mk puts the native counter hook. */
export const CLOCK_LIB_PATH = resolve(here, '../../../build/vboard/libvbclock.so');

function load(): NonNullable<typeof api> {
  if (api) return api;
  try {
    lib = koffi.load('libunicorn.so.2');
  } catch (err) {
    throw new Error(`cannot load libunicorn.so.2 (${(err as Error).message}); install Debian's libunicorn2 (make deps)`,
      { cause: err });
  }
  if (!existsSync(CLOCK_LIB_PATH)) {
    throw new Error(`${CLOCK_LIB_PATH} is missing; run \`make build\` (mk/vboard.mk builds it with gcc)`);
  }
  clockLib = koffi.load(CLOCK_LIB_PATH);
  api = {
    uc_open: lib.func('int uc_open(int arch, int mode, _Out_ void **uc)'),
    uc_close: lib.func('int uc_close(void *uc)'),
    uc_ctl: lib.func('int uc_ctl(void *uc, uint32_t control, ...)'),
    uc_strerror: lib.func('const char *uc_strerror(int code)'),
    uc_mem_map: lib.func('int uc_mem_map(void *uc, uint64_t address, size_t size, uint32_t perms)'),
    uc_mem_protect: lib.func('int uc_mem_protect(void *uc, uint64_t address, size_t size, uint32_t perms)'),
    uc_mem_map_ptr: lib.func('int uc_mem_map_ptr(void *uc, uint64_t address, size_t size, uint32_t perms, void *ptr)'),
    uc_mmio_map: lib.func('int uc_mmio_map(void *uc, uint64_t address, size_t size, ' +
      'vb_mmio_read *r, void *ru, vb_mmio_write *w, void *wu)'),
    uc_mem_read: lib.func('int uc_mem_read(void *uc, uint64_t address, _Out_ uint8_t *bytes, size_t size)'),
    uc_mem_write: lib.func('int uc_mem_write(void *uc, uint64_t address, const uint8_t *bytes, size_t size)'),
    uc_reg_read: lib.func('int uc_reg_read(void *uc, int regid, _Out_ uint32_t *value)'),
    uc_reg_write: lib.func('int uc_reg_write(void *uc, int regid, const uint32_t *value)'),
    uc_emu_start: lib.func(
      'int uc_emu_start(void *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)'),
    uc_emu_stop: lib.func('int uc_emu_stop(void *uc)'),
    uc_hook_add: lib.func('int uc_hook_add(void *uc, _Out_ size_t *hh, int type, void *callback, void *user, ' +
      'uint64_t begin, uint64_t end, ...)'),
  };
  return api;
}

export class UnicornError extends Error {}

function check(what: string, rc: number): void {
  if (rc !== 0) throw new UnicornError(`unicorn ${what} failed: ${load().uc_strerror(rc)} (${rc})`);
}

/** MMIO handler pair; `offset` is relative to the mapped region. */
export interface MmioHandler {
  read(offset: number, size: number): number;
  write(offset: number, size: number, value: number): void;
}

/**
 * One unicorn engine in Cortex-M3 mode, plus the exact instruction counter (`instr`) and the
 * slice deadline (`deadline`) shared with the native hook.
 */
export class UnicornCpu {
  private readonly uc: unknown;
  private readonly api = load();
  private readonly clockPtr: unknown;
  // koffi registered callbacks, released in close().
  private readonly registered: unknown[] = [];
  private readonly scratch = new Uint32Array(1);
  private closed = false;
  private finalInstr = 0;

  constructor() {
    const out: unknown[] = [null];
    check('uc_open', this.api.uc_open(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS, out));
    this.uc = out[0];
    const ctl = (UC_CTL_CPU_MODEL | (1 << 26) | (UC_CTL_IO_WRITE << 30)) >>> 0;
    check('uc_ctl(CPU_MODEL)', this.api.uc_ctl(this.uc, ctl, 'int', UC_CPU_ARM_CORTEX_M3));
    this.clockPtr = koffi.alloc('uint64_t', 2);
    koffi.encode(this.clockPtr, 'uint64_t', 0);
    koffi.encode(this.clockPtr, 8, 'uint64_t', 0);
    const hook = clockLib!.symbol('vb_clock_hook');
    check('uc_hook_add(code)', this.api.uc_hook_add(this.uc, [0], UC_HOOK_CODE, hook, this.clockPtr, 1, 0));
  }

  /** Instructions executed since this engine was created (exact, also mid-run). */
  get instr(): number { return this.closed ? this.finalInstr : Number(koffi.decode(this.clockPtr, 'uint64_t')); }
  set instr(v: number) { koffi.encode(this.clockPtr, 'uint64_t', v); }
  get deadline(): number { return Number(koffi.decode(this.clockPtr, 8, 'uint64_t')); }
  set deadline(v: number) { koffi.encode(this.clockPtr, 8, 'uint64_t', v); }

  mapRam(address: number, size: number, perms = UC_PROT_ALL): void {
    check(`uc_mem_map(0x${address.toString(16)})`, this.api.uc_mem_map(this.uc, address, size, perms));
  }

  /** Change a mapped range's permissions (also from inside a callback: a removed EXEC right ends
   * the current translation block, so the next fetch sees it). */
  protect(address: number, size: number, perms: number): void {
    check(`uc_mem_protect(0x${address.toString(16)})`, this.api.uc_mem_protect(this.uc, address, size, perms));
  }

  /** Map host memory (from koffi.alloc) so two guest ranges can alias it (flash at 0 and 0x08000000). */
  mapPtr(address: number, size: number, perms: number, ptr: unknown): void {
    check(`uc_mem_map_ptr(0x${address.toString(16)})`, this.api.uc_mem_map_ptr(this.uc, address, size, perms, ptr));
  }

  mapMmio(address: number, size: number, handler: MmioHandler): void {
    const r = koffi.register((_uc: unknown, off: number | bigint, sz: number) => {
      try { return handler.read(Number(off), sz) >>> 0; } catch (err) { this.deferError(err); return 0; }
    }, koffi.pointer(MmioRead));
    const w = koffi.register((_uc: unknown, off: number | bigint, sz: number, value: number | bigint) => {
      try {
        handler.write(Number(off), sz, Number(BigInt.asUintN(32, BigInt(value))));
      } catch (err) { this.deferError(err); }
    }, koffi.pointer(MmioWrite));
    this.registered.push(r, w);
    check(`uc_mmio_map(0x${address.toString(16)})`, this.api.uc_mmio_map(this.uc, address, size, r, null, w, null));
  }

  /** Called on invalid memory accesses (unmapped or write-protected); return value ignored (the access fails). */
  onInvalidAccess(cb: (kind: 'read' | 'write' | 'fetch', address: number) => void): void {
    const h = koffi.register((_uc: unknown, type: number, address: number | bigint) => {
      // uc_mem_type: READ=16 WRITE=17 FETCH=18 READ_UNMAPPED=19 WRITE_UNMAPPED=20 FETCH_UNMAPPED=21
      // WRITE_PROT=22 READ_PROT=23 FETCH_PROT=24
      const kind = type === 19 || type === 23 ? 'read' : type === 21 || type === 24 ? 'fetch' : 'write';
      cb(kind, Number(address));
      return false;
    }, koffi.pointer(HookMem));
    this.registered.push(h);
    const types = UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED | UC_HOOK_MEM_FETCH_UNMAPPED |
      UC_HOOK_MEM_WRITE_PROT | UC_HOOK_MEM_READ_PROT | UC_HOOK_MEM_FETCH_PROT;
    check('uc_hook_add(mem invalid)', this.api.uc_hook_add(this.uc, [0], types, h, null, 1, 0));
  }

  read(address: number, size: number): Uint8Array {
    const buf = new Uint8Array(size);
    check(`uc_mem_read(0x${address.toString(16)}, ${size})`, this.api.uc_mem_read(this.uc, address, buf, size));
    return buf;
  }

  /** Like read() but returns undefined instead of throwing (for unmapped addresses). */
  tryRead(address: number, size: number): Uint8Array | undefined {
    const buf = new Uint8Array(size);
    return this.api.uc_mem_read(this.uc, address, buf, size) === 0 ? buf : undefined;
  }

  write(address: number, bytes: Uint8Array): void {
    check(`uc_mem_write(0x${address.toString(16)}, ${bytes.length})`,
      this.api.uc_mem_write(this.uc, address, bytes, bytes.length));
  }

  read32(address: number): number {
    const b = this.read(address, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  write32(address: number, value: number): void {
    this.write(address, new Uint8Array([value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24]));
  }

  reg(id: number): number {
    check('uc_reg_read', this.api.uc_reg_read(this.uc, id, this.scratch));
    return this.scratch[0]!;
  }

  setReg(id: number, value: number): void {
    this.scratch[0] = value >>> 0;
    check('uc_reg_write', this.api.uc_reg_write(this.uc, id, this.scratch));
  }

  /** Run from `pc` (Thumb) until the deadline, a WFI, an error or stop(); returns the uc_err. */
  run(pc: number): number {
    const rc = this.api.uc_emu_start(this.uc, (pc | 1) >>> 0, 0xffffffff, 0, 0) as number;
    if (this.pendingError) { const e = this.pendingError; this.pendingError = undefined; throw e; }
    return rc;
  }

  /** Stop after the instruction being executed (from inside an MMIO handler). */
  stopSoon(): void {
    this.deadline = this.instr;
  }

  errorText(rc: number): string { return String(this.api.uc_strerror(rc)); }

  close(): void {
    if (this.closed) return;
    this.finalInstr = this.instr;
    this.closed = true;
    this.api.uc_close(this.uc);
    for (const r of this.registered) koffi.unregister(r as never);
    koffi.free(this.clockPtr as never);
  }

  private pendingError: unknown;
  private deferError(err: unknown): void {
    // An exception thrown inside a native callback cannot unwind through unicorn: stop, rethrow after.
    this.pendingError ??= err;
    this.stopSoon();
  }
}

