// PINGREQ (12), PINGRESP (13), DISCONNECT (14): a fixed header with remaining length 0.
export function encodeEmpty(dst: usize, type: i32): i32 {
  store<u8>(dst, <u8>(type << 4));
  store<u8>(dst + 1, 0);
  return 2;
}
