// The ONE transport seam of the MQTT client: a single non-blocking TCP connection.
// Today it forwards to the transitional `hostnet` imports (Node host); the W5500 socket
// driver (net/w5500) will provide the same five functions and this selector will switch.
// Contract (any implementation):
//   netConnect(ip, port): start connecting (ip u32, 192.168.1.10 = 0xC0A8010A); 0 started, <0 error
//   netState(): NET_CLOSED / NET_CONNECTING / NET_ESTABLISHED / NET_CLOSING; never blocks
//   netSend(src, len): bytes accepted now (0..len), <0 when the connection is gone
//   netRecv(dst, max): bytes read now (0 none yet), <0 when the peer closed and nothing is left
//   netClose(): graceful close (FIN); safe to call in any state

export const NET_CLOSED: i32 = 0;
export const NET_CONNECTING: i32 = 1;
export const NET_ESTABLISHED: i32 = 2;
export const NET_CLOSING: i32 = 3;

// @ts-ignore: decorator
@external("hostnet", "connect") declare function hostnet_connect(ip: u32, port: i32): i32;
// @ts-ignore: decorator
@external("hostnet", "state") declare function hostnet_state(): i32;
// @ts-ignore: decorator
@external("hostnet", "send") declare function hostnet_send(src: usize, len: i32): i32;
// @ts-ignore: decorator
@external("hostnet", "recv") declare function hostnet_recv(dst: usize, max: i32): i32;
// @ts-ignore: decorator
@external("hostnet", "close") declare function hostnet_close(): void;

export function netConnect(ip: u32, port: i32): i32 { return hostnet_connect(ip, port); }
export function netState(): i32 { return hostnet_state(); }
export function netSend(src: usize, len: i32): i32 { return hostnet_send(src, len); }
export function netRecv(dst: usize, max: i32): i32 { return hostnet_recv(dst, max); }
export function netClose(): void { hostnet_close(); }
