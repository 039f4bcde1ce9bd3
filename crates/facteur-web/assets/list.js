// The message list: one row per thread, newest first (Email/query with collapseThreads, RFC 8621 §4.4),
// fetched 50 at a time with the emails and their threads in the same request through back-references,
// so a mailbox of 10,000 messages costs what its first page costs.

import { byId, clear, el, show } from './dom.js';
import { shortDate, shortNames } from './format.js';
import { t } from './i18n.js';
import { displayName } from './mailboxes.js';
import { ref } from './jmap.js';
import { emit, state } from './state.js';

export const PAGE = 50;

const LIST_PROPERTIES = [
  'threadId', 'mailboxIds', 'keywords', 'from', 'to', 'subject', 'receivedAt', 'preview', 'hasAttachment', 'size',
];

const SORT = [{ property: 'receivedAt', isAscending: false }];

/** Shows a mailbox's list from its first page. */
export async function showMailbox(mailboxId) {
  state.currentMailboxId = mailboxId;
  state.search = '';
  const mailbox = state.mailboxes.get(mailboxId);
  byId('list-title').textContent = mailbox ? displayName(mailbox) : '';
  await showFilter({ inMailbox: mailboxId });
}

/** Shows the result of a search (any filter) from its first page. */
export async function showSearch(text, filter) {
  state.currentMailboxId = null;
  state.search = text;
  byId('list-title').textContent = t('list.results');
  await showFilter(filter);
}

async function showFilter(filter) {
  state.list = { emails: [], threadSizes: new Map(), total: 0, selected: -1, filter };
  clear(byId('message-list'));
  byId('list-count').textContent = t('list.loading');
  await loadPage(0, PAGE);
}

/** One request: the query's ids at `position`, their emails, and their threads (for the counts). */
async function fetchPage(filter, position, limit) {
  const results = await state.jmap.call([
    ['Email/query', { filter, sort: SORT, collapseThreads: true, position, limit, calculateTotal: true }, 'q'],
    ['Email/get', { '#ids': ref('q', 'Email/query', '/ids'), properties: LIST_PROPERTIES }, 'e'],
    ['Thread/get', { '#ids': ref('e', 'Email/get', '/list/*/threadId') }, 't'],
  ]);
  const byId = new Map(results.e.list.map((email) => [email.id, email]));
  return {
    emails: results.q.ids.map((id) => byId.get(id)).filter(Boolean),
    total: results.q.total ?? results.q.ids.length,
    threads: results.t.list,
  };
}

async function loadPage(position, limit) {
  const filter = state.list.filter;
  const page = await fetchPage(filter, position, limit);
  if (state.list.filter !== filter) return; // another mailbox was opened meanwhile
  state.list.emails.splice(position, page.emails.length, ...page.emails);
  state.list.total = page.total;
  for (const thread of page.threads) state.list.threadSizes.set(thread.id, thread.emailIds.length);
  renderList();
}

/** The next page, for the "More" button and for scrolling to the end. */
let loadingMore = false;

export async function loadMore() {
  if (loadingMore || state.list.emails.length >= state.list.total) return;
  loadingMore = true;
  try {
    await loadPage(state.list.emails.length, PAGE);
  } finally {
    loadingMore = false;
  }
}

/** Reads again what is shown (after a push or an action), keeping the selection on the same email. */
export async function refreshList() {
  if (!state.list.filter) return;
  const selectedId = state.list.emails[state.list.selected]?.id;
  const shown = Math.min(Math.max(state.list.emails.length, PAGE), 500);
  const filter = state.list.filter;
  const page = await fetchPage(filter, 0, shown);
  if (state.list.filter !== filter) return;
  state.list.emails = page.emails;
  state.list.total = page.total;
  for (const thread of page.threads) state.list.threadSizes.set(thread.id, thread.emailIds.length);
  const again = state.list.emails.findIndex((email) => email.id === selectedId);
  state.list.selected = again !== -1 ? again : Math.min(state.list.selected, state.list.emails.length - 1);
  renderList();
}

export function renderList() {
  const list = clear(byId('message-list'));
  state.list.emails.forEach((email, index) => list.append(row(email, index)));
  byId('list-count').textContent = t('list.count', { shown: state.list.emails.length, total: state.list.total });
  show(byId('list-empty'), state.list.emails.length === 0);
  show(byId('load-more'), state.list.emails.length < state.list.total);
  // The first list on screen: what bench/webmail_inbox.sh reads with the Performance API.
  if (performance.getEntriesByName('list-shown').length === 0) performance.mark('list-shown');
}

function row(email, index) {
  const unread = !email.keywords?.$seen;
  const flagged = Boolean(email.keywords?.$flagged);
  const inSent = state.currentMailboxId && state.mailboxes.get(state.currentMailboxId)?.role === 'sent';
  const count = state.list.threadSizes.get(email.threadId) || 1;
  const classes = [unread ? 'unread' : '', flagged ? 'is-flagged' : '', index === state.list.selected ? 'selected' : ''];
  return el(
    'li',
    {
      class: classes.join(' ').trim(),
      role: 'option',
      'aria-selected': index === state.list.selected ? 'true' : 'false',
      dataset: { testid: 'message-row', emailId: email.id, threadId: email.threadId, unread: String(unread), flagged: String(flagged) },
      onclick: () => {
        select(index);
        emit('open-email', email);
      },
    },
    el(
      'span',
      { class: 'from' },
      inSent ? shortNames(email.to) : shortNames(email.from),
      count > 1 ? el('span', { class: 'count' }, `(${count})`) : null,
    ),
    el(
      'span',
      { class: 'marks' },
      flagged ? el('span', { class: 'flagged', title: t('list.flagged'), dataset: { testid: 'flagged-mark' } }, '★ ') : null,
      email.hasAttachment ? el('span', { title: t('list.attachment'), dataset: { testid: 'attachment-mark' } }, '⧉ ') : null,
      el('span', { class: 'date' }, shortDate(email.receivedAt)),
    ),
    el('span', { class: 'subject', dataset: { testid: 'message-subject' } }, email.subject || t('list.noSubject')),
    el('span', { class: 'preview' }, email.preview || ''),
  );
}

/** Selects a row (keyboard or click) and keeps it in view. */
export function select(index) {
  if (index < 0 || index >= state.list.emails.length) return;
  state.list.selected = index;
  const rows = byId('message-list').children;
  for (let i = 0; i < rows.length; i += 1) {
    rows[i].classList.toggle('selected', i === index);
    rows[i].setAttribute('aria-selected', i === index ? 'true' : 'false');
  }
  rows[index]?.scrollIntoView({ block: 'nearest' });
  if (index >= state.list.emails.length - 5) loadMore();
}

export function selectedEmail() {
  return state.list.emails[state.list.selected] || null;
}

/** Loads the next page when the list is scrolled near its end. */
export function watchScrolling() {
  const pane = byId('list-pane');
  pane.addEventListener('scroll', () => {
    if (pane.scrollTop + pane.clientHeight > pane.scrollHeight - 400) loadMore();
  });
  byId('load-more').addEventListener('click', () => loadMore());
}
