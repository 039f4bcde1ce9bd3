// What the app knows right now, in one place, and the events its parts tell each other through. Modules
// read `state` and call each other's exported functions; events are for changes several parts react to.

export const state = {
  /** `{username, csrf, accountId}` from /webmail/login or /webmail/session. */
  session: null,
  /** The JMAP client (jmap.js). */
  jmap: null,
  /** Mailboxes by id, as Mailbox/get returns them. */
  mailboxes: new Map(),
  /** The mailbox whose list is shown, or null while a search is shown. */
  currentMailboxId: null,
  /** The search text shown, or '' for a mailbox. */
  search: '',
  /** The list shown: emails (one per thread), how many the query has in all, which row is selected. */
  list: { emails: [], threadSizes: new Map(), total: 0, selected: -1, filter: null },
  /** The thread open in the reader: its emails, oldest first. */
  reader: { threadId: null, emails: [] },
  /** Identities (Identity/get) the user may send as. */
  identities: [],
};

const bus = new EventTarget();

/** Tells whoever listens that `name` happened. */
export function emit(name, detail) {
  bus.dispatchEvent(new CustomEvent(name, { detail }));
}

export function on(name, listener) {
  bus.addEventListener(name, (event) => listener(event.detail));
}

/** The mailbox with this role (RFC 8621 §2: "inbox", "drafts", "sent", "trash", "junk", "archive"). */
export function mailboxByRole(role) {
  for (const mailbox of state.mailboxes.values()) {
    if (mailbox.role === role) return mailbox;
  }
  return null;
}

/** A short message at the bottom of the screen. */
export function notify(text, isError = false) {
  emit('notify', { text, isError });
}
