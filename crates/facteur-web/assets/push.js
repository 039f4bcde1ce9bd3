// Push (RFC 8620 §7.3): an EventSource on the session's eventSourceUrl. Each `state` event says something
// changed in the account; we then read mailboxes and the list shown again. Bursts (a delivery to several
// mailboxes) are gathered into one refresh. The browser reconnects by itself if the connection drops.

import { emit, state } from './state.js';

const GATHER_MS = 300;

let source = null;
let timer = null;

export function startPush() {
  stopPush();
  source = state.jmap.eventSource();
  source.addEventListener('state', () => {
    clearTimeout(timer);
    timer = setTimeout(() => emit('changed', { pushed: true }), GATHER_MS);
  });
}

export function stopPush() {
  source?.close();
  source = null;
}
