// Writes a file as an 8-byte-aligned const C array (for the benchmark images).
// Usage: node --import tsx host-tools/wasm/embed-c.ts IN OUT.c SYMBOL
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output, symbol] = process.argv.slice(2);
if (!input || !output || !symbol) {
  console.error('usage: embed-c.ts IN OUT.c SYMBOL');
  process.exit(2);
}
const bytes = readFileSync(input);
const rows: string[] = [];
for (let i = 0; i < bytes.length; i += 16) rows.push('  ' + [...bytes.subarray(i, i + 16)].map((b) => `0x${b.toString(16).padStart(2, '0')},`).join(''));
writeFileSync(
  output,
  `#include <stdint.h>\n__attribute__((aligned(8))) const uint8_t ${symbol}[${Math.max(bytes.length, 1)}] = {\n${rows.join('\n')}\n};\nconst uint32_t ${symbol}_len = ${bytes.length};\n`,
);
