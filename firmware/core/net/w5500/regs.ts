// W5500 register offsets, block selects and codes used by the driver (datasheet v1.0.9, sec. 4).

// Common block (BSB 0)
export const MR: u16 = 0x0000;
export const GAR: u16 = 0x0001; // GAR[4] SUBR[4] SHAR[6] SIPR[4] are contiguous: one 18-byte burst
export const SIMR: u16 = 0x0018;
export const RTR: u16 = 0x0019; // RTR[2] RCR[1] contiguous
export const PHYCFGR: u16 = 0x002e;
export const VERSIONR: u16 = 0x0039;
export const MR_RST: u8 = 0x80;
export const PHY_LNK: u8 = 0x01;
export const CHIP_VERSION: u8 = 0x04;

// Socket register block offsets (BSB 1+4n)
export const SN_MR: u16 = 0x00;
export const SN_CR: u16 = 0x01;
export const SN_IR: u16 = 0x02; // Sn_IR, Sn_SR adjacent: one 2-byte status read
export const SN_SR: u16 = 0x03;
export const SN_PORT: u16 = 0x04;
export const SN_DIPR: u16 = 0x0c; // Sn_DIPR[4] Sn_DPORT[2] adjacent: one 6-byte write
export const SN_RXBUF_SIZE: u16 = 0x1e; // RXBUF, TXBUF adjacent
export const SN_TX_FSR: u16 = 0x20;
export const SN_TX_RD: u16 = 0x22;
export const SN_TX_WR: u16 = 0x24;
export const SN_RX_RSR: u16 = 0x26;
export const SN_RX_RD: u16 = 0x28;
export const SN_IMR: u16 = 0x2c;

export const MODE_TCP: u8 = 0x01;
/**
 * TCP with Sn_MR.ND (No Delayed ACK, bit 5): every data segment is ACKed at once. Without it the
 * chip ACKs after its RTR timeout (200 ms at reset), and a broker with Nagle on (Mosquitto's
 * default) holds its next PUBACK/PUBREC until then.
 */
export const MODE_TCP_ND: u8 = 0x21;
export const MODE_UDP: u8 = 0x02;

export const CR_OPEN: u8 = 0x01;
export const CR_CONNECT: u8 = 0x04;
export const CR_DISCON: u8 = 0x08;
export const CR_CLOSE: u8 = 0x10;
export const CR_SEND: u8 = 0x20;
export const CR_RECV: u8 = 0x40;

export const SR_CLOSED: u8 = 0x00;
export const SR_INIT: u8 = 0x13;
export const SR_SYNSENT: u8 = 0x15;
export const SR_SYNRECV: u8 = 0x16;
export const SR_ESTABLISHED: u8 = 0x17;
export const SR_FIN_WAIT: u8 = 0x18;
export const SR_CLOSE_WAIT: u8 = 0x1c;
export const SR_UDP: u8 = 0x22;

export const IR_SENDOK: u8 = 0x10;
export const IR_TIMEOUT: u8 = 0x08;
export const IR_RECV: u8 = 0x04;
export const IR_DISCON: u8 = 0x02;
export const IR_CON: u8 = 0x01;

// @ts-ignore: decorator
@inline export function regBlock(sn: i32): i32 { return 1 + 4 * sn; }
// @ts-ignore: decorator
@inline export function txBlock(sn: i32): i32 { return 2 + 4 * sn; }
// @ts-ignore: decorator
@inline export function rxBlock(sn: i32): i32 { return 3 + 4 * sn; }
