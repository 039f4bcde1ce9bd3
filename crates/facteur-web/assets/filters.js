// The Filters page: rules that file incoming mail into folders ("when From contains shop.example, move to
// Shopping, mark as read"; the first that matches decides) and the out-of-office reply. GET and PUT
// /webmail/filters: the server keeps both as one generated Sieve script, the one JMAP's VacationResponse and
// ManageSieve clients see, so a reply set here is the reply set anywhere.
//
// Dates travel as RFC 3339 in UTC; the page shows and reads them as datetime-local values in the browser's
// time zone. A date left as it was loaded goes back exactly as it came (seconds included), so saving rules
// does not move a reply's dates another client set.

import { byId, clear, el, show } from './dom.js';
import { t } from './i18n.js';
import { displayName, rank } from './mailboxes.js';
import { emit, notify, state } from './state.js';

const FIELDS = ['from', 'to', 'subject'];
/** The folder menu's "New folder…" entry: no folder is named '' (the server refuses an empty folder). */
const NEW_FOLDER = '';

/** What the page edits: the rules (edited in place by their rows), the reply as loaded, the folders. */
let editing = null;

async function request(method, body) {
  const headers = { accept: 'application/json' };
  const options = { method, credentials: 'same-origin', headers };
  if (body) {
    headers['content-type'] = 'application/json';
    headers['x-facteur-csrf'] = state.session.csrf;
    options.body = JSON.stringify(body);
  }
  const response = await fetch('/webmail/filters', options);
  const answer = await response.json().catch(() => ({}));
  if (response.status === 401) state.jmap?.onUnauthorized?.();
  if (!response.ok) throw new Error(answer.error || `${response.status} ${response.statusText}`);
  return answer;
}

function status(text, isError = false) {
  const node = byId('filters-status');
  node.textContent = text;
  node.classList.toggle('error', isError);
}

/** Opens the page with the settings as the server has them now. */
export async function openFilters() {
  emit('view', 'filters');
  editing = null;
  clear(byId('filters-rules'));
  // Nothing to edit until the settings are here (data-state says where the page is, for tests too).
  const page = byId('filters');
  page.dataset.state = 'loading';
  byId('filters-form').inert = true;
  status(t('filters.loading'));
  byId('filters-title').focus();
  try {
    render(await request('GET'));
    status('');
    page.dataset.state = 'ready';
  } catch (error) {
    status(t('filters.loadFailed', { error: error.message }), true);
    page.dataset.state = 'failed';
  } finally {
    // Cancel must work either way; Save and "Add a rule" do nothing without settings (`editing`).
    byId('filters-form').inert = false;
  }
}

function closeFilters() {
  editing = null;
  emit('view', 'list');
}

function render(stored) {
  const reply = stored.filters.outOfOffice;
  editing = {
    rules: stored.filters.rules.map((rule) => ({ ...rule })),
    reply,
    keepHtml: Boolean(reply.htmlBody),
    folders: [...stored.folders].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name)),
  };
  show(byId('filters-edited'), stored.editedByHand);
  const other = byId('filters-other-active');
  other.textContent = stored.otherActive ? t('filters.otherActive', { name: stored.otherActive }) : '';
  show(other, Boolean(stored.otherActive));
  const doesSomething = stored.filters.rules.length > 0 || reply.enabled;
  show(byId('filters-inactive'), !stored.active && !stored.otherActive && doesSomething);
  byId('vacation-enabled').checked = reply.enabled;
  byId('vacation-from').value = toLocalInput(reply.fromDate);
  byId('vacation-to').value = toLocalInput(reply.toDate);
  byId('vacation-subject').value = reply.subject || '';
  byId('vacation-text').value = reply.textBody || '';
  show(byId('vacation-html'), editing.keepHtml);
  renderRules();
}

/** The rules' rows; `focus` is `[index, control]` to give the focus back after a move or a removal. */
function renderRules(focus = null) {
  const list = clear(byId('filters-rules'));
  editing.rules.forEach((rule, index) => list.append(ruleRow(rule, index)));
  show(byId('filters-no-rules'), editing.rules.length === 0);
  if (!focus) return;
  const [index, control] = focus;
  const row = list.children[Math.min(index, list.children.length - 1)];
  // A rule moved to the top or the bottom has that button disabled: the focus goes to the other one.
  const other = { up: 'down', down: 'up' }[control];
  const wanted = [control, other].filter(Boolean).map((name) => row?.querySelector(`[data-testid="filter-${name}"]:not(:disabled)`));
  (wanted.find(Boolean) || row?.querySelector('select') || byId('filters-add-rule')).focus();
}

function ruleRow(rule, index) {
  const n = index + 1;
  const id = (name) => `filter-${index}-${name}`;
  const field = el(
    'select',
    { id: id('field'), dataset: { testid: 'filter-field' }, onchange: (event) => { rule.field = event.target.value; } },
    FIELDS.map((name) => el('option', { value: name, selected: rule.field === name }, t(`filters.field.${name}`))),
  );
  const contains = el('input', {
    id: id('contains'),
    type: 'text',
    value: rule.contains,
    autocomplete: 'off',
    dataset: { testid: 'filter-contains' },
    oninput: (event) => { rule.contains = event.target.value; },
  });
  const known = editing.folders.some((folder) => folder.name === rule.folder);
  const newFolder = el('input', {
    id: id('new-folder'),
    type: 'text',
    value: known ? '' : rule.folder,
    autocomplete: 'off',
    placeholder: t('filters.newFolderName'),
    dataset: { testid: 'filter-new-folder' },
    oninput: (event) => { rule.folder = event.target.value; },
  });
  newFolder.hidden = known;
  const folder = el(
    'select',
    {
      id: id('folder'),
      dataset: { testid: 'filter-folder' },
      onchange: (event) => {
        const isNew = event.target.value === NEW_FOLDER;
        rule.folder = isNew ? newFolder.value : event.target.value;
        show(newFolder, isNew);
        if (isNew) newFolder.focus();
      },
    },
    editing.folders.map((entry) => el('option', { value: entry.name, selected: entry.name === rule.folder }, displayName(entry))),
    el('option', { value: NEW_FOLDER, selected: !known }, t('filters.newFolder')),
  );
  const markRead = el('input', {
    id: id('mark-read'),
    type: 'checkbox',
    checked: rule.markRead,
    dataset: { testid: 'filter-mark-read' },
    onchange: (event) => { rule.markRead = event.target.checked; },
  });
  const moveTo = (to, control) => () => {
    editing.rules.splice(index, 1);
    editing.rules.splice(to, 0, rule);
    renderRules([to, control]);
  };
  const button = (testid, text, label, onclick, disabled = false) =>
    el('button', { type: 'button', dataset: { testid }, title: label, 'aria-label': label, onclick, disabled }, text);
  return el(
    'li',
    { class: 'rule', dataset: { testid: 'filter-rule' }, 'aria-label': t('filters.rule', { n }) },
    el('label', { for: id('field') }, t('filters.when')),
    field,
    el('label', { for: id('contains') }, t('filters.contains')),
    contains,
    el('label', { for: id('folder') }, t('filters.moveTo')),
    folder,
    el('label', { for: id('new-folder'), class: 'sr-only' }, t('filters.newFolderName')),
    newFolder,
    el('span', { class: 'check' }, markRead, el('label', { for: id('mark-read') }, t('filters.markRead'))),
    el(
      'span',
      { class: 'rule-buttons' },
      button('filter-up', '↑', t('filters.up', { n }), moveTo(index - 1, 'up'), index === 0),
      button('filter-down', '↓', t('filters.down', { n }), moveTo(index + 1, 'down'), index === editing.rules.length - 1),
      button('filter-remove', t('filters.remove'), t('filters.removeLabel', { n }), () => {
        editing.rules.splice(index, 1);
        renderRules([index, 'remove']);
      }),
    ),
  );
}

function addRule() {
  // No folder chosen for the person: the menu starts on "New folder…", empty, and saving asks for one.
  editing.rules.push({ field: 'from', contains: '', folder: '', markRead: false });
  renderRules();
  const rows = byId('filters-rules').children;
  rows[rows.length - 1].querySelector('[data-testid="filter-contains"]').focus();
}

const pad = (number) => String(number).padStart(2, '0');

/** An RFC 3339 date as a datetime-local value, in the browser's time zone ('' for none). */
export function toLocalInput(rfc3339) {
  if (!rfc3339) return '';
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A datetime-local value (the browser's time zone: a date-time without offset is local time in
 * ECMAScript) as RFC 3339 in UTC; `loaded` if the input still shows what it was loaded with. */
export function fromLocalInput(value, loaded) {
  if (!value) return null;
  if (loaded && value === toLocalInput(loaded)) return loaded;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What the page would save, and the first thing wrong with it (in the user's language), if any. */
function collect() {
  const from = byId('vacation-from');
  const to = byId('vacation-to');
  const filters = {
    rules: editing.rules.map((rule) => ({
      field: rule.field,
      contains: rule.contains.trim(),
      folder: rule.folder.trim(),
      markRead: rule.markRead,
    })),
    outOfOffice: {
      enabled: byId('vacation-enabled').checked,
      fromDate: fromLocalInput(from.value, editing.reply.fromDate),
      toDate: fromLocalInput(to.value, editing.reply.toDate),
      subject: byId('vacation-subject').value || null,
      textBody: byId('vacation-text').value || null,
      htmlBody: editing.keepHtml ? editing.reply.htmlBody : null,
    },
  };
  const rows = byId('filters-rules').children;
  for (const [index, rule] of filters.rules.entries()) {
    const n = index + 1;
    if (!rule.contains) return { filters, problem: t('filters.emptyText', { n }), at: rows[index].querySelector('[data-testid="filter-contains"]') };
    if (!rule.folder) {
      const select = rows[index].querySelector('[data-testid="filter-folder"]');
      const at = select.value === NEW_FOLDER ? rows[index].querySelector('[data-testid="filter-new-folder"]') : select;
      return { filters, problem: t('filters.emptyFolder', { n }), at };
    }
  }
  for (const input of [from, to]) if (input.validity.badInput) return { filters, problem: t('filters.badDate'), at: input };
  const reply = filters.outOfOffice;
  if (reply.fromDate && reply.toDate && Date.parse(reply.toDate) <= Date.parse(reply.fromDate)) {
    return { filters, problem: t('filters.datesReversed'), at: to };
  }
  return { filters, problem: null, at: null };
}

async function save(event) {
  event.preventDefault();
  if (!editing) return;
  for (const node of byId('filters-form').querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
  const { filters, problem, at } = collect();
  if (problem) {
    status(problem, true);
    at?.setAttribute('aria-invalid', 'true');
    at?.focus();
    return;
  }
  const button = byId('filters-save');
  button.disabled = true;
  status(t('filters.saving'));
  try {
    render(await request('PUT', filters));
    status(t('filters.saved'));
    notify(t('filters.saved'));
  } catch (error) {
    status(t('filters.failed', { error: error.message }), true);
  } finally {
    button.disabled = false;
  }
}

/** Wires the page's fixed controls (the rules' own are made with their rows). */
export function bindFilters() {
  byId('filters-form').addEventListener('submit', save);
  byId('filters-cancel').addEventListener('click', closeFilters);
  byId('filters-add-rule').addEventListener('click', () => editing && addRule());
  byId('vacation-drop-html').addEventListener('click', () => {
    if (editing) editing.keepHtml = false;
    show(byId('vacation-html'), false);
    byId('vacation-text').focus();
  });
}
