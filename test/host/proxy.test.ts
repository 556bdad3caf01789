// The fault proxy itself (test/helpers/proxy.ts), against a plain echo server: the tests that
// rely on it to cut, pause and black-hole connections need it to do exactly that.
import { describe, it, expect, afterEach } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { FaultProxy, prng } from '../helpers/proxy.ts';

let server: Server | null = null;
let proxy: FaultProxy | null = null;

async function echoServer(): Promise<number> {
  server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return typeof a === 'object' && a ? a.port : 0;
}

function client(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

function collect(s: Socket): { data: () => Buffer; ended: Promise<'end' | 'reset'> } {
  const chunks: Buffer[] = [];
  s.on('data', (d: Buffer) => chunks.push(d));
  const ended = new Promise<'end' | 'reset'>((resolve) => {
    s.once('end', () => resolve('end'));
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNRESET' ? 'reset' : 'end'));
  });
  return { data: () => Buffer.concat(chunks), ended };
}

afterEach(async () => {
  await proxy?.close();
  proxy = null;
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

describe('FaultProxy', () => {
  it('forwards both ways and sniffs MQTT packets by direction', async () => {
    proxy = await FaultProxy.start(await echoServer());
    const c = await client(proxy.port);
    const got = collect(c);
    // A PINGREQ (0xC0 0x00): the echo returns it, so it is seen going up and coming down.
    c.write(Buffer.from([0xc0, 0x00]));
    while (got.data().length < 2) await new Promise((r) => c.once('data', r));
    expect(proxy.sniffed('pingreq', 'up')).toHaveLength(1);
    expect(proxy.sniffed('pingreq', 'down')).toHaveLength(1);
    c.destroy();
  });

  it('cuts with FIN after exactly N bytes, mid-chunk', async () => {
    proxy = await FaultProxy.start(await echoServer());
    const c = await client(proxy.port);
    const got = collect(c);
    proxy.cutAfter(5, 'fin');
    c.write(Buffer.from('0123456789'));
    expect(await got.ended).toBe('end');
    // 5 bytes went up; the echo of those 5 never counted beyond the cut point, so nothing came back.
    expect(got.data().length).toBe(0);
    expect(proxy.cuts).toBe(1);
  });

  it('cuts with RST', async () => {
    proxy = await FaultProxy.start(await echoServer());
    const c = await client(proxy.port);
    const got = collect(c);
    proxy.cutAll('rst');
    expect(await got.ended).toBe('reset');
  });

  it('black-holes without closing, and pause/resume holds then delivers', async () => {
    proxy = await FaultProxy.start(await echoServer());
    const c = await client(proxy.port);
    const got = collect(c);
    proxy.pause();
    c.write('held');
    await proxy.waitForConnections(1);
    // Round-trip a second connection through the (paused) proxy's event loop turn: nothing may arrive.
    await new Promise((r) => setImmediate(r));
    expect(got.data().length).toBe(0);
    proxy.resume();
    while (got.data().length < 4) await new Promise((r) => c.once('data', r));
    expect(got.data().toString()).toBe('held');
    proxy.blackhole(true, ['down']);
    const dropped = new Promise<[number, string, number]>(
      (r) => proxy!.once('dropped', (...a: [number, string, number]) => r(a)));
    c.write('gone');
    // The bytes went up to the echo server and its answer died in the proxy: nothing reached the client.
    expect(await dropped).toEqual([1, 'down', 4]);
    expect(got.data().toString()).toBe('held');
    expect(c.destroyed).toBe(false);
    c.destroy();
  });

  it('random cut points are reproducible from the seed', () => {
    const a = prng(42);
    const b = prng(42);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(new Set(xs).size).toBe(5);
  });
});
