// Writes a file as an 8-byte-aligned const C array (for the benchmark images).
// Usage: node --import tsx host-tools/wasm/embed-c.ts IN OUT.c SYMBOL
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** C source defining `symbol` (the bytes, 8-byte aligned, in flash) and `symbol_len`. */
export function cArray(bytes: Uint8Array, symbol: string): string {
  const rows: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) rows.push(
    '  ' + [...bytes.subarray(i, i + 16)].map((b) => `0x${b.toString(16).padStart(2, '0')},`).join(''));
  return `#include <stdint.h>\n__attribute__((aligned(8))) const uint8_t ` +
    `${symbol}[${Math.max(bytes.length, 1)}] = {\n${rows.join('\n')}\n};\nconst uint32_t ${symbol}_len = ` +
    `${bytes.length};\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [input, output, symbol] = process.argv.slice(2);
  if (!input || !output || !symbol) {
    console.error('usage: embed-c.ts IN OUT.c SYMBOL');
    process.exit(2);
  }
  writeFileSync(output, cArray(readFileSync(input), symbol));
}
