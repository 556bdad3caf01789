// A file-level test rig: a real Mosquitto behind a FaultProxy (devices connect to proxy.url)
// and an MQTT.js observer on the broker itself. Started once per test file; after each test the
// proxy's faults are cleared and the test's cleanups run, newest first.
import { afterAll, afterEach, beforeAll } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { startMosquitto, type Mosquitto } from './mosquitto.ts';
import { FaultProxy } from './proxy.ts';

export interface ProxiedBroker {
  broker: Mosquitto;
  proxy: FaultProxy;
  observer: MqttClient;
  /** Run after the current test (devices to kill, clients to end). */
  cleanups: Array<() => Promise<void> | void>;
}

/** Registers the rig's hooks in the calling file; its fields are set once beforeAll has run. */
export function useProxiedBroker(observerId: string): ProxiedBroker {
  const rig = { cleanups: [] } as unknown as ProxiedBroker;
  beforeAll(async () => {
    rig.broker = await startMosquitto();
    rig.proxy = await FaultProxy.start(rig.broker.port);
    rig.observer = await mqtt.connectAsync(rig.broker.url, { clientId: observerId, reconnectPeriod: 0 });
  });
  afterAll(async () => {
    await rig.observer.endAsync(true);
    await rig.proxy.close();
    await rig.broker.stop();
  });
  afterEach(async () => {
    rig.proxy.blackhole(false);
    rig.proxy.refuse(false);
    for (const c of rig.cleanups.splice(0).reverse()) await c();
  });
  return rig;
}
