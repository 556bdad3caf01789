// `wasmqtt/app/exports`: the core's API exported for hosts, re-exported by an app's entry file.
export * from "../firmware/app/sdk/exports";
