// Tests start brokers with the same launcher as the tools (host-tools/broker/mosquitto.ts).
export { startMosquitto, freePort, type Mosquitto, type MosquittoOptions } from '../../host-tools/broker/mosquitto.ts';
