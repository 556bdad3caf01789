// A package registry on loopback that knows exactly the packages of this repo's package-lock.json,
// so a test can run `npm install` in a fresh project as a user would, with no network: npm asks
// it for package documents (built from the lockfile entries: versions, dependencies, integrity),
// while the tarballs keep their registry.npmjs.org addresses and come out of the npm cache that
// `npm ci` filled. Anything the cache lacks fails fast through a dead proxy instead of reaching
// the internet.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';

interface LockEntry {
  version?: string; resolved?: string; integrity?: string; license?: string;
  dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>; peerDependenciesMeta?: Record<string, unknown>;
  bin?: Record<string, string> | string; engines?: Record<string, string>; os?: string[]; cpu?: string[];
  link?: boolean;
}

/** name -> version -> manifest, from every `node_modules/...` entry of a v3 lockfile. */
export function packumentsFromLock(lockFile: string): Map<string, Map<string, Record<string, unknown>>> {
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages: Record<string, LockEntry> };
  const out = new Map<string, Map<string, Record<string, unknown>>>();
  for (const [path, e] of Object.entries(lock.packages)) {
    if (!path.includes('node_modules/') || e.link || !e.version || !e.integrity) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    // the lockfile leaves out registry addresses: the registry's own tarball path
    const tarball = e.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${e.version}.tgz`;
    const versions = out.get(name) ?? new Map();
    versions.set(e.version, {
      name, version: e.version, license: e.license,
      dependencies: e.dependencies, optionalDependencies: e.optionalDependencies,
      peerDependencies: e.peerDependencies, peerDependenciesMeta: e.peerDependenciesMeta,
      bin: e.bin, engines: e.engines, os: e.os, cpu: e.cpu,
      dist: { tarball, integrity: e.integrity },
    });
    out.set(name, versions);
  }
  return out;
}

export interface LocalRegistry { url: string; npmEnv: NodeJS.ProcessEnv; requests: string[]; close(): Promise<void> }

export async function startLocalRegistry(lockFile: string): Promise<LocalRegistry> {
  const docs = packumentsFromLock(lockFile);
  const requests: string[] = [];
  // a path of its own per registry: npm caches documents by URL, and with prefer-offline a
  // document an earlier run's registry served on the same port would be answered from the
  // cache, never asked of this one
  const prefix = `/${randomBytes(6).toString('hex')}/`;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (!path.startsWith(prefix)) { res.writeHead(
      404, { 'content-type': 'application/json' }).end('{"error":"not found"}'); return; }
    const name = decodeURIComponent(path.slice(prefix.length));
    requests.push(name);
    const versions = docs.get(name);
    if (!versions) { res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}'); return; }
    const sorted = [...versions.keys()];
    const latest = sorted[sorted.length - 1]!;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      name, 'dist-tags': { latest }, versions: Object.fromEntries(versions), time: {},
    }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  const url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}${prefix}`;
  return {
    url,
    requests,
    npmEnv: {
      npm_config_registry: url,
      // tarball URLs stay registry.npmjs.org, as npm ci cached them
      npm_config_replace_registry_host: 'never',
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      // anything not in the cache: a proxy nobody listens on, so it fails at once, offline
      npm_config_proxy: 'http://127.0.0.1:9',
      npm_config_https_proxy: 'http://127.0.0.1:9',
      npm_config_noproxy: '127.0.0.1',
      npm_config_fetch_retries: '0',
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
