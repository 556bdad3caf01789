import { nodeDeviceRun, mqttjsRun } from './mqtt.bench.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
const b = await startMosquitto();
for (const w of [8, 32]) {
  const r = await nodeDeviceRun(b.url, 1, 20000, `bench/x/${w}`, w);
  console.log('window', w, JSON.stringify(r));
}
const j = await mqttjsRun(b.url, 1, 20000, 'bench/js/x');
console.log('mqttjs', JSON.stringify(j));
await b.stop();
process.exit(0);
