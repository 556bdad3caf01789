// A minimal board host for the W5500 driver's test entry (build/w5500/driver-test.wasm): the
// driver runs on Node's wasm engine, its board.w5500_* imports go to a W5500 model. Tests and
// the benchmark use it to exercise the real AssemblyScript driver against the model.
import { readFileSync, existsSync } from 'node:fs';
import { w5500Imports } from './imports.ts';
import type { W5500 } from './w5500.ts';

export const DRIVER_TEST_WASM = 'build/w5500/driver-test.wasm';

interface DriverExports {
  memory: WebAssembly.Memory;
  dt_buf(): number; dt_buf_size(): number;
  dt_init(ip: number, gw: number, mask: number): number;
  dt_link(): number; dt_set_retry(rtr: number, rcr: number): void; dt_polling(on: number): void;
  dt_connect(ip: number, port: number): number; dt_state(): number;
  dt_send(off: number, len: number): number; dt_recv(off: number, max: number): number;
  dt_close(): void; dt_sr(): number; dt_tx_free(): number; dt_rx_avail(): number;
  dt_udp_open(port: number): number; dt_udp_close(): void;
  dt_udp_sendto(ip: number, port: number, off: number, len: number): number;
  dt_udp_recvfrom(off: number, max: number): number; dt_udp_from_ip(): number; dt_udp_from_port(): number;
}

export const ip4 = (s: string): number => s.split('.').reduce((a, p) => ((a << 8) | Number(p)) >>> 0, 0);

export class DriverHost {
  readonly x: DriverExports;

  private constructor(instance: WebAssembly.Instance) {
    this.x = instance.exports as unknown as DriverExports;
  }

  static async load(model: W5500, wasmPath = DRIVER_TEST_WASM): Promise<DriverHost> {
    if (!existsSync(wasmPath)) {
      throw new Error(`${wasmPath} is missing; build it with \`make build/w5500/driver-test.wasm\``);
    }
    let memory: WebAssembly.Memory | undefined;
    const board = w5500Imports(model, () => {
      if (!memory) throw new Error('driver memory not ready');
      return memory;
    });
    const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), { board: { ...board } });
    memory = instance.exports.memory as WebAssembly.Memory;
    return new DriverHost(instance);
  }

  private get buf(): Uint8Array {
    return new Uint8Array(this.x.memory.buffer, this.x.dt_buf(), this.x.dt_buf_size());
  }

  init(mac: number[], ip: string, gw: string, mask: string): number {
    this.buf.set(mac, 0);
    return this.x.dt_init(ip4(ip), ip4(gw), ip4(mask));
  }

  /** Send bytes through the driver; returns how many it accepted. */
  send(data: Uint8Array): number {
    this.buf.set(data, 0);
    return this.x.dt_send(0, data.length);
  }

  /** Receive up to max bytes: the bytes, or a negative number when the connection is gone. */
  recv(max = 4096): Uint8Array | number {
    const n = this.x.dt_recv(0, max);
    if (n < 0) return n;
    return this.buf.slice(0, n);
  }

  udpSendTo(ip: string, port: number, data: Uint8Array): number {
    this.buf.set(data, 0);
    return this.x.dt_udp_sendto(ip4(ip), port, 0, data.length);
  }

  udpRecvFrom(max = 2048): { data: Uint8Array; ip: string; port: number } | null {
    const n = this.x.dt_udp_recvfrom(0, max);
    if (n <= 0) return null;
    const ip = this.x.dt_udp_from_ip() >>> 0;
    return { data: this.buf.slice(0, n), ip: [24, 16, 8, 0].map((s) => (ip >>> s) & 0xff).join('.'),
      port: this.x.dt_udp_from_port() };
  }
}
