// Test entry (build/core/codec-test.wasm): exposes the codec, the topic rules and the store
// CRC of the core exactly as compiled into core.wasm, for byte-exact unit tests. Not shipped.
import * as D from "./mqtt/codec/packet";
import { decodeOne } from "./mqtt/codec/decode";
import { encodeConnect } from "./mqtt/codec/connect";
import { encodeConnack } from "./mqtt/codec/connack";
import { encodePublish } from "./mqtt/codec/publish";
import { encodePuback, encodePubrec, encodePubrel, encodePubcomp, encodeUnsuback } from "./mqtt/codec/ack";
import { encodeSubscribe } from "./mqtt/codec/subscribe";
import { encodeSuback } from "./mqtt/codec/suback";
import { encodeUnsubscribe } from "./mqtt/codec/unsubscribe";
import { encodeEmpty } from "./mqtt/codec/empty";
import { checkTopicName, checkFilter, topicMatches } from "./mqtt/topic";
import { checkUtf8 } from "./mqtt/wire";
import { transition } from "./mqtt/session";

const SCRATCH: usize = memory.data(4096);
export function buf(): usize { return SCRATCH; }

export { encodeConnect, encodeConnack, encodePublish, encodePuback, encodePubrec, encodePubrel,
  encodePubcomp, encodeUnsuback, encodeSubscribe, encodeSuback, encodeUnsubscribe, encodeEmpty,
  decodeOne, checkTopicName, checkFilter, checkUtf8, transition };
export function matches(f: usize, flen: i32, t: usize, tlen: i32): i32 { return topicMatches(f, flen, t, tlen) ? 1 : 0; }

export function d_type(): i32 { return D.dType; }
export function d_flags(): i32 { return D.dFlags; }
export function d_pid(): i32 { return D.dPid; }
export function d_qos(): i32 { return D.dQos; }
export function d_a(): usize { return D.dA; }
export function d_alen(): i32 { return D.dALen; }
export function d_b(): usize { return D.dB; }
export function d_blen(): i32 { return D.dBLen; }
export function d_c(): usize { return D.dC; }
export function d_clen(): i32 { return D.dCLen; }
export function d_d(): usize { return D.dD; }
export function d_dlen(): i32 { return D.dDLen; }
export function d_e(): usize { return D.dE; }
export function d_elen(): i32 { return D.dELen; }
export function d_count(): i32 { return D.dCount; }
export function d_code(): i32 { return D.dCode; }
export function d_extra(): i32 { return D.dExtra; }
export function d_err_at(): i32 { return D.dErrAt; }

export function codecAbort(msg: string | null, file: string | null, line: u32, col: u32): void { unreachable(); }
