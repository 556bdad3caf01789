// The `wasmqtt` command line. Each subcommand lives in ./commands/<name>.ts and exports
// `register(program)`; this file only discovers and wires them, so layers add commands
// without touching each other. bin.mjs (the package's bin, reached through npx, npm exec, a
// linked or global install) calls run(); `node --import tsx host-tools/cli/main.ts` runs it too.
import { Command } from 'commander';
import { readFileSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface CommandModule {
  register(program: Command): void;
}

const here = dirname(fileURLToPath(import.meta.url));

export async function buildProgram(): Promise<Command> {
  const program = new Command();
  const { version } = JSON.parse(readFileSync(join(here, '../../package.json'), 'utf8')) as { version: string };
  program
    .name('wasmqtt')
    .version(version, '-V, --version', 'print the version of the wasmqtt package')
    .description('MQTT in WebAssembly on STM32F103 + W5500: build, flash, monitor, simulate, test')
    .showHelpAfterError('(run `wasmqtt --help` for the commands)');
  const dir = join(here, 'commands');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as CommandModule;
    mod.register(program);
  }
  return program;
}

/** Parses `argv` (node, script, args...) and runs the command; sets process.exitCode on failure. */
export async function run(argv: string[] = process.argv): Promise<void> {
  const program = await buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    // Expected failures carry a user-facing message; never print a stack trace for them.
    const msg = err instanceof Error ? err.message : String(err);
    console.error(`wasmqtt: ${msg}`);
    process.exitCode = 1;
  }
}

/** True when node was started on this very file (not when bin.mjs or a test imports it). */
function startedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (startedDirectly()) await run();
