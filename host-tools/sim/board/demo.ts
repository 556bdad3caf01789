// The virtual-board part of `make demo`: the built firmware image (W5500 transport) on the
// virtual STM32F103 with the W5500 model, against the in-process aedes broker. The session is
// typed on the device console (`set trace 1`, connect, sub, pub); each QoS flow is shown as the
// device traced it (its `evt trace` lines over USART1) and as the broker saw it on its socket.
// Run alone: node --import tsx host-tools/sim/board/demo.ts
import { join, relative } from 'node:path';
import { DemoBroker, type BrokerPacket } from '../../demo/broker.ts';
import { W5500NetworkBackend } from '../host/w5500-backend.ts';
import { VirtualBoard } from './board.ts';
import { BoardRunner } from './runner.ts';

export const DEMO_ELF = join(import.meta.dirname, '../../../build/bluepill/firmware.elf');
const NAMES = ['', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK',
  'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT'];

/** Runs the scripted session; `print` gets every output line. Resolves when all flows completed. */
export async function virtualBoardDemo(
  print: (line: string) => void = console.log, elf: string = DEMO_ELF,
): Promise<void> {
  const broker = await DemoBroker.start();
  let board: VirtualBoard | undefined;
  const net = new W5500NetworkBackend({
    clock: () => board?.millis() ?? 0, routes: { '127.0.0.1:1883': `127.0.0.1:${broker.port}` },
  });
  board = new VirtualBoard({ board: 'bluepill', elf, w5500: net.model });
  const b = board;
  const runner = new BoardRunner(b, { speed: 20 });
  let out = '';
  let devicePort = -1;
  const lines: string[] = [];
  b.on('uart', (c: number) => {
    out += String.fromCharCode(c);
    if (c !== 10) return;
    const line = out.slice(out.lastIndexOf('\n', out.length - 2) + 1).trim();
    const t = /^evt trace dir=(tx|rx) type=(\d+) flags=(\d+) extra=\d+ pid=(\d+)/.exec(line);
    if (t) {
      const type = Number(t[2]), flags = Number(t[3]), pid = Number(t[4]);
      const qos = type === 3 ? ` qos=${(flags >> 1) & 3}${flags & 8 ? ' dup' : ''}` : '';
      const dir = t[1] === 'tx' ? 'device  --> ' : 'device  <-- ';
      lines.push(`  ${dir}${(NAMES[type] ?? `type ${type}`).padEnd(11)}${pid ? ` id=${pid}` : ''}${qos}`);
    } else if (line.startsWith('evt message')) {
      lines.push(`  app     <-- ${line.slice(4)}`);
    }
  });
  broker.on('packet', (p: BrokerPacket) => {
    if (devicePort === -1 && p.dir === 'in' && p.packet.cmd === 'connect') devicePort = p.clientPort;
    if (p.clientPort !== devicePort) return;
    const pk = p.packet as { cmd: string; messageId?: number; qos?: number; topic?: string };
    const extra = pk.cmd === 'publish' ? ` qos=${pk.qos} topic=${pk.topic}` : '';
    const dir = p.dir === 'in' ? '-->  broker ' : '<--  broker ';
    const id = pk.messageId ? ` id=${pk.messageId}` : '';
    lines.push(`              ${dir}${pk.cmd.toUpperCase().padEnd(11)}${id}${extra}`);
  });
  const show = (title: string) => { print(title); for (const l of lines.splice(0)) print(l); print(''); };
  const see = (re: RegExp, ms: number) => runner.until(() => re.test(out), ms, `console ${re}`);
  const type = (line: string) => b.uartInput(`${line}\r\n`);
  runner.start();
  try {
    print(`virtual bluepill running ${relative(process.cwd(), elf) || elf}`);
    print(`aedes broker on ${broker.url}; the device's broker 127.0.0.1:1883 is routed there by the W5500 model\n`);
    await see(/evt loaded/, 2000);
    type('set trace 1');
    type('connect');
    await see(/evt connected/, 20_000);
    show('CONNECT (typed on the console: set trace 1, connect)');
    type('sub demo/in/# 2');
    await see(/evt suback/, 5000);
    show('SUBSCRIBE demo/in/# at QoS 2');
    for (const qos of [0, 1, 2] as const) {
      const before = out.length;
      type(`pub demo/out/qos${qos} ${qos} 0 hello at QoS ${qos}`);
      if (qos === 0) await see(/ok pub pid=0/, 2000);
      else {
        await runner.until(() => new RegExp(`evt publish-done pid=\\d+ qos=${qos}`).test(out.slice(before)), 5000,
          `QoS ${qos} publish`);
      }
      const atBroker = (l: string) => l.includes('-->  broker PUBLISH') && l.includes(`topic=demo/out/qos${qos}`);
      await runner.until(() => lines.some(atBroker), 5000, 'the broker receiving the publish');
      // The device's own trace lines trail its console output at 115200 baud: wait for its last one.
      const lastOut = ['device  --> PUBLISH', 'device  <-- PUBACK', 'device  <-- PUBCOMP'][qos]!;
      await runner.until(() => lines.some((l) => l.startsWith(`  ${lastOut}`)), 5000,
        `the device's ${lastOut.slice(12).trim()} trace line`);
      show(`QoS ${qos}, device -> broker: pub demo/out/qos${qos}`);
      const mark = out.length;
      broker.aedes.publish({
        cmd: 'publish', topic: `demo/in/qos${qos}`, payload: Buffer.from(`command at QoS ${qos}`),
        qos, retain: false, dup: false,
      }, () => {});
      await runner.until(() => out.slice(mark).includes(`evt message topic=demo/in/qos${qos}`), 5000,
        `QoS ${qos} delivery`);
      const ack = qos === 2 ? 'PUBCOMP' : qos === 1 ? 'PUBACK' : 'PUBLISH';
      await runner.until(() => lines.some((l) => l.includes(ack) && l.includes('broker')), 5000, 'broker side');
      const lastIn = ['device  <-- PUBLISH', 'device  --> PUBACK', 'device  --> PUBCOMP'][qos]!;
      await runner.until(() => lines.some((l) => l.startsWith(`  ${lastIn}`)), 5000,
        `the device's ${lastIn.slice(12).trim()} trace line`);
      await runner.until(() => lines.some((l) => l.startsWith(`  app     <-- message topic=demo/in/qos${qos} `)), 5000,
        'the app line of the delivered message');
      show(`QoS ${qos}, broker -> device: message on demo/in/qos${qos}`);
    }
    print(`virtual board: ${b.instructions.toLocaleString('en-US')} instructions ` +
      `in ${b.millis().toFixed(0)} virtual ms; ${net.model.counters.bytes} SPI bytes`);
    print('virtual board demo finished: every flow completed.');
  } finally {
    await runner.stop();
    b.close();
    await net.close();
    await broker.close();
  }
}

if (process.argv[1]?.endsWith('sim/board/demo.ts')) {
  try {
    await virtualBoardDemo();
  } catch (err) {
    console.error(`virtual board demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
