// The login form and the session behind it: POST /webmail/login exchanges the password for an HttpOnly
// cookie (the page never sees it) and a CSRF token (which it sends back on every POST); GET
// /webmail/session finds the session again after a reload; POST /webmail/logout ends it on the server.

import { byId, show } from './dom.js';
import { t } from './i18n.js';

async function postJson(url, body, csrf) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (csrf) headers['x-facteur-csrf'] = csrf;
  return fetch(url, { method: 'POST', credentials: 'same-origin', headers, body: JSON.stringify(body ?? {}) });
}

/** The session of this browser's cookie, or null. */
export async function restoreSession() {
  const response = await fetch('/webmail/session', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  return response.ok ? response.json() : null;
}

/** Shows the form and resolves with the session once the user has logged in. */
export function askForLogin(message = '') {
  const form = byId('login-form');
  const error = byId('login-error');
  const submit = byId('login-submit');
  error.textContent = message;
  show(byId('app'), false);
  show(byId('login'));
  byId('login-password').value = '';
  byId('login-username').focus();
  return new Promise((resolve) => {
    form.onsubmit = async (event) => {
      event.preventDefault();
      submit.disabled = true;
      submit.textContent = t('login.busy');
      error.textContent = '';
      try {
        const response = await postJson('/webmail/login', {
          username: byId('login-username').value.trim(),
          password: byId('login-password').value,
        });
        if (response.ok) {
          byId('login-password').value = '';
          show(byId('login'), false);
          form.onsubmit = null;
          resolve(await response.json());
          return;
        }
        error.textContent = response.status === 401 ? t('login.wrong') : response.status === 503 ? t('login.unavailable') : t('login.failed');
      } catch {
        error.textContent = t('login.failed');
      } finally {
        submit.disabled = false;
        submit.textContent = t('login.submit');
      }
    };
  });
}

/** Ends the session on the server, then starts the page afresh. */
export async function logout(session) {
  try {
    await postJson('/webmail/logout', {}, session.csrf);
  } finally {
    location.reload();
  }
}
