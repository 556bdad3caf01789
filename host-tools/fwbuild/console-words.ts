// Generates firmware/app/console/words.ts: every word the device console reads or prints, as one
// byte blob. AssemblyScript string literals cost two bytes per character plus a header each, in
// flash and in the core's (capped) linear memory; here a character costs at most one byte:
// bit 7 marks a word's last byte (no offset table: a word is found by counting ends, which is
// nothing next to 115200 baud), and the runs most words share ("connect", "bad-", ...) are
// stored once and referenced by one byte below 45 ('-'), a code no word uses (compressWords).
//   node --import tsx host-tools/fwbuild/console-words.ts        (rewrites words.ts)
// test/firmware/console.test.ts fails when words.ts is out of date with this list.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './boards.ts';

export const CONSOLE_WORDS = [
  // reply prefixes
  'ok', 'err', 'evt', '-',
  // commands (their order is the `help` list)
  'help', 'show', 'net', 'set', 'save', 'load', 'connect', 'disconnect', 'sub', 'unsub', 'pub', 'status', 'echo',
  // fields and keys
  'mac', 'ip', 'gw', 'mask', 'host', 'port', 'id', 'user', 'pass', 'keepalive', 'clean', 'will', 'trace', 'spill',
  'quiet',
  'on', 'off', 'commands', 'docs', 'docs/console.md',
  'pid', 'state', 'inflight', 'queued', 'inflight_in', 'tx', 'rx', 'retransmits', 'reconnects', 'last_error',
  'store_used', 'store_capacity', 'will_qos', 'will_retain', 'will_payload', 'session_present', 'error', 'rc',
  'reason', 'topic', 'qos', 'retain', 'dup', 'len', 'payload', 'codes', 'code', 'packet', 'detail', 'kind', 'dir',
  'type', 'flags', 'extra', 'packet-max', 'link', 'up', 'addr',
  // values
  'none', 'requested', 'failure', 'idle', 'backoff', 'tcp-connecting', 'mqtt-connecting', 'connected',
  'unknown', 'malformed-event', 'message', 'connect-failed', 'disconnected', 'publish-done', 'suback', 'unsuback',
  // console error codes
  'line-too-long', 'bad-byte', 'bad-escape', 'unknown-command', 'missing-argument', 'extra-argument', 'bad-field',
  'bad-mac', 'bad-ip', 'bad-number', 'too-long', 'bad-qos', 'bad-retain', 'bad-value', 'too-big',
] as const;

/** The core's ERR_* codes (firmware/core/api/abi.ts) as console words: ERR_QUEUE_FULL -> queue-full. */
export function coreErrors(): { name: string; code: number; word: string }[] {
  const abi = readFileSync(join(REPO_ROOT, 'firmware/core/api/abi.ts'), 'utf8');
  return [...abi.matchAll(/export const (ERR_\w+): i32 = (-\d+);/g)].map((m) => ({
    name: m[1]!, code: Number(m[2]), word: m[1]!.slice(4).toLowerCase().replace(/_/g, '-'),
  }));
}

const constName = (w: string) => (w === '-' ? 'W_DASH' : 'W_' + w.toUpperCase().replace(/[^A-Z0-9]+/g, '_'));

/** Fragments: up to FRAG_MAX shared runs, fragment i stored as the byte i (a word id in
 * FRAG_WORD[i]); the bytes from FRAG_MAX on ('-' and up) stand for themselves, so words use no
 * byte below it (no '!'..','). */
export const FRAG_MAX = 45;
/** While compressing, fragment i is the symbol FRAG_SYM + i (clear of every ASCII code). */
const FRAG_SYM = 1000;
/** Longest expanded word the device's word buffer holds. */
export const WORD_MAX = 32;

type Symbols = number[];
const key = (xs: Symbols) => xs.join(',');

function countIn(seq: Symbols, pat: Symbols): number {
  let n = 0;
  for (let i = 0; i + pat.length <= seq.length; ) {
    if (pat.every((x, j) => seq[i + j] === x)) { n++; i += pat.length; } else i++;
  }
  return n;
}

function replaceIn(seq: Symbols, pat: Symbols, sym: number): Symbols {
  const out: Symbols = [];
  for (let i = 0; i < seq.length; ) {
    if (i + pat.length <= seq.length && pat.every((x, j) => seq[i + j] === x)) { out.push(sym); i += pat.length; }
    else out.push(seq[i++]!);
  }
  return out;
}

/**
 * Shared fragments: greedily picks the symbol run whose replacement by a one-byte reference
 * saves the most bytes (a run that is a whole word is defined by that word; any other run
 * becomes an extra word after the named ones), up to FRAG_MAX times. Deterministic: ties go to
 * the run found first. Returns each word's symbols (extra words appended) and the fragment
 * table (word id per fragment).
 */
export function compressWords(words: string[]): { enc: Symbols[]; frags: number[] } {
  const enc: Symbols[] = words.map((w) => [...w].map((ch) => ch.charCodeAt(0)));
  const frags: number[] = [];
  while (frags.length < FRAG_MAX) {
    const counts = new Map<string, { pat: Symbols; n: number }>();
    for (const e of enc) {
      const seen = new Set<string>();
      for (let i = 0; i < e.length; i++) {
        for (let j = i + 2; j <= Math.min(e.length, i + 16); j++) {
          const pat = e.slice(i, j);
          const k = key(pat);
          if (seen.has(k)) continue;
          seen.add(k);
          const c = counts.get(k) ?? { pat, n: 0 };
          c.n += countIn(e, pat);
          counts.set(k, c);
        }
      }
    }
    const whole = new Map<string, number>();
    enc.forEach((e, i) => { if (!whole.has(key(e))) whole.set(key(e), i); });
    let best: { gain: number; pat: Symbols; def: number | undefined } | undefined;
    for (const [k, { pat, n }] of counts) {
      const def = whole.get(k);
      const uses = def === undefined ? n : n - 1; // the defining word keeps its letters
      const gain = uses * (pat.length - 1) - 1 - (def === undefined ? pat.length : 0);
      if (!best || gain > best.gain) best = { gain, pat, def };
    }
    if (!best || best.gain <= 0) break;
    const sym = FRAG_SYM + frags.length;
    const def = best.def ?? enc.length;
    for (let i = 0; i < enc.length; i++) if (i !== def) enc[i] = replaceIn(enc[i]!, best.pat, sym);
    if (best.def === undefined) enc.push(best.pat);
    frags.push(def);
  }
  // Every word must expand back to itself (and fit the device's word buffer).
  const expand = (e: Symbols, depth: number): string => {
    if (depth > FRAG_MAX) throw new Error('console word fragments refer to each other in a cycle');
    return e.map(
      (x) => (x >= FRAG_SYM ? expand(enc[frags[x - FRAG_SYM]!]!, depth + 1) : String.fromCharCode(x))).join('');
  };
  words.forEach((w, i) => {
    if (expand(enc[i]!, 0) !== w) throw new Error(`console word '${w}' does not round-trip through its fragments`);
  });
  for (const e of enc) if (expand(e, 0).length > WORD_MAX) throw new Error(
    `a console word is longer than ${WORD_MAX} bytes`);
  return { enc, frags };
}

export function generateWords(): string {
  const errs = coreErrors();
  const words: string[] = [...CONSOLE_WORDS];
  for (const e of errs) if (!words.includes(e.word)) words.push(e.word);
  const names = new Set<string>();
  for (const w of words) {
    if (w.length === 0) throw new Error('console words must not be empty (the end bit marks a last byte)');
    for (const ch of w) {
      const c = ch.charCodeAt(0);
      if (c < FRAG_MAX || c > 0x7e) throw new Error(
        `console word '${w}' must be printable ASCII from '-' on (lower codes are fragments)`);
    }
  }
  const { enc, frags } = compressWords(words);
  if (enc.length > 255) throw new Error('more than 255 console words: word ids are bytes (255 = unnamed)');
  const bytes: number[] = [];
  // WORD_INDEX[i] = byte offset of word 16*i, so a lookup skips at most 15 words.
  const index: number[] = [];
  for (const [i, e] of enc.entries()) {
    if (i % 16 === 0) index.push(bytes.length);
    bytes.push(...e.map((x) => (x >= FRAG_SYM ? x - FRAG_SYM : x)));
    bytes.push(bytes.pop()! | 0x80);
  }
  const maxCode = Math.max(...errs.map((e) => -e.code));
  // ERR_WORD[-code] = word id; 0xFF = no name (printed as "unknown").
  const errTable = Array.from({ length: maxCode + 1 }, (_, i) => {
    const e = errs.find((x) => -x.code === i);
    return e ? words.indexOf(e.word) : i === 0 ? words.indexOf('none') : 0xff;
  });
  const rows = (xs: number[]) => xs.map((x, i) => (i % 24 === 0 ? '\n  ' : ' ') + x + ',').join('');
  const out = [
    '// Generated by host-tools/fwbuild/console-words.ts; do not edit. Every word the device console',
    `// reads or prints, as ASCII bytes; bit 7 ends a word, and a byte below FRAG_CODES (${FRAG_MAX}, '-')`,
    '// stands for the word FRAG_WORD[byte] (shared runs such as "connect", "bad-").',
    `export const WORD_COUNT: i32 = ${enc.length};`,
    `export const WORD_MAX: i32 = ${WORD_MAX};`,
    `export const FRAG_CODES: i32 = ${FRAG_MAX};`,
    `export const WORD_BYTES: usize = memory.data<u8>([${rows(bytes)}\n]);`,
    `export const FRAG_WORD: usize = memory.data<u8>([${rows(frags)}\n]);`,
    '/** Byte offset in WORD_BYTES of word 16*i. */',
    `export const WORD_INDEX: usize = memory.data<u16>([${rows(index)}\n]);`,
    '/** Word id of the name of core error code -i (0 = none); 255 = unnamed. */',
    `export const ERR_WORD: usize = memory.data<u8>([${rows(errTable)}\n]);`,
    `export const ERR_WORD_COUNT: i32 = ${errTable.length};`,
    // Constants for the console's own words; core error names are reached through ERR_WORD.
    ...CONSOLE_WORDS.map((w, i) => {
      const n = constName(w);
      if (names.has(n)) throw new Error(`two console words map to ${n}`);
      names.add(n);
      return `export const ${n}: i32 = ${i};`;
    }),
    '',
  ];
  return out.join('\n');
}

export const WORDS_FILE = join(REPO_ROOT, 'firmware/app/console/words.ts');

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(WORDS_FILE, generateWords());
  console.log(`wrote ${WORDS_FILE}`);
}
