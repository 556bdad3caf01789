// Unit test of the HIL console adapter: the exact command lines it sends and how it reads
// replies and events, against a scripted console that answers like firmware/app/console/console.ts.
import { describe, it, expect } from 'vitest';
import { ConsoleDevice, type ConsoleTransport } from '../../host-tools/hil/console-device.ts';
import { ConnectRefused, type DeviceMessage, type DevicePacket } from '../../host-tools/hil/device.ts';
import { SerialTransport } from '../../host-tools/hil/serial-transport.ts';
import { SerialPort } from 'serialport';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ptyPair } from './pty.ts';

class ScriptedConsole implements ConsoleTransport {
  readonly description = 'scripted console';
  readonly reachesRunnerLoopback = true;
  sent: string[] = [];
  private rx: ((c: Buffer) => void) | undefined;
  constructor(private readonly answer: (line: string, say: (s: string) => void) => void) {}
  write(text: string) {
    for (const line of text.split('\r\n').filter(Boolean)) {
      this.sent.push(line);
      // Reply asynchronously and in pieces, as a UART would.
      setImmediate(() => this.answer(
        line, (s) => { const b = Buffer.from(s + '\r\n'); this.rx?.(b.subarray(0, 3)); this.rx?.(b.subarray(3)); }));
    }
  }
  onData(fn: (c: Buffer) => void) { this.rx = fn; }
  async brokerAddress() { return { ip: '192.168.1.10', port: 1883 }; }
  async close() {}
}

function firmwareLike(connackRc = 0) {
  let pid = 0;
  return (line: string, say: (s: string) => void) => {
    const [cmd] = line.split(' ');
    if (cmd === 'connect') {
      say('ok connect');
      say('evt trace dir=tx type=1 flags=0 extra=0 pid=0 len=30');
      if (connackRc) { say(`evt connect-failed error=connack-refused rc=${connackRc}`); return; }
      say('evt trace dir=rx type=2 flags=0 extra=0 pid=0 len=4');
      say('evt connected session_present=0');
    } else if (cmd === 'pub') {
      pid++;
      say(`ok pub pid=${pid}`);
      say(`evt trace dir=tx type=3 flags=4 extra=0 pid=${pid} len=20`);
      say(`evt trace dir=rx type=5 flags=0 extra=0 pid=${pid} len=4`);
      say(`evt publish-done pid=${pid} qos=2`);
    } else if (cmd === 'sub') {
      pid++;
      say(`ok sub pid=${pid}`);
      say(`evt suback pid=${pid} codes=1`);
      say('evt message topic=t/a%20b qos=1 retain=1 dup=0 pid=9 len=3 payload=%00hi');
    } else if (cmd === 'set' && line.includes('bad')) say('err set bad-field set takes host, port, id');
    else say(`ok ${cmd}`);
  };
}

describe('ConsoleDevice (HIL adapter over the device console)', () => {
  it('configures the client with escaped values, connects, and maps trace lines to packets', async () => {
    const t = new ScriptedConsole(firmwareLike());
    const dev = new ConsoleDevice(t, 1000);
    const packets: DevicePacket[] = [];
    dev.on('packet', (p: DevicePacket) => packets.push(p));
    const r = await dev.connect({ broker: 'mqtt://x:1', clientId: 'hil 1', cleanSession: false, keepalive: 5,
      will: { topic: 'w/t', payload: 'gone now', qos: 1, retain: true } });
    expect(r).toEqual({ sessionPresent: false });
    expect(t.sent).toEqual([
      'disconnect', 'set trace 1', 'set host 192.168.1.10', 'set port 1883', 'set id hil%201', 'set clean 0',
      'set keepalive 5', 'set will w/t 1 1 gone%20now', 'connect',
    ]);
    expect(dev.isConnected()).toBe(true);
    expect(packets.map((p) => `${p.from}:${p.packet}`)).toEqual(['device:CONNECT', 'broker:CONNACK']);
  });

  it('publishes and waits for publish-done of its own packet id; subscribes and decodes messages', async () => {
    const t = new ScriptedConsole(firmwareLike());
    const dev = new ConsoleDevice(t, 1000);
    const packets: DevicePacket[] = [];
    const msgs: DeviceMessage[] = [];
    dev.on('packet', (p: DevicePacket) => packets.push(p));
    dev.on('message', (m: DeviceMessage) => msgs.push(m));
    await dev.publish('a b', 'x%y', 2);
    expect(t.sent.at(-1)).toBe('pub a%20b 2 0 x%25y');
    expect(packets).toContainEqual({ from: 'device', packet: 'PUBLISH', packetId: 1, qos: 2, dup: false });
    expect(packets).toContainEqual({ from: 'broker', packet: 'PUBREC', packetId: 1, qos: undefined, dup: undefined });
    expect(await dev.subscribe('t/#', 1)).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(msgs).toEqual(
      [{ topic: 't/a b', payload: Buffer.from('\x00hi', 'latin1'), qos: 1, retain: true, dup: false }]);
  });

  it('reports a CONNACK refusal with its code, a command error, and a silent console', async () => {
    const dev = new ConsoleDevice(new ScriptedConsole(firmwareLike(4)), 1000);
    const err = await dev.connect(
      { broker: 'mqtt://x:1', clientId: 'c', cleanSession: true, keepalive: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectRefused);
    expect((err as ConnectRefused).returnCode).toBe(4);
    await expect(dev.command('set bad 1')).rejects.toThrow(
      'device answered "err set bad-field set takes host, port, id"');
    const silent = new ConsoleDevice(new ScriptedConsole(() => {}), 100);
    await expect(silent.command('status')).rejects.toThrow(/no reply to "status" within 100 ms/);
    expect(silent.canPowerCycle).toBe(false);
  });
});

describe('SerialTransport (a board on a serial port)', () => {
  it('drives the console over a pty, and powers the board through the relay hook', async () => {
    const pair = await ptyPair();
    const board = await new Promise<SerialPort>((resolve, reject) =>
      { const p = new SerialPort({ path: pair.b, baudRate: 115200 }, (e) => (e ? reject(e) : resolve(p))); });
    const answer = firmwareLike();
    let pending = '';
    board.on('data', (d: Buffer) => {
      pending += d.toString();
      let nl: number;
      while ((nl = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 2);
        answer(line, (s) => board.write(s + '\r\n'));
      }
    });
    const log = join(mkdtempSync(join(tmpdir(), 'wasmqtt-relay-')), 'relay.log');
    const transport = await SerialTransport.open(
      { path: pair.a, relayCommand: `echo power {state} >> ${log}`, allowLoopback: true });
    const dev = new ConsoleDevice(transport, 2000);
    try {
      expect(dev.canPowerCycle).toBe(true);
      expect(dev.canControlLink).toBe(false);
      await dev.connect({ broker: 'mqtt://127.0.0.1:1883', clientId: 'b1', cleanSession: false, keepalive: 5 });
      await dev.publish('t', 'x', 2);
      await dev.powerOff();
      await dev.powerOn();
      expect(readFileSync(log, 'utf8')).toBe('power off\npower on\n');
      expect(dev.isConnected()).toBe(true);
    } finally {
      await dev.close();
      await new Promise<void>((r) => board.close(() => r()));
      await pair.close();
    }
  });

  it('refuses a broker address a board cannot reach', async () => {
    const pair = await ptyPair();
    const t = await SerialTransport.open({ path: pair.a });
    try {
      await expect(t.brokerAddress('mqtt://127.0.0.1:1883')).rejects.toThrow(/cannot reach 127\.0\.0\.1 .*LAN address/);
      // a host name goes to the board as it is: a LAN image resolves it (an image without DNS answers bad-ip, below)
      expect(await t.brokerAddress('mqtt://broker.local:1883')).toEqual({ ip: 'broker.local', port: 1883 });
      expect(await t.brokerAddress('mqtt://192.168.1.10:1884')).toEqual({ ip: '192.168.1.10', port: 1884 });
    } finally {
      await t.close();
      await pair.close();
    }
  });
});

describe('ConsoleDevice and a broker host name', () => {
  it('an image without a DNS client (set host NAME: err set bad-ip) is reported as that, naming the LAN ' +
      'image', async () => {
    const fw = firmwareLike();
    const t = new ScriptedConsole(
      (line, say) => (line === 'set host broker.local' ? say('err set bad-ip') : fw(line, say)));
    t.brokerAddress = async () => ({ ip: 'broker.local', port: 1883 });
    const dev = new ConsoleDevice(t, 1000);
    await expect(dev.connect({ broker: 'mqtt://broker.local:1883', clientId: 'c', cleanSession: true, keepalive: 5 }))
      .rejects.toThrow(/no DNS client, so it cannot take the broker as "broker\.local" \(device answered "err set bad-ip"\): run the console's LAN image/);
  });
});

describe('ConsoleDevice when the device never connects', () => {
  it('a wait that runs out says what the device tried last (the LAN image\'s addr=)', async () => {
    const fw = firmwareLike();
    const t = new ScriptedConsole((line, say) => {
      if (line !== 'connect') return fw(line, say);
      say('ok connect');
      say('evt connect-failed error=tcp-failed rc=none addr=10.0.0.7:1883');
    });
    const dev = new ConsoleDevice(t, 1000, 300);
    await expect(dev.connect({ broker: 'mqtt://x:1', clientId: 'c', cleanSession: true, keepalive: 5 }))
      .rejects.toThrow(/timed out after 300 ms waiting for evt connected \(CONNACK\); the device's last attempt: .* \(tried 10\.0\.0\.7:1883\)$/);
  });
});

describe('ConsoleDevice across scenarios', () => {
  it('powers the board back on before the next connect when the last scenario ended with the power cut', async () => {
    const t = new ScriptedConsole(firmwareLike()) as ScriptedConsole & {
      powerOff(): Promise<void>; powerOn(): Promise<void> };
    const power: string[] = [];
    t.powerOff = async () => { power.push('off'); };
    t.powerOn = async () => { power.push('on'); };
    const dev = new ConsoleDevice(t, 1000);
    const settings = { broker: 'mqtt://x:1', clientId: 'c', cleanSession: true, keepalive: 5 };
    await dev.connect(settings);
    await dev.powerOff(); // e.g. last-will: the scenario ends here
    t.sent = [];
    await dev.connect(settings);
    expect(power).toEqual(['off', 'on']);
    expect(t.sent[0]).toBe('status'); // the console answered before it was configured
    expect(t.sent.at(-1)).toBe('connect');
    expect(dev.isConnected()).toBe(true);
  });
});

