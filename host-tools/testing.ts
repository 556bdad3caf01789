// What a user's project imports from the package (`wasmqtt`, `wasmqtt/testing`) to test its app
// in Node: NodeDevice (the app's module on Node's engine with the board ABI, virtual time, the
// W5500 model), an embedded broker, and where `wasmqtt build` put the project's app module.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject } from './config/project.ts';

export { NodeDevice, CoreError, QueueFullError, ConnackError, BadModuleError } from './sim/host/device.ts';
export type { NodeDeviceOptions, PublishOptions, Message, Will } from './sim/host/device.ts';
export { VirtualClock, RealClock } from './sim/host/clock.ts';
export { MemoryStore } from './sim/host/store.ts';
export { DemoBroker as TestBroker } from './demo/broker.ts';
export type { BrokerPacket } from './demo/broker.ts';

/**
 * The app module of the project around `cwd` (its wasmqtt.config.json's folder):
 * build/<board>/app.wasm, written by `wasmqtt build` (or `wasmqtt build --module-only`).
 */
export function appModule(opts: { cwd?: string; board?: string } = {}): string {
  const project = loadProject(undefined, opts.cwd);
  const board = opts.board ?? project.config.board ?? 'bluepill';
  const file = join(project.dir, 'build', board, 'app.wasm');
  if (!existsSync(file)) throw new Error(`${file} does not exist: run \`npx wasmqtt build --module-only\` (or \`npm run build\`) first`);
  return file;
}
