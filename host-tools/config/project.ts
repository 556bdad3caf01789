// A user's project: the folder of its wasmqtt.config.json (or the working directory when there
// is none), its config, and its app's entry file. Commands write their outputs under the
// project's build/ folder, never into the installed package.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProjectConfig, UserError } from './load.ts';
import type { ProjectConfig } from './schema.ts';

/** This package's root (the repo, or node_modules/wasmqtt in a user's project). */
export const PACKAGE_ROOT = realpathSync(resolve(dirname(fileURLToPath(import.meta.url)), '../..'));

/** The app entry a project has when its config does not name one. */
export const DEFAULT_APP_ENTRY = 'src/main.ts';

export interface Project {
  /** Absolute folder: where wasmqtt.config.json is, else the working directory. */
  dir: string;
  configPath: string | undefined;
  config: ProjectConfig;
  /** Absolute path of the app's entry file, when the project has an app. */
  app: string | undefined;
  /** True when the project is this package's own repo (its default image is device.wasm). */
  isPackageRepo: boolean;
}

export function loadProject(explicitConfig?: string, cwd: string = process.cwd()): Project {
  const { path, config } = loadProjectConfig(explicitConfig, cwd);
  const dir = realpathSync(path ? dirname(path) : resolve(cwd));
  let app: string | undefined;
  if (config.app) {
    app = resolve(dir, config.app);
    if (!existsSync(app)) throw new UserError(`"app" in ${path} names ${config.app}, which does not exist (${app})`);
  } else if (dir !== PACKAGE_ROOT && existsSync(join(dir, DEFAULT_APP_ENTRY))) {
    app = join(dir, DEFAULT_APP_ENTRY);
  }
  return { dir, configPath: path, config, app, isPackageRepo: dir === PACKAGE_ROOT };
}
