// What the LAN services (firmware/core/net/lan.ts: the DHCP and DNS clients, net/dhcp.ts, net/dns.ts)
// cost: build/w5500/core-lan.wasm (core.wasm with lanEnable()) against its peer core.wasm, both
// from the same `make build`, and in a bluepill image (the default engine, the register form): each module embedded
// by `wasmqtt build` in this run, so the difference is what the image pays. Also the flash the
// console image leaves (the default firmware: whether the services would fit beside it), and what
// the console's LAN image (device-lan-p4096.wasm) costs over the console image on stm32f103rc.
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../host-tools/fwbuild/boards.ts';
import { buildFirmware } from '../host-tools/fwbuild/firmware.ts';
import type { SizeReport } from '../host-tools/fwbuild/size.ts';

function bytes(rel: string): number {
  const file = join(REPO_ROOT, rel);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`make build\` first`);
  return readFileSync(file).length;
}

export async function run(): Promise<Record<string, unknown>> {
  const core = bytes('build/core/core.wasm');
  const lan = bytes('build/w5500/core-lan.wasm');
  mkdirSync(join(REPO_ROOT, 'build/w5500'), { recursive: true });
  const tmp = mkdtempSync(join(REPO_ROOT, 'build/w5500/bench-'));
  try {
    const image = async (wasm: string, dir: string) => (await buildFirmware({
      board: 'bluepill', wasm: join(REPO_ROOT, wasm), outDir: join(tmp, dir), allowOverBudget: true,
    })).report;
    const plain = await image('build/core/core.wasm', 'core');
    const withLan = await image('build/w5500/core-lan.wasm', 'core-lan');
    // The console's LAN image (mk/w5500.mk) against the console image on the smallest board it fits:
    // both modules embedded in this run.
    const rc = async (wasm: string, dir: string) => (await buildFirmware({
      board: 'stm32f103rc', wasm: join(REPO_ROOT, wasm), outDir: join(tmp, dir),
      allowOverBudget: true,
    })).report;
    const rcConsole = await rc('build/core/device-p4096.wasm', 'rc-console');
    const rcLan = await rc('build/core/device-lan-p4096.wasm', 'rc-console-lan');
    const consoleImage = join(REPO_ROOT, 'build/bluepill/size.json');
    const consoleReport = existsSync(consoleImage) ? JSON.parse(readFileSync(consoleImage, 'utf8')) as SizeReport :
      undefined;
    return {
      lan: {
        dhcp_dns_flash_bytes: withLan.flash.used - plain.flash.used,
        dhcp_dns_wasm_bytes: lan - core,
        core_wasm_bytes: core,
        core_lan_wasm_bytes: lan,
        bluepill_core_image_flash_bytes: plain.flash.used,
        bluepill_core_lan_image_flash_bytes: withLan.flash.used,
        bluepill_flash_budget_bytes: plain.flash.budget,
        ...(consoleReport ? {
          bluepill_console_image_flash_left_bytes: consoleReport.flash.budget - consoleReport.flash.used } : {}),
        dhcp_included: true,
        stm32f103rc_console_image_flash_bytes: rcConsole.flash.used,
        stm32f103rc_console_lan_image_flash_bytes: rcLan.flash.used,
        console_lan_extra_flash_bytes: rcLan.flash.used - rcConsole.flash.used,
      },
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
