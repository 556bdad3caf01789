// NodeDevice's network (host-tools/sim/host; its default): it implements that layer's
// NetworkBackend seam with a W5500 model, so core.wasm's W5500 driver runs against the model
// (and through it real sockets).
// NodeDevice's clock becomes the chip's clock, so RTR/RCR timeouts follow virtual time.
import type { Clock } from './clock.ts';
import type { LinearMemory } from './memory.ts';
import type { ImportModules, NetworkBackend } from './network.ts';
import { AddressMap } from '../w5500/address-map.ts';
import { w5500Imports } from '../w5500/imports.ts';
import { FrameTrace } from '../w5500/trace.ts';
import { W5500, type W5500Timing } from '../w5500/w5500.ts';

export interface W5500BackendOptions {
  /**
   * The chip's clock in ms. Default: the Clock NodeDevice passes to imports(). A host without
   * NodeDevice (e.g. the virtual board, which wires `model` to its SPI1) passes its own.
   */
  clock?: () => number;
  /** Device endpoint → host endpoint, e.g. { '192.168.1.10:1883': '127.0.0.1:18830' }. */
  routes?: Record<string, string>;
  /** Write a frame trace to this file. */
  traceFile?: string;
  /** Frames a written Sn_CR stays visible before the chip takes it (default 0). */
  commandBusyFrames?: number;
  /** Reset/PLL/auto-negotiation/Sn_SR timing (W5500Options.timing; DATASHEET_TIMING for the silicon's). */
  timing?: Partial<W5500Timing>;
}

export class W5500NetworkBackend implements NetworkBackend {
  readonly model: W5500;
  readonly trace?: FrameTrace;
  private clock: Clock | null = null;
  private wake: () => void = () => {};

  constructor(opts: W5500BackendOptions = {}) {
    const map = new AddressMap();
    for (const [dev, host] of Object.entries(opts.routes ?? {})) map.add(dev, host);
    this.trace = opts.traceFile ? new FrameTrace(opts.traceFile) : undefined;
    this.model = new W5500({
      clock: opts.clock ?? (() => this.clock?.now() ?? 0),
      addressMap: map,
      trace: this.trace,
      commandBusyFrames: opts.commandBusyFrames,
      timing: opts.timing,
    });
    this.model.onNetworkEvent(() => this.wake());
  }

  /** The board.w5500_* imports over the model; pointers are checked against core.wasm's memory. */
  imports(memory: LinearMemory, clock: Clock): ImportModules {
    this.clock = clock;
    return { board: { ...w5500Imports(this.model, () => memory.bytes()) } };
  }

  setWake(wake: () => void): void { this.wake = wake; }

  /** Power loss: the chip loses power; every connection is dropped without FIN. */
  destroy(): void { this.model.powerOff(); }

  /** Virtual time of the chip's next timeout or delayed packet, or -1 (for hosts that jump time). */
  nextDeadline(): number { return this.model.nextDeadline(); }

  close(): Promise<void> { return this.model.close(); }
}
