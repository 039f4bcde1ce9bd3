// The admin page's calls to /admin/api: GET to read, POST with JSON and the session's CSRF token to change.
// A refusal comes back as { error } with the server's words, shown in the status line.

import { byId } from './dom.js';

const session = { csrf: '', ended: () => {} };

/** The session's CSRF token, and what to do when the session has ended (401). */
export function useSession(csrf, ended) {
  session.csrf = csrf;
  session.ended = ended;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function answer(response) {
  const body = await response.json().catch(() => ({}));
  if (response.ok) return body;
  if (response.status === 401) session.ended();
  throw new ApiError(response.status, body.error || `the server answered ${response.status}`);
}

export async function get(path, query = {}) {
  const url = new URL(`/admin/api/${path}`, location.origin);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return answer(await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } }));
}

export async function post(path, body) {
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'x-facteur-csrf': session.csrf };
  const options = { method: 'POST', credentials: 'same-origin', headers, body: JSON.stringify(body) };
  return answer(await fetch(`/admin/api/${path}`, options));
}

/** A line in the status area: what was done, or (error) what went wrong. */
export function say(text, error = false) {
  const status = byId('admin-status');
  status.textContent = text;
  status.classList.toggle('error', error);
}

/** Runs a change, says `done` when it worked, the server's refusal when not; true if it worked. */
export async function change(action, done) {
  try {
    await action();
    say(done);
    return true;
  } catch (error) {
    say(error.message, true);
    return false;
  }
}
