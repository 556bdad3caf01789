// UDP on W5500 socket 1: sendto / recvfrom, non-blocking, no allocation. Each received
// datagram sits in the RX buffer behind an 8-byte header: peer IP[4], peer port[2], length[2].
import {
  CR_OPEN, CR_RECV, CR_SEND, IR_RECV, IR_TIMEOUT, MODE_UDP, SN_DIPR, SN_IMR, SN_IR, SN_MR, SN_PORT,
  SN_RX_RD, SN_RX_RSR, SN_SR, SN_TX_FSR, SN_TX_WR, SR_UDP, rxBlock, txBlock, CR_CLOSE,
} from "./regs";
import { SCRATCH, r16, r8, readBuf, stable16, w16, w8, writeBuf } from "./spi";
import {
  UDP_SN, W5_ERR_ARG, W5_ERR_CHIP, W5_ERR_NOT_INIT, W5_ERR_STATE, command, commandNow, commandSettled, inited,
  sendDone, sendIssued, sendReset, w5Route,
} from "./chip";

const SN: i32 = UDP_SN;
const REG: i32 = 1 + 4 * UDP_SN; // regBlock(UDP_SN) written out (see tcp.ts)
/** Largest UDP payload the chip sends without fragmentation (default MTU, datasheet Sn_MSSR). */
export const UDP_MAX: i32 = 1472;

let open: bool = false;
let txWr: u16 = 0;
let rxRd: u16 = 0;
let lastIp: u32 = 0;
let lastPort: i32 = -1;
let fromIp: u32 = 0;
let fromPort: i32 = 0;
/** Sn_IR bits seen (and cleared) since udpIrTake(): IR_TIMEOUT = a SEND whose ARP went unanswered. */
let irSeen: i32 = 0;

/** The Sn_IR bits seen since the last call (IR_TIMEOUT, IR_RECV), then forgotten. */
export function udpIrTake(): i32 { let v = irSeen; irSeen = 0; return v; }

/** Open the UDP socket on local `port`. 0 ok, < 0 error. */
export function udpOpen(port: i32): i32 {
  if (!inited) return W5_ERR_NOT_INIT;
  if (port <= 0 || port > 0xffff) return W5_ERR_ARG;
  if (open) commandSettled(SN, CR_CLOSE, 0);
  w8(SN_MR, REG, MODE_UDP);
  w8(SN_IR, REG, 0xff);
  w8(SN_IMR, REG, IR_RECV | IR_TIMEOUT);
  w16(SN_PORT, REG, <u16>port);
  let opened = commandSettled(SN, CR_OPEN, 0);
  if (opened < 0) return W5_ERR_CHIP;
  sendReset(SN);
  if (opened != SR_UDP) return W5_ERR_STATE;
  txWr = <u16>r16(SN_TX_WR, REG);
  rxRd = <u16>r16(SN_RX_RD, REG);
  lastPort = -1;
  open = true;
  w5Route(SN, true);
  return 0;
}

export function udpClose(): void {
  if (!open) return;
  commandNow(SN, CR_CLOSE);
  w5Route(SN, false);
  open = false;
}

/** Send one datagram of len bytes from src to ip:port. Returns len, 0 when the TX buffer is full now, < 0 error. */
export function udpSendTo(ip: u32, port: i32, src: usize, len: i32): i32 {
  if (!open) return W5_ERR_STATE;
  if (len <= 0 || len > UDP_MAX || port <= 0 || port > 0xffff) return W5_ERR_ARG;
  if (!sendDone(SN)) return 0;
  let free = stable16(SN_TX_FSR, REG);
  if (free < len) return 0;
  if (ip != lastIp || port != lastPort) {
    store<u8>(SCRATCH, <u8>(ip >> 24)); store<u8>(SCRATCH + 1, <u8>(ip >> 16));
    store<u8>(SCRATCH + 2, <u8>(ip >> 8)); store<u8>(SCRATCH + 3, <u8>ip);
    store<u8>(SCRATCH + 4, <u8>(port >> 8)); store<u8>(SCRATCH + 5, <u8>port);
    writeBuf(SN_DIPR, REG, SCRATCH, 6);
    lastIp = ip; lastPort = port;
  }
  writeBuf(<i32>txWr, txBlock(SN), src, len);
  txWr += <u16>len;
  w16(SN_TX_WR, REG, txWr);
  if (!command(SN, CR_SEND)) return W5_ERR_CHIP;
  sendIssued(SN, txWr);
  return len;
}

/**
 * Receive one datagram into dst (at most max bytes; a longer one is truncated and the rest
 * discarded). Returns the payload bytes copied, 0 when none is waiting, < 0 error. The sender is
 * then in udpFromIp()/udpFromPort().
 */
export function udpRecvFrom(dst: usize, max: i32): i32 {
  if (!open) return W5_ERR_STATE;
  if (max < 0) return W5_ERR_ARG;
  let ir = r8(SN_IR, REG);
  if (ir != 0) { w8(SN_IR, REG, ir); irSeen |= ir; }
  let rsr = stable16(SN_RX_RSR, REG);
  if (rsr < 8) return 0;
  readBuf(<i32>rxRd, rxBlock(SN), SCRATCH, 8);
  fromIp = (<u32>load<u8>(SCRATCH) << 24) | (<u32>load<u8>(SCRATCH + 1) << 16) | (<u32>load<u8>(SCRATCH + 2) << 8) | <u32>load<u8>(SCRATCH + 3);
  fromPort = (<i32>load<u8>(SCRATCH + 4) << 8) | <i32>load<u8>(SCRATCH + 5);
  let len = (<i32>load<u8>(SCRATCH + 6) << 8) | <i32>load<u8>(SCRATCH + 7);
  let n = len < max ? len : max;
  if (n > 0) readBuf(<i32>(<u16>(rxRd + 8)), rxBlock(SN), dst, n);
  rxRd += <u16>(8 + len);
  w16(SN_RX_RD, REG, rxRd);
  if (!command(SN, CR_RECV)) return W5_ERR_CHIP;
  return n;
}

export function udpFromIp(): u32 { return fromIp; }
export function udpFromPort(): i32 { return fromPort; }
