// The core's client API as the console uses it: the same functions hosts call through the
// exports (docs/core-api.md), called directly since the console is compiled with the core into
// device.wasm.
export {
  wq_buf, wq_buf_size, wq_config, wq_connect, wq_disconnect, wq_publish, wq_subscribe,
  wq_unsubscribe, wq_stat, wq_config_save, wq_config_load,
} from "../../core/index";
export { wq_config_get, wq_config_num } from "../../core/app-api";
