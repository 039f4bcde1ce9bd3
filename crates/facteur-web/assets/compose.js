// Writing: a new message, a reply, a reply to all, a forward (its attachments kept by blob id), a draft
// opened again. Files are uploaded as they are picked (RFC 8620 §6.1) and named in the email by blob id.
//
// Saving a draft creates it in the Drafts mailbox with $draft and destroys the previous version in the same
// request (emails are immutable in JMAP). Sending creates the email and its EmailSubmission in one request;
// onSuccessUpdateEmail moves it from Drafts to Sent once the submission is accepted (RFC 8621 §7.5).

import { byId, clear, el, show } from './dom.js';
import { addresses, fullDate, looksLikeAddress, parseAddresses, prefixed, quote, size } from './format.js';
import { t } from './i18n.js';
import { emit, mailboxByRole, notify, state } from './state.js';

/** What is being written. */
let draft = null;

function emptyDraft() {
  return { id: null, inReplyTo: null, references: null, attachments: [], uploads: 0 };
}

const field = (name) => byId(`compose-${name}`);

/** Opens the composer; `mode` is 'new', 'reply', 'replyAll', 'forward' or 'draft', `email` the one it
 * starts from (with its bodyValues, as the reader has it). */
export function openComposer(mode = 'new', email = null) {
  draft = emptyDraft();
  for (const name of ['to', 'cc', 'bcc', 'subject', 'body']) field(name).value = '';
  field('attachments').value = '';
  byId('compose-status').textContent = '';
  if (email) fillFrom(mode, email);
  renderAttachments();
  byId('compose-title').textContent = field('subject').value || t('compose.new');
  show(byId('reader'), false);
  show(byId('reader-empty'), false);
  show(byId('composer'));
  emit('view', 'compose');
  (mode === 'new' || mode === 'forward' ? field('to') : field('body')).focus();
  if (mode === 'reply' || mode === 'replyAll') field('body').setSelectionRange(0, 0);
}

function me() {
  return state.session.username.toLowerCase();
}

function textOf(email) {
  return (email.textBody || []).map((part) => email.bodyValues?.[part.partId]?.value ?? '').join('\n') || email.preview || '';
}

function fillFrom(mode, email) {
  const who = addresses(email.from);
  const date = fullDate(email.sentAt || email.receivedAt);
  if (mode === 'draft') {
    draft.id = email.id;
    field('to').value = addresses(email.to);
    field('cc').value = addresses(email.cc);
    field('bcc').value = addresses(email.bcc);
    field('subject').value = email.subject || '';
    field('body').value = textOf(email);
    draft.inReplyTo = email.inReplyTo;
    draft.references = email.references;
    draft.attachments = (email.attachments || []).map(keptAttachment);
    return;
  }
  if (mode === 'forward') {
    field('subject').value = prefixed('Fwd:', email.subject);
    const header = [t('compose.forwarded'), `${t('reader.from')}: ${who}`, `${t('reader.date')}: ${date}`,
      `${t('compose.subject')}: ${email.subject || ''}`, `${t('reader.to')}: ${addresses(email.to)}`];
    field('body').value = `\n\n${header.join('\n')}\n\n${textOf(email)}`;
    draft.attachments = (email.attachments || []).map(keptAttachment);
    return;
  }
  // A reply: to Reply-To if set, else From (RFC 5322 §3.6.2); to all adds the other recipients but us.
  const replyTo = email.replyTo?.length ? email.replyTo : email.from || [];
  field('to').value = addresses(replyTo);
  if (mode === 'replyAll') {
    const already = new Set(replyTo.map((a) => a.email.toLowerCase()).concat(me()));
    const others = [...(email.to || []), ...(email.cc || [])].filter((a) => !already.has(a.email.toLowerCase()));
    field('cc').value = addresses(others);
  }
  field('subject').value = prefixed('Re:', email.subject);
  field('body').value = `\n\n${t('compose.wrote', { date, who })}\n${quote(textOf(email))}\n`;
  // RFC 5322 §3.6.4: In-Reply-To is the parent's Message-ID, References its References then its Message-ID.
  draft.inReplyTo = email.messageId || null;
  draft.references = [...(email.references || email.inReplyTo || []), ...(email.messageId || [])];
}

function keptAttachment(part) {
  return { blobId: part.blobId, type: part.type, name: part.name, size: part.size };
}

function renderAttachments() {
  const list = clear(byId('compose-attachment-list'));
  draft.attachments.forEach((attachment, index) => {
    list.append(
      el(
        'li',
        { dataset: { testid: 'compose-attachment', blobId: attachment.blobId } },
        el('span', {}, attachment.name || 'attachment'),
        el('span', { class: 'muted' }, size(attachment.size || 0)),
        el('button', {
          type: 'button',
          onclick: () => {
            draft.attachments.splice(index, 1);
            renderAttachments();
          },
        }, t('compose.remove')),
      ),
    );
  });
}

/** Uploads each picked file and adds it to the draft. */
async function uploadPicked() {
  const files = [...field('attachments').files];
  field('attachments').value = '';
  for (const file of files) {
    draft.uploads += 1;
    byId('compose-status').textContent = t('compose.uploading', { name: file.name });
    try {
      const uploaded = await state.jmap.upload(file);
      draft.attachments.push({ blobId: uploaded.blobId, type: uploaded.type || file.type || 'application/octet-stream', name: file.name, size: uploaded.size ?? file.size });
      renderAttachments();
    } catch (error) {
      notify(t('action.failed', { error: error.message }), true);
    } finally {
      draft.uploads -= 1;
      byId('compose-status').textContent = '';
    }
  }
}

function identity() {
  return state.identities.find((id) => id.email.toLowerCase() === me()) || state.identities[0] || null;
}

/** The draft as an Email/set `create` object (RFC 8621 §4.6), in `mailboxId`. */
function emailObject(mailboxId) {
  const sender = identity();
  const email = {
    mailboxIds: { [mailboxId]: true },
    keywords: { $draft: true, $seen: true },
    from: [sender ? { name: sender.name || null, email: sender.email } : { email: state.session.username }],
    to: parseAddresses(field('to').value),
    cc: parseAddresses(field('cc').value),
    bcc: parseAddresses(field('bcc').value),
    subject: field('subject').value,
    textBody: [{ partId: 'text', type: 'text/plain' }],
    bodyValues: { text: { value: field('body').value } },
    attachments: draft.attachments.map((a) => ({ blobId: a.blobId, type: a.type, name: a.name, disposition: 'attachment' })),
  };
  if (draft.inReplyTo?.length) email.inReplyTo = draft.inReplyTo;
  if (draft.references?.length) email.references = draft.references;
  for (const key of ['cc', 'bcc']) if (email[key].length === 0) delete email[key];
  return email;
}

function draftsId() {
  return (mailboxByRole('drafts') || mailboxByRole('sent') || mailboxByRole('inbox'))?.id;
}

/** Saves the draft, replacing its previous version. */
export async function saveDraft() {
  const results = await state.jmap.call([
    ['Email/set', { create: { draft: emailObject(draftsId()) }, destroy: draft.id ? [draft.id] : null }, 'd'],
  ]);
  const created = results.d.created?.draft;
  if (!created) throw new Error(describe(results.d.notCreated?.draft));
  draft.id = created.id;
  notify(t('compose.saved'));
  emit('changed');
}

function describe(error) {
  return error ? `${error.type}${error.description ? `: ${error.description}` : ''}` : 'error';
}

function checkRecipients() {
  const all = ['to', 'cc', 'bcc'].flatMap((name) => parseAddresses(field(name).value));
  if (all.length === 0) return t('compose.noRecipient');
  const bad = all.find((a) => !looksLikeAddress(a));
  return bad ? t('compose.badAddress', { address: bad.email }) : null;
}

/** Sends: the email and its submission in one request; on success it moves from Drafts to Sent. */
export async function send() {
  const problem = checkRecipients();
  if (problem) {
    byId('compose-status').textContent = problem;
    return;
  }
  const sender = identity();
  const drafts = draftsId();
  const sent = mailboxByRole('sent')?.id;
  const afterSending = { 'keywords/$draft': null };
  if (sent && sent !== drafts) Object.assign(afterSending, { [`mailboxIds/${drafts}`]: null, [`mailboxIds/${sent}`]: true });
  byId('send').disabled = true;
  try {
    const results = await state.jmap.call([
      ['Email/set', { create: { draft: emailObject(drafts) }, destroy: draft.id ? [draft.id] : null }, 'd'],
      [
        'EmailSubmission/set',
        { create: { sub: { identityId: sender?.id, emailId: '#draft' } }, onSuccessUpdateEmail: { '#sub': afterSending } },
        's',
      ],
    ]);
    if (!results.d.created?.draft) throw new Error(describe(results.d.notCreated?.draft));
    if (!results.s.created?.sub) throw new Error(describe(results.s.notCreated?.sub));
    notify(t('compose.sent'));
    closeComposer();
    emit('changed');
  } catch (error) {
    byId('compose-status').textContent = t('action.failed', { error: error.message });
  } finally {
    byId('send').disabled = false;
  }
}

export function closeComposer() {
  draft = null;
  show(byId('composer'), false);
  emit('view', state.reader.emails.length ? 'reader' : 'list');
}

export function isComposing() {
  return draft !== null;
}

/** Wires the composer's controls. */
export function bindComposer() {
  field('attachments').addEventListener('change', () => uploadPicked());
  byId('compose-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (draft.uploads > 0) return;
    send();
  });
  byId('save-draft').addEventListener('click', () =>
    saveDraft().catch((error) => notify(t('action.failed', { error: error.message }), true)),
  );
  byId('discard').addEventListener('click', () => closeComposer());
}
