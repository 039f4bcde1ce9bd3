// The JMAP client (RFC 8620 core, RFC 8621 mail): the session resource, method calls batched in one
// request with back-references between them, blob upload and download URLs, and the push channel.
//
// Authentication is the webmail's session cookie, which the browser sends by itself; every POST also
// carries the session's CSRF token, which only this page can know.

export const CAPABILITIES = [
  'urn:ietf:params:jmap:core',
  'urn:ietf:params:jmap:mail',
  'urn:ietf:params:jmap:submission',
];

const MAIL = 'urn:ietf:params:jmap:mail';

/** A JMAP method that answered with an error (RFC 8620 §3.6.2), or a request the server refused. */
export class JmapError extends Error {
  constructor(type, description, status) {
    super(description ? `${type}: ${description}` : type);
    this.type = type;
    this.status = status;
  }
}

/** A back-reference (RFC 8620 §3.7): the value at `path` in the result of the call `resultOf`. */
export function ref(resultOf, name, path) {
  return { resultOf, name, path };
}

/** RFC 6570 level-1 expansion of the session's URL templates (RFC 8620 §2: downloadUrl, uploadUrl, …). */
export function expand(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    name in values ? encodeURIComponent(values[name]) : whole,
  );
}

export class Jmap {
  constructor(csrf, onUnauthorized) {
    this.csrf = csrf;
    this.onUnauthorized = onUnauthorized;
    this.session = null;
    this.accountId = null;
  }

  /** Reads the session resource (RFC 8620 §2) and picks the mail account. */
  async connect() {
    const response = await fetch('/.well-known/jmap', { credentials: 'same-origin', headers: { accept: 'application/json' } });
    this.check(response);
    this.session = await response.json();
    this.accountId = this.session.primaryAccounts?.[MAIL];
    if (!this.accountId) throw new JmapError('noMailAccount', 'the JMAP session lists no mail account');
    return this.session;
  }

  check(response) {
    if (response.status === 401 && this.onUnauthorized) this.onUnauthorized();
    if (!response.ok) throw new JmapError('http', `${response.status} ${response.statusText}`, response.status);
  }

  /** Sends method calls (`[name, arguments, callId]`, `accountId` filled in) in one request and returns
   * the responses by call id. A method error rejects with a JmapError, unless `allowErrors`. */
  async call(calls, { allowErrors = false } = {}) {
    const methodCalls = calls.map(([name, args, id]) => [name, { accountId: this.accountId, ...args }, id]);
    const response = await fetch(this.url(this.session.apiUrl), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-facteur-csrf': this.csrf },
      body: JSON.stringify({ using: CAPABILITIES, methodCalls }),
    });
    this.check(response);
    const body = await response.json();
    const results = {};
    for (const [name, args, id] of body.methodResponses || []) {
      if (name === 'error' && !allowErrors) throw new JmapError(args.type, args.description);
      // A call may answer twice under its id (EmailSubmission/set's implicit Email/set, RFC 8621 §7.5):
      // the call's own response stays under the id, the others go under `id/name`.
      if (id in results) results[`${id}/${name}`] = args;
      else results[id] = args;
    }
    return results;
  }

  /** One method, its result. */
  async one(name, args) {
    const results = await this.call([[name, args, '0']]);
    return results['0'];
  }

  /** Uploads a file (RFC 8620 §6.1); resolves to `{blobId, type, size}`. */
  async upload(file) {
    const url = this.url(expand(this.session.uploadUrl, { accountId: this.accountId }));
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': file.type || 'application/octet-stream', 'x-facteur-csrf': this.csrf },
      body: file,
    });
    this.check(response);
    return response.json();
  }

  /** Where to download a blob (RFC 8620 §6.2), named and typed as the user will save it. */
  downloadUrl(blobId, name, type) {
    const values = { accountId: this.accountId, blobId, name: name || 'attachment', type: type || 'application/octet-stream' };
    return this.url(expand(this.session.downloadUrl, values));
  }

  /** The push channel (RFC 8620 §7.3): every type, kept open, a ping every 30 s so proxies keep it too. */
  eventSource() {
    const url = expand(this.session.eventSourceUrl, { types: '*', closeafter: 'no', ping: '30' });
    return new EventSource(this.url(url));
  }

  /** Session URLs may be relative (to the session resource's location). */
  url(url) {
    return new URL(url, new URL('/.well-known/jmap', location.href)).href;
  }
}
