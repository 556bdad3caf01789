// The `wasmqtt` command line. Each subcommand lives in ./commands/<name>.ts and exports
// `register(program)`; this file only discovers and wires them, so layers add commands
// without touching each other.
import { Command } from 'commander';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface CommandModule {
  register(program: Command): void;
}

const here = dirname(fileURLToPath(import.meta.url));

export async function buildProgram(): Promise<Command> {
  const program = new Command();
  program
    .name('wasmqtt')
    .description('MQTT in WebAssembly on STM32F103 + W5500: build, flash, monitor, simulate, test')
    .showHelpAfterError('(run `wasmqtt --help` for the commands)');
  const dir = join(here, 'commands');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as CommandModule;
    mod.register(program);
  }
  return program;
}

const isEntry = process.argv[1] !== undefined &&
  (process.argv[1].endsWith('main.ts') || process.argv[1].endsWith('bin.mjs'));
if (isEntry) {
  const program = await buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    // Expected failures carry a user-facing message; never print a stack trace for them.
    const msg = err instanceof Error ? err.message : String(err);
    console.error(`wasmqtt: ${msg}`);
    process.exitCode = 1;
  }
}
