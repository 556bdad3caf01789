// App settings: short key/value strings kept in the store (an R_APP record, docs/app-api.md),
// loaded at start, changed in RAM with set() and written with save(). A host or the build can
// provision them (the `wq_app_settings` export takes the whole blob). Layout: "key=value\n"
// lines, 128 bytes in all.
import { wq_app_blob_len, wq_app_blob_read, wq_app_blob_save, wq_app_blob_saved } from "../../core/app-api";
import { Text, bytesEqual, parseInt32, utf8Into } from "./text";

export const SETTINGS_BYTES: i32 = 128;
/** The blob, with the 4 bytes of room on each side that wq_app_blob_save() needs. */
export const SETTINGS: usize = memory.data(SETTINGS_BYTES + 8) + 4;
export let settingsLen: i32 = 0;

/** Loads the saved blob (start()); a missing or oversized one leaves no settings. */
export function settingsLoad(): void {
  settingsLen = 0;
  if (!wq_app_blob_saved() || wq_app_blob_len() > SETTINGS_BYTES) return;
  if (wq_app_blob_read(SETTINGS, wq_app_blob_len()) == 0) settingsLen = wq_app_blob_len();
}

/** Replaces the blob with `len` bytes from `p` (the host's provisioning path); 0 or -1 when too long. */
export function settingsReplace(p: usize, len: i32): i32 {
  if (len < 0 || len > SETTINGS_BYTES) return -1;
  memory.copy(SETTINGS, p, len);
  settingsLen = len;
  return 0;
}

/** Value of `key`: start in valueAt, length returned; -1 when the key is not set. */
let valueAt: usize = 0;
function find(key: string): i32 {
  let p = SETTINGS;
  let end = SETTINGS + settingsLen;
  while (p < end) {
    let eol = p;
    while (eol < end && load<u8>(eol) != 0x0a) eol++;
    let eq = p;
    while (eq < eol && load<u8>(eq) != 0x3d) eq++;
    if (eq < eol && bytesEqual(p, <i32>(eq - p), key)) { valueAt = eq + 1; return <i32>(eol - eq - 1); }
    p = eol + 1;
  }
  return -1;
}

/** Removes `key`'s line, if any. */
function remove(key: string): void {
  if (find(key) < 0) return;
  let start = valueAt;
  while (start > SETTINGS && load<u8>(start - 1) != 0x0a) start--;
  let end = valueAt;
  while (end < SETTINGS + settingsLen && load<u8>(end) != 0x0a) end++;
  if (end < SETTINGS + settingsLen) end++;
  memory.copy(start, end, SETTINGS + settingsLen - end);
  settingsLen -= <i32>(end - start);
}

/** Appends "key=" at the end of the blob; the address after it, or 0 when it does not fit
 * (the blob is then unchanged). */
function keyAt(key: string): usize {
  let p = SETTINGS + settingsLen;
  let room = SETTINGS_BYTES - settingsLen;
  let k = utf8Into(key, p, room);
  if (k < key.length || k + 2 > room) return 0;
  store<u8>(p + k, 0x3d);
  return p + k + 1;
}

function setBytes(key: string, v: usize, len: i32): bool {
  remove(key);
  let p = keyAt(key);
  if (p == 0 || <i32>(p - SETTINGS) + len + 1 > SETTINGS_BYTES) return false;
  memory.copy(p, v, len);
  store<u8>(p + len, 0x0a);
  settingsLen = <i32>(p + len + 1 - SETTINGS);
  return true;
}

export class Settings {
  /** Whether `key` is set. */
  static has(key: string): bool { return find(key) >= 0; }

  /** Appends `key`'s value to `into`; false (nothing appended) when it is not set. */
  static get(key: string, into: Text): bool {
    let n = find(key);
    if (n < 0) return false;
    into.addBytes(valueAt, n);
    return true;
  }

  /** `key`'s value as a decimal integer; `fallback` when unset or not a number. */
  static int(key: string, fallback: i32): i32 {
    let n = find(key);
    return n < 0 ? fallback : parseInt32(valueAt, n, fallback);
  }

  /** Sets `key` (no '=' or newline in it) to a string or a Text, in RAM; false when the
   * 128-byte blob is full. save() writes them to the store. */
  static set<T>(key: string, value: T): bool {
    if (!isString<T>()) return setBytes(key, changetype<Text>(value).ptr, changetype<Text>(value).length);
    let s = changetype<string>(value);
    remove(key);
    let p = keyAt(key);
    if (p == 0) return false;
    let v = utf8Into(s, p, <i32>(SETTINGS + <usize>SETTINGS_BYTES - p) - 1); // (room for the newline)
    if (v < s.length) return false; // (fewer bytes than chars: it did not fit)
    store<u8>(p + v, 0x0a);
    settingsLen = <i32>(p + v + 1 - SETTINGS);
    return true;
  }

  /** Sets `key` to a decimal integer (in RAM, like set()). */
  static setInt(key: string, value: i32): bool {
    let buf = memory.data(12);
    let u = value < 0 ? <u32>(-value) : <u32>value;
    let n = 12;
    do { store<u8>(buf + <usize>--n, <u8>(48 + u % 10)); u /= 10; } while (u != 0);
    if (value < 0) store<u8>(buf + <usize>--n, 0x2d);
    return setBytes(key, buf + <usize>n, 12 - n);
  }

  /** Writes the settings to the store (one record; the previous one becomes garbage). 0, or a
   * negative store error (ERR_NO_STORE, ERR_STORE_IO, ERR_QUEUE_FULL). */
  static save(): i32 { return wq_app_blob_save(SETTINGS, settingsLen); }
}
