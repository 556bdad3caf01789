// examples/sensor as firmware (build/bluepill-sensor*, the real ELF from arm-none-eabi-gcc: the default engine,
// the register form, and aot) on the virtual STM32F103 + W5500 model against a real Mosquitto: the HAL brings up
// ADC1 (power-up, calibration, 239.5-cycle sampling, TSVREFE) on the register model, the
// temperature set on the model comes back from the broker at QoS 1, QoS 2 messages drive PC13
// through GPIOC's registers; settings from a store image the app itself wrote.
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualBoard } from '../../host-tools/sim/board/board.ts';
import { BoardRunner } from '../../host-tools/sim/board/runner.ts';
import { W5500NetworkBackend } from '../../host-tools/sim/host/w5500-backend.ts';
import { writeAppSettingsImage } from '../../host-tools/sim/host/provision-store.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { subscribedPeer } from '../helpers/peer.ts';
import { ROOT, requireBuilt, tempStore } from '../vboard/helpers.ts';

const SENSOR_WASM = `${ROOT}/build/app/sensor.wasm`;
const IMAGES = [['interpreter', `${ROOT}/build/bluepill-sensor/firmware.elf`],
  ['aot', `${ROOT}/build/bluepill-sensor-aot/firmware.elf`]] as const;
const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

async function bootSensor(elf: string, brokerPort: number, storeFile: string, uid: [number, number, number]) {
  let board: VirtualBoard | undefined;
  const net = new W5500NetworkBackend(
    { clock: () => board?.millis() ?? 0, routes: { '127.0.0.1:1883': `127.0.0.1:${brokerPort}` } });
  board = new VirtualBoard({ board: 'bluepill', elf: requireBuilt(elf), w5500: net.model, storeFile, uid });
  const b = board;
  const io = { out: '', warnings: [] as string[] };
  b.on('uart', (c: number) => { io.out += String.fromCharCode(c); });
  b.on('warning', (t: string) => io.warnings.push(t));
  const runner = new BoardRunner(b, { speed: 5 });
  runner.start();
  cleanup.push(async () => { await runner.stop(); b.close(); await net.close(); });
  return { board: b, runner, io };
}

const peer = (port: number, topic: string) => subscribedPeer(port, topic, cleanup);

describe('examples/sensor firmware on the virtual board', () => {
  for (const [engine, elf] of IMAGES) {
    it(`${engine}: temperature from ADC1's sensor channel at QoS 1, the PC13 LED from QoS 2`, async () => {
      const mq = await startMosquitto();
      cleanup.push(() => mq.stop());
      const storeFile = tempStore();
      await writeAppSettingsImage(storeFile, SENSOR_WASM, { prefix: `vb/${engine}`, period: 1 });
      const p = await peer(mq.port, `vb/${engine}/temp`);
      const { board, runner, io } = await bootSensor(elf, mq.port, storeFile, [0x11111111, 0x22222222, 0x33333333]);
      board.adc.setTemperature(41.3);
      try {
        await runner.until(() => p.got.length >= 1, 15_000, 'the first temperature at the broker');
      } catch (err) {
        throw new Error(`${(err as Error).message}; console:\n${io.out}`, { cause: err });
      }
      expect(p.got[0]!.qos).toBe(1);
      expect(Math.abs(Number(p.got[0]!.payload) - 41.3)).toBeLessThanOrEqual(0.2);
      expect(io.out).toContain(`vb/${engine}/temp\r\n`); // the app's log line
      // identity from the chip id the HAL reads at 0x1FFFF7E8 (address order): no config sets it
      expect(mq.log()).toContain(' as wasmqtt-111111112222222233333333 ');
      board.adc.setTemperature(12);
      const n = p.got.length;
      await runner.until(() => p.got.length > n, 3000, 'the next temperature');
      expect(Math.abs(Number(p.got.at(-1)!.payload) - 12)).toBeLessThanOrEqual(0.2);

      const led = () => board.gpio[2]!.level(13);
      expect(led()).toBe(1); // off (active low)
      await p.client.publishAsync(`vb/${engine}/led`, 'on', { qos: 2 });
      await runner.until(() => led() === 0, 3000, 'LED on');
      await p.client.publishAsync(`vb/${engine}/led`, 'toggle', { qos: 2 });
      await runner.until(() => led() === 1, 3000, 'LED off');
      expect(board.fault).toBeUndefined();
      // The HAL used ADC1 and the GPIO ports the way the chip needs: no model warning
      // (calibration, t_STAB, sample time, TSVREFE, clocks enabled before the first write).
      expect(io.warnings.filter((w) => /ADC1|GPIO/.test(w))).toEqual([]);
    });
  }
});
