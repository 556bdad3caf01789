// The chip itself: its 96-bit unique id (the default client id and MAC are made from it).
import { CHIP_UID } from "../../core/app-api";
import { Text } from "./text";

export class Chip {
  /** Byte i (0..11) of the unique id, in address order from 0x1FFFF7E8. */
  static uidByte(i: i32): i32 { return <u32>i < 12 ? <i32>load<u8>(CHIP_UID + <usize>i) : 0; }

  /**
   * Appends the unique id as 24 lowercase hex digits to `into` (the part after "wasmqtt-" in the default client id).
   */
  static uid(into: Text): Text {
    for (let i = 0; i < 24; i++) {
      let d = (<i32>load<u8>(CHIP_UID + <usize>(i >> 1)) >> ((i & 1) != 0 ? 0 : 4)) & 15;
      into.addByte(d < 10 ? 48 + d : 87 + d);
    }
    return into;
  }
}
