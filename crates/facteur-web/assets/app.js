// The webmail's start and its wiring: log in (or find the session again), connect to JMAP, show the Inbox,
// listen for pushes, and route the clicks, keys and events between the parts.

import { bindComposer, closeComposer, isComposing, openComposer } from './compose.js';
import { byId, show } from './dom.js';
import { bindFilters, openFilters } from './filters.js';
import { t, translate } from './i18n.js';
import { Jmap } from './jmap.js';
import { bindKeys, showHelp } from './keys.js';
import { move, remove, toggleFlag, toggleSeen, toggleSpam } from './actions.js';
import { loadMailboxes, renderMailboxes } from './mailboxes.js';
import { refreshList, select, selectedEmail, showMailbox, showSearch, watchScrolling } from './list.js';
import { askForLogin, logout, restoreSession } from './login.js';
import { startPush, stopPush } from './push.js';
import { closeReader, currentEmail, openThread, updateToolbar } from './reader.js';
import { searchFilter } from './search.js';
import { mailboxByRole, notify, on, state } from './state.js';

/** Which pane a phone shows (the CSS reads body[data-view]); on a wide screen, reader, composer or filters. */
function setView(view) {
  document.body.dataset.view = view;
  show(byId('reader'), view === 'reader' && state.reader.emails.length > 0);
  show(byId('composer'), view === 'compose' && isComposing());
  show(byId('filters'), view === 'filters');
  show(byId('reader-empty'), view === 'list' || view === 'folders');
}

function sessionEnded() {
  stopPush();
  askForLogin(t('error.session')).then(() => location.reload());
}

async function start(session) {
  state.session = session;
  state.jmap = new Jmap(session.csrf, sessionEnded);
  byId('user').textContent = session.username;
  show(byId('app'));
  setView('list');
  await state.jmap.connect();
  const [identities] = await Promise.all([state.jmap.one('Identity/get', { ids: null }), loadMailboxes()]);
  state.identities = identities.list;
  const inbox = mailboxByRole('inbox') || state.mailboxes.values().next().value;
  if (inbox) await openMailbox(inbox.id);
  startPush();
}

async function openMailbox(id) {
  closeReader();
  await showMailbox(id);
  renderMailboxes();
  setView('list');
}

/** What the reader or the list's selection points at. */
function target() {
  return document.body.dataset.view === 'reader' ? currentEmail() : selectedEmail();
}

function withTarget(action) {
  return () => {
    const email = target();
    if (email) action(email);
  };
}

/** Replies and forwards need the body: from the reader if open, else the thread is opened first. */
function composeFrom(mode) {
  return async () => {
    if (document.body.dataset.view !== 'reader') {
      const email = selectedEmail();
      if (!email) return;
      await openThread(email);
    }
    const email = currentEmail();
    if (email) openComposer(email.keywords?.$draft && mode === 'reply' ? 'draft' : mode, email);
  };
}

async function openEmail(email) {
  if (state.mailboxes.get(state.currentMailboxId)?.role === 'drafts' && email.keywords?.$draft) {
    await openThread(email);
    openComposer('draft', currentEmail());
    return;
  }
  await openThread(email);
}

function backToList() {
  if (isComposing()) closeComposer();
  closeReader();
  setView('list');
  byId('message-list').focus?.();
}

function bindControls() {
  byId('logout').addEventListener('click', () => logout(state.session));
  byId('compose-button').addEventListener('click', () => openComposer('new'));
  byId('help-button').addEventListener('click', () => showHelp(true));
  byId('filters-button').addEventListener('click', () => openFilters().catch(report));
  byId('menu-toggle').addEventListener('click', () =>
    setView(document.body.dataset.view === 'folders' ? 'list' : 'folders'),
  );
  byId('reader-back').addEventListener('click', backToList);
  byId('reply').addEventListener('click', composeFrom('reply'));
  byId('reply-all').addEventListener('click', composeFrom('replyAll'));
  byId('forward').addEventListener('click', composeFrom('forward'));
  byId('flag').addEventListener('click', withTarget(toggleFlag));
  byId('toggle-seen').addEventListener('click', withTarget(toggleSeen));
  byId('spam').addEventListener('click', withTarget(toggleSpam));
  byId('delete').addEventListener('click', withTarget(remove));
  byId('move-menu').addEventListener('change', (event) => {
    const targetId = event.target.value;
    event.target.value = '';
    const email = target();
    if (targetId && email) move(email, targetId);
  });
  byId('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = byId('search').value.trim();
    const filter = searchFilter(text);
    closeReader();
    setView('list');
    if (filter) showSearch(text, filter).then(renderMailboxes);
    else openMailbox(state.currentMailboxId || mailboxByRole('inbox')?.id);
  });
  bindComposer();
  bindFilters();
  watchScrolling();
  bindKeys({
    next: () => moveSelection(1),
    previous: () => moveSelection(-1),
    open: () => {
      const email = selectedEmail();
      if (email) openEmail(email);
    },
    back: backToList,
    reply: composeFrom('reply'),
    replyAll: composeFrom('replyAll'),
    forward: composeFrom('forward'),
    compose: () => openComposer('new'),
    flag: withTarget(toggleFlag),
    delete: withTarget(remove),
    spam: withTarget(toggleSpam),
    search: () => byId('search').focus(),
  });
}

function moveSelection(step) {
  const index = Math.max(0, state.list.selected + step);
  select(index);
  if (document.body.dataset.view === 'reader' && selectedEmail()) openEmail(selectedEmail());
}

function bindEvents() {
  on('open-mailbox', (id) => openMailbox(id).catch(report));
  on('open-email', (email) => openEmail(email).catch(report));
  on('view', setView);
  // Something changed (a push, or one of our own actions): read the counts and the list again.
  on('changed', () => {
    Promise.all([loadMailboxes(), refreshList()])
      .then(() => {
        if (state.reader.emails.length) updateToolbar();
      })
      .catch(report);
  });
  // A thread left the mailbox shown: close it if it was open.
  on('removed', (email) => {
    if (state.reader.threadId === email.threadId) backToList();
  });
  on('notify', ({ text, isError }) => toast(text, isError));
}

let toastTimer = null;

function toast(text, isError) {
  const node = byId('toast');
  node.textContent = text;
  node.classList.toggle('error', Boolean(isError));
  show(node);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => show(node, false), isError ? 6000 : 3000);
}

function report(error) {
  console.error(error);
  notify(t('action.failed', { error: error.message }), true);
}

async function main() {
  translate();
  bindControls();
  bindEvents();
  const session = (await restoreSession().catch(() => null)) || (await askForLogin());
  try {
    await start(session);
  } catch (error) {
    report(error);
  }
}

main();
