#!/usr/bin/env node
// Entry for the `wasmqtt` bin (npx, npm exec, a linked or global install, or
// `node host-tools/cli/bin.mjs`): registers the TypeScript loader, then runs the CLI. It calls
// run() itself instead of leaving main.ts to guess from argv[1] whether it is the entry: through
// node_modules/.bin the script path is a symlink named `wasmqtt`.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('./main.ts');
await run(process.argv);
