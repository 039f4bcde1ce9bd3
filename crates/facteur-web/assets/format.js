// How addresses, dates, sizes and quoted text read on screen and in replies.

import { language } from './i18n.js';

/** `Name <address>` or the bare address, for one JMAP EmailAddress. */
export function address(entry) {
  if (!entry) return '';
  if (!entry.email) return entry.name || '';
  return entry.name ? `${entry.name} <${entry.email}>` : entry.email;
}

/** The names (or addresses) of a list, short, for a list row. */
export function shortNames(list) {
  return (list || []).map((entry) => entry.name || entry.email).join(', ');
}

export function addresses(list) {
  return (list || []).map(address).join(', ');
}

/** Today: the time; this year: day and month; before: the date. */
export function shortDate(iso) {
  const date = new Date(iso);
  const now = new Date();
  const locale = language();
  if (date.toDateString() === now.toDateString()) {
    return date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  }
  if (date.getFullYear() === now.getFullYear()) {
    return date.toLocaleDateString(locale, { day: 'numeric', month: 'short' });
  }
  return date.toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function fullDate(iso) {
  return new Date(iso).toLocaleString(language(), { dateStyle: 'full', timeStyle: 'short' });
}

export function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Each line prefixed with `> `, as replies quote (RFC 3676 §4.5). */
export function quote(text) {
  return text
    .replace(/\r\n/g, '\n')
    .replace(/\s+$/, '')
    .split('\n')
    .map((line) => (line.startsWith('>') ? `>${line}` : `> ${line}`))
    .join('\n');
}

/** A subject with one `Re: ` or `Fwd: ` in front, not one more each round. */
export function prefixed(prefix, subject) {
  const bare = (subject || '').replace(/^\s*((re|fwd?|tr|aw)\s*:\s*)+/i, '');
  return `${prefix} ${bare}`;
}

/** JMAP EmailAddress objects from what a person typed: `Name <a@b>, c@d; "Last, First" <e@f>`. */
export function parseAddresses(text) {
  const result = [];
  for (const part of splitOutsideQuotes(text || '')) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const angle = trimmed.match(/^(.*)<([^<>]+)>\s*$/);
    if (angle) {
      const name = angle[1].trim().replace(/^"(.*)"$/, '$1');
      result.push(name ? { name, email: angle[2].trim() } : { email: angle[2].trim() });
    } else {
      result.push({ email: trimmed });
    }
  }
  return result;
}

function splitOutsideQuotes(text) {
  const parts = [];
  let current = '';
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    if ((c === ',' || c === ';') && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** Whether a typed address looks like one (the server has the final word). */
export function looksLikeAddress(entry) {
  return /^[^\s@]+@[^\s@]+$/.test(entry.email);
}
