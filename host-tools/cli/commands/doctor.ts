// `wasmqtt doctor`: is this machine ready to build, flash, simulate and test?
import type { Command } from 'commander';
import { formatDoctor, runDoctor } from '../../doctor/checks.ts';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check every tool the project uses and say how to install what is missing')
    .option('--json', 'print the results as JSON')
    .action((opts: { json?: boolean }) => {
      const results = runDoctor();
      console.log(opts.json ? JSON.stringify(results, null, 2) : formatDoctor(results));
      if (results.some((r) => !r.ok && r.required)) process.exitCode = 1;
    });
}
