// The virtual-board demo (host-tools/sim/board/demo.ts) against the in-process aedes broker.
import { describe, expect, it } from 'vitest';
import { DEMO_ELF, virtualBoardDemo } from '../../host-tools/sim/board/demo.ts';
import { requireBuilt } from './helpers.ts';

describe('virtual board demo', () => {
  it('shows every QoS flow from both sides and completes', async () => {
    requireBuilt(DEMO_ELF);
    const out: string[] = [];
    await virtualBoardDemo((l) => out.push(l));
    const text = out.join('\n');
    expect(text).toContain('every flow completed');
    const qos2In = text.slice(text.indexOf('QoS 2, broker -> device'));
    for (const step of ['device  <-- PUBLISH', 'device  --> PUBREC', 'device  <-- PUBREL', 'device  --> PUBCOMP', '-->  broker PUBCOMP']) {
      expect(qos2In).toContain(step);
    }
    expect(qos2In.match(/app {5}<-- message topic=demo\/in\/qos2/g)).toHaveLength(1);
  });
});
