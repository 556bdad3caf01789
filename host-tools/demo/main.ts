// `make demo`, in two parts, each against an embedded broker (aedes, in-process, loopback):
//  1. the virtual board: the built bluepill firmware (HAL + interpreter + device.wasm, the MQTT
//     core with the console) on the virtual STM32F103 with the W5500 model, driven by a session
//     typed on its console
//     (host-tools/sim/board/demo.ts);
//  2. the same MQTT core in Node (core.wasm in NodeDevice), driven through its API.
// In both the device subscribes to demo/in/# at QoS 2, publishes one message at QoS 0, 1 and 2,
// and the broker sends it one at each QoS; every flow is shown as the device traced it and as
// the broker saw it on its socket, with packet ids.
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { NodeDevice, BadModuleError } from '../sim/host/device.ts';
import { DEMO_ELF, virtualBoardDemo } from '../sim/board/demo.ts';
import type { CoreEvent } from '../sim/host/abi.ts';
import { DemoBroker, type BrokerPacket } from './broker.ts';

const color = process.stdout.isTTY ? (c: number, s: string) => `\x1b[${c}m${s}\x1b[0m` : (_c: number, s: string) => s;

function describePacket(name: string, id: number, extra: string): string {
  return `${name.padEnd(11)}${id ? ` id=${id}` : ''}${extra}`;
}

function deviceLine(e: Extract<CoreEvent, { kind: 'trace' }>): string {
  const arrow = e.direction === 'sent' ? 'device  ──▶ ' : 'device  ◀── ';
  const qos = e.packetType === 3 ? ` qos=${(e.flags >> 1) & 3}${e.flags & 8 ? ' dup' : ''}` : '';
  return `  ${color(36, arrow)}${describePacket(e.name, e.packetId, qos)}`;
}

function brokerLine(p: BrokerPacket): string {
  const arrow = p.dir === 'in' ? '──▶  broker ' : '◀──  broker ';
  const pk = p.packet as { cmd: string; messageId?: number; qos?: number; topic?: string };
  const extra = pk.cmd === 'publish' ? ` qos=${pk.qos} topic=${pk.topic}` : '';
  return `              ${color(33, arrow)}${describePacket(pk.cmd.toUpperCase(), pk.messageId ?? 0, extra)}`;
}

/** A user-facing failure: printed as is, without the docs pointer. */
class DemoSetupError extends Error {}

async function boardPart(): Promise<void> {
  // WASMQTT_DEMO_ELF: another bluepill image (W5500 transport) to show instead of the built one.
  const elf = process.env.WASMQTT_DEMO_ELF || DEMO_ELF;
  if (!existsSync(elf)) {
    throw new DemoSetupError(
      `the firmware image ${relative(process.cwd(), elf)} is not built: run \`make build\` (or \`wasmqtt build ` +
      `--board bluepill\`) first`);
  }
  console.log(color(1, '== Part 1: the firmware on the virtual board (STM32F103 + W5500 model) ==\n'));
  await virtualBoardDemo((line) => console.log(line), elf);
}

async function nodePart(): Promise<void> {
  console.log(color(1, '\n== Part 2: the same MQTT core in Node (core.wasm in NodeDevice, no board) ==\n'));
  const broker = await DemoBroker.start();
  console.log(
    `aedes broker on ${broker.url} (in-process); the device (core.wasm in Node) sees it as 192.168.1.10:1883`);
  console.log('left: packets as the device traced them; indented: the same packets on the broker\'s socket\n');
  let dev: NodeDevice | null = null;
  try {
    let devicePort = -1;
    const lines: string[] = [];
    broker.on('packet', (p: BrokerPacket) => {
      if (devicePort === -1 && p.dir === 'in' && p.packet.cmd === 'connect') devicePort = p.clientPort;
      if (p.clientPort === devicePort) lines.push(brokerLine(p));
    });
    dev = await NodeDevice.start(
      { broker: broker.url, clientId: 'wasmqtt-demo', keepalive: 30, trace: true, waitConnected: false });
    dev.on('trace', (e: Extract<CoreEvent, { kind: 'trace' }>) => lines.push(deviceLine(e)));
    dev.on('message', (m: { topic: string; payload: Buffer; qos: number }) =>
      lines.push(`  ${color(32, 'app     ◀── ')}message on ${m.topic} (qos ${m.qos}): "${m.payload.toString()}"`));
    await dev.waitConnected();
    const show = (title: string): void => {
      console.log(color(1, title));
      for (const l of lines.splice(0)) console.log(l);
      console.log('');
    };
    show('CONNECT');
    const granted = await dev.subscribe({ 'demo/in/#': 2 });
    show(`SUBSCRIBE demo/in/# at QoS 2 (granted ${granted.join(',')})`);
    // Resolves when the broker has received packet `cmd` from the device (its side of the flow is complete).
    const brokerGot = (cmd: string): Promise<void> => new Promise((resolve) => {
      const on = (p: BrokerPacket) => { if (p.clientPort === devicePort && p.dir === 'in' &&
        p.packet.cmd === cmd) { broker.off('packet', on); resolve(); } };
      broker.on('packet', on);
    });
    for (const qos of [0, 1, 2] as const) {
      // Device → broker: the promise resolves on PUBACK (QoS 1) / PUBCOMP (QoS 2).
      const arrived = qos === 0 ? brokerGot('publish') : Promise.resolve();
      await dev.publish(`demo/out/qos${qos}`, `hello at QoS ${qos}`, { qos });
      await arrived;
      show(`QoS ${qos}, device → broker: publish demo/out/qos${qos}`);
      // Broker → device: the broker publishes to the device's subscription.
      const delivered = dev.waitFor(
        (e) => e.kind === 'message' && e.topic === `demo/in/qos${qos}`, `demo/in/qos${qos}`);
      const lastAck = qos === 0 ? Promise.resolve() : brokerGot(qos === 1 ? 'puback' : 'pubcomp');
      broker.aedes.publish({ cmd: 'publish', topic: `demo/in/qos${qos}`, payload: Buffer.from(`command at QoS ${qos}`),
        qos, retain: false, dup: false }, () => {});
      await delivered;
      await lastAck;
      show(`QoS ${qos}, broker → device: message on demo/in/qos${qos}`);
    }
    const gone = brokerGot('disconnect');
    await dev.close();
    await gone;
    show('DISCONNECT');
    console.log('Node demo finished: every flow completed.');
  } finally {
    dev?.kill();
    await broker.close();
  }
}

try {
  await boardPart();
  await nodePart();
} catch (err) {
  const msg = err instanceof Error ? err.message : String(err);
  console.error(`demo failed: ${msg}`);
  if (!(err instanceof BadModuleError) && !(err instanceof DemoSetupError)) console.error(
    '(see docs/virtual-board.md and docs/node-host.md)');
  process.exitCode = 1;
}
