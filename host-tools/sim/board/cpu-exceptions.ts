// The ARMv7-M exception model unicorn leaves to us (the rules: board.ts's header): exception entry
// (the 8-word frame, EXC_RETURN, IPSR, the vector at VTOR) and return, synchronous faults with
// their escalation to HardFault, lockup, and the fault report. The board owns the CPU loop, the
// PC between slices, time and events; it hands them in as ExceptionHooks.
import { Exc, type ExceptionState } from './exceptions.ts';
import { CFSR_BITS, HFSR_FORCED, type Scb } from './scb.ts';
import { Reg, UcErr, type UnicornCpu } from './unicorn.ts';

export interface FaultInfo {
  /** The fault as raised before any escalation. */
  kind: 'hardfault' | 'memmanage' | 'busfault' | 'usagefault' | 'lockup';
  reason: string;
  pc: number;
  lr: number;
  sp: number;
  xpsr: number;
  regs: number[]; // r0..r12
  cfsr: number;
  hfsr: number;
  bfar?: number;
  /** Words from the stack at the fault (for the backtrace). */
  stack: number[];
  cycles: number;
}

/** xPSR bits of the IT state (IT[1:0] at 26:25, IT[7:2] at 15:10). */
const XPSR_IT = 0x0600fc00;
/** The lowest EXC_RETURN value: a branch there is an exception return. */
export const EXC_RETURN_MIN = 0xfffffff0;

/** What the exception model needs from the board. */
export interface ExceptionHooks {
  /** The PC the CPU resumes at (the board keeps it between slices). */
  pc(): number;
  setPc(pc: number): void;
  /** A fault is being taken (the board's 'fault' event). */
  fault(info: FaultInfo): void;
  /** The core locked up: the board halts (its 'lockup' event). */
  lockup(info: FaultInfo): void;
  /** An exception was entered (BoardStats.exceptionsTaken). */
  taken(): void;
  /** Core cycles now, for the fault report. */
  cycles(): number;
}

export class CpuExceptions {
  constructor(private readonly cpu: UnicornCpu, private readonly exc: ExceptionState, private readonly scb: Scb,
    private readonly hooks: ExceptionHooks) {}

  /** Takes exception `n`: pushes the frame, sets LR to EXC_RETURN, IPSR, and the PC from the vector. */
  enter(n: number, returnAddress: number): void {
    const cpu = this.cpu;
    const handlerMode = this.exc.stack.length > 0;
    const control = cpu.reg(Reg.CONTROL);
    const onPsp = !handlerMode && (control & 2) !== 0;
    const sp = cpu.reg(Reg.SP);
    const xpsr = cpu.reg(Reg.XPSR);
    let frame = (sp - 32) >>> 0;
    let pad = 0;
    if (frame & 4) { frame -= 4; pad = 1 << 9; }
    const words = [Reg.R0, Reg.R1, Reg.R2, Reg.R3, Reg.R12, Reg.LR].map((r) => cpu.reg(r));
    words.push(returnAddress >>> 0, ((xpsr & ~(1 << 9)) | pad | (1 << 24)) >>> 0);
    const bytes = new Uint8Array(32);
    const dv = new DataView(bytes.buffer);
    words.forEach((w, i) => dv.setUint32(i * 4, w, true));
    try {
      cpu.write(frame, bytes);
    } catch {
      this.stackingFailed(n, frame, sp);
      return;
    }
    cpu.setReg(Reg.SP, frame);
    // The handler starts outside any IT block: entry clears EPSR.IT (the stacked xPSR keeps it for
    // the return). Without this a handler taken between two instructions of an IT block ran its
    // first instructions under the interrupted block's conditions.
    cpu.setReg(Reg.XPSR, (xpsr & ~XPSR_IT) >>> 0);
    if (onPsp) cpu.setReg(Reg.CONTROL, control & ~2); // handler runs on MSP
    cpu.setReg(Reg.LR, handlerMode ? 0xfffffff1 : onPsp ? 0xfffffffd : 0xfffffff9);
    cpu.setReg(Reg.IPSR, n);
    this.exc.pending[n] = 0;
    this.exc.active[n] = 1;
    this.exc.stack.push(n);
    this.hooks.taken();
    const vector = cpu.read32((this.scb.vtor + 4 * n) >>> 0);
    if ((vector & 1) === 0) {
      this.raiseFault(Exc.UsageFault, CFSR_BITS.INVSTATE,
        `vector ${n} at 0x${(this.scb.vtor + 4 * n).toString(16)} is 0x${vector.toString(16)} (not a Thumb address)`,
        vector);
      return;
    }
    this.hooks.setPc(vector & ~1);
  }

  /**
   * The frame for exception `n` could not be pushed (the stack ran off the bottom of SRAM): a
   * derived BusFault (CFSR.STKERR). As on the chip the handler is entered without a frame and
   * with SP already lowered; BusFault when enabled and able to preempt, else HardFault; a failed
   * push for HardFault itself is a lockup.
   */
  private stackingFailed(n: number, frame: number, sp: number): void {
    const reason = `exception ${n} entry: cannot push the frame at 0x${frame.toString(16)} ` +
      `(stack pointer 0x${sp.toString(16)} is outside RAM)`;
    if (n === Exc.HardFault || this.exc.stack.includes(Exc.HardFault)) { this.lockup(reason); return; }
    this.scb.cfsr |= CFSR_BITS.STKERR;
    const cpu = this.cpu;
    const masks = [cpu.reg(Reg.PRIMASK), cpu.reg(Reg.FAULTMASK), cpu.reg(Reg.BASEPRI)] as const;
    let target: number = Exc.BusFault;
    if (n === Exc.BusFault || !this.scb.faultEnabled(Exc.BusFault)
      || this.exc.groupPriority(Exc.BusFault) >= this.exc.executionPriority(...masks)) {
      target = Exc.HardFault;
      this.scb.hfsr |= HFSR_FORCED;
    }
    this.hooks.fault(this.faultInfo(Exc.BusFault, reason, this.hooks.pc()));
    const handlerMode = this.exc.stack.length > 0;
    const control = cpu.reg(Reg.CONTROL);
    const onPsp = !handlerMode && (control & 2) !== 0;
    cpu.setReg(Reg.SP, frame);
    cpu.setReg(Reg.XPSR, (cpu.reg(Reg.XPSR) & ~XPSR_IT) >>> 0);
    if (onPsp) cpu.setReg(Reg.CONTROL, control & ~2);
    cpu.setReg(Reg.LR, handlerMode ? 0xfffffff1 : onPsp ? 0xfffffffd : 0xfffffff9);
    cpu.setReg(Reg.IPSR, target);
    this.exc.pending[n] = 0;
    this.exc.pending[target] = 0;
    this.exc.active[target] = 1;
    this.exc.stack.push(target);
    this.hooks.taken();
    const vector = cpu.read32((this.scb.vtor + 4 * target) >>> 0);
    this.hooks.setPc(vector & ~1);
  }

  private exceptionReturn(excReturn: number): void {
    const cpu = this.cpu;
    const n = this.exc.stack[this.exc.stack.length - 1];
    const mode = excReturn & 0xf;
    if (n === undefined || (mode !== 1 && mode !== 9 && mode !== 0xd) || (mode === 1 && this.exc.stack.length < 2)) {
      const why = n === undefined ? 'outside any exception handler' : 'with an invalid return mode';
      this.raiseFault(Exc.UsageFault, CFSR_BITS.INVPC, `branch to EXC_RETURN 0x${excReturn.toString(16)} ${why}`,
        excReturn);
      return;
    }
    this.exc.stack.pop();
    this.exc.active[n] = 0;
    if (mode === 0xd) cpu.setReg(Reg.CONTROL, cpu.reg(Reg.CONTROL) | 2);
    const sp = cpu.reg(Reg.SP);
    let bytes: Uint8Array;
    try { bytes = cpu.read(sp, 32); } catch {
      this.lockup(`exception return: cannot pop the frame at 0x${sp.toString(16)}`);
      return;
    }
    const dv = new DataView(bytes.buffer);
    const w = (i: number) => dv.getUint32(i * 4, true);
    [Reg.R0, Reg.R1, Reg.R2, Reg.R3, Reg.R12, Reg.LR].forEach((r, i) => cpu.setReg(r, w(i)));
    const xpsr = w(7);
    cpu.setReg(Reg.SP, (sp + 32 + ((xpsr & (1 << 9)) ? 4 : 0)) >>> 0);
    cpu.setReg(Reg.XPSR, xpsr & ~(1 << 9));
    cpu.setReg(Reg.IPSR, mode === 1 ? this.exc.stack[this.exc.stack.length - 1]! : 0);
    this.hooks.setPc(w(6) & ~1);
  }

  /** The CPU stopped with `rc` at the board's PC (not a flash stall: the board checks that first):
   * an exception return, or a fault for what the instruction did (`bad`: the access unicorn
   * reported as invalid, if any). */
  cpuStopped(rc: number, bad?: { kind: string; address: number }): void {
    const pc = this.hooks.pc() >>> 0;
    if ((rc === UcErr.EXCEPTION || rc === UcErr.FETCH_UNMAPPED) && pc >= EXC_RETURN_MIN) {
      this.exceptionReturn(pc | 1);
      return;
    }
    switch (rc) {
      case UcErr.READ_UNMAPPED: case UcErr.WRITE_UNMAPPED: case UcErr.READ_PROT: case UcErr.WRITE_PROT: {
        const addr = bad?.address ?? 0;
        this.scb.bfar = addr;
        const why = rc === UcErr.WRITE_PROT ? '(read-only flash)' : '(nothing mapped there)';
        this.raiseFault(Exc.BusFault, CFSR_BITS.PRECISERR | CFSR_BITS.BFARVALID,
          `${bad?.kind ?? 'data'} access to 0x${addr.toString(16)} ${why}`, pc);
        return;
      }
      case UcErr.FETCH_UNMAPPED: case UcErr.FETCH_PROT:
        this.raiseFault(Exc.BusFault, CFSR_BITS.IBUSERR,
          `instruction fetch from 0x${pc.toString(16)} (not executable memory)`, pc);
        return;
      case UcErr.INSN_INVALID:
        this.raiseFault(Exc.UsageFault, CFSR_BITS.UNDEFINSTR, `undefined instruction at 0x${pc.toString(16)}`, pc);
        return;
      case UcErr.READ_UNALIGNED: case UcErr.WRITE_UNALIGNED: case UcErr.FETCH_UNALIGNED:
        this.raiseFault(Exc.UsageFault, CFSR_BITS.UNALIGNED, `unaligned access at 0x${pc.toString(16)}`, pc);
        return;
      case UcErr.EXCEPTION: {
        const prev = this.cpu.tryRead(pc - 2, 2);
        const here = this.cpu.tryRead(pc, 2);
        if (prev && prev[1] === 0xdf) { this.exc.setPending(Exc.SVCall); return; } // SVC: PC is already past it
        if (here && here[1] === 0xbe) {
          this.scb.hfsr |= 1 << 31; // DEBUGEVT: BKPT without a debugger
          this.raiseFault(Exc.HardFault, 0, `BKPT #${here[0]} at 0x${pc.toString(16)} with no debugger attached`, pc);
          return;
        }
        if (here && here[1] === 0xde) {
          this.raiseFault(Exc.UsageFault, CFSR_BITS.UNDEFINSTR, `UDF #${here[0]} at 0x${pc.toString(16)}`, pc);
          return;
        }
        this.raiseFault(Exc.UsageFault, CFSR_BITS.INVSTATE,
          `CPU exception at 0x${pc.toString(16)} (invalid state, e.g. a branch to an ARM-mode address)`, pc);
        return;
      }
      default:
        this.lockup(`emulator stopped: ${this.cpu.errorText(rc)} at 0x${pc.toString(16)}`);
    }
  }

  /** Synchronous fault: taken now, escalated to HardFault when disabled or not allowed to preempt. */
  raiseFault(n: number, cfsrBits: number, reason: string, faultPc: number): void {
    this.scb.cfsr |= cfsrBits;
    const masks = [this.cpu.reg(Reg.PRIMASK), this.cpu.reg(Reg.FAULTMASK), this.cpu.reg(Reg.BASEPRI)] as const;
    const execPrio = this.exc.executionPriority(...masks);
    let target = n;
    if (n !== Exc.HardFault && (!this.scb.faultEnabled(n) || this.exc.groupPriority(n) >= execPrio)) {
      target = Exc.HardFault;
      this.scb.hfsr |= HFSR_FORCED;
    }
    const info = this.faultInfo(n, reason, faultPc);
    if (target === Exc.HardFault && execPrio <= -1) {
      this.lockup(`fault while at HardFault/NMI priority: ${reason}`, info);
      return;
    }
    this.hooks.fault(info);
    this.enter(target, faultPc);
  }

  faultInfo(n: number, reason: string, pc: number): FaultInfo {
    const cpu = this.cpu;
    const sp = cpu.reg(Reg.SP);
    const stack: number[] = [];
    for (let i = 0; i < 64; i++) {
      const b = cpu.tryRead(sp + 4 * i, 4);
      if (!b) break;
      stack.push((b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0);
    }
    const kinds: Record<number, FaultInfo['kind']> = { 3: 'hardfault', 4: 'memmanage', 5: 'busfault', 6: 'usagefault' };
    return {
      kind: kinds[n] ?? 'hardfault', reason, pc: pc >>> 0, lr: cpu.reg(Reg.LR), sp, xpsr: cpu.reg(Reg.XPSR),
      regs: [Reg.R0, Reg.R1, Reg.R2, Reg.R3, Reg.R4, Reg.R5, Reg.R6, Reg.R7, Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12]
        .map((r) => cpu.reg(r)),
      cfsr: this.scb.cfsr, hfsr: this.scb.hfsr, bfar: (this.scb.cfsr & CFSR_BITS.BFARVALID) ? this.scb.bfar : undefined,
      stack, cycles: this.hooks.cycles(),
    };
  }

  lockup(reason: string, info?: FaultInfo): void {
    const f = { ...(info ?? this.faultInfo(Exc.HardFault, reason, this.hooks.pc())), kind: 'lockup' as const, reason };
    this.hooks.lockup(f);
  }
}
