// The seam between the core and an app compiled into the same module (docs/architecture.md,
// "Core and apps"). core.wasm has no app: its events go to the host's `event` import only. An app
// entry such as firmware/app/console (→ device.wasm) re-exports the core's API, wraps step() and
// registers its event handler here in start(). The core never imports app code.

/** Called for every core event right after the host's `event` import, with the same record. */
export type AppEventHandler = (kind: i32, ptr: usize, len: i32) => void;

function noApp(kind: i32, ptr: usize, len: i32): void {}

export let appEvent: AppEventHandler = noApp;

/** Registers the app's event handler (once, before the core's start()). */
export function setAppEvent(handler: AppEventHandler): void { appEvent = handler; }
