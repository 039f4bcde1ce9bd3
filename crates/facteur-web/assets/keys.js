// Keyboard shortcuts, as in most mail clients. Ignored while typing in a field (but Escape leaves it).

import { byId, clear, el, show } from './dom.js';
import { t } from './i18n.js';

/** Key, description key, and the action's name in the handlers app.js gives. */
const SHORTCUTS = [
  ['j', 'help.j', 'next'],
  ['k', 'help.k', 'previous'],
  ['o', 'help.o', 'open'],
  ['Enter', 'help.o', 'open'],
  ['u', 'help.u', 'back'],
  ['r', 'help.r', 'reply'],
  ['a', 'help.a', 'replyAll'],
  ['f', 'help.f', 'forward'],
  ['c', 'help.c', 'compose'],
  ['s', 'help.s', 'flag'],
  ['#', 'help.hash', 'delete'],
  ['!', 'help.bang', 'spam'],
  ['/', 'help.slash', 'search'],
  ['?', 'help.question', 'help'],
];

function isTyping(target) {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || target?.isContentEditable;
}

export function showHelp(visible = true) {
  const list = clear(byId('help-keys'));
  for (const [key, description] of SHORTCUTS) list.append(el('dt', {}, key), el('dd', {}, t(description)));
  show(byId('help'), visible);
  if (visible) byId('help-close').focus();
}

/** Calls `handlers[action]()` for each shortcut pressed. */
export function bindKeys(handlers) {
  byId('help-close').addEventListener('click', () => showHelp(false));
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === 'Escape') {
      if (!byId('help').hidden) showHelp(false);
      else if (isTyping(event.target)) event.target.blur();
      else handlers.back?.();
      return;
    }
    if (isTyping(event.target) || !byId('login').hidden) return;
    const shortcut = SHORTCUTS.find(([key]) => key === event.key);
    if (!shortcut) return;
    // Enter on a button or a link is that control's own.
    if (event.key === 'Enter' && event.target.closest?.('button, a, iframe')) return;
    event.preventDefault();
    if (shortcut[2] === 'help') showHelp(byId('help').hidden);
    else handlers[shortcut[2]]?.();
  });
}
