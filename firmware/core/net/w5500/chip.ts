// Chip bring-up and shared socket plumbing: reset, VERSIONR check, network identity, buffer
// sizes, interrupt routing, link status, and the Sn_CR command discipline.
import {
  CHIP_VERSION, CR_CLOSE, CR_SEND, GAR, PHYCFGR, PHY_LNK, RTR, SIMR, SN_CR, SN_RXBUF_SIZE, SN_SR, SN_TX_RD, VERSIONR, regBlock,
} from "./regs";
import { SCRATCH, r8, r16, readBuf, w8, writeBuf, w5500_reset, waitCommandTaken } from "./spi";

/** Socket carrying the MQTT connection, and the one used for UDP. */
export const TCP_SN: i32 = 0;
export const UDP_SN: i32 = 1;
/** Buffer sizes in KB per socket (Σ ≤ 16 each way): the MQTT socket gets the lion's share. */
export const TCP_KB: i32 = 8;
export const UDP_KB: i32 = 2;
export const OTHER_KB: i32 = 1;

export const W5_OK: i32 = 0;
export const W5_ERR_VERSION: i32 = -1; // VERSIONR is not 0x04: no W5500 on the bus (wiring, SPI mode, power)
export const W5_ERR_NOT_INIT: i32 = -2; // w5Init has not succeeded
export const W5_ERR_CHIP: i32 = -3; // a command was never taken (Sn_CR stuck): chip hung
export const W5_ERR_STATE: i32 = -4; // the socket did not open in the expected mode
export const W5_ERR_ARG: i32 = -5; // bad argument (length, port)
export const W5_ERR_BOOTING: i32 = -6; // VERSIONR not answering yet on the first read after a reset (PLL locking): ask again later

export let inited: bool = false;
/** The network identity as written by w5Init (GAR, SUBR, SHAR, SIPR: 18 bytes), to detect a chip reset. */
const IDENTITY: usize = memory.data(18);
/** Sockets with a command written but not yet seen taken (bit n = socket n). */
let cmdUnchecked: u32 = 0;
/** Last command written per socket (8 bytes). */
const LAST_CMD: usize = memory.data(8);
/** Sockets whose last SEND is not yet known to be complete, and the TX_RD that completes it (u16 × 8). */
let sendPending: u32 = 0;
const SEND_END: usize = memory.data(16);
/** Longest wait for a previous SEND to complete (TX_RD reads, 5-byte frames: ~11 ms at 18 MHz). */
const SEND_SPIN_MAX: i32 = 5000;
/** Sockets whose interrupts reach the INT pin (SIMR). */
let simr: i32 = 0; // (i32, not u8: no mask per use; sn < 8 keeps it a byte)

/** Size of socket sn's TX buffer, and of its RX buffer, in KB. */
export function bufKB(sn: i32): i32 { return sn == TCP_SN ? TCP_KB : sn == UDP_SN ? UDP_KB : OTHER_KB; }

/** Stores v big-endian (the chip's byte order) at `at`. */
export function putU32(at: usize, v: u32): void { store<u32>(at, bswap<u32>(v)); }

/**
 * Hardware reset, VERSIONR check, network identity (one 18-byte burst: GAR, SUBR, SHAR, SIPR),
 * buffer sizes. `mac` points at 6 bytes; addresses are u32 with the first octet in the top byte.
 * Returns W5_OK, W5_ERR_BOOTING (VERSIONR silent on the first read after the reset pulse: call
 * again later, no new pulse) or W5_ERR_VERSION (still silent: no chip).
 */
export function w5Init(mac: usize, ip: u32, gateway: u32, netmask: u32): i32 {
  w5Identity(ip, gateway, netmask);
  memory.copy(IDENTITY + 8, mac, 6);
  return bringUp();
}

/** Set the address, gateway and mask (a DHCP lease): written to the chip at once when it is up. */
export function w5Identity(ip: u32, gateway: u32, netmask: u32): void {
  putU32(IDENTITY, gateway);
  putU32(IDENTITY + 4, netmask);
  putU32(IDENTITY + 14, ip);
  if (inited) writeBuf(GAR, 0, IDENTITY, 18);
}

/** A reset was pulsed and VERSIONR has not answered yet (the PLL may still be locking). */
let resetPending: bool = false;

/**
 * Reset and configure the chip from IDENTITY (the register image of GAR..SIPR). When VERSIONR
 * does not answer, the next call looks again without another reset: a host whose reset import
 * returns before the chip's PLL has locked gets the chip once it has.
 */
function bringUp(): i32 {
  inited = false;
  cmdUnchecked = 0;
  sendPending = 0;
  simr = 0;
  let fresh = !resetPending;
  if (fresh) w5500_reset();
  resetPending = true;
  if (r8(VERSIONR, 0) != CHIP_VERSION) return fresh ? W5_ERR_BOOTING : W5_ERR_VERSION;
  resetPending = false;
  writeBuf(GAR, 0, IDENTITY, 18);
  for (let sn = 0; sn < 8; sn++) {
    store<u16>(SCRATCH, <u16>(bufKB(sn) * 0x101)); // Sn_RXBUF_SIZE, Sn_TXBUF_SIZE
    writeBuf(SN_RXBUF_SIZE, regBlock(sn), SCRATCH, 2);
  }
  w8(SIMR, 0, 0);
  inited = true;
  return W5_OK;
}

/**
 * Re-runs the bring-up if the chip lost its configuration (a reset behind the driver's back):
 * one 18-byte read, done before each new connection.
 */
export function w5EnsureConfigured(): i32 {
  readBuf(GAR, 0, SCRATCH, 18);
  // compared a half-word at a time: memory.compare's code (inlined at each use) is far larger
  for (let i = 0; i < 18; i += 2) if (load<u16>(SCRATCH + <usize>i) != load<u16>(IDENTITY + <usize>i)) return bringUp();
  return W5_OK;
}

/** Retry timing: `rtr` in 100 µs units, `rcr` retries (ARPTO = rtr·(rcr+1)). One 3-byte burst. */
export function w5SetRetry(rtr: u16, rcr: u8): void {
  store<u8>(SCRATCH, <u8>(rtr >> 8)); store<u8>(SCRATCH + 1, <u8>rtr); store<u8>(SCRATCH + 2, rcr);
  writeBuf(RTR, 0, SCRATCH, 3);
}

/** PHY link up (PHYCFGR.LNK). One 4-byte frame; call it when it matters, not every step. */
export function w5Link(): bool { return (r8(PHYCFGR, 0) & PHY_LNK) != 0; }

/** Route (or stop routing) socket sn's interrupts to the INT pin. */
export function w5Route(sn: i32, on: bool): void {
  let bit = 1 << sn;
  let v = on ? simr | bit : simr & ~bit;
  if (v == simr) return;
  simr = v;
  w8(SIMR, 0, <u8>v);
}

/**
 * Issue a socket command without waiting for it to be taken: the NEXT command on this socket
 * first spins until Sn_CR reads 0. Commands are rare enough that the spin almost never repeats,
 * and the hot path (SEND, RECV) saves a status frame per call.
 */
export function command(sn: i32, cmd: u8): bool {
  if ((cmdUnchecked & (1 << sn)) != 0 && !waitCommandTaken(sn)) return false;
  w8(SN_CR, regBlock(sn), cmd);
  cmdUnchecked |= 1 << sn;
  store<u8>(LAST_CMD + <usize>sn, cmd);
  return true;
}

/** Record a SEND issued with TX_WR = `txWr`: it is complete when Sn_TX_RD reaches that value. */
export function sendIssued(sn: i32, txWr: i32): void {
  store<u16>(SEND_END + (<usize>sn << 1), <u16>txWr);
  sendPending |= 1 << sn;
}

/** Forget any pending SEND (after OPEN: the chip re-initialised its pointers). */
export function sendReset(sn: i32): void { sendPending &= ~(1 << sn); }

/**
 * The datasheet requires the previous SEND to be complete before the next one. It is complete
 * when Sn_TX_RD has caught up with the TX_WR it was issued with (one 5-byte frame, and a torn
 * 16-bit read can never equal that value early). A complete SEND was necessarily taken, so the
 * Sn_CR check before the next command is skipped too. Bounded: false if it is still running.
 */
export function sendDone(sn: i32): bool {
  if ((sendPending & (1 << sn)) == 0) return true;
  let want = <i32>load<u16>(SEND_END + (<usize>sn << 1));
  for (let i = 0; i < SEND_SPIN_MAX; i++) {
    if (r16(SN_TX_RD, regBlock(sn)) == want) {
      sendPending &= ~(1 << sn);
      if (load<u8>(LAST_CMD + <usize>sn) == CR_SEND) cmdUnchecked &= ~(1 << sn);
      return true;
    }
  }
  return false;
}

/** Issue a command and wait until it is taken (OPEN/CLOSE/CONNECT, before reading Sn_SR). */
export function commandNow(sn: i32, cmd: u8): bool {
  if (!command(sn, cmd)) return false;
  cmdUnchecked &= ~(1 << sn);
  return waitCommandTaken(sn);
}

/** Longest wait for Sn_SR to show a taken command's state (4-byte frames). */
const SR_SPIN_MAX: i32 = 200;

/**
 * Issue a command and wait until Sn_SR shows its outcome: Sn_SR changes a little after Sn_CR
 * clears (WIZnet's driver waits the same way). CLOSE: until Sn_SR reads CLOSED; others: until
 * it differs from `before` (the state the command leaves). Returns the last Sn_SR read, or -1
 * when the command was never taken.
 */
export function commandSettled(sn: i32, cmd: u8, before: i32): i32 {
  if (!commandNow(sn, cmd)) return -1;
  let v: i32 = 0;
  for (let i = 0; i < SR_SPIN_MAX; i++) {
    v = <i32>r8(SN_SR, regBlock(sn));
    if (cmd == CR_CLOSE ? v == 0 : v != before) break;
  }
  return v;
}
