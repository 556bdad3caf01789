// The PHY as seen through PHYCFGR: link/speed/duplex status bits and the software PHY reset.
import {
  PHY_DPX, PHY_LNK, PHY_OPMD, PHY_OPMDC_MASK, PHY_RST, PHY_SPD, PHYCFGR_RESET,
} from './registers.ts';

export class Phy {
  private config = PHYCFGR_RESET & (PHY_RST | PHY_OPMD | PHY_OPMDC_MASK);
  /** Whether a cable and a partner are present (the test controls this). */
  private cable = true;
  /** True while the RST bit is held at 0 by the host (PHY in reset: no link). */
  private inReset = false;

  constructor(private readonly onLinkChange: (up: boolean) => void) {}

  reset(): void {
    const wasUp = this.linkUp;
    this.config = PHYCFGR_RESET & (PHY_RST | PHY_OPMD | PHY_OPMDC_MASK);
    this.inReset = false;
    if (wasUp !== this.linkUp) this.onLinkChange(this.linkUp);
  }

  /** Link is up when a cable is present, the PHY is out of reset and not powered down (OPMDC 110). */
  get linkUp(): boolean {
    const powerDown = (this.config & PHY_OPMD) !== 0 && (this.config & PHY_OPMDC_MASK) === 0x30;
    return this.cable && !this.inReset && !powerDown;
  }

  /** Plug or pull the cable. */
  setCable(present: boolean): void {
    const was = this.linkUp;
    this.cable = present;
    if (was !== this.linkUp) this.onLinkChange(this.linkUp);
  }

  /** PHYCFGR read: configuration bits plus DPX/SPD/LNK status (100 Mbit/s full duplex when up). */
  read(): number {
    const status = this.linkUp ? PHY_DPX | PHY_SPD | PHY_LNK : 0;
    return (this.config & ~0x07) | status;
  }

  /** PHYCFGR write: bits 7..3 are writable; writing RST=0 holds the PHY in reset until RST=1. */
  write(value: number): void {
    const was = this.linkUp;
    this.config = value & (PHY_RST | PHY_OPMD | PHY_OPMDC_MASK);
    this.inReset = (value & PHY_RST) === 0;
    if (was !== this.linkUp) this.onLinkChange(this.linkUp);
  }
}
