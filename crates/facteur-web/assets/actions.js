// What can be done to messages: flag, read/unread, move, delete (to Trash, or for good from Trash), spam
// (to Junk with $junk) and not spam (from Junk back to the inbox with $notjunk). All are Email/set (RFC 8621 §4.6); moves and deletes act on the whole thread's
// emails in the mailbox shown, as the list shows threads.

import { t } from './i18n.js';
import { ref } from './jmap.js';
import { displayName } from './mailboxes.js';
import { emit, mailboxByRole, notify, state } from './state.js';

/** The ids (with mailboxIds) of the thread's emails that are in the mailbox shown, or all of them during a
 * search. */
async function threadEmails(threadId) {
  const results = await state.jmap.call([
    ['Thread/get', { ids: [threadId] }, 't'],
    ['Email/get', { '#ids': ref('t', 'Thread/get', '/list/*/emailIds'), properties: ['mailboxIds', 'keywords'] }, 'e'],
  ]);
  const mailbox = state.currentMailboxId;
  return results.e.list.filter((email) => !mailbox || email.mailboxIds[mailbox]);
}

async function update(changes) {
  const result = await state.jmap.one('Email/set', { update: changes });
  const failed = Object.values(result.notUpdated || {})[0];
  if (failed) throw new Error(failed.description || failed.type);
}

/** Runs an action, reporting a failure instead of throwing, and tells the app to refresh. */
async function act(action) {
  try {
    await action();
  } catch (error) {
    notify(t('action.failed', { error: error.message }), true);
  }
  emit('changed');
}

export function toggleFlag(email) {
  return act(async () => {
    const flagged = !email.keywords?.$flagged;
    await update({ [email.id]: { 'keywords/$flagged': flagged || null } });
    email.keywords = { ...email.keywords, $flagged: flagged || undefined };
  });
}

export function toggleSeen(email) {
  return act(async () => {
    const seen = !email.keywords?.$seen;
    const emails = await threadEmails(email.threadId);
    await update(Object.fromEntries(emails.map((e) => [e.id, { 'keywords/$seen': seen || null }])));
    email.keywords = { ...email.keywords, $seen: seen || undefined };
  });
}

/** Moves the thread's emails from the mailbox shown (or from wherever they are, during a search) to
 * `targetId`; `extra` adds patches (keywords). */
async function moveThread(email, targetId, extra = {}) {
  const emails = await threadEmails(email.threadId);
  const from = state.currentMailboxId;
  const changes = {};
  for (const e of emails) {
    const patch = { [`mailboxIds/${targetId}`]: true, ...extra };
    for (const id of Object.keys(e.mailboxIds)) if ((from ? id === from : true) && id !== targetId) patch[`mailboxIds/${id}`] = null;
    changes[e.id] = patch;
  }
  await update(changes);
}

export function move(email, targetId) {
  return act(async () => {
    await moveThread(email, targetId);
    notify(t('action.moved', { mailbox: displayName(state.mailboxes.get(targetId)) }));
    emit('removed', email);
  });
}

/** To the Trash; from the Trash (or without one), for good. */
export function remove(email) {
  return act(async () => {
    const trash = mailboxByRole('trash');
    if (trash && state.currentMailboxId !== trash.id) {
      await moveThread(email, trash.id);
      notify(t('action.deleted'));
    } else {
      const emails = await threadEmails(email.threadId);
      const result = await state.jmap.one('Email/set', { destroy: emails.map((e) => e.id) });
      const failed = Object.values(result.notDestroyed || {})[0];
      if (failed) throw new Error(failed.description || failed.type);
      notify(t('action.destroyed'));
    }
    emit('removed', email);
  });
}

/** To Junk, marked $junk (and no longer $notjunk), which spam filters learn from. */
export function markSpam(email) {
  return act(async () => {
    const junk = mailboxByRole('junk');
    if (!junk) throw new Error('no Junk mailbox');
    await moveThread(email, junk.id, { 'keywords/$junk': true, 'keywords/$notjunk': null });
    notify(t('action.spam'));
    emit('removed', email);
  });
}

/** Whether the mailbox shown is Junk, where the spam action is "not spam". */
export function showingJunk() {
  const junk = mailboxByRole('junk');
  return Boolean(junk) && state.currentMailboxId === junk.id;
}

/** Back to the inbox with $notjunk: the server's classifier learns that it was wanted (a move out of Junk). */
export function markNotSpam(email) {
  return act(async () => {
    const inbox = mailboxByRole('inbox');
    if (!inbox) throw new Error('no inbox');
    await moveThread(email, inbox.id, { 'keywords/$junk': null, 'keywords/$notjunk': true });
    notify(t('action.notSpam'));
    emit('removed', email);
  });
}

/** Spam, or not spam when Junk is shown. */
export function toggleSpam(email) {
  return showingJunk() ? markNotSpam(email) : markSpam(email);
}
