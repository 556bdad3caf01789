// A register-access sequence shaped like a straightforward port of WIZnet's ioLibrary socket
// layer (single-byte frames per register byte, TX_FSR / RX_RSR read until two reads agree, TX_WR
// and RX_RD re-read on every call, Sn_CR spun on after every command, SENDOK checked and cleared
// before each send). It is the peer the benchmark compares the project's driver against, run
// on the same model in the same process. It is written from the datasheet's procedures; no
// vendor code is copied.
import { CMD, SN, SNIR_SENDOK, socketRegBlock, socketRxBlock, socketTxBlock } from './registers.ts';
import type { W5500 } from './w5500.ts';

export class VendorStyleSocket {
  private sending = false;
  constructor(private readonly m: W5500, private readonly sn: number) {}
  private get b(): number { return socketRegBlock(this.sn); }
  private r1(addr: number): number { return this.m.read(addr, this.b, 1)[0]!; }
  private w1(addr: number, v: number): void { this.m.write(addr, this.b, Uint8Array.of(v)); }
  private r16(addr: number): number { return (this.r1(addr) << 8) | this.r1(addr + 1); }
  private w16(addr: number, v: number): void { this.w1(addr, v >> 8); this.w1(addr + 1, v & 0xff); }
  private stable(addr: number): number {
    for (;;) { const a = this.r16(addr); if (a === 0) return 0; const b = this.r16(addr); if (a === b) return a; }
  }
  private command(cmd: number): void { this.w1(SN.CR, cmd); while (this.r1(SN.CR) !== 0); }

  /** send(): state check, previous SENDOK, free space, pointer, data, pointer, SEND. */
  send(data: Uint8Array): number {
    this.r1(SN.SR);
    if (this.sending) {
      const ir = this.r1(SN.IR);
      if (!(ir & SNIR_SENDOK)) return 0;
      this.w1(SN.IR, SNIR_SENDOK);
      this.sending = false;
    }
    if (this.stable(SN.TX_FSR) < data.length) return 0;
    const wr = this.r16(SN.TX_WR);
    this.m.write(wr, socketTxBlock(this.sn), data);
    this.w16(SN.TX_WR, (wr + data.length) & 0xffff);
    this.command(CMD.SEND);
    this.sending = true;
    return data.length;
  }

  /** The application's poll: received size, then recv() of that much. */
  recv(): Uint8Array {
    const n = this.stable(SN.RX_RSR);
    if (n === 0) return new Uint8Array(0);
    this.r1(SN.SR);
    const rd = this.r16(SN.RX_RD);
    const data = this.m.read(rd, socketRxBlock(this.sn), n);
    this.w16(SN.RX_RD, (rd + n) & 0xffff);
    this.command(CMD.RECV);
    return data;
  }
}
