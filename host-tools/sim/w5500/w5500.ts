// The W5500 chip model: SPI frames in, register state and real network traffic out.
// Two front doors: a whole-frame API for the Node host (read/write/frame) and a byte-clocked
// API with chip select for the virtual board's SPI1 (select/transfer/deselect). Time is the
// host's virtual clock: nothing here reads the wall clock.
import { AddressMap, type HostEndpoint } from './address-map.ts';
import { BufferMemory } from './buffers.ts';
import { CommonRegisters } from './common-registers.ts';
import { FaultInjector } from './faults.ts';
import { Activity, NodeNetwork, type ChipNetwork } from './network.ts';
import { Phy } from './phy.ts';
import {
  BLOCK_COMMON, CTRL_RWB_WRITE, OM_VDM, RX_MEMORY, SN, SOCKET_COUNT, TX_MEMORY, controlByte,
} from './registers.ts';
import { ChipSocket, type ChipContext } from './socket.ts';
import { SpiFrameDecoder, type FrameTarget } from './spi-frame.ts';
import type { FrameTrace } from './trace.ts';

/** Data bytes of a fixed-length frame per OM[1:0] (0 = variable). */
const FDM_LENGTH = [0, 1, 2, 4] as const;

export interface W5500Options {
  /** Virtual milliseconds (the host's clock). */
  clock: () => number;
  addressMap?: AddressMap;
  trace?: FrameTrace;
  /** Frames a written Sn_CR command stays visible before the chip takes it (default 0: taken at the next frame). */
  commandBusyFrames?: number;
  /** The network behind the sockets; default real Node sockets. A unit test may script one. */
  network?: (activity: Activity) => ChipNetwork;
  /** Reset, PLL, auto-negotiation and Sn_SR timing (default DEFAULT_TIMING; DATASHEET_TIMING for the silicon's). */
  timing?: Partial<W5500Timing>;
}

/** How long the chip takes to do things, in virtual ms or SPI frames. */
export interface W5500Timing {
  /** RSTn must stay low at least this long to reset the chip (datasheet T_RC: 500 µs); a shorter pulse is ignored. */
  resetLowMinMs: number;
  /**
   * After RSTn goes high the chip answers nothing until its PLL locks (datasheet T_PL: 1 ms max): reads 0, writes lost.
   */
  pllLockMs: number;
  /** Link up this long after a reset, a PHY reset or a cable plug (auto-negotiation, commonly 1-3 s). */
  linkUpMs: number;
  /** Frames after the one where Sn_CR first reads 0 during which Sn_SR still shows the state before the command. */
  statusLatencyFrames: number;
}

/** What the silicon does (datasheet v1.0.9 section 5.5 for reset/PLL; auto-negotiation a typical 1.5 s). */
export const DATASHEET_TIMING: W5500Timing = {
  resetLowMinMs: 0.5, pllLockMs: 1, linkUpMs: 1500, statusLatencyFrames: 2 };
/**
 * The default: the chip's Sn_SR latency (drivers must wait for Sn_SR, as WIZnet's do) and the
 * reset-pulse rule, but no PLL-lock wait and the link up at once, so hosts whose reset import
 * cannot let time pass (NodeDevice on a virtual clock) and tests that do not care about
 * bring-up time start at once. Pass DATASHEET_TIMING (or single fields) for the rest.
 */
export const DEFAULT_TIMING: W5500Timing = { resetLowMinMs: 0.5, pllLockMs: 0, linkUpMs: 0, statusLatencyFrames: 2 };

export interface SpiCounters {
  frames: number;
  /** All bytes on the bus: 3 header bytes per frame plus data. */
  bytes: number;
  dataBytes: number;
}

export class W5500 implements FrameTarget {
  readonly common: CommonRegisters;
  readonly phy: Phy;
  readonly tx = new BufferMemory(TX_MEMORY);
  readonly rx = new BufferMemory(RX_MEMORY);
  readonly sockets: ChipSocket[];
  readonly addressMap: AddressMap;
  readonly faults: FaultInjector;
  readonly counters: SpiCounters = { frames: 0, bytes: 0, dataBytes: 0 };
  /** UDP datagrams handed to the network: a test waits for the answer to one before moving virtual time on. */
  udpDatagramsSent = 0;
  /** UDP datagrams that arrived from the network for an open UDP socket. */
  udpDatagramsReceived = 0;
  private udpWatchers: Array<(dir: 'sent' | 'received', peer: HostEndpoint, data: Uint8Array) => void> = [];
  /**
   * Called for every UDP datagram sent to (or received from) a host endpoint, e.g. to tell a DHCP request from a
   * DECLINE.
   */
  onUdp(
    cb: (dir: 'sent' | 'received', peer: HostEndpoint, data: Uint8Array) => void): void { this.udpWatchers.push(cb); }
  private readonly activity = new Activity();
  private readonly decoder = new SpiFrameDecoder(this);
  private readonly clock: () => number;
  private readonly trace?: FrameTrace;
  private readonly listenPorts = new Map<number, number>();
  readonly timing: W5500Timing;
  /** Virtual time until which the PLL is not locked (SPI dead), and since when RSTn is held low (-1: high). */
  private readyAt = -1;
  private resetLowSince = -1;
  private deadNoted = false;

  constructor(opts: W5500Options) {
    this.clock = opts.clock;
    this.trace = opts.trace;
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.addressMap = opts.addressMap ?? new AddressMap();
    this.phy = new Phy((up) => { this.note(`PHY link ${up ? 'up' : 'down'}`); this.activity.notify(); },
      () => this.clock(), this.timing.linkUpMs);
    this.common = new CommonRegisters({
      softwareReset: () => this.softwareReset(),
      socketInterrupts: () => this.sir(),
      phyRead: () => this.phy.read(),
      phyWrite: (v) => this.phy.write(v),
    });
    const network = opts.network ? opts.network(this.activity) : new NodeNetwork(
      this.activity, { note: (t) => this.note(t) });
    const ctx: ChipContext = {
      now: () => this.clock(),
      common: this.common,
      tx: this.tx,
      rx: this.rx,
      network,
      addressMap: this.addressMap,
      linkUp: () => this.phy.linkUp,
      commandBusyFrames: opts.commandBusyFrames ?? 0,
      statusLatencyFrames: this.timing.statusLatencyFrames,
      note: (t) => this.note(t),
      listening: (sn, port) =>
        { this.listenPorts.set(sn, port); this.note(`S${sn}: LISTEN reachable at 127.0.0.1:${port}`); },
      udpSent: (to, data) => { this.udpDatagramsSent++; for (const w of this.udpWatchers) w('sent', to, data); },
      udpReceived: (from, data) =>
        { this.udpDatagramsReceived++; for (const w of this.udpWatchers) w('received', from, data); },
    };
    this.sockets = Array.from({ length: SOCKET_COUNT }, (_, n) => new ChipSocket(n, ctx));
    this.faults = new FaultInjector(this);
  }

  // ---- whole-frame API (Node host) ----

  /** One VDM read frame of `len` bytes at (addr, block). */
  read(addr: number, block: number, len: number): Uint8Array {
    return this.frame(addr, controlByte(block, false, OM_VDM), len);
  }

  /** One VDM write frame at (addr, block). */
  write(addr: number, block: number, data: Uint8Array): void {
    this.frame(addr, controlByte(block, true, OM_VDM), data);
  }

  /**
   * One whole frame: `control` is the raw control byte (BSB, RWB, OM); for writes pass the data,
   * for reads the length. Returns the bytes read (or written). FDM lengths are enforced.
   */
  frame(addr: number, control: number, dataOrLen: Uint8Array | number): Uint8Array {
    const write = (control & CTRL_RWB_WRITE) !== 0;
    const len = typeof dataOrLen === 'number' ? dataOrLen : dataOrLen.length;
    this.checkFrame(control, len, write && typeof dataOrLen === 'number');
    if (write) {
      this.frameData(addr, control, dataOrLen as Uint8Array);
      return dataOrLen as Uint8Array;
    }
    const out = new Uint8Array(len);
    this.frameData(addr, control, out);
    return out;
  }

  /**
   * One whole frame whose data is `data`: written to the chip for a write control byte, filled
   * with what the chip drives on MISO for a read. The Node host's imports pass a view of the
   * module's memory here, so a frame costs no copy beyond the chip's own.
   */
  frameInto(addr: number, control: number, data: Uint8Array): void {
    this.checkFrame(control, data.length, false);
    this.frameData(addr, control, data);
  }

  private checkFrame(control: number, len: number, writeWithoutData: boolean): void {
    const fixed = FDM_LENGTH[control & 3]!;
    if (fixed !== 0 && len !== fixed) {
      throw new Error(
        `W5500 frame: control byte 0x${control.toString(16)} selects fixed length ${fixed} but ${len} data bytes ` +
        `were given; use OM=00 (VDM) for other lengths`);
    }
    if (writeWithoutData) throw new Error('W5500 frame: a write frame needs its data bytes, not a length');
    if (len < 1) throw new Error('W5500 frame: a frame carries at least one data byte');
  }

  /**
   * What the byte-clocked decoder does for one frame (header, then each data byte at an
   * auto-incrementing address, then the frame end), without clocking single bytes: buffer
   * blocks are copied as runs, register blocks still go byte by byte (reads and writes there
   * have side effects, e.g. Sn_CR).
   */
  private frameData(addr: number, control: number, data: Uint8Array): void {
    // a byte-clocked frame in progress ends, as select() would end it
    if (this.decoder.isSelected) this.decoder.deselect();
    this.frameStart();
    const write = (control & CTRL_RWB_WRITE) !== 0;
    const block = control >> 3;
    const len = data.length;
    if (!this.ready()) {
      if (!write) data.fill(0);
      this.counters.bytes += len; this.counters.dataBytes += len;
      this.frameEnd(addr, control, data);
      return;
    }
    const kind = block === BLOCK_COMMON ? -1 : (block - 1) & 3;
    if (kind === 1 || kind === 2) {
      const mem = kind === 1 ? this.tx : this.rx;
      const n = (block - 1) >> 2;
      if (write) mem.copyIn(n, addr, data);
      else mem.readInto(n, addr, data);
      this.counters.bytes += len;
      this.counters.dataBytes += len;
    } else if (write) {
      for (let i = 0; i < len; i++) this.writeByte(block, (addr + i) & 0xffff, data[i]!);
    } else {
      for (let i = 0; i < len; i++) data[i] = this.readByte(block, (addr + i) & 0xffff);
    }
    this.frameEnd(addr, control, data);
  }

  // ---- byte-clocked API with chip select (virtual board SPI1) ----

  select(): void { this.decoder.select(); }
  transfer(mosi: number): number { return this.decoder.transfer(mosi); }
  deselect(): void { this.decoder.deselect(); }

  // ---- pins ----

  /** INTn asserted (low): (IR & IMR) ≠ 0 or (SIR & SIMR) ≠ 0. Applies pending network input first. */
  get intAsserted(): boolean {
    this.poll();
    return (this.common.ir & this.common.imr) !== 0 || (this.sir() & this.common.simr) !== 0;
  }

  /**
   * A whole RSTn pulse, long enough (the host waited T_RC): every register to its reset value, all
   * connections dropped; the chip then answers nothing until its PLL locks (timing.pllLockMs).
   */
  hardwareReset(): void {
    this.note('hardware reset (RSTn)');
    this.resetAll();
    this.pllStart();
  }

  /**
   * The RSTn pin, for hosts that drive it (0 = low). The chip resets when it goes high after at
   * least timing.resetLowMinMs low; a shorter pulse is a glitch and is ignored (traced).
   */
  setResetPin(level: 0 | 1): void {
    const now = this.clock();
    if (level === 0) { if (this.resetLowSince < 0) this.resetLowSince = now; return; }
    if (this.resetLowSince < 0) return;
    const held = now - this.resetLowSince;
    this.resetLowSince = -1;
    if (held + 1e-9 < this.timing.resetLowMinMs) { // (ms are fractional here: no float rounding noise)
      this.note(`RSTn low for ${held} ms < ${this.timing.resetLowMinMs} ms (T_RC): no reset`);
      return;
    }
    this.hardwareReset();
  }

  /** False while RSTn is held low or the PLL has not locked yet: the SPI interface is dead. */
  ready(): boolean {
    if (this.resetLowSince >= 0) return this.deadFrame('RSTn held low');
    if (this.readyAt >= 0) {
      if (this.clock() < this.readyAt) return this.deadFrame(`PLL not locked until t=${this.readyAt}`);
      this.readyAt = -1;
    }
    this.deadNoted = false;
    return true;
  }

  private deadFrame(why: string): false {
    if (!this.deadNoted) { this.deadNoted = true; this.note(`SPI frame while ${why}: reads 0, writes lost`); }
    return false;
  }

  private pllStart(): void {
    this.readyAt = this.timing.pllLockMs > 0 ? this.clock() + this.timing.pllLockMs : -1;
  }

  // ---- time and events ----

  /** Apply what the chip would have done by now: commands, received packets, timeouts. True if anything changed. */
  poll(): boolean {
    let changed = this.phy.poll();
    for (const s of this.sockets) changed = s.poll() || changed;
    return changed;
  }

  /**
   * Resolves when the host has something new to look at: at once if applying what already
   * arrived changed the chip's state, else on the next network event. Tests await this instead
   * of sleeping.
   */
  waitForInput(): Promise<void> {
    if (this.poll()) return Promise.resolve();
    return this.activity.nextEvent();
  }

  /** Resolves when no Node socket operation (connect, write, bind, listen) is in flight. */
  settled(): Promise<void> { return this.activity.settled(); }

  /** Earliest virtual time at which a timeout or delayed packet is due, or -1 when none. */
  nextDeadline(): number {
    let t = this.phy.nextDeadline();
    if (this.readyAt >= 0 && (t < 0 || this.readyAt < t)) t = this.readyAt;
    for (const s of this.sockets) {
      const d = s.nextDeadline();
      if (d >= 0 && (t < 0 || d < t)) t = d;
    }
    return t;
  }

  /** Host port a LISTEN socket can be reached at (after the listener is bound), if any. */
  listenPort(sn: number): number | undefined { return this.listenPorts.get(sn); }

  /** Run `cb` whenever something arrives from the network (data, connection, close, ACK). */
  onNetworkEvent(cb: () => void): void { this.activity.onEvent(cb); }

  /** Power cut: every connection vanishes without FIN (the peer sees a reset); registers reset. */
  powerOff(): void {
    this.note('power off');
    for (const s of this.sockets) s.teardown('reset');
    this.resetAll();
  }

  /** Close every Node socket (end of a test). */
  async close(): Promise<void> {
    for (const s of this.sockets) s.teardown('close');
    await this.activity.settled();
  }

  // ---- FrameTarget ----

  frameStart(): void {
    for (const s of this.sockets) s.frameTick();
    this.poll();
    this.counters.frames++;
    this.counters.bytes += 3;
  }

  readByte(block: number, addr: number): number {
    this.counters.bytes++; this.counters.dataBytes++;
    if (!this.ready()) return 0;
    if (block === BLOCK_COMMON) return this.common.read(addr);
    const n = (block - 1) >> 2;
    switch ((block - 1) & 3) {
      case 0: return this.sockets[n]!.read(addr);
      case 1: return this.tx.read(n, addr);
      case 2: return this.rx.read(n, addr);
      default: return 0; // reserved block
    }
  }

  writeByte(block: number, addr: number, value: number): void {
    this.counters.bytes++; this.counters.dataBytes++;
    if (!this.ready()) return;
    if (block === BLOCK_COMMON) { this.common.write(addr, value); return; }
    const n = (block - 1) >> 2;
    switch ((block - 1) & 3) {
      case 0:
        this.sockets[n]!.write(addr, value);
        if (addr === SN.CR) this.schedulePoll();
        return;
      case 1: this.tx.write(n, addr, value); return;
      case 2: this.rx.write(n, addr, value); return; // the host may scribble on RX memory, as on the chip
      default: return;
    }
  }

  frameEnd(addr: number, control: number, data: Uint8Array): void {
    this.trace?.frame(this.clock(), addr, control, data);
  }

  note(text: string): void { this.trace?.note(this.clock(), text); }

  private pollScheduled = false;

  /**
   * The chip works on a command whether or not the host clocks more frames: once the host's
   * current burst of frames is over (end of the current JS task), the model catches up.
   */
  private schedulePoll(): void {
    if (this.pollScheduled) return;
    this.pollScheduled = true;
    queueMicrotask(() => { this.pollScheduled = false; this.poll(); });
  }

  private sir(): number {
    let v = 0;
    for (const s of this.sockets) if (s.irBits !== 0) v |= 1 << s.n;
    return v;
  }

  private softwareReset(): void {
    this.note('software reset (MR.RST)');
    this.resetAll();
  }

  private resetAll(): void {
    this.common.reset();
    this.phy.reset();
    this.tx.reset();
    this.rx.reset();
    for (const s of this.sockets) s.reset();
    this.listenPorts.clear();
  }
}
