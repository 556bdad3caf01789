// The package's JavaScript entry (`import ... from 'wasmqtt'` or 'wasmqtt/testing'): registers
// the TypeScript loader, then re-exports host-tools/testing.ts, so a project's tests (vitest,
// node --test) need no TypeScript set-up of their own for the package's files.
import { register } from 'tsx/esm/api';

register();
const api = await import('./testing.ts');
export const {
  NodeDevice, CoreError, QueueFullError, ConnackError, BadModuleError,
  VirtualClock, RealClock, MemoryStore, TestBroker, PinMode, ClientState, Stat, appModule, connectPeer, runUntil,
} = api;
