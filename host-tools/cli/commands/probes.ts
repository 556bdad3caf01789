// `wasmqtt probes`: the ST-Link probes attached, with the serial to pass to --probe.
import type { Command } from 'commander';
import { formatProbe, listProbes, noProbeHints } from '../../flash/probes.ts';

export function register(program: Command): void {
  program
    .command('probes')
    .description('list attached ST-Link probes (pick one with `wasmqtt flash --probe SERIAL`)')
    .option('--json', 'print the list as JSON')
    .action((opts: { json?: boolean }) => {
      const scan = listProbes();
      if (opts.json) {
        console.log(JSON.stringify(scan, null, 2));
        return;
      }
      if (!scan.usbVisible) {
        console.log('this machine shows no USB bus (/sys/bus/usb is missing: a container or VM without USB passthrough?)');
        for (const h of noProbeHints().slice(2)) console.log(`  hint: ${h}`);
        process.exitCode = 1;
        return;
      }
      if (scan.probes.length === 0) {
        console.log('no ST-Link probe found');
        for (const h of noProbeHints()) console.log(`  hint: ${h}`);
        process.exitCode = 1;
        return;
      }
      console.log(`${scan.probes.length} ST-Link probe${scan.probes.length > 1 ? 's' : ''} attached:`);
      scan.probes.forEach((p, i) => console.log(`  ${formatProbe(p, i)}`));
      if (scan.probes.length > 1) console.log('pick one with: wasmqtt flash --probe SERIAL');
    });
}
