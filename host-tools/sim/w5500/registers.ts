// W5500 register map, reset values and codes, checked against the W5500 datasheet v1.0.9
// (section 4: register descriptions). Values marked [unverified] in docs/w5500.md were not
// found in a datasheet page and come from WIZnet's W5200 datasheet or community drivers.

/** Chip version read from VERSIONR (datasheet: "always indicates 0x04"). */
export const CHIP_VERSION = 0x04;

/** Block select (BSB[4:0]) values: common block, then per socket n: registers, TX buffer, RX buffer. */
export const BLOCK_COMMON = 0;
export const socketRegBlock = (n: number): number => 1 + 4 * n;
export const socketTxBlock = (n: number): number => 2 + 4 * n;
export const socketRxBlock = (n: number): number => 3 + 4 * n;

/** SPI control byte fields. */
export const CTRL_RWB_WRITE = 0x04;
export const OM_VDM = 0x00;
export const OM_FDM1 = 0x01;
export const OM_FDM2 = 0x02;
export const OM_FDM4 = 0x03;
export const controlByte = (block: number, write: boolean, om = OM_VDM): number =>
  ((block & 0x1f) << 3) | (write ? CTRL_RWB_WRITE : 0) | (om & 3);

/** Common register offsets (block 0). */
export const COMMON = {
  MR: 0x0000, GAR: 0x0001, SUBR: 0x0005, SHAR: 0x0009, SIPR: 0x000f, INTLEVEL: 0x0013,
  IR: 0x0015, IMR: 0x0016, SIR: 0x0017, SIMR: 0x0018, RTR: 0x0019, RCR: 0x001b,
  PTIMER: 0x001c, PMAGIC: 0x001d, PHAR: 0x001e, PSID: 0x0024, PMRU: 0x0026,
  UIPR: 0x0028, UPORTR: 0x002c, PHYCFGR: 0x002e, VERSIONR: 0x0039,
} as const;
/** Last implemented common register offset; 0x2F..0x38 and above 0x39 are reserved (read 0). */
export const COMMON_SIZE = 0x3a;

export const MR_RST = 0x80;
export const MR_WOL = 0x20;
export const MR_PB = 0x10;
export const MR_PPPOE = 0x08;
export const MR_FARP = 0x02;

export const IR_CONFLICT = 0x80;
export const IR_UNREACH = 0x40;
export const IR_PPPOE = 0x20;
export const IR_MP = 0x10;

/** PHYCFGR bits: RST (write 0 resets the PHY), OPMD, OPMDC[2:0], DPX, SPD, LNK (bits 2..0 read-only). */
export const PHY_RST = 0x80;
export const PHY_OPMD = 0x40;
export const PHY_OPMDC_MASK = 0x38;
export const PHY_DPX = 0x04;
export const PHY_SPD = 0x02;
export const PHY_LNK = 0x01;
/** Reset value with the link down: RST=1, OPMD=0, OPMDC=111 (all capable, auto-negotiation). */
export const PHYCFGR_RESET = 0xb8;

/** Socket register offsets (block 1+4n). */
export const SN = {
  MR: 0x00, CR: 0x01, IR: 0x02, SR: 0x03, PORT: 0x04, DHAR: 0x06, DIPR: 0x0c, DPORT: 0x10,
  MSSR: 0x12, TOS: 0x15, TTL: 0x16, RXBUF_SIZE: 0x1e, TXBUF_SIZE: 0x1f, TX_FSR: 0x20,
  TX_RD: 0x22, TX_WR: 0x24, RX_RSR: 0x26, RX_RD: 0x28, RX_WR: 0x2a, IMR: 0x2c, FRAG: 0x2d,
  KPALVTR: 0x2f,
} as const;
export const SOCKET_REG_SIZE = 0x30;

/** Sn_MR protocol (P[3:0]) and flags. */
export const SN_MR_CLOSED = 0x00;
export const SN_MR_TCP = 0x01;
export const SN_MR_UDP = 0x02;
export const SN_MR_MACRAW = 0x04;
export const SN_MR_MULTI = 0x80;
export const SN_MR_BCASTB = 0x40;
export const SN_MR_ND = 0x20;
export const SN_MR_UCASTB = 0x10;

/** Sn_CR commands. */
export const CMD = {
  OPEN: 0x01, LISTEN: 0x02, CONNECT: 0x04, DISCON: 0x08, CLOSE: 0x10, SEND: 0x20,
  SEND_MAC: 0x21, SEND_KEEP: 0x22, RECV: 0x40,
} as const;

/** Sn_SR states (stable and transient). */
export const SR = {
  CLOSED: 0x00, INIT: 0x13, LISTEN: 0x14, SYNSENT: 0x15, SYNRECV: 0x16, ESTABLISHED: 0x17,
  FIN_WAIT: 0x18, CLOSING: 0x1a, TIME_WAIT: 0x1b, CLOSE_WAIT: 0x1c, LAST_ACK: 0x1d,
  UDP: 0x22, MACRAW: 0x42,
} as const;

/** Sn_IR bits. */
export const SNIR_SENDOK = 0x10;
export const SNIR_TIMEOUT = 0x08;
export const SNIR_RECV = 0x04;
export const SNIR_DISCON = 0x02;
export const SNIR_CON = 0x01;

/** Total buffer memory: 16 KB TX and 16 KB RX, 2 KB per socket at reset. */
export const TX_MEMORY = 16 * 1024;
export const RX_MEMORY = 16 * 1024;
export const SOCKET_COUNT = 8;
/** Legal values of Sn_RXBUF_SIZE / Sn_TXBUF_SIZE (KB). */
export const BUF_SIZES_KB = [0, 1, 2, 4, 8, 16];

/** Default TCP MSS (the chip splits sends into segments of this size). */
export const TCP_MSS = 1460;

const COMMON_NAMES = new Map<number, string>(Object.entries(COMMON).map(([k, v]) => [v, k]));
const SN_NAMES = new Map<number, string>(Object.entries(SN).map(([k, v]) => [v, k]));

/** Human-readable name of a block and, for register blocks, the register at `addr` (for traces). */
export function describe(block: number, addr: number): string {
  if (block === BLOCK_COMMON) return `COMMON.${COMMON_NAMES.get(addr) ?? hex(addr)}`;
  const n = (block - 1) >> 2;
  switch ((block - 1) & 3) {
    case 0: return block < 32 ? `S${n}.${SN_NAMES.get(addr) ?? hex(addr)}` : `RESERVED(${block})`;
    case 1: return `S${n}.TXBUF@${hex(addr)}`;
    case 2: return `S${n}.RXBUF@${hex(addr)}`;
    default: return `RESERVED(${block})`;
  }
}

export function hex(v: number, digits = 4): string {
  return '0x' + v.toString(16).toUpperCase().padStart(digits, '0');
}
