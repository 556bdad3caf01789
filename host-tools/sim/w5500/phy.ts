// The PHY as seen through PHYCFGR: link/speed/duplex status bits, forced modes, the software
// PHY reset, and the time auto-negotiation takes before the link comes up.
import {
  PHY_DPX, PHY_LNK, PHY_OPMD, PHY_OPMDC_MASK, PHY_RST, PHY_SPD, PHYCFGR_RESET,
} from './registers.ts';

/** OPMDC values (PHYCFGR[5:3] with OPMD = 1), datasheet PHYCFGR description. */
const OPMDC_POWER_DOWN = 0x30;
/**
 * Speed/duplex status bits per OPMDC when the link is up: 10H, 10F, 100H, 100F, 100H+AN, (unused), power down, all+AN.
 */
const MODE_STATUS = [0, PHY_DPX, PHY_SPD, PHY_SPD | PHY_DPX, PHY_SPD, PHY_SPD | PHY_DPX, 0, PHY_SPD | PHY_DPX];

export class Phy {
  private config = PHYCFGR_RESET & (PHY_RST | PHY_OPMD | PHY_OPMDC_MASK);
  /**
   * The mode the PHY runs in: latched from config when the PHY leaves reset (datasheet: set OPMD/OPMDC, then reset the
   * PHY).
   */
  private activeMode = PHYCFGR_RESET & (PHY_OPMD | PHY_OPMDC_MASK);
  /** Whether a cable and a partner are present (the test controls this). */
  private cable = true;
  /** True while the RST bit is held at 0 by the host (PHY in reset: no link). */
  private inReset = false;
  /** Virtual time from which the link can be up (auto-negotiation after reset or cable plug), -1 = at once. */
  private linkAt = -1;
  /** Last link state reported to the owner. */
  private reported: boolean;

  /**
   * `linkUpMs`: how long the link takes to come up after a reset or a cable plug (auto-negotiation;
   * 0 = at once). `clock` gives virtual ms.
   */
  constructor(private readonly onLinkChange: (up: boolean) => void, private readonly clock: () => number = () => 0,
    private readonly linkUpMs = 0) {
    this.reported = this.linkUp;
  }

  reset(): void {
    this.config = PHYCFGR_RESET & (PHY_RST | PHY_OPMD | PHY_OPMDC_MASK);
    this.inReset = false;
    this.restartLink();
    this.report();
  }

  /** Link is up when a cable is present, the PHY is out of reset and not powered down, and negotiation is over. */
  get linkUp(): boolean {
    const powerDown = (this.activeMode & PHY_OPMD) !== 0 && (this.activeMode & PHY_OPMDC_MASK) === OPMDC_POWER_DOWN;
    return this.cable && !this.inReset && !powerDown && (this.linkAt < 0 || this.clock() >= this.linkAt);
  }

  /** Virtual time at which a negotiating link comes up, or -1 when nothing is pending. */
  nextDeadline(): number { return this.linkAt >= 0 && this.clock() < this.linkAt ? this.linkAt : -1; }

  /** Report a link change that happened with time (negotiation finished). True when it changed. */
  poll(): boolean { return this.report(); }

  /** Plug or pull the cable. */
  setCable(present: boolean): void {
    if (present && !this.cable) this.restartLink();
    this.cable = present;
    this.report();
  }

  /** PHYCFGR read: configuration bits plus DPX/SPD/LNK status for the active mode when up. */
  read(): number {
    let status = 0;
    if (this.linkUp) {
      // OPMD=0: hardware pins, all capable
      const opmdc = (this.activeMode & PHY_OPMD) !== 0 ? (this.activeMode & PHY_OPMDC_MASK) >> 3 : 7;
      status = MODE_STATUS[opmdc]! | PHY_LNK;
    }
    return (this.config & ~0x07) | status;
  }

  /** PHYCFGR write: bits 7..3 are writable; writing RST=0 holds the PHY in reset until RST=1. */
  write(value: number): void {
    const wasReset = this.inReset;
    this.config = value & (PHY_RST | PHY_OPMD | PHY_OPMDC_MASK);
    this.inReset = (value & PHY_RST) === 0;
    if (wasReset && !this.inReset) {
      this.activeMode = this.config & (PHY_OPMD | PHY_OPMDC_MASK);
      this.restartLink();
    }
    this.report();
  }

  private restartLink(): void {
    this.activeMode = this.config & (PHY_OPMD | PHY_OPMDC_MASK);
    this.linkAt = this.linkUpMs > 0 ? this.clock() + this.linkUpMs : -1;
  }

  private report(): boolean {
    const up = this.linkUp;
    if (up === this.reported) return false;
    this.reported = up;
    this.onLinkChange(up);
    return true;
  }
}
