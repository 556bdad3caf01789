// The hostnet transport on its own (no core): address map, non-blocking state machine, data in
// both directions, peer close draining, and the refusal of unmapped addresses.
import { describe, it, expect, afterEach } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { HostNet, HOSTNET_CLOSED, HOSTNET_CONNECTING, HOSTNET_ESTABLISHED, HOSTNET_CLOSING, HOSTNET_ERR_UNMAPPED } from '../../host-tools/sim/host/hostnet.ts';
import { ipv4ToU32, u32ToIpv4 } from '../../host-tools/sim/host/network.ts';

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

async function listen(onConn: (s: Socket) => void): Promise<number> {
  server = createServer(onConn);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return typeof a === 'object' && a ? a.port : 0;
}

/** Resolves after the transport's next wake-up (data, connect or close arrived). */
function nextWake(net: HostNet): Promise<void> {
  return new Promise((r) => net.setWake(() => r()));
}

describe('HostNet', () => {
  it('converts IPv4 addresses the way the board ABI passes them', () => {
    expect(ipv4ToU32('192.168.1.10')).toBe(0xc0a8010a);
    expect(u32ToIpv4(0xc0a8010a)).toBe('192.168.1.10');
    expect(() => ipv4ToU32('192.168.1')).toThrow(/not an IPv4 address/);
    expect(() => ipv4ToU32('1.2.3.256')).toThrow(/not an IPv4 address/);
  });

  it('refuses an unmapped device address with -2 and says which are known', () => {
    const logs: string[] = [];
    const net = new HostNet({ map: [{ device: '192.168.1.10:1883', host: '127.0.0.1', port: 1 }], onError: (m) => logs.push(m) });
    expect(net.connect(ipv4ToU32('10.0.0.1'), 1883)).toBe(HOSTNET_ERR_UNMAPPED);
    expect(logs[0]).toBe('hostnet: no address map entry for 10.0.0.1:1883 (known: 192.168.1.10:1883)');
    expect(net.state()).toBe(HOSTNET_CLOSED);
  });

  it('connects through the map, moves bytes both ways, and drains input after the peer closes', async () => {
    let onPeer!: (s: Socket) => void;
    const accepted = new Promise<Socket>((r) => { onPeer = r; });
    const port = await listen((s) => onPeer(s));
    const net = new HostNet({ map: [{ device: '192.168.1.10:1883', host: '127.0.0.1', port }] });
    let woke = nextWake(net);
    expect(net.connect(ipv4ToU32('192.168.1.10'), 1883)).toBe(0);
    expect(net.state()).toBe(HOSTNET_CONNECTING);
    expect(net.recv(new Uint8Array(4))).toBe(0);
    await woke;
    const peer = await accepted;
    expect(net.state()).toBe(HOSTNET_ESTABLISHED);

    const got = new Promise<Buffer>((r) => peer.once('data', r));
    expect(net.send(new Uint8Array([1, 2, 3]))).toBe(3);
    net.afterStep(); // uncork
    expect([...(await got)]).toEqual([1, 2, 3]);

    woke = nextWake(net);
    peer.end(Buffer.from([9, 8, 7, 6, 5]));
    await woke;
    // Data that arrived before the FIN is still readable, in pieces, then -1.
    const buf = new Uint8Array(3);
    expect(net.recv(buf)).toBe(3);
    expect([...buf]).toEqual([9, 8, 7]);
    while (net.state() === HOSTNET_ESTABLISHED) await nextWake(net);
    expect(net.state()).toBe(HOSTNET_CLOSING);
    expect(net.recv(buf)).toBe(2);
    expect([...buf.subarray(0, 2)]).toEqual([6, 5]);
    expect(net.recv(buf)).toBe(-1);
    expect(net.send(new Uint8Array([1]))).toBe(-1);
    net.destroy();
  });

  it('reports a refused connection as closed with recv -1', async () => {
    const port = await listen(() => {});
    await new Promise<void>((r) => server!.close(() => r()));
    server = null;
    const logs: string[] = [];
    const net = new HostNet({ map: [{ device: '192.168.1.10:1883', host: '127.0.0.1', port }], onError: (m) => logs.push(m) });
    net.connect(ipv4ToU32('192.168.1.10'), 1883);
    while (net.state() === HOSTNET_CONNECTING) await nextWake(net);
    expect(net.state()).toBe(HOSTNET_CLOSED);
    expect(net.recv(new Uint8Array(1))).toBe(-1);
    expect(logs.join('\n')).toMatch(/ECONNREFUSED/);
  });
});
