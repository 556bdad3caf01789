// Draws a packet trace as a ladder (sequence) diagram in SVG: the device on the left, the
// broker on the right, one arrow per packet, time downwards. Pure function of the trace, so
// it is unit-tested without a device. QoS flow packets are coloured by their flow; other
// packets are grey; notes (power cut, link down) are dashed lines across both lifelines.
import type { TraceEntry } from './trace.ts';

export interface LadderOptions {
  title?: string;
  /** Draw only QoS flow packets (PUBLISH/PUBACK/PUBREC/PUBREL/PUBCOMP) and notes. */
  qosOnly?: boolean;
  /** Most rows drawn; the rest is summarised in one line (a huge trace stays viewable). */
  maxRows?: number;
}

const QOS_PACKETS = new Set(['PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP']);
const COLOURS: Record<string, string> = {
  PUBLISH: '#1f6feb', PUBACK: '#2da44e', PUBREC: '#bf8700', PUBREL: '#8250df', PUBCOMP: '#2da44e',
};
const MIN_WIDTH = 560;
const LEFT = 150;
const RIGHT = 470;
/** Approximate advance of one 14 px monospace character, to fit the title. */
const TITLE_CHAR_PX = 8.5;
const ROW = 28;
const TOP = 70;

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The arrow label: packet name, id, QoS and DUP. */
export function arrowLabel(e: TraceEntry): string {
  const parts = [e.packet];
  if (e.packetId !== undefined && e.packetId !== 0) parts.push(`id ${e.packetId}`);
  if (e.packet === 'PUBLISH' && e.qos !== undefined) parts.push(`QoS ${e.qos}`);
  if (e.dup) parts.push('DUP');
  return parts.join(' ');
}

export function renderLadderSvg(trace: readonly TraceEntry[], opts: LadderOptions = {}): string {
  const all = trace.filter((e) => e.note !== undefined || !opts.qosOnly || QOS_PACKETS.has(e.packet));
  const maxRows = opts.maxRows ?? 400;
  const rows = all.slice(0, maxRows);
  const hidden = all.length - rows.length;
  const height = TOP + (rows.length + (hidden ? 1 : 0)) * ROW + 30;
  const WIDTH = Math.max(MIN_WIDTH, Math.ceil((opts.title?.length ?? 0) * TITLE_CHAR_PX) + 40);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `font-family="monospace" font-size="12">`);
  out.push('<defs><marker id="head" markerWidth="8" markerHeight="8" refX="8" refY="4" orient="auto"><path d="M0,0 ' +
    'L8,4 L0,8 z" fill="context-stroke"/></marker></defs>');
  out.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  if (opts.title) out.push(
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(opts.title)}` +
    `</text>`);
  out.push(`<text x="${LEFT}" y="48" text-anchor="middle" font-weight="bold">device</text>`);
  out.push(`<text x="${RIGHT}" y="48" text-anchor="middle" font-weight="bold">broker</text>`);
  out.push(
    `<line class="lifeline" x1="${LEFT}" y1="${TOP - 14}" x2="${LEFT}" y2="${height - 20}" stroke="#57606a" ` +
    `stroke-width="2"/>`);
  out.push(
    `<line class="lifeline" x1="${RIGHT}" y1="${TOP - 14}" x2="${RIGHT}" y2="${height - 20}" stroke="#57606a" ` +
    `stroke-width="2"/>`);
  rows.forEach((e, i) => {
    const y = TOP + i * ROW + 10;
    out.push(`<text class="time" x="8" y="${y + 4}" fill="#57606a">${(e.t / 1000).toFixed(3)} s</text>`);
    if (e.note !== undefined) {
      out.push(
        `<line class="note" x1="${LEFT - 40}" y1="${y}" x2="${RIGHT + 40}" y2="${y}" stroke="#cf222e" ` +
        `stroke-dasharray="6 4"/>`);
      out.push(
        `<text x="${(LEFT + RIGHT) / 2}" y="${y - 4}" text-anchor="middle" fill="#cf222e">${escapeXml(e.note)}</text>`);
      return;
    }
    const [x1, x2] = e.from === 'device' ? [LEFT, RIGHT] : [RIGHT, LEFT];
    const colour = COLOURS[e.packet] ?? '#8c959f';
    out.push(
      `<line class="arrow" ` +
      `data-from="${e.from}" data-packet="${escapeXml(e.packet)}" x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" ` +
      `stroke="${colour}" stroke-width="2" marker-end="url(#head)"/>`);
    out.push(
      `<text x="${(LEFT + RIGHT) / 2}" y="${y - 5}" text-anchor="middle" fill="${colour}">` +
      `${escapeXml(arrowLabel(e))}</text>`);
  });
  if (hidden) {
    out.push(
      `<text x="${WIDTH / 2}" y="${TOP + rows.length * ROW + 10}" text-anchor="middle" fill="#57606a">… ${hidden} ` +
      `more packets not drawn</text>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
