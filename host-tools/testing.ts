// What a user's project imports from the package (`wasmqtt`, `wasmqtt/testing`) to test its app
// in Node: NodeDevice (the app's module on Node's engine with the board ABI, virtual time, the
// W5500 model), an embedded broker, and where `wasmqtt build` put the project's app module.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { loadProject } from './config/project.ts';
import type { NodeDevice } from './sim/host/device.ts';

export { NodeDevice, CoreError, QueueFullError, ConnackError, BadModuleError } from './sim/host/device.ts';
export type { NodeDeviceOptions, PublishOptions, Message, Will } from './sim/host/device.ts';
export { VirtualClock, RealClock } from './sim/host/clock.ts';
export { MemoryStore } from './sim/host/store.ts';
export { DemoBroker as TestBroker } from './demo/broker.ts';
export type { BrokerPacket } from './demo/broker.ts';
export { PinMode } from './sim/host/pins.ts';
export { ClientState, Stat } from './sim/host/abi.ts';

/**
 * The app module of the project around `cwd` (its wasmqtt.config.json's folder):
 * build/<board>/app.wasm, written by `wasmqtt build` (or `wasmqtt build --module-only`).
 */
export function appModule(opts: { cwd?: string; board?: string } = {}): string {
  const project = loadProject(undefined, opts.cwd);
  const board = opts.board ?? project.config.board ?? 'bluepill';
  const file = join(project.dir, 'build', board, 'app.wasm');
  if (!existsSync(file)) throw new Error(
    `${file} does not exist: run \`npx wasmqtt build --module-only\` (or \`npm run build\`) first`);
  return file;
}

/** An MQTT.js client on `url` (the other side of the app's conversation in a test). */
export function connectPeer(url: string, opts: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(
    url, { clientId: `peer-${process.pid}-${Math.random().toString(16).slice(2, 8)}`, clean: true, ...opts });
}

/**
 * Advances the device's virtual time in `stepMs` steps until `done()` is true, letting real I/O
 * (the broker's answers) arrive between steps; throws after `maxMs` virtual ms.
 */
export async function runUntil(
    dev: NodeDevice, done: () => boolean, maxMs: number, what = 'the condition', stepMs = 100): Promise<void> {
  for (let t = 0; t <= maxMs; t += stepMs) {
    if (done()) return;
    dev.advance(stepMs);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 2));
  }
  if (!done()) throw new Error(`no ${what} within ${maxMs} virtual ms`);
}
