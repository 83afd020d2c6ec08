// The compose dialog: new message, reply, reply all, forward; file attachments
// as base64; POST /send with an Idempotency-Key that is reused only when the
// very same message is sent again (a retry after a failure). The message being
// written is kept as a draft in localStorage (per signed-in address) until it is
// sent or discarded, so a closed tab or dialog loses nothing; sign-out clears it.
import * as api from './api.js';
import { t } from './i18n.js';
import { attachmentName, htmlToText } from './reader.js';
import {
  $, el, blobToBase64, displayName, formatAddress, formatFullDate, formatAddressList, formatSize,
  splitAddresses, uuid,
} from './util.js';

const DRAFT_PREFIX = 'postillon.draft:';
const draft = {
  attachments: [],   // {filename, contentType, content (base64), size, origin (partId of the original, if any)}
  original: null,    // the message replied to or forwarded (for its attachments)
  chosen: new Set(), // partIds of the original's attachments the user wants attached
  inReplyTo: null,
  references: [],
  pending: 0,        // attachments still being read or fetched
};
let lastSend = { json: null, key: null };
let sending = false;
let generation = 0;  // bumps whenever the dialog is opened afresh
let selfAddress = () => '';

export function initCompose({ getSelfAddress }) {
  selfAddress = getSelfAddress;
  const dialog = $('compose-dialog');
  $('compose-form').addEventListener('submit', (event) => {
    event.preventDefault();
    send();
  });
  for (const button of dialog.querySelectorAll('[data-close]')) {
    button.addEventListener('click', () => dialog.close());
  }
  $('compose-discard').addEventListener('click', () => removeDraft());
  $('compose-form').addEventListener('input', (event) => {
    if (event.target.type !== 'checkbox' && event.target.type !== 'file') saveDraft();
  });
  $('compose-original-list').addEventListener('change', (event) => {
    const box = event.target.closest('input[data-part-id]');
    if (box) toggleOriginal(box.dataset.partId, box.checked);
  });
  dialog.addEventListener('cancel', (event) => { if (sending) event.preventDefault(); });
  // Enter in a one-line field must not send; Ctrl/Cmd+Enter sends from anywhere.
  $('compose-form').addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    if (event.ctrlKey || event.metaKey) {
      event.preventDefault();
      send();
    } else if (event.target.tagName === 'INPUT') {
      event.preventDefault();
    }
  });
  $('compose-files').addEventListener('change', async (event) => {
    const files = [...event.target.files];
    event.target.value = '';
    const gen = generation;
    await Promise.all(files.map((file) => addAttachment(gen, async () => ({
      filename: file.name,
      contentType: file.type || 'application/octet-stream',
      content: await blobToBase64(file),
      size: file.size,
    }))));
  });
  $('compose-attachments').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-index]');
    if (!button) return;
    const [removed] = draft.attachments.splice(Number(button.dataset.index), 1);
    if (removed?.origin) draft.chosen.delete(removed.origin);
    renderAttachments();
    renderOriginals();
  });
}

export const isComposeOpen = () => $('compose-dialog').open;

/** Opens the dialog. `mode` is 'new', 'reply', 'replyAll' or 'forward'. */
export function openCompose({ mode = 'new', message = null } = {}) {
  generation += 1;
  Object.assign(draft, { attachments: [], original: null, chosen: new Set(), inReplyTo: null, references: [], pending: 0 });
  lastSend = { json: null, key: null };
  for (const id of FIELDS) $(id).value = '';
  showForm();

  const titles = { new: 'compose.title', reply: 'compose.replyTitle', replyAll: 'compose.replyTitle', forward: 'compose.forwardTitle' };
  $('compose-title').textContent = t(titles[mode] || 'compose.title');
  $('compose-from').textContent = selfAddress() || t('list.unknownSender');
  $('compose-draft-note').hidden = true;

  if (message && (mode === 'reply' || mode === 'replyAll')) fillReply(message, mode === 'replyAll');
  if (message && mode === 'forward') fillForward(message);
  if (mode === 'new') restoreDraft();
  renderAttachments();
  renderOriginals();

  $('compose-dialog').showModal();
  const text = $('compose-text');
  if (!$('compose-to').value) $('compose-to').focus();
  else {
    text.focus();
    text.setSelectionRange(0, 0);
    text.scrollTop = 0;
  }
}

function originalText(message) {
  return message.text ?? (message.html ? htmlToText(message.html) : '');
}

function prefixed(subject, prefix, already) {
  const s = (subject || '').trim();
  return already.test(s) ? s : `${prefix} ${s}`.trim();
}

function quote(text) {
  return text.replace(/\r\n/g, '\n').split('\n')
    .map((line) => {
      if (line === '') return '>';
      return line.startsWith('>') ? `>${line}` : `> ${line}`;
    })
    .join('\n');
}

function fillReply(message, all) {
  const me = selfAddress().toLowerCase();
  const primary = (message.replyTo && message.replyTo.length ? message.replyTo : message.from) || [];
  const seen = new Set(primary.map((a) => (a.address || '').toLowerCase()));
  const more = (list) => (list || []).filter((a) => {
    const key = (a.address || '').toLowerCase();
    if (!key || key === me || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  $('compose-to').value = [...primary, ...(all ? more(message.to) : [])].map(formatAddress).join(', ');
  if (all) $('compose-cc').value = more(message.cc).map(formatAddress).join(', ');
  $('compose-subject').value = prefixed(message.subject, 'Re:', /^(re|aw|sv|antw)\s*:/i);

  const sender = (message.from || []).map((a) => displayName(a)).join(', ') || t('list.unknownSender');
  const date = formatFullDate(message.date) || '';
  const attribution = date ? t('quote.attribution', { date, sender }) : t('quote.attributionNoDate', { sender });
  $('compose-text').value = `\n\n${attribution}\n${quote(originalText(message))}\n`;

  if (message.messageId) {
    draft.inReplyTo = message.messageId;
    draft.references = [...new Set([...(message.references || []), message.messageId])];
  }
  // A reply leaves the original attachments out unless the user ticks them.
  draft.original = message;
}

function fillForward(message) {
  $('compose-subject').value = prefixed(message.subject, 'Fwd:', /^(fwd?|wg)\s*:/i);
  const lines = [
    t('forward.header'),
    `${t('reader.from')}: ${formatAddressList(message.from)}`,
    message.date ? `${t('reader.date')}: ${formatFullDate(message.date)}` : null,
    `${t('reader.subject')}: ${message.subject || ''}`,
    message.to?.length ? `${t('reader.to')}: ${formatAddressList(message.to)}` : null,
    message.cc?.length ? `${t('reader.cc')}: ${formatAddressList(message.cc)}` : null,
  ].filter((line) => line !== null);
  $('compose-text').value = `\n\n${lines.join('\n')}\n\n${originalText(message)}\n`;

  // A forward carries the original attachments unless the user unticks them.
  draft.original = message;
  for (const part of message.attachments || []) toggleOriginal(part.partId, true);
}

const FIELDS = ['compose-to', 'compose-cc', 'compose-bcc', 'compose-subject', 'compose-text'];
let originalQueue = Promise.resolve();

/** Attaches (or removes) attachment `partId` of the original message. */
function toggleOriginal(partId, wanted) {
  const message = draft.original;
  const part = (message?.attachments || []).find((a) => a.partId === partId);
  if (!part) return;
  const index = draft.attachments.findIndex((a) => a.origin === partId);
  if (!wanted) {
    draft.chosen.delete(partId);
    if (index >= 0) draft.attachments.splice(index, 1);
    renderAttachments();
    renderOriginals();
    return;
  }
  if (draft.chosen.has(partId)) return;
  draft.chosen.add(partId);
  renderOriginals();
  const gen = generation;
  // One after the other: the server serialises sessions per mailbox anyway.
  originalQueue = originalQueue.then(() => (draft.chosen.has(partId) ? addAttachment(gen, async () => {
    const blob = await api.getAttachment(message.id, part.partId);
    return {
      filename: attachmentName(part),
      contentType: part.contentType || blob.type || 'application/octet-stream',
      content: await blobToBase64(blob),
      size: blob.size,
      origin: part.partId,
    };
  }) : null)).then(() => {
    // Unticked while it was loading: drop it again.
    const late = draft.attachments.findIndex((a) => a.origin === partId && !draft.chosen.has(partId));
    if (gen === generation && late >= 0) {
      draft.attachments.splice(late, 1);
      renderAttachments();
    }
  });
}

function renderOriginals() {
  const parts = draft.original?.attachments || [];
  $('compose-original').hidden = parts.length === 0;
  $('compose-original-list').replaceChildren(...parts.map((part) => el('li', {},
    el('label', { class: 'original-choice' },
      el('input', {
        type: 'checkbox',
        checked: draft.chosen.has(part.partId),
        dataset: { partId: part.partId, testid: 'original-attachment' },
      }),
      el('span', { text: ` ${attachmentName(part)} (${formatSize(part.size)})` })))));
}

const draftKey = () => DRAFT_PREFIX + (selfAddress() || '').toLowerCase();

function saveDraft() {
  if (!$('compose-dialog').open || sending) return;
  const fields = Object.fromEntries(FIELDS.map((id) => [id, $(id).value]));
  if (!Object.values(fields).some((v) => v.trim())) {
    removeDraft();
    return;
  }
  try {
    localStorage.setItem(draftKey(), JSON.stringify({
      fields, inReplyTo: draft.inReplyTo, references: draft.references, savedAt: new Date().toISOString(),
    }));
  } catch { /* storage full or disabled: the draft is simply not kept */ }
}

function restoreDraft() {
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(draftKey()) || 'null'); } catch { saved = null; }
  if (!saved || typeof saved.fields !== 'object') return;
  for (const id of FIELDS) $(id).value = typeof saved.fields[id] === 'string' ? saved.fields[id] : '';
  if (typeof saved.inReplyTo === 'string') draft.inReplyTo = saved.inReplyTo;
  if (Array.isArray(saved.references)) draft.references = saved.references.filter((r) => typeof r === 'string');
  $('compose-draft-note').hidden = false;
}

function removeDraft() {
  try { localStorage.removeItem(draftKey()); } catch { /* nothing kept */ }
}

/** Forgets every kept draft (on sign-out: the next person at this browser must not see it). */
export function clearDrafts() {
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith(DRAFT_PREFIX)) localStorage.removeItem(key);
  } catch { /* nothing kept */ }
}

// The server's rule (README, invalid_address): an ASCII dot-atom local part, "@", a domain of two
// or more labels (IDN labels allowed). Checked here only to explain a mistake before sending.
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]*[\\p{L}\\p{N}])?';
const ADDR_SPEC = new RegExp(`^${ATEXT}(?:\\.${ATEXT})*@${LABEL}(?:\\.${LABEL})+$`, 'u');

/** The address part of "Name <a@b>" or "a@b", or null when it is not a valid address. */
export function addressOf(entry) {
  const angle = entry.match(/<([^<>]*)>\s*$/);
  const spec = (angle ? angle[1] : entry).trim();
  return ADDR_SPEC.test(spec) && spec.length <= 254 ? spec : null;
}

async function addAttachment(gen, load) {
  draft.pending += 1;
  renderAttachments();
  try {
    const attachment = await load();
    if (gen === generation) draft.attachments.push(attachment);
  } catch (err) {
    if (gen === generation) showComposeError(err);
  } finally {
    if (gen === generation) {
      draft.pending -= 1;
      renderAttachments();
    }
  }
}

function renderAttachments() {
  $('compose-attachments').replaceChildren(...draft.attachments.map((a, index) => el('li', { class: 'chip' },
    el('span', { class: 'attachment-name', text: a.filename }),
    el('span', { class: 'attachment-meta', text: formatSize(a.size) }),
    el('button', {
      type: 'button',
      class: 'icon-button small',
      text: '✕',
      dataset: { index: String(index) },
      attrs: { 'aria-label': t('compose.remove', { name: a.filename }), title: t('compose.remove', { name: a.filename }) },
    }))));
  if (draft.pending > 0) $('compose-attachments').append(el('li', { class: 'chip muted', text: t('busy') }));
  $('compose-send').disabled = sending || draft.pending > 0;
}

function showForm() {
  $('compose-fields').hidden = false;
  $('send-result').hidden = true;
  $('send-result').replaceChildren();
  $('compose-error').hidden = true;
  $('compose-send').hidden = false;
  $('compose-discard').hidden = false;
  $('send-result-close').hidden = true;
}

function showComposeError(err) {
  const box = $('compose-error');
  if (err?.unauthorized) return;
  if (typeof err === 'string') box.textContent = err;
  else if (err?.code === 'invalid_address') box.textContent = t('compose.badAddressServer', { detail: err.detail || '' });
  else if (err?.network) box.textContent = `${t('error.network')}: ${t('error.networkDetail')}`;
  else {
    const parts = [err?.title || t('error.generic'), err?.detail].filter(Boolean);
    if (err?.requestId) parts.push(t('error.requestId', { id: err.requestId }));
    box.textContent = parts.join(' — ');
  }
  box.hidden = false;
}

async function send() {
  if (sending || draft.pending > 0) return;
  $('compose-error').hidden = true;
  const to = splitAddresses($('compose-to').value);
  const cc = splitAddresses($('compose-cc').value);
  const bcc = splitAddresses($('compose-bcc').value);
  if (!to.length && !cc.length && !bcc.length) {
    showComposeError(t('compose.noRecipients'));
    $('compose-to').focus();
    return;
  }
  for (const [id, list] of [['compose-to', to], ['compose-cc', cc], ['compose-bcc', bcc]]) {
    const bad = list.find((entry) => !addressOf(entry));
    $(id).toggleAttribute('aria-invalid', Boolean(bad));
    if (bad) {
      showComposeError(t('compose.badAddress', { address: bad }));
      $(id).focus();
      return;
    }
  }
  const payload = { to, subject: $('compose-subject').value, text: $('compose-text').value };
  if (cc.length) payload.cc = cc;
  if (bcc.length) payload.bcc = bcc;
  if (draft.attachments.length) {
    payload.attachments = draft.attachments.map(({ filename, contentType, content }) => ({ filename, contentType, content }));
  }
  if (draft.inReplyTo) payload.inReplyTo = draft.inReplyTo;
  if (draft.references.length) payload.references = draft.references;

  // Same message again (e.g. after a network error): same key, so the server
  // replays instead of sending twice. Anything changed: a new key.
  const json = JSON.stringify(payload);
  if (json !== lastSend.json) lastSend = { json, key: uuid() };

  sending = true;
  const gen = generation;
  const button = $('compose-send');
  button.disabled = true;
  button.textContent = t('compose.sending');
  try {
    const result = await api.sendMessage(payload, lastSend.key);
    if (gen === generation) {
      removeDraft();
      showResult(result);
    }
  } catch (err) {
    if (gen === generation) showComposeError(err);
  } finally {
    sending = false;
    button.textContent = t('compose.send');
    button.disabled = draft.pending > 0;
  }
}

function showResult(result) {
  const accepted = result.accepted || [];
  const rejected = result.rejected || [];
  const box = $('send-result');
  box.replaceChildren(...[
    el('h3', { text: rejected.length ? t('send.partial') : t('send.title') }),
    result.messageId ? el('p', { class: 'muted', text: t('send.messageId', { id: result.messageId }) }) : null,
    accepted.length ? el('h4', { text: t('send.accepted') }) : null,
    accepted.length ? el('ul', { class: 'accepted', dataset: { testid: 'send-accepted' } },
      ...accepted.map((address) => el('li', { text: address }))) : null,
    rejected.length ? el('h4', { text: t('send.rejected') }) : null,
    rejected.length ? el('ul', { class: 'rejected', dataset: { testid: 'send-rejected' } },
      ...rejected.map((r) => el('li', { text: `${r.address} — ${[r.code, r.message].filter(Boolean).join(' ')}` }))) : null,
  ].filter(Boolean));
  $('compose-fields').hidden = true;
  box.hidden = false;
  $('compose-send').hidden = true;
  $('compose-discard').hidden = true;
  $('send-result-close').hidden = false;
  $('send-result-close').focus();
}
