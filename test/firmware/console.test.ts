// The device console (firmware/app/console) inside the real device.wasm, run by the real binding and
// interpreter (host build): good input, hostile input, a seeded fuzz run, and the rule that no
// input but `save` touches the saved config.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORE_HOST, HostDevice, requireArtifact } from './helpers.ts';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { generateWords, WORDS_FILE, coreErrors, CONSOLE_WORDS } from '../../host-tools/fwbuild/console-words.ts';

function device(store: string): HostDevice {
  return new HostDevice(requireArtifact(CORE_HOST), ['--store', store, '--page-size', '1024', '--store-pages', '4']);
}

async function booted(store: string): Promise<HostDevice> {
  const dev = device(store);
  await dev.waitFor(/^evt loaded /);
  return dev;
}

const tmpStore = () => join(mkdtempSync(join(tmpdir(), 'wasmqtt-console-')), 'store.bin');

describe('console word table', () => {
  it('words.ts is generated from the current word list and abi.ts error codes', () => {
    expect(readFileSync(WORDS_FILE, 'utf8'), 'run: node --import tsx host-tools/fwbuild/console-words.ts')
      .toBe(generateWords());
  });
  it('every core error code has a name', () => {
    const errs = coreErrors();
    expect(errs.length).toBeGreaterThan(30);
    for (const e of errs) expect(e.word).toMatch(/^[a-z0-9-]+$/);
    expect(new Set(errs.map((e) => e.word)).size).toBe(errs.length);
    expect(CONSOLE_WORDS.includes('unknown-command')).toBe(true);
  });
});

describe('device console', () => {
  it('sets every network, broker and client field, and show reports them', async () => {
    const dev = await booted(tmpStore());
    try {
      expect(await dev.command('help')).toBe(
        'ok help commands=help,show,net,set,save,load,connect,disconnect,sub,unsub,pub,status,echo ' +
        'docs=docs/console.md');
      for (const cmd of ['net mac 02:AB:cd:00:00:09', 'net ip 10.0.0.7', 'net gw 10.0.0.1', 'net mask 255.255.255.0']) {
        expect(await dev.command(cmd), cmd).toBe('ok net');
      }
      for (const cmd of ['set host 10.0.0.2', 'set port 1884', 'set id dev%201', 'set user alice', 'set pass s3cret',
        'set keepalive 15', 'set clean 1', 'set will dev/status 1 1 gone  offline', 'set spill 250']) {
        expect(await dev.command(cmd), cmd).toBe('ok set');
      }
      expect(await dev.command('show')).toBe('ok show mac=02:ab:cd:00:00:09 ip=10.0.0.7 gw=10.0.0.1 mask=255.255.255.0 '
        + 'host=10.0.0.2 port=1884 id=dev%201 user=alice pass=set keepalive=15 clean=1 will=dev/status will_qos=1 '
        + 'will_retain=1 will_payload=gone%20%20offline spill=250 quiet=0 packet-max=1024');
      expect(await dev.command('set will')).toBe('ok set');
      expect(await dev.command('set pass')).toBe('ok set');
      expect(await dev.command('show')).toMatch(
        / pass=none .* will=none will_qos=0 will_retain=0 will_payload= spill=250 quiet=0 packet-max=1024$/);
      // spill 0 is flash-first (docs/mqtt-core.md "Persistence policies")
      expect(await dev.command('set spill 0')).toBe('ok set');
      expect(await dev.command('show')).toMatch(/ spill=0 quiet=0 packet-max=1024$/);
      expect(await dev.command('set quiet 1')).toBe('ok set');
      expect(await dev.command('show')).toMatch(/ spill=0 quiet=1 packet-max=1024$/);
      expect(await dev.command('set quiet 0')).toBe('ok set');
      expect(await dev.command('show')).toMatch(/ spill=0 quiet=0 packet-max=1024$/);
      // CRLF, tabs between tokens, and backspace editing as a terminal sends them.
      dev.write('set\tport\t1999\r\n');
      await dev.waitFor(/^ok set$/, dev.lines.length - 1);
      expect(await dev.command('shox\x7fw')).toMatch(/^ok show .* port=1999 /);
      expect(await dev.command('status')).toMatch(/^ok status state=idle inflight=0 queued=0 inflight_in=0 tx=0 rx=0 /);
    } finally {
      await dev.stop();
    }
  });

  it('answers bad commands with one clear err line each, and keeps working', async () => {
    const dev = await booted(tmpStore());
    try {
      const cases: [string, string][] = [
        ['frobnicate now', 'err - unknown-command frobnicate'],
        ['pub', 'err pub missing-argument'],
        ['pub a/b', 'err pub missing-argument'],
        ['pub a/b 3 0 x', 'err pub bad-qos'],
        ['pub a/b 1 2 x', 'err pub bad-retain'],
        ['pub a/b one 0 x', 'err pub bad-qos'],
        ['pub a/+ 1 0 x', 'err pub topic'],
        ['sub a/b 9', 'err sub bad-qos'],
        ['sub a/b 1 2', 'err sub extra-argument'],
        ['sub a/b 1', 'err sub not-connected'],
        ['net ip 300.1.1.1', 'err net bad-ip'],
        ['net ip 1.2.3', 'err net bad-ip'],
        ['net ip 1.2.3.4.5', 'err net bad-ip'],
        ['net mac 02:00:00:00:00', 'err net bad-mac'],
        ['net mac 02:00:00:00:00:0g', 'err net bad-mac'],
        ['net foo 1', 'err net bad-field'],
        ['set port 99999999999', 'err set bad-number'],
        ['set port -1', 'err set bad-number'],
        ['set port 0', 'err set config-value'],
        ['set port 70000', 'err set config-value'],
        ['set clean 2', 'err set config-value'],
        ['set spill 65536', 'err set config-value'],
        ['set quiet 2', 'err set config-value'],
        ['set id %4', 'err set bad-escape'],
        ['set id a%zzb', 'err set bad-escape'],
        [`set id ${'x'.repeat(65)}`, 'err set config-value'],
        ['set host broker.local', 'err set bad-ip'],
        ['set nothing', 'err set bad-field'],
        ['show me', 'err show extra-argument'],
        ['echo maybe', 'err echo bad-value'],
        [`pub t 0 0 ${'p'.repeat(300)}`, 'err - line-too-long'],
        ['pub t 0 0 a\x01b', 'err - bad-byte'],
        ['pub t 0 0 \x00', 'err - bad-byte'],
        ['%zz', 'err - bad-escape'],
      ];
      for (const [input, want] of cases) expect(await dev.command(input), JSON.stringify(input)).toBe(want);
      // Non-ASCII bytes are escaped in the echo of an unknown command, never printed raw.
      expect(await dev.command('\xff\xfe')).toBe('err - unknown-command %FF%FE');
      expect(await dev.command('status')).toMatch(/^ok status /);
      expect(dev.lines.some((l) => /^evt (trap|fatal|fault)/.test(l))).toBe(false);
    } finally {
      await dev.stop();
    }
  });

  it('survives a seeded fuzz run without a trap, and only `save` changes the saved config', async () => {
    const store = tmpStore();
    let dev = await booted(store);
    try {
      expect(await dev.command('set id saved-id')).toBe('ok set');
      expect(await dev.command('save')).toBe('ok save');
    } finally {
      await dev.stop();
    }
    const before = await showAfterReboot(store);
    expect(before).toMatch(/ id=saved-id /);

    dev = await booted(store);
    let rnd = 0x2545f491;
    const next = () => { rnd ^= rnd << 13; rnd ^= rnd >>> 17; rnd ^= rnd << 5; return (rnd >>> 0) / 2 ** 32; };
    const vocab = ['help', 'show', 'net', 'set', 'connect', 'disconnect', 'sub', 'unsub', 'pub', 'status', 'echo',
      'mac', 'ip', 'gw', 'mask', 'host', 'port', 'id', 'user', 'pass', 'keepalive', 'clean', 'will', 'trace', 'on',
      'off',
      '0', '1', '2', '3', '65535', '4294967296', '1.2.3.4', '255.255.255.255', '02:00:00:00:00:01', 'a/b', '#', '+/x',
      '%', '%4', '%41', '%00', '\t', '', 'x'.repeat(70)];
    try {
      let sent = '';
      for (let i = 0; i < 1500; i++) {
        let line = '';
        if (next() < 0.15) {
          const n = Math.floor(next() * 80);
          for (let j = 0; j < n; j++) line += String.fromCharCode(Math.floor(next() * 256));
        } else {
          const n = 1 + Math.floor(next() * 6);
          line = Array.from(
            { length: n }, () => vocab[Math.floor(next() * vocab.length)]).join(next() < 0.8 ? ' ' : '  ');
        }
        // Everything but the two commands that touch the saved config on purpose.
        sent += line.replace(/save|load/g, 'sav') + (next() < 0.5 ? '\n' : '\r\n');
      }
      dev.write(sent);
      // The console must still be answering after all of it.
      const from = dev.lines.length;
      dev.write('\necho off\nset id fuzz-marker\nshow\n');
      await dev.waitFor(/^ok show .* id=fuzz-marker /, from, 60_000);
      expect(dev.lines.filter((l) => l.startsWith('[stderr]') || /^evt (trap|fatal|fault)/.test(l))).toEqual([]);
      expect(dev.lines.filter((l) => /^err /.test(l)).length).toBeGreaterThan(100);
    } finally {
      await dev.stop();
    }
    // Nothing above was `save`: after a reboot the config is exactly the saved one.
    expect(await showAfterReboot(store)).toBe(before);
  });
});

describe('pub -n (repeat count)', () => {
  let broker: Mosquitto;
  beforeAll(async () => { broker = await startMosquitto(); });
  afterAll(async () => { await broker?.stop(); });

  it('queues N copies offline with one reply, waits on a full queue, and stops on input', async () => {
    const dev = await booted(tmpStore());
    try {
      const one = /^ok pub pid=(\d+)$/.exec(await dev.command('pub t/a 1 0 x'))!;
      const three = /^ok pub pid=(\d+) queued=3$/.exec(await dev.command('pub -n 3 t/a 1 0 two words'))!;
      expect(Number(three[1])).toBe(Number(one[1]) + 3);
      expect(await dev.command('pub -n 1 t/a 0 0')).toMatch(/^ok pub pid=0 queued=1$/);
      const counts = (st: string) =>
        { const m = /inflight=(\d+) queued=(\d+)/.exec(st)!; return Number(m[1]) + Number(m[2]); };
      expect(counts(await dev.command('status'))).toBe(5);
      const cases: [string, string][] = [
        ['pub -n', 'err pub missing-argument'],
        ['pub -n 5', 'err pub missing-argument'],
        ['pub -n 5 t', 'err pub missing-argument'],
        ['pub -n 0 t 0 0 x', 'err pub bad-number'],
        ['pub -n 4294967296 t 0 0 x', 'err pub bad-number'],
        ['pub -n five t 0 0 x', 'err pub bad-number'],
        ['pub -n 2 t 3 0 x', 'err pub bad-qos'],
        ['pub -n 2 a/+ 1 0 x', 'err pub topic queued=0'],
        // An escaped "-n" is a topic, not the option.
        ['pub %2Dn 0 0 x', 'ok pub pid=0'],
      ];
      for (const [input, want] of cases) expect(await dev.command(input), input).toBe(want);
      const before = counts(await dev.command('status'));
      // Offline the queue fills up: the run waits for room (nothing refused, nothing dropped)
      // until the next input ends it; its reply says how many were queued.
      const from = dev.lines.length;
      dev.write('pub -n 100000 t/b 1 0 y\r\nstatus\r\n');
      const run = await dev.waitFor(/^ok pub /, from);
      const queued = Number(/^ok pub pid=\d+ queued=(\d+)$/.exec(run)![1]);
      expect(queued).toBeGreaterThan(0);
      expect(queued).toBeLessThan(100000);
      const st = await dev.waitFor(/^ok status /, from);
      expect(counts(st)).toBe(before + queued);
      expect(dev.lines.slice(from).filter((l) => /^(ok|err) /.test(l))).toEqual([run, st]);
      expect(await dev.command('pub t/a 1 0 x')).toBe('err pub queue-full');
    } finally {
      await dev.stop();
    }
  });

  it('delivers every one of N QoS 1 and QoS 2 publishes to a real broker through the in-flight window', async () => {
    const peer = await mqtt.connectAsync(broker.url, { clientId: 'console-repeat-peer' });
    // More than the offline queue holds (35 with this store), so the run must wait for acks.
    const want = new Map([['wasmqtt/repeat/q1', 100], ['wasmqtt/repeat/q2', 40]]);
    const got = new Map<string, string[]>();
    let allIn!: () => void;
    const delivered = new Promise<void>((resolve) => { allIn = resolve; });
    peer.on('message', (topic, payload) => {
      got.set(topic, [...(got.get(topic) ?? []), payload.toString()]);
      if ([...want].every(([t, n]) => (got.get(t)?.length ?? 0) >= n)) allIn();
    });
    await peer.subscribeAsync('wasmqtt/repeat/#', { qos: 2 });
    const dev = await booted(tmpStore());
    try {
      expect(await dev.command(`set port ${broker.port}`)).toBe('ok set');
      expect(await dev.command('set id console-repeat')).toBe('ok set');
      expect(await dev.command('connect')).toBe('ok connect');
      await dev.waitFor(/^evt connected /);

      expect(await dev.command('pub -n 100 wasmqtt/repeat/q1 1 0 m 1', 30_000)).toMatch(/^ok pub pid=\d+ queued=100$/);
      // `set quiet 1`: no evt lines from here on, the replies to typed commands still go out
      expect(await dev.command('set quiet 1')).toBe('ok set');
      const quietFrom = dev.lines.length;
      expect(await dev.command('pub -n 40 wasmqtt/repeat/q2 2 1 two', 30_000)).toMatch(/^ok pub pid=\d+ queued=40$/);
      await delivered;
      expect(await dev.command('status')).toMatch(/^ok status state=connected /);
      expect(dev.lines.slice(0, quietFrom).filter((l) => l.startsWith('evt publish-done ')).length).toBeGreaterThan(0);
      expect(dev.lines.slice(quietFrom).filter((l) => l.startsWith('evt '))).toEqual([]);
      expect(got.get('wasmqtt/repeat/q1')).toEqual(Array(100).fill('m 1'));
      expect(got.get('wasmqtt/repeat/q2')).toEqual(Array(40).fill('two'));
      expect(dev.lines.filter((l) => /^evt (trap|fatal|fault|error)/.test(l))).toEqual([]);
    } finally {
      await dev.stop();
      await peer.endAsync();
    }
  });
});

async function showAfterReboot(store: string): Promise<string> {
  const dev = await booted(store);
  try {
    return await dev.command('show');
  } finally {
    await dev.stop();
  }
}
