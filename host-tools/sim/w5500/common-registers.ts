// The common register block (BSB 0): network identity, interrupts, retry timing, PHY and version.
// One byte-wide read/write interface like an rp2040js peripheral; the chip-level behaviours
// (software reset, write-1-to-clear IR, read-only registers, reserved space) live here.
import {
  CHIP_VERSION, COMMON, COMMON_SIZE, MR_RST, PHYCFGR_RESET,
} from './registers.ts';

/** Offsets the host can write (everything else is read-only or reserved and ignores writes). */
const WRITABLE = new Set<number>();
for (let a = COMMON.MR; a < COMMON.IR; a++) WRITABLE.add(a); // MR, GAR, SUBR, SHAR, SIPR, INTLEVEL
for (const a of [COMMON.IMR, COMMON.SIMR, COMMON.RTR, COMMON.RTR + 1, COMMON.RCR, COMMON.PTIMER,
  COMMON.PMAGIC, COMMON.PSID, COMMON.PSID + 1, COMMON.PMRU, COMMON.PMRU + 1]) WRITABLE.add(a);
for (let a = COMMON.PHAR; a < COMMON.PHAR + 6; a++) WRITABLE.add(a);

export interface CommonHooks {
  /** MR.RST written: the whole chip resets (all registers, all sockets). */
  softwareReset(): void;
  /** Current SIR value (bit n = socket n has an unmasked interrupt pending). */
  socketInterrupts(): number;
  /** PHYCFGR as the PHY reports it. */
  phyRead(): number;
  phyWrite(value: number): void;
}

export class CommonRegisters {
  private readonly mem = new Uint8Array(COMMON_SIZE);

  constructor(private readonly hooks: CommonHooks) {
    this.reset();
  }

  /** Reset values per datasheet section 4.1. */
  reset(): void {
    this.mem.fill(0);
    this.write16(COMMON.RTR, 0x07d0); // 200 ms
    this.mem[COMMON.RCR] = 0x08;
    this.mem[COMMON.PTIMER] = 0x28;
    this.write16(COMMON.PMRU, 0xffff); // [unverified]
    this.mem[COMMON.PHYCFGR] = PHYCFGR_RESET;
    this.mem[COMMON.VERSIONR] = CHIP_VERSION;
  }

  read(addr: number): number {
    if (addr >= COMMON_SIZE) return 0;
    if (addr === COMMON.SIR) return this.hooks.socketInterrupts();
    if (addr === COMMON.PHYCFGR) return this.hooks.phyRead();
    if (addr > COMMON.PHYCFGR && addr < COMMON.VERSIONR) return 0; // reserved
    return this.mem[addr]!;
  }

  write(addr: number, value: number): void {
    value &= 0xff;
    if (addr === COMMON.IR) { this.mem[COMMON.IR]! &= ~value & 0xf0; return; } // write 1 to clear
    if (addr === COMMON.PHYCFGR) { this.hooks.phyWrite(value); return; }
    if (!WRITABLE.has(addr)) return; // read-only or reserved: ignored, as on the chip
    if (addr === COMMON.MR && (value & MR_RST)) { this.hooks.softwareReset(); return; }
    this.mem[addr] = value;
  }

  /** Chip-internal: raise IR bits (CONFLICT, UNREACH, PPPoE, MP). */
  raise(bits: number): void { this.mem[COMMON.IR]! |= bits & 0xf0; }
  /** Chip-internal: record an unreachable destination (UIPR/UPORTR). */
  setUnreachable(ip: Uint8Array, port: number): void {
    this.mem.set(ip.subarray(0, 4), COMMON.UIPR);
    this.write16(COMMON.UPORTR, port);
  }

  get ir(): number { return this.mem[COMMON.IR]!; }
  get imr(): number { return this.mem[COMMON.IMR]!; }
  get simr(): number { return this.mem[COMMON.SIMR]!; }
  /** Retry time in units of 100 µs. */
  get rtr(): number { return this.read16(COMMON.RTR); }
  get rcr(): number { return this.mem[COMMON.RCR]!; }
  get sourceIp(): Uint8Array { return this.mem.slice(COMMON.SIPR, COMMON.SIPR + 4); }
  get subnet(): Uint8Array { return this.mem.slice(COMMON.SUBR, COMMON.SUBR + 4); }
  get gateway(): Uint8Array { return this.mem.slice(COMMON.GAR, COMMON.GAR + 4); }
  get mac(): Uint8Array { return this.mem.slice(COMMON.SHAR, COMMON.SHAR + 6); }

  /** ARP timeout in ms: RTR × 0.1 ms × (RCR + 1) (datasheet RTR/RCR description). */
  arpTimeoutMs(): number { return (this.rtr * (this.rcr + 1)) / 10; }

  /**
   * TCP retransmission timeout in ms: Σ_{N=0..M} RTR·2^N + (RCR − M)·RTR·2^M, × 0.1 ms,
   * M the least value with RTR·2^(M+1) > 65535 (0 ≤ M ≤ RCR). Defaults give 31.8 s.
   */
  tcpTimeoutMs(): number {
    const rtr = Math.max(1, this.rtr);
    const rcr = this.rcr;
    let m = 0;
    while (m < rcr && rtr * 2 ** (m + 1) <= 65535) m++;
    let total = 0;
    for (let n = 0; n <= m; n++) total += rtr * 2 ** n;
    total += (rcr - m) * rtr * 2 ** m;
    return total / 10;
  }

  private read16(a: number): number { return (this.mem[a]! << 8) | this.mem[a + 1]!; }
  private write16(a: number, v: number): void { this.mem[a] = (v >> 8) & 0xff; this.mem[a + 1] = v & 0xff; }
}
