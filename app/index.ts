// The package entry `wasmqtt/app` for AssemblyScript apps (asc finds <package>/app/index.ts):
// the app API of firmware/app/sdk (docs/app-api.md).
export * from "../firmware/app/sdk/index";
