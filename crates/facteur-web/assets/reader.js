// Reading a thread: Thread/get, then Email/get of its emails with their bodies in the same request. Plain
// text is shown as text (textContent, never markup) with its links made clickable; HTML is shown from
// /webmail/message/{id}/html, sanitised by the server, in an iframe sandboxed without scripts and
// without our origin. Opening marks the thread read.

import { byId, clear, el, linkify, show } from './dom.js';
import { addresses, fullDate, size } from './format.js';
import { t } from './i18n.js';
import { showingJunk } from './actions.js';
import { ref } from './jmap.js';
import { emit, state } from './state.js';

const PROPERTIES = [
  'threadId', 'mailboxIds', 'keywords', 'from', 'to', 'cc', 'bcc', 'replyTo', 'subject', 'sentAt', 'receivedAt',
  'messageId', 'inReplyTo', 'references', 'textBody', 'htmlBody', 'attachments', 'bodyValues', 'preview',
  // The server's spam verdict and its reasons (only ours: the server removes fields of these names that senders
  // wrote).
  'header:X-Spam-Status:asText', 'header:X-Spam-Reasons:asText',
];

/** Never `allow-scripts`, never `allow-same-origin`: the message is a document of no origin that runs
 * nothing; links may open a new window, outside the sandbox. */
const SANDBOX = 'allow-popups allow-popups-to-escape-sandbox';

/** Opens the thread of `email` (a row of the list) in the reader. */
export async function openThread(email) {
  const results = await state.jmap.call([
    ['Thread/get', { ids: [email.threadId] }, 't'],
    [
      'Email/get',
      {
        '#ids': ref('t', 'Thread/get', '/list/*/emailIds'),
        properties: PROPERTIES,
        fetchTextBodyValues: true,
        // The HTML is shown from the sanitising endpoint, never from here.
        fetchHTMLBodyValues: false,
        maxBodyValueBytes: 1024 * 1024,
      },
      'e',
    ],
  ]);
  const emails = results.e.list.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  state.reader = { threadId: email.threadId, emails, focusId: email.id };
  render();
  emit('view', 'reader');
  await markSeen(emails.filter((message) => !message.keywords?.$seen).map((message) => message.id));
}

async function markSeen(ids) {
  if (ids.length === 0) return;
  const update = Object.fromEntries(ids.map((id) => [id, { 'keywords/$seen': true }]));
  await state.jmap.one('Email/set', { update });
  for (const message of state.reader.emails) if (ids.includes(message.id)) message.keywords = { ...message.keywords, $seen: true };
  emit('changed');
}

/** The email replies and actions act on: the one opened from the list, else the newest of the thread. */
export function currentEmail() {
  const emails = state.reader.emails;
  return emails.find((email) => email.id === state.reader.focusId) || emails[emails.length - 1] || null;
}

export function render() {
  const emails = state.reader.emails;
  const current = currentEmail();
  byId('reader-subject').textContent = current?.subject || t('list.noSubject');
  const thread = clear(byId('thread'));
  for (const email of emails) thread.append(message(email, email === current || emails.length === 1));
  updateToolbar();
}

export function updateToolbar() {
  const current = currentEmail();
  if (!current) return;
  byId('flag').textContent = current.keywords?.$flagged ? t('reader.unflag') : t('reader.flag');
  byId('toggle-seen').textContent = current.keywords?.$seen ? t('reader.markUnread') : t('reader.markRead');
  byId('spam').textContent = showingJunk() ? t('reader.notSpam') : t('reader.spam');
}

/** Why the server judged the message spam: its score and each reason, as text (never markup). */
function spamVerdict(email) {
  const status = email['header:X-Spam-Status:asText'] || '';
  if (!status.trim().startsWith('Yes')) return null;
  const score = /score=(-?[0-9.]+)/.exec(status)?.[1] ?? '?';
  // "host; RULE=+5.0 (what it saw); RULE=…": the first part names the server.
  const reasons = (email['header:X-Spam-Reasons:asText'] || '').split(';').slice(1).map((reason) => reason.trim());
  return el(
    'details',
    { class: 'spam-verdict', dataset: { testid: 'spam-verdict' } },
    el('summary', {}, t('reader.judgedSpam', { score })),
    el('ul', {}, reasons.filter(Boolean).map((reason) => el('li', {}, reason))),
  );
}

function message(email, expanded) {
  const node = el(
    'article',
    { class: expanded ? 'message' : 'message collapsed', dataset: { testid: 'message', emailId: email.id } },
    el(
      'header',
      { class: 'message-head', onclick: () => node.classList.toggle('collapsed') },
      el('span', { class: 'who', dataset: { testid: 'message-from' } }, addresses(email.from)),
      el('span', { class: 'when', title: fullDate(email.receivedAt) }, fullDate(email.sentAt || email.receivedAt)),
      el(
        'span',
        { class: 'recipients' },
        `${t('reader.to')}: ${addresses(email.to)}`,
        email.cc?.length ? ` · ${t('reader.cc')}: ${addresses(email.cc)}` : '',
      ),
    ),
  );
  const verdict = spamVerdict(email);
  if (verdict) node.append(verdict);
  node.append(...body(email));
  if (email.attachments?.length) node.append(attachmentList(email));
  return node;
}

function hasHtml(email) {
  return (email.htmlBody || []).some((part) => part.type === 'text/html');
}

function body(email) {
  if (hasHtml(email)) return htmlBody(email);
  const text = (email.textBody || [])
    .map((part) => email.bodyValues?.[part.partId]?.value ?? '')
    .join('\n');
  return [el('div', { class: 'message-body' }, el('pre', { class: 'text-body', dataset: { testid: 'text-body' } }, linkify(text)))];
}

function htmlUrl(email, images) {
  return `/webmail/message/${encodeURIComponent(email.id)}/html?images=${images ? 1 : 0}`;
}

function htmlBody(email) {
  const frame = el('iframe', {
    class: 'html-body',
    sandbox: SANDBOX,
    referrerpolicy: 'no-referrer',
    title: email.subject || '',
    src: htmlUrl(email, false),
    dataset: { testid: 'html-body' },
  });
  const button = el(
    'button',
    {
      type: 'button',
      dataset: { testid: 'show-images' },
      onclick: () => {
        frame.src = htmlUrl(email, true);
        button.disabled = true;
        button.textContent = t('reader.remoteImagesShown');
      },
    },
    t('reader.remoteImages'),
  );
  return [el('div', { class: 'image-bar' }, button), el('div', { class: 'message-body' }, frame)];
}

function attachmentList(email) {
  return el(
    'ul',
    { class: 'attachments', dataset: { testid: 'attachments' }, 'aria-label': t('reader.attachments') },
    email.attachments.map((part) =>
      el(
        'li',
        {},
        el(
          'a',
          {
            href: state.jmap.downloadUrl(part.blobId, part.name, part.type),
            download: part.name || 'attachment',
            dataset: { testid: 'attachment-link', blobId: part.blobId },
          },
          part.name || 'attachment',
        ),
        el('span', { class: 'muted' }, size(part.size || 0)),
      ),
    ),
  );
}

export function closeReader() {
  state.reader = { threadId: null, emails: [] };
  clear(byId('thread'));
  show(byId('reader'), false);
}
