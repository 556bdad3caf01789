// Prints vitest's totals as one plain closing line ("tests: N passed, N failed, N skipped"),
// the form CI reads, from the JSON report written by `make test`.
import { readFileSync } from 'node:fs';
const r = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
