import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProjectConfig, parseConfig, pick, findConfigFile } from '../../host-tools/config/load.ts';

describe('project config', () => {
  it('accepts the example config shipped in the repository', () => {
    const text = readFileSync(new URL('../../wasmqtt.config.example.json', import.meta.url), 'utf8');
    const cfg = parseConfig(text, 'wasmqtt.config.example.json');
    expect(cfg.board).toBe('bluepill');
    expect(cfg.broker).toEqual({ host: '192.168.1.10', port: 1883 });
    expect(cfg.client?.will?.qos).toBe(1);
  });

  it('names the file, line and column of a JSON syntax error', () => {
    expect(() => parseConfig('{\n  "board": "bluepill",\n}', 'x.json')).toThrow(
      /x\.json is not valid JSON at line 3, column 1/);
  });

  it('lists every invalid field with what was given', () => {
    let msg = '';
    try {
      parseConfig(JSON.stringify({ broker: { host: 'h', port: 70000 }, network: { ip: '300.1.1.1', mac: 'zz' },
        client: { keepalive: -1 } }), 'cfg.json');
    } catch (e) { msg = (e as Error).message; }
    expect(msg).toMatch(/^cfg\.json has 4 problems:/);
    expect(msg).toContain('broker.port: expected a TCP port 1..65535 (got 70000)');
    expect(msg).toContain('network.ip: expected an IPv4 address like 192.168.1.50 (got "300.1.1.1")');
    expect(msg).toContain('network.mac: expected a MAC address like 02:00:00:00:00:01 (got "zz")');
    expect(msg).toContain('client.keepalive:');
  });

  it('rejects unknown settings by name (typos do not pass silently)', () => {
    expect(() => parseConfig('{"borad": "bluepill"}', 'c.json')).toThrow(/unknown setting "borad"/);
    expect(() => parseConfig('{"flash": {"prob": "x"}}', 'c.json')).toThrow(/flash: unknown setting "prob"/);
  });

  it('rejects a will topic with wildcards', () => {
    expect(() => parseConfig('{"client": {"will": {"topic": "a/#"}}}', 'c.json')).toThrow(
      /client\.will\.topic: a will topic cannot contain \+ or #/);
  });

  it('finds the nearest config file upward, and an explicit missing path is an error', () => {
    const root = mkdtempSync(join(tmpdir(), 'wasmqtt-cfg-'));
    const sub = join(root, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    expect(loadProjectConfig(undefined, sub)).toEqual({ path: undefined, config: {} });
    writeFileSync(join(root, 'wasmqtt.config.json'), '{"board": "stm32f103rc", "broker": {"host": "10.0.0.2"}}');
    expect(findConfigFile(sub)).toBe(join(root, 'wasmqtt.config.json'));
    const loaded = loadProjectConfig(undefined, sub);
    expect(loaded.config.board).toBe('stm32f103rc');
    expect(loaded.config.broker?.port).toBe(1883); // default filled in
    expect(() => loadProjectConfig('nope.json', sub)).toThrow(/config file .*nope\.json does not exist/);
  });

  it('lets flags override the file, and the file override defaults', () => {
    expect(pick('flag', 'file', 'default')).toBe('flag');
    expect(pick(undefined, 'file', 'default')).toBe('file');
    expect(pick(undefined, undefined, 'default')).toBe('default');
    expect(pick(false, true)).toBe(false);
  });
});
