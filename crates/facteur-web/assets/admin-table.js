// Tables of the admin page, built with dom.js (never from HTML text: addresses, subjects and replies come from
// the outside world).

import { clear, el } from './dom.js';

/** Fills `table` with a header row and one row per item; `row(item)` returns the cells (nodes or text) and
 * may set attributes on the row through `attrs`. `empty` is shown when there is nothing. */
export function fillTable(table, headings, items, row, empty = 'Nothing here.') {
  clear(table);
  table.append(el('tr', {}, headings.map((heading) => el('th', { class: heading.number ? 'number' : '' }, heading.label ?? heading))));
  if (items.length === 0) {
    table.append(el('tr', { dataset: { testid: 'table-empty' } }, el('td', { colspan: String(headings.length), class: 'muted' }, empty)));
    return;
  }
  for (const item of items) {
    const { cells, attrs = {} } = row(item);
    table.append(el('tr', attrs, cells.map((cell, index) => el('td', { class: headings[index]?.number ? 'number' : '' }, cell))));
  }
}

export function button(label, testid, onclick, className = '') {
  return el('button', { type: 'button', class: className, dataset: { testid }, onclick }, label);
}

/** `12 MiB`, `3.4 KiB`. */
export function size(bytes) {
  if (bytes === null || bytes === undefined) return 'unlimited';
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A Unix time as the browser's local date and time. */
export function when(seconds) {
  return new Date(seconds * 1000).toLocaleString();
}

/** `in 4m`, `3h ago`. */
export function relative(seconds, now = Date.now() / 1000) {
  const span = Math.abs(seconds - now);
  const text = span < 120 ? `${Math.round(span)}s` : span < 7200 ? `${Math.round(span / 60)}m` : span < 172800 ? `${Math.round(span / 3600)}h` : `${Math.round(span / 86400)}d`;
  return seconds >= now ? `in ${text}` : `${text} ago`;
}
