// The folder list: Mailbox/get, special folders first in a fixed order with their icons (by role, RFC 8621
// §2, whatever each is called), the others by sortOrder and name, children under their parent, unread
// counts.

import { byId, clear, el } from './dom.js';
import { t } from './i18n.js';
import { emit, state } from './state.js';

const ROLE_ORDER = ['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash'];
const ROLE_ICONS = { inbox: '✉', drafts: '✎', sent: '➤', archive: '▤', junk: '⚠', trash: '✕' };
const FOLDER_ICON = '▭';

const PROPERTIES = ['name', 'role', 'unreadEmails', 'totalEmails', 'parentId', 'sortOrder'];

/** Reads every mailbox of the account into `state.mailboxes`, and redraws. */
export async function loadMailboxes() {
  const result = await state.jmap.one('Mailbox/get', { ids: null, properties: PROPERTIES });
  state.mailboxes = new Map(result.list.map((mailbox) => [mailbox.id, mailbox]));
  renderMailboxes();
}

/** The name shown: ours for special folders (translated), the mailbox's own otherwise. */
export function displayName(mailbox) {
  return mailbox.role && ROLE_ORDER.includes(mailbox.role) ? t(`mailbox.${mailbox.role}`) : mailbox.name;
}

/** Where a mailbox (or anything with a `role`) goes in the order: special folders first, in ROLE_ORDER. */
export function rank(mailbox) {
  const index = ROLE_ORDER.indexOf(mailbox.role);
  return index === -1 ? ROLE_ORDER.length : index;
}

function compare(a, b) {
  return rank(a) - rank(b) || (a.sortOrder ?? 0) - (b.sortOrder ?? 0) || a.name.localeCompare(b.name);
}

/** Mailboxes in display order, each with its depth under its parents. */
export function orderedMailboxes() {
  const children = new Map();
  for (const mailbox of state.mailboxes.values()) {
    const parent = state.mailboxes.has(mailbox.parentId) ? mailbox.parentId : null;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(mailbox);
  }
  const ordered = [];
  const visit = (parent, depth) => {
    for (const mailbox of (children.get(parent) || []).sort(compare)) {
      ordered.push({ mailbox, depth });
      if (depth < 20) visit(mailbox.id, depth + 1);
    }
  };
  visit(null, 0);
  return ordered;
}

export function renderMailboxes() {
  const nav = clear(byId('mailboxes'));
  for (const { mailbox, depth } of orderedMailboxes()) {
    const unread = mailbox.unreadEmails > 0 && mailbox.role !== 'trash' && mailbox.role !== 'junk';
    const link = el(
      'a',
      {
        href: `#mailbox/${encodeURIComponent(mailbox.id)}`,
        id: `mailbox-${mailbox.id}`,
        class: mailbox.id === state.currentMailboxId ? 'current' : '',
        dataset: { testid: 'mailbox', mailboxId: mailbox.id, role: mailbox.role || '' },
        onclick: (event) => {
          event.preventDefault();
          emit('open-mailbox', mailbox.id);
        },
      },
      el('span', { class: 'icon', 'aria-hidden': 'true' }, ROLE_ICONS[mailbox.role] || FOLDER_ICON),
      el('span', { class: 'name' }, displayName(mailbox)),
      unread ? el('span', { class: 'unread', dataset: { testid: 'mailbox-unread' } }, String(mailbox.unreadEmails)) : null,
    );
    link.style.paddingLeft = `${14 + depth * 14}px`;
    nav.append(link);
  }
  renderMoveMenu();
}

/** The reader's "Move to…" menu: every mailbox but the current one. */
function renderMoveMenu() {
  const menu = clear(byId('move-menu'));
  menu.append(el('option', { value: '' }, t('reader.move')));
  for (const { mailbox, depth } of orderedMailboxes()) {
    if (mailbox.id === state.currentMailboxId) continue;
    menu.append(el('option', { value: mailbox.id, dataset: { role: mailbox.role || '' } }, `${'  '.repeat(depth)}${displayName(mailbox)}`));
  }
}
