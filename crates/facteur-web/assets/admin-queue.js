// The Queue and Trace tabs: messages waiting to leave, with retry, hold, release, delete and bounce; and what
// happened to mail, from the delivery history.

import { el } from './dom.js';
import { change, get, post } from './admin-api.js';
import { button, fillTable, relative, when } from './admin-table.js';

const ACTIONS = [
  ['retry', 'Retry now', 'retried now'],
  ['hold', 'Hold', 'held'],
  ['release', 'Release', 'released'],
  ['bounce', 'Bounce', 'bounced: the sender gets a report'],
  ['delete', 'Delete', 'deleted, without a report'],
];

function recipientLine(recipient) {
  const next = recipient.status === 'pending' ? `, next attempt ${relative(recipient.nextAttempt)}` : '';
  return el('div', { dataset: { testid: 'queue-recipient', status: recipient.status, address: recipient.address } },
    `${recipient.address}: ${recipient.status}, ${recipient.attempts} attempt(s)${next}`,
    recipient.lastReply ? el('div', { class: 'reply' }, `${recipient.lastReply} (${recipient.explanation})`) : null);
}

function actions(message) {
  return el('div', { class: 'actions' }, ACTIONS.map(([action, label, done]) => button(label, `queue-${action}`, async () => {
    if ((action === 'delete' || action === 'bounce') && !confirm(`${label} queued message ${message.id}?`)) return;
    if (await change(() => post('queue/action', { id: message.id, action }), `Queued message ${message.id} ${done}.`)) {
      await showQueue();
    }
  }, action === 'delete' ? 'danger' : '')));
}

export async function showQueue() {
  const data = await get('queue');
  const total = document.getElementById('queue-total');
  total.textContent = data.total === data.messages.length ? `${data.total} message(s)` : `${data.messages.length} of ${data.total} message(s)`;
  fillTable(document.getElementById('queue'), ['id', 'from', 'subject', 'queued', 'recipients', ''], data.messages, (message) => ({
    attrs: { dataset: { testid: 'queue-row', queueId: message.id } },
    cells: [String(message.id), message.from || '<> (a delivery report)', message.subject, when(message.createdAt),
      message.recipients.map(recipientLine), actions(message)],
  }), 'The queue is empty.');
}

export function bindTrace() {
  document.getElementById('trace-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    await showTrace();
  });
}

export async function showTrace() {
  const query = {
    q: document.getElementById('trace-query').value.trim(),
    domain: document.getElementById('trace-domain').value.trim(),
    since: document.getElementById('trace-since').value,
  };
  const events = await get('trace', query);
  fillTable(document.getElementById('trace'), ['when', 'way', 'result', 'from', 'to', 'queue', 'server', 'reply'], events, (event) => ({
    attrs: { dataset: { testid: 'trace-row', fate: event.fate } },
    cells: [when(event.at), event.direction, event.fate, event.sender || '<>', event.recipient, event.queueId ?? '',
      event.remoteHost ? `${event.remoteHost} [${event.remoteIp}]${event.tls ? `, ${event.tls}${event.tlsVerified ? ' verified' : ''}` : ', no TLS'}` : '',
      el('span', { class: 'reply' }, event.reply)],
  }), 'Nothing in the delivery history matches.');
}
