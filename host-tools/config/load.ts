// Finds, parses and validates the project config. Errors name the file, the field and the
// fix; a missing file is not an error (every setting also has a flag or a default).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { projectConfigSchema, type ProjectConfig } from './schema.ts';

export const CONFIG_FILE_NAME = 'wasmqtt.config.json';

/** A failure the user can fix; the CLI prints only its message (no stack trace). */
export class UserError extends Error {
  override name = 'UserError';
}

export interface LoadedConfig {
  /** Absolute path of the file read, or undefined when none was found. */
  path: string | undefined;
  config: ProjectConfig;
}

/** Walks up from `startDir` to the filesystem root looking for wasmqtt.config.json. */
export function findConfigFile(startDir: string = process.cwd()): string | undefined {
  let dir = resolve(startDir);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Line and column (1-based) of a character offset, for JSON syntax errors. */
function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${col}`;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** Turns zod issues into one line per problem: `field: what is wrong (got X)`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], raw: unknown): string[] {
  return issues.map((issue) => {
    const field = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      return `${field}: unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}` +
        `"`).join(', ')} (check the spelling; see wasmqtt.config.example.json)`;
    }
    return `${field}: ${issue.message} (got ${describeValue(valueAt(raw, issue.path))})`;
  });
}

/** Parses and validates config text; `source` names the file in error messages. */
export function parseConfig(text: string, source: string): ProjectConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const m = /position (\d+)/.exec(msg);
    const where = m ? ` at ${lineCol(text, Number(m[1]))}` : '';
    throw new UserError(
      `${source} is not valid JSON${where}: ${msg.replace(/ in JSON at position \d+.*$/, '')}\n  fix the syntax ` +
      `(comments and trailing commas are not allowed in JSON)`);
  }
  const result = projectConfigSchema.safeParse(raw);
  if (!result.success) {
    const lines = formatIssues(result.error.issues, raw);
    throw new UserError(
      `${source} has ${lines.length} problem${lines.length > 1 ? 's' : ''}:\n  ${lines.join('\n  ')}`);
  }
  return result.data;
}

/**
 * Loads the project config: `explicitPath` (from --config) if given, else $WASMQTT_CONFIG,
 * else the nearest wasmqtt.config.json from the working directory up. An explicit path that
 * does not exist is an error; no file found by searching gives an empty config.
 */
export function loadProjectConfig(explicitPath?: string, cwd: string = process.cwd()): LoadedConfig {
  const chosen = explicitPath ?? process.env.WASMQTT_CONFIG;
  let path: string | undefined;
  if (chosen) {
    path = resolve(cwd, chosen);
    if (!existsSync(path)) {
      throw new UserError(
        `config file ${path} does not exist\n  create it from wasmqtt.config.example.json, or drop --config to use ` +
        `flags and defaults`);
    }
  } else {
    path = findConfigFile(cwd);
  }
  if (!path) return { path: undefined, config: {} };
  return { path, config: parseConfig(readFileSync(path, 'utf8'), path) };
}

/** First defined value: the flag beats the config file beats the default. */
export function pick<T>(flag: T | undefined, fromConfig: T | undefined, fallback: T): T;
export function pick<T>(flag: T | undefined, fromConfig: T | undefined): T | undefined;
export function pick<T>(flag: T | undefined, fromConfig: T | undefined, fallback?: T): T | undefined {
  return flag !== undefined ? flag : fromConfig !== undefined ? fromConfig : fallback;
}
