// Unit test of the HIL console adapter: the exact command lines it sends and how it reads
// replies and events, against a scripted console that answers like firmware/core/app/console.ts.
import { describe, it, expect } from 'vitest';
import { ConsoleDevice, type ConsoleTransport } from '../../host-tools/hil/console-device.ts';
import { ConnectRefused, type DeviceMessage, type DevicePacket } from '../../host-tools/hil/device.ts';

class ScriptedConsole implements ConsoleTransport {
  readonly description = 'scripted console';
  sent: string[] = [];
  private rx: ((c: Buffer) => void) | undefined;
  constructor(private readonly answer: (line: string, say: (s: string) => void) => void) {}
  write(text: string) {
    for (const line of text.split('\r\n').filter(Boolean)) {
      this.sent.push(line);
      // Reply asynchronously and in pieces, as a UART would.
      setImmediate(() => this.answer(line, (s) => { const b = Buffer.from(s + '\r\n'); this.rx?.(b.subarray(0, 3)); this.rx?.(b.subarray(3)); }));
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
    const r = await dev.connect({ broker: 'mqtt://x:1', clientId: 'hil 1', cleanSession: false, keepalive: 5, will: { topic: 'w/t', payload: 'gone now', qos: 1, retain: true } });
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
    expect(msgs).toEqual([{ topic: 't/a b', payload: Buffer.from('\x00hi', 'latin1'), qos: 1, retain: true, dup: false }]);
  });

  it('reports a CONNACK refusal with its code, a command error, and a silent console', async () => {
    const dev = new ConsoleDevice(new ScriptedConsole(firmwareLike(4)), 1000);
    const err = await dev.connect({ broker: 'mqtt://x:1', clientId: 'c', cleanSession: true, keepalive: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectRefused);
    expect((err as ConnectRefused).returnCode).toBe(4);
    await expect(dev.command('set bad 1')).rejects.toThrow('device answered "err set bad-field set takes host, port, id"');
    const silent = new ConsoleDevice(new ScriptedConsole(() => {}), 100);
    await expect(silent.command('status')).rejects.toThrow(/no reply to "status" within 100 ms/);
    expect(silent.canPowerCycle).toBe(false);
  });
});
