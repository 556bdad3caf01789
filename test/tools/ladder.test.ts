import { describe, it, expect } from 'vitest';
import { arrowLabel, escapeXml, renderLadderSvg } from '../../host-tools/hil/ladder.ts';
import type { TraceEntry } from '../../host-tools/hil/trace.ts';

/** Checks that every tag opened is closed in order (well-formed XML for our output's subset). */
function wellFormed(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)([^>]*?)(\/?)>/g)) {
    const [, close, name, , self] = m;
    if (self) continue;
    if (close) { if (stack.pop() !== name) return false; } else stack.push(name!);
  }
  return stack.length === 0 && !/&(?!(lt|gt|amp|quot|apos);)/.test(svg);
}

const qos2: TraceEntry[] = [
  { t: 0, from: 'device', packet: 'PUBLISH', packetId: 7, qos: 2 },
  { t: 12, from: 'broker', packet: 'PUBREC', packetId: 7 },
  { t: 13, from: 'device', packet: '', note: 'power cut' },
  { t: 900, from: 'device', packet: 'PUBREL', packetId: 7 },
  { t: 910, from: 'broker', packet: 'PUBCOMP', packetId: 7 },
];

function arrows(svg: string): { from: string; packet: string; x1: number; x2: number; y: number }[] {
  return [
    ...svg.matchAll(/<line class="arrow" data-from="(\w+)" data-packet="(\w+)" x1="(\d+)" y1="(\d+)" x2="(\d+)"/g)]
    .map((m) => ({ from: m[1]!, packet: m[2]!, x1: Number(m[3]), y: Number(m[4]), x2: Number(m[5]) }));
}

describe('ladder diagram (SVG)', () => {
  it('draws one arrow per packet, device → broker to the right, broker → device to the left, time downwards', () => {
    const svg = renderLadderSvg(qos2, { title: 'power-cycle-qos2-out' });
    expect(wellFormed(svg)).toBe(true);
    const a = arrows(svg);
    expect(a.map((x) => x.packet)).toEqual(['PUBLISH', 'PUBREC', 'PUBREL', 'PUBCOMP']);
    for (const x of a) expect(x.from === 'device' ? x.x1 < x.x2 : x.x1 > x.x2).toBe(true);
    expect(a.map((x) => x.y)).toEqual([...a.map((x) => x.y)].sort((p, q) => p - q));
    expect(svg).toContain('>PUBLISH id 7 QoS 2<');
    expect(svg).toContain('>PUBREC id 7<');
    expect(svg).toContain('>power cut<');
    expect(svg).toContain('>0.910 s<');
    expect(svg).toContain('>power-cycle-qos2-out<');
  });

  it('colours each QoS flow packet and marks resends with DUP', () => {
    const svg = renderLadderSvg([{ t: 0, from: 'device', packet: 'PUBLISH', packetId: 3, qos: 1, dup: true },
      { t: 1, from: 'broker', packet: 'PUBACK', packetId: 3 }]);
    expect(svg).toContain('>PUBLISH id 3 QoS 1 DUP<');
    expect(svg).toMatch(/data-packet="PUBLISH"[^>]*stroke="#1f6feb"/);
    expect(svg).toMatch(/data-packet="PUBACK"[^>]*stroke="#2da44e"/);
  });

  it('can keep only the QoS flows, escapes text, and summarises rows beyond the limit', () => {
    const trace: TraceEntry[] = [{ t: 0, from: 'device', packet: 'PINGREQ' }, ...qos2];
    expect(arrows(renderLadderSvg(trace, { qosOnly: true })).map((x) => x.packet)).not.toContain('PINGREQ');
    const svg = renderLadderSvg(trace, { title: 'a<b & "c"', maxRows: 2 });
    expect(wellFormed(svg)).toBe(true);
    expect(svg).toContain('a&lt;b &amp; &quot;c&quot;');
    expect(arrows(svg)).toHaveLength(2);
    expect(svg).toContain('… 4 more packets not drawn');
    expect(escapeXml("<'>")).toBe('&lt;&apos;&gt;');
    expect(arrowLabel({ t: 0, from: 'broker', packet: 'PINGRESP' })).toBe('PINGRESP');
  });

  it('draws an empty trace as just the two lifelines', () => {
    const svg = renderLadderSvg([]);
    expect(wellFormed(svg)).toBe(true);
    expect(arrows(svg)).toHaveLength(0);
    expect(svg.match(/class="lifeline"/g)).toHaveLength(2);
  });
});
