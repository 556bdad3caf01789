// `wasmqtt init [DIR]`: scaffold a device project: the app (src/main.ts), its tests (test/), the
// project config, package.json scripts, a .gitignore that keeps secrets and store files out, and
// a README. Files that exist are kept unless --force; package.json is merged (scripts and
// dev dependencies it lacks are added).
import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { listBoards } from '../../fwbuild/boards.ts';
import { UserError } from '../../config/load.ts';
import { PACKAGE_ROOT } from '../../config/project.ts';

interface InitFlags { board: string; force?: boolean; name?: string }

const TEMPLATE_DIR = join(PACKAGE_ROOT, 'templates', 'project');
/** npm drops .gitignore files from packages, so the template's is stored without the dot. */
const RENAMED: Record<string, string> = { gitignore: '.gitignore' };

export const PROJECT_SCRIPTS: Record<string, string> = {
  build: 'wasmqtt build',
  sim: 'wasmqtt sim',
  flash: 'wasmqtt flash',
  // the tests run the app module on NodeDevice: compile and check it first (no C toolchain)
  test: 'wasmqtt build --module-only && vitest run',
};

function templateFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...templateFiles(p, base));
    else out.push(relative(base, p));
  }
  return out;
}

function packageVersion(): { version: string; vitest: string } {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    version: string; devDependencies?: Record<string, string> };
  return { version: pkg.version, vitest: pkg.devDependencies?.vitest ?? '^3.2.0' };
}

function projectConfig(board: string): string {
  return JSON.stringify({
    board,
    network: { ip: '192.168.1.50', gateway: '192.168.1.1', mask: '255.255.255.0' },
    broker: { host: '192.168.1.10', port: 1883 },
    client: { keepalive: 30 },
  }, null, 2) + '\n';
}

export interface InitResult {
  dir: string; written: string[]; kept: string[]; packageJson: 'created' | 'updated' | 'unchanged' }

export function initProject(dirArg: string, o: InitFlags): InitResult {
  const dir = resolve(dirArg);
  if (!listBoards().includes(o.board)) throw new UserError(
    `unknown board "${o.board}"; known boards: ${listBoards().join(', ')}`);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`${dir} is not a folder`);
  mkdirSync(dir, { recursive: true });
  const name = o.name ?? (basename(dir).replace(/[^\w.-]/g, '-') || 'device');
  const fill = (text: string) => text.replaceAll('{{name}}', name).replaceAll('{{board}}', o.board);
  const written: string[] = [];
  const kept: string[] = [];
  const put = (rel: string, text: string) => {
    const target = join(dir, rel);
    if (existsSync(target) && !o.force) { kept.push(rel); return; }
    mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(target, text);
    written.push(rel);
  };
  for (const rel of templateFiles(TEMPLATE_DIR)) {
    put(RENAMED[rel] ?? rel, fill(readFileSync(join(TEMPLATE_DIR, rel), 'utf8')));
  }
  put('wasmqtt.config.json', projectConfig(o.board));
  put('wasmqtt.config.example.json', projectConfig(o.board));

  // package.json: created, or given the scripts and dev dependencies it lacks
  const pkgFile = join(dir, 'package.json');
  const versions = packageVersion();
  let packageJson: InitResult['packageJson'] = 'created';
  let pkg: Record<string, unknown> = { name, version: '0.1.0', private: true, type: 'module' };
  if (existsSync(pkgFile)) {
    try {
      pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new UserError(
        `${pkgFile} is not valid JSON (${(e as Error).message}); fix it, then run wasmqtt init again`);
    }
    packageJson = 'unchanged';
  }
  const before = JSON.stringify(pkg);
  const scripts = { ...(pkg.scripts as Record<string, string> | undefined) };
  for (const [k, v] of Object.entries(PROJECT_SCRIPTS)) {
    // npm init's placeholder test script is replaced; a real one only with --force
    const placeholder = k === 'test' && /no test specified/.test(scripts[k] ?? '');
    if (scripts[k] === undefined || placeholder || o.force) scripts[k] = v;
    else if (scripts[k] !== v) kept.push(`package.json scripts.${k}`);
  }
  pkg.scripts = scripts;
  const dev = { ...(pkg.devDependencies as Record<string, string> | undefined) };
  const deps = (pkg.dependencies as Record<string, string> | undefined) ?? {};
  if (!dev.wasmqtt && !deps.wasmqtt) dev.wasmqtt = `^${versions.version}`;
  if (!dev.vitest && !deps.vitest) dev.vitest = versions.vitest;
  pkg.devDependencies = Object.fromEntries(Object.entries(dev).sort(([a], [b]) => a.localeCompare(b)));
  if (JSON.stringify(pkg) !== before || packageJson === 'created') {
    writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
    if (packageJson === 'unchanged') packageJson = 'updated';
  }
  return { dir, written, kept, packageJson };
}

export function register(program: Command): void {
  program
    .command('init')
    .argument('[dir]', 'project folder (created if missing)', '.')
    .description('scaffold a device project: src/main.ts (the app), test/, wasmqtt.config.json, package.json scripts ' +
      '(build, sim, flash, test), .gitignore, README')
    .option('-b, --board <name>', `board (${listBoards().join(', ')})`, 'bluepill')
    .option('--name <name>', 'project name (default: the folder name)')
    .option('-f, --force', 'overwrite files that exist (and package.json scripts of the same name)')
    .action((dirArg: string, o: InitFlags) => {
      const r = initProject(dirArg, o);
      const where = relative(process.cwd(), r.dir) || '.';
      for (const f of r.written) console.log(`  wrote ${f}`);
      console.log(`  package.json ${r.packageJson}`);
      for (const f of r.kept) console.log(`  kept  ${f} (exists; --force replaces it)`);
      const cd = where === '.' ? '' : `cd ${where} && `;
      console.log(
        `\nnext: ${cd}npm install, then\n  npx wasmqtt build    firmware for ${o.board} -> build/${o.board}` +
        `/firmware.elf\n  npx wasmqtt sim      run it on the virtual board\n  npm test             the app's tests ` +
        `(test/)\n  npx wasmqtt flash    program the board over ST-Link`);
    });
}
