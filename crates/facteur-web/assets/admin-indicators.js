// The Deliveries tab: outbound recipients by their latest fate (delivered, deferred, bounced) as stacked bars
// per hour and per day, the totals and bounce rates, the largest domains and senders, the bounce reasons.
// The charts are SVG made with createElementNS: no library, nothing parsed from text.

import { clear, el } from './dom.js';
import { get } from './admin-api.js';
import { fillTable } from './admin-table.js';

const SVG = 'http://www.w3.org/2000/svg';
const FATES = ['delivered', 'deferred', 'bounced'];

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  node.append(...children);
  return node;
}

/** Stacked bars, one per span, scaled to the largest total; each bar's parts carry their fate and count. */
function chart(container, spans, label) {
  const width = 720;
  const height = 180;
  const bottom = 20;
  const top = 10;
  const most = Math.max(1, ...spans.map((span) => span.delivered + span.deferred + span.bounced));
  const slot = width / spans.length;
  const length = spans.length > 1 ? spans[1].start - spans[0].start : 0;
  const scale = (height - bottom - top) / most;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'none' });
  root.append(svg('text', { x: 4, y: top + 2 }, `${most}`));
  spans.forEach((span, index) => {
    let y = height - bottom;
    const group = svg('g', { 'data-testid': 'chart-bar', 'data-start': span.start });
    for (const fate of FATES) {
      const count = span[fate];
      if (count === 0) continue;
      const tall = Math.max(1, count * scale);
      y -= tall;
      const rect = svg('rect', { x: index * slot + slot * 0.15, y, width: slot * 0.7, height: tall, class: fate, 'data-fate': fate, 'data-count': count });
      rect.append(svg('title', {}, `${count} ${fate}`));
      group.append(rect);
    }
    root.append(group);
    // Each span is labelled by its end: the last one ends now (this hour, today).
    const end = new Date((span.start + length) * 1000);
    const text = label === 'hourly' ? `${end.getHours()}h` : end.toLocaleDateString();
    if (spans.length <= 8 || index % 4 === 3) root.append(svg('text', { x: index * slot + 2, y: height - 5 }, text));
  });
  clear(container).append(root);
}

function summary(window) {
  const out = window.outbound;
  const total = out.delivered + out.deferred + out.bounced;
  return `${total} outbound: ${out.delivered} delivered, ${out.deferred} deferred, ${out.bounced} bounced ` +
    `(bounce rate ${out.bounce_rate.toFixed(1)}%). Inbound: ${window.inbound_accepted} accepted, ${window.inbound_refused} refused.`;
}

const COUNT_HEADINGS = [
  { label: 'sent', number: true }, { label: 'delivered', number: true }, { label: 'deferred', number: true },
  { label: 'bounced', number: true }, { label: 'bounce %', number: true },
];

function counted(name) {
  return (row) => ({
    cells: [name(row), row.delivered + row.deferred + row.bounced, row.delivered, row.deferred, row.bounced, row.bounce_rate.toFixed(1)],
  });
}

export async function showIndicators() {
  const data = await get('indicators');
  document.getElementById('indicator-day').textContent = summary(data.day);
  document.getElementById('indicator-week').textContent = summary(data.week);
  chart(document.getElementById('chart-hourly'), data.hourly, 'hourly');
  chart(document.getElementById('chart-daily'), data.daily, 'daily');
  fillTable(document.getElementById('by-domain'), ['domain', ...COUNT_HEADINGS], data.by_domain, counted((row) => row.name));
  fillTable(document.getElementById('by-sender'), ['sender', ...COUNT_HEADINGS], data.by_sender, counted((row) => row.name || '<>'));
  fillTable(document.getElementById('bounce-reasons'), ['reason', { label: 'count', number: true }, 'meaning'], data.bounce_reasons,
    (row) => ({ cells: [row.reason, row.count, el('span', { class: 'reply' }, row.explanation)] }), 'No bounces.');
}
