// The MQTT transport over W5500 socket 0: the same five functions as net/transport.ts
// (tcpConnect, tcpState, tcpSend, tcpRecv, tcpClose), non-blocking, no allocation.
//
// SPI economy (the figures in docs/w5500.md): the driver keeps its own copies of TX_WR and
// RX_RD and a lower bound of the TX free space, so a send is: previous-SEND-complete check
// (Sn_TX_RD, one frame) + TX data burst + TX_WR + SEND. Reception is interrupt-gated: while INTn is high
// nothing is read; when it is low, one 2-byte frame reads Sn_IR+Sn_SR, one clears Sn_IR, and
// Sn_RX_RSR is read until two reads agree. RX_RD/RECV are committed only when half the RX buffer
// has been consumed (or when asked), not per read.
//
// Sn_SR → transport state:
//   CLOSED → NET_CLOSED;  INIT, SYNSENT, SYNRECV → NET_CONNECTING;  ESTABLISHED → NET_ESTABLISHED;
//   CLOSE_WAIT, FIN_WAIT, CLOSING, TIME_WAIT, LAST_ACK → NET_CLOSING
import {
  CR_CLOSE, CR_CONNECT, CR_DISCON, CR_OPEN, CR_RECV, CR_SEND, IR_CON, IR_DISCON, IR_RECV,
  IR_TIMEOUT, MODE_TCP_ND, SN_DIPR, SN_IMR, SN_IR, SN_MR, SN_PORT, SN_RX_RD, SN_RX_RSR,
  SN_SR, SN_TX_FSR, SN_TX_WR, SR_CLOSED, SR_CLOSE_WAIT, SR_ESTABLISHED, SR_FIN_WAIT, SR_INIT, SR_SYNRECV, SR_SYNSENT,
  rxBlock, txBlock,
} from "./regs";
import { SCRATCH, be16, putBe16, r8, readBuf, stable16, w16, w8, w5500_irq, writeBuf } from "./spi";
import {
  TCP_SN, W5_ERR_ARG, W5_ERR_CHIP, W5_ERR_NOT_INIT, W5_ERR_STATE, command, commandNow, commandSettled, inited,
  TCP_KB, putU32, sendDone, sendIssued, sendReset, w5EnsureConfigured, w5Route,
} from "./chip";

export const NET_CLOSED: i32 = 0;
export const NET_CONNECTING: i32 = 1;
export const NET_ESTABLISHED: i32 = 2;
export const NET_CLOSING: i32 = 3;

const SN: i32 = TCP_SN;
const REG: i32 = 1 + 4 * TCP_SN; // regBlock(TCP_SN), written out: a call is not folded into a constant

/** Last Sn_SR seen. */
let sr: i32 = 0; // SR_CLOSED (a literal: a constant's name here costs a start function)
/** TX_WR and RX_RD: 16-bit chip pointers kept in i32 (masked where they advance). */
let txWr: i32 = 0;
/** Lower bound of Sn_TX_FSR (the chip only frees space; we only consume it). */
let txFree: i32 = 0;
let rxRd: i32 = 0;
/** Bytes received and not yet read by the caller. */
let rxAvail: i32 = 0;
/** Bytes read by the caller but not yet released to the chip (RX_RD + RECV pending). */
let rxUncommitted: i32 = 0;
/** Poll registers on every call instead of waiting for INTn (boards without the INT line). */
let polling: bool = false;
let localPort: i32 = 49152;

/** Use polling instead of the INT pin. */
export function tcpSetPolling(on: bool): void { polling = on; }

/** Start a TCP connection to ip:port (ip u32, first octet in the top byte). 0 started, < 0 error. */
export function tcpConnect(ip: u32, port: i32): i32 {
  if (!inited) return W5_ERR_NOT_INIT;
  if (port <= 0 || port > 0xffff) return W5_ERR_ARG;
  let e = w5EnsureConfigured(); // a chip reset since init (brown-out, RSTn glitch) loses everything
  if (e < 0) return e;
  if (sr != SR_CLOSED && commandSettled(SN, CR_CLOSE, 0) < 0) return W5_ERR_CHIP;
  w8(SN_MR, REG, MODE_TCP_ND); // ND: ACK the broker's replies at once (docs/w5500.md)
  w8(SN_IR, REG, 0xff); // clear stale interrupts so INTn only reports this connection
  w8(SN_IMR, REG, IR_CON | IR_DISCON | IR_RECV | IR_TIMEOUT);
  localPort = localPort >= 65000 ? 49152 : localPort + 1; // a fresh port per connection
  w16(SN_PORT, REG, localPort);
  let opened = commandSettled(SN, CR_OPEN, SR_CLOSED);
  if (opened < 0) return W5_ERR_CHIP;
  sendReset(SN);
  if (opened != SR_INIT) { sr = SR_CLOSED; return W5_ERR_STATE; }
  putU32(SCRATCH, ip);
  putBe16(SCRATCH + 4, port);
  writeBuf(SN_DIPR, REG, SCRATCH, 6); // Sn_DIPR + Sn_DPORT in one burst
  if (!command(SN, CR_CONNECT)) return W5_ERR_CHIP;
  w5Route(SN, true);
  sr = SR_SYNSENT;
  rxAvail = 0; rxUncommitted = 0; txFree = 0;
  return 0;
}

/** Reads Sn_IR+Sn_SR, clears what was seen, refreshes pointers on connect and RX size on RECV. */
function service(): void {
  readBuf(SN_IR, REG, SCRATCH, 2);
  let ir = <i32>load<u8>(SCRATCH);
  let now = <i32>load<u8>(SCRATCH + 1);
  if (ir != 0) w8(SN_IR, REG, <u8>ir);
  if (now == SR_ESTABLISHED && sr != SR_ESTABLISHED) {
    // Connected: the chip re-initialised its pointers; take TX_FSR..RX_WR in one 12-byte burst.
    readBuf(SN_TX_FSR, REG, SCRATCH, 12);
    txFree = be16(SCRATCH);
    txWr = be16(SCRATCH + 4);
    rxRd = be16(SCRATCH + 8);
    rxAvail = 0; rxUncommitted = 0;
    ir |= IR_RECV; // data may already be waiting
  }
  sr = now;
  if ((ir & IR_RECV) != 0 || polling) refreshRx();
}

function refreshRx(): void {
  if (sr == SR_CLOSED) return;
  let rsr = stable16(SN_RX_RSR, REG);
  if (rsr >= 0) rxAvail = rsr - rxUncommitted;
}

function update(): void {
  if (sr == SR_CLOSED) return;
  // Transitional states (connecting, closing) are short and not all of their exits raise an
  // interrupt (LAST_ACK → CLOSED does not), so they are polled; ESTABLISHED waits for INTn.
  if (polling || sr != SR_ESTABLISHED || w5500_irq() != 0) service();
}

export function tcpState(): i32 {
  update();
  if (sr == SR_CLOSED) return NET_CLOSED;
  if (sr == SR_ESTABLISHED) return NET_ESTABLISHED;
  if (sr == SR_INIT || sr == SR_SYNSENT || sr == SR_SYNRECV) return NET_CONNECTING;
  return NET_CLOSING;
}

/** Queue up to len bytes from src; returns bytes accepted (0 when the TX buffer is full), < 0 when the connection is gone. */
export function tcpSend(src: usize, len: i32): i32 {
  if (len < 0) return W5_ERR_ARG;
  if (tcpState() != NET_ESTABLISHED) return -1;
  if (len == 0) return 0;
  if (!sendDone(SN)) return 0; // the previous SEND is still going out: try again next step
  if (txFree < len) {
    let f = stable16(SN_TX_FSR, REG);
    if (f < 0) return 0;
    txFree = f;
  }
  let n = len < txFree ? len : txFree;
  if (n == 0) return 0;
  writeBuf(txWr, txBlock(SN), src, n);
  txWr = (txWr + n) & 0xffff;
  w16(SN_TX_WR, REG, txWr);
  if (!command(SN, CR_SEND)) return W5_ERR_CHIP;
  sendIssued(SN, txWr);
  txFree -= n;
  return n;
}

/** Release consumed RX bytes to the chip (RX_RD + RECV). */
function commitRx(): void {
  if (rxUncommitted == 0) return;
  w16(SN_RX_RD, REG, rxRd);
  command(SN, CR_RECV);
  rxUncommitted = 0;
}

/** Read up to max bytes into dst: bytes read, 0 when none yet, < 0 when the peer closed and nothing is left. */
export function tcpRecv(dst: usize, max: i32): i32 {
  if (max < 0) return W5_ERR_ARG;
  if (rxAvail == 0) update();
  if (rxAvail > 0 && max > 0) {
    let n = max < rxAvail ? max : rxAvail;
    readBuf(rxRd, rxBlock(SN), dst, n);
    rxRd = (rxRd + n) & 0xffff;
    rxAvail -= n;
    rxUncommitted += n;
    if (rxUncommitted >= TCP_KB << 9) commitRx(); // half the RX buffer
    return n;
  }
  // Nothing to read: wait (0) while data may still come, else the peer is gone (CLOSED,
  // CLOSE_WAIT and the other closing states).
  return rxAvail > 0 || sr == SR_ESTABLISHED || sr == SR_SYNSENT || sr == SR_INIT ? 0 : -1;
}

/** Graceful close (FIN via DISCON); a connection not yet up is simply closed. Safe in any state. */
export function tcpClose(): void {
  if (sr == SR_CLOSED) return;
  if (sr == SR_ESTABLISHED || sr == SR_CLOSE_WAIT) {
    commitRx();
    let v = commandSettled(SN, CR_DISCON, sr);
    sr = v < 0 || v == sr ? SR_FIN_WAIT : v; // (a chip that never shows it: closing until it says otherwise)
  } else {
    commandNow(SN, CR_CLOSE);
    sr = SR_CLOSED;
    w5Route(SN, false);
  }
  rxAvail = 0; rxUncommitted = 0;
}

/** Counters for tests and the console: last Sn_SR, cached TX free, known RX bytes. */
export function tcpSr(): i32 { return <i32>sr; }
export function tcpTxFree(): i32 { return txFree; }
export function tcpRxAvail(): i32 { return rxAvail; }
