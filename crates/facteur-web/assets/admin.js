// The admin page's start: log in (the webmail's login and session), make sure the account is an
// administrator, then one tab at a time, each loaded when shown.

import { byId, show } from './dom.js';
import { translate } from './i18n.js';
import { askForLogin, logout, restoreSession } from './login.js';
import { ApiError, get, say, useSession } from './admin-api.js';
import { showIndicators } from './admin-indicators.js';
import { bindForms, showAccounts, showAliases, showDomains } from './admin-manage.js';
import { bindTrace, showQueue, showTrace } from './admin-queue.js';

const TABS = {
  indicators: showIndicators,
  queue: showQueue,
  trace: showTrace,
  accounts: showAccounts,
  aliases: showAliases,
  domains: showDomains,
};

async function openTab(name) {
  for (const tab of document.querySelectorAll('[data-tab]')) tab.setAttribute('aria-selected', String(tab.dataset.tab === name));
  for (const panel of Object.keys(TABS)) show(byId(`panel-${panel}`), panel === name);
  history.replaceState(null, '', `#${name}`);
  try {
    await TABS[name]();
  } catch (error) {
    say(error.message, true);
  }
}

function forbidden(session) {
  byId('forbidden-user').textContent = session.username;
  byId('forbidden-logout').onclick = () => logout(session);
  show(byId('forbidden'));
}

async function start() {
  translate();
  let session = await restoreSession();
  if (!session) session = await askForLogin();
  useSession(session.csrf, () => askForLogin('Your session has ended; sign in again.').then(() => location.reload()));
  try {
    await get('domains');
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return forbidden(session);
    throw error;
  }
  byId('admin-user').textContent = session.username;
  byId('admin-logout').onclick = () => logout(session);
  for (const tab of document.querySelectorAll('[data-tab]')) tab.onclick = () => openTab(tab.dataset.tab);
  bindForms();
  bindTrace();
  byId('queue-refresh').onclick = () => openTab('queue');
  show(byId('app'));
  const wanted = location.hash.slice(1);
  await openTab(wanted in TABS ? wanted : 'indicators');
}

start();
