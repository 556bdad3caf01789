// What NodeDevice throws: the core's ERR_* codes as errors with a readable explanation, the
// broker's CONNACK refusal, a full outgoing queue, and a module that is not a wasmqtt core.
import { Err, errorText } from './abi.ts';

/** CONNACK return codes (MQTT 3.1.1 §3.2.2.3) with what to do about each. */
export const CONNACK_TEXT: Readonly<Record<number, string>> = {
  1: 'unacceptable protocol version (the broker does not speak MQTT 3.1.1)',
  2: 'client identifier rejected (use 1-23 characters [0-9a-zA-Z] or check the broker\'s id rules)',
  3: 'server unavailable (the broker is up but not accepting MQTT connections; retry later)',
  4: 'bad user name or password (check username/password)',
  5: 'not authorized (the broker\'s ACL refuses this client)',
};

/** Any failure reported by the core, with its ERR_* code and a readable explanation. */
export class CoreError extends Error {
  constructor(readonly code: number, message?: string) {
    super(message ?? `${errorText(code)} (core error ${code})`);
    this.name = 'CoreError';
  }
}

/** The outgoing queue (offline queue + window) is full; nothing was queued. */
export class QueueFullError extends CoreError {
  constructor() {
    super(Err.QUEUE_FULL);
    this.name = 'QueueFullError';
  }
}

/** The broker refused the CONNECT. */
export class ConnackError extends CoreError {
  constructor(readonly returnCode: number) {
    super(
      Err.CONNACK_REFUSED,
      `broker refused the connection: CONNACK return code ` +
      `${returnCode}, ${CONNACK_TEXT[returnCode] ?? 'unknown code'}`);
    this.name = 'ConnackError';
  }
}

/** Thrown by start() when core.wasm is missing, corrupt or does not match the ABI. */
export class BadModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadModuleError';
  }
}
