// `wasmqtt probes`: the ST-Link probes attached, with the serial to pass to --probe.
import type { Command } from 'commander';
import { formatProbe, listProbes, noProbeHints } from '../../flash/probes.ts';
import { checkTarget } from '../../flash/flash.ts';
import { loadProjectConfig, pick } from '../../config/load.ts';

export function register(program: Command): void {
  program
    .command('probes')
    .description('list attached ST-Link probes (pick one with `wasmqtt flash --probe SERIAL`)')
    .option('--json', 'print the list as JSON')
    .option('--check', 'connect through the probe to the chip and report what OpenOCD sees (flash size, id, voltage)')
    .option('-p, --probe <serial>', 'with --check: the probe to use')
    .option('-c, --config <file>', 'project config (default: nearest wasmqtt.config.json)')
    .action(async (opts: { json?: boolean; check?: boolean; probe?: string; config?: string }) => {
      if (opts.check) {
        const { config } = loadProjectConfig(opts.config);
        const r = await checkTarget({ probeSerial: pick(opts.probe, config.flash?.probe),
          openocd: config.flash?.openocd, speedKHz: config.flash?.speedKHz });
        if (opts.json) console.log(JSON.stringify(r, null, 2));
        else console.log([`target answers${r.probeSerial ? ` via ST-Link ${r.probeSerial}` : ''}:`,
          ...r.facts.map((f) => `  ${f}`)].join('\n'));
        return;
      }
      const scan = listProbes();
      if (opts.json) {
        console.log(JSON.stringify(scan, null, 2));
        return;
      }
      if (!scan.usbVisible) {
        console.log('this machine shows no USB bus (/sys/bus/usb is missing: a container or VM without USB ' +
          'passthrough?)');
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
