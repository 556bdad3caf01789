// Test entry for the W5500 driver (build/w5500/driver-test.wasm): exports the driver over a
// static staging buffer so a TypeScript board host can drive it against the chip model.
import {
  w5Init, w5Link, w5SetRetry, tcpConnect, tcpState, tcpSend, tcpRecv, tcpClose, tcpSetPolling,
  udpOpen, udpClose, udpSendTo, udpRecvFrom, udpFromIp, udpFromPort,
} from "./index";
import { tcpSr, tcpTxFree, tcpRxAvail } from "./tcp";

const BUF_SIZE: i32 = 16384;
const BUF: usize = memory.data(BUF_SIZE);
const ERR_RANGE: i32 = -100;

function inBuf(off: i32, len: i32): bool { return off >= 0 && len >= 0 && off <= BUF_SIZE - len; }

export function dt_buf(): usize { return BUF; }
export function dt_buf_size(): i32 { return BUF_SIZE; }
/** MAC in buf[0..6). */
export function dt_init(ip: u32, gw: u32, mask: u32): i32 { return w5Init(BUF, ip, gw, mask); }
export function dt_link(): i32 { return w5Link() ? 1 : 0; }
export function dt_set_retry(rtr: i32, rcr: i32): void { w5SetRetry(<u16>rtr, <u8>rcr); }
export function dt_polling(on: i32): void { tcpSetPolling(on != 0); }
export function dt_connect(ip: u32, port: i32): i32 { return tcpConnect(ip, port); }
export function dt_state(): i32 { return tcpState(); }
export function dt_send(off: i32, len: i32): i32 { return inBuf(off, len) ? tcpSend(BUF + off, len) : ERR_RANGE; }
export function dt_recv(off: i32, max: i32): i32 { return inBuf(off, max) ? tcpRecv(BUF + off, max) : ERR_RANGE; }
export function dt_close(): void { tcpClose(); }
export function dt_sr(): i32 { return tcpSr(); }
export function dt_tx_free(): i32 { return tcpTxFree(); }
export function dt_rx_avail(): i32 { return tcpRxAvail(); }
export function dt_udp_open(port: i32): i32 { return udpOpen(port); }
export function dt_udp_close(): void { udpClose(); }
export function dt_udp_sendto(ip: u32, port: i32, off: i32, len: i32): i32 { return inBuf(off, len) ? udpSendTo(ip, port, BUF + off, len) : ERR_RANGE; }
export function dt_udp_recvfrom(off: i32, max: i32): i32 { return inBuf(off, max) ? udpRecvFrom(BUF + off, max) : ERR_RANGE; }
export function dt_udp_from_ip(): u32 { return udpFromIp(); }
export function dt_udp_from_port(): i32 { return udpFromPort(); }

/** AssemblyScript's abort hook: trap (there is nothing to print to). */
export function dtAbort(message: usize, file: usize, line: u32, column: u32): void { unreachable(); }
