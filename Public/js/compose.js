// The compose dialog: new message, reply, reply all, forward; file attachments
// as base64; POST /send with an Idempotency-Key that is reused only when the
// very same message is sent again (a retry after a failure).
import * as api from './api.js';
import { t } from './i18n.js';
import { attachmentName, htmlToText } from './reader.js';
import {
  $, el, blobToBase64, displayName, formatAddress, formatFullDate, formatAddressList, formatSize,
  splitAddresses, uuid,
} from './util.js';

const draft = {
  attachments: [],   // {filename, contentType, content (base64), size}
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
    draft.attachments.splice(Number(button.dataset.index), 1);
    renderAttachments();
  });
}

export const isComposeOpen = () => $('compose-dialog').open;

/** Opens the dialog. `mode` is 'new', 'reply', 'replyAll' or 'forward'. */
export function openCompose({ mode = 'new', message = null } = {}) {
  generation += 1;
  Object.assign(draft, { attachments: [], inReplyTo: null, references: [], pending: 0 });
  lastSend = { json: null, key: null };
  for (const id of ['compose-to', 'compose-cc', 'compose-bcc', 'compose-subject', 'compose-text']) $(id).value = '';
  showForm();

  const titles = { new: 'compose.title', reply: 'compose.replyTitle', replyAll: 'compose.replyTitle', forward: 'compose.forwardTitle' };
  $('compose-title').textContent = t(titles[mode] || 'compose.title');
  $('compose-reattached').hidden = true;

  if (message && (mode === 'reply' || mode === 'replyAll')) fillReply(message, mode === 'replyAll');
  if (message && mode === 'forward') fillForward(message);
  renderAttachments();

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

  const parts = message.attachments || [];
  if (!parts.length) return;
  $('compose-reattached').hidden = false;
  const gen = generation;
  // One after the other: the server serialises sessions per mailbox anyway.
  (async () => {
    for (const part of parts) {
      await addAttachment(gen, async () => {
        const blob = await api.getAttachment(message.id, part.partId);
        return {
          filename: attachmentName(part),
          contentType: part.contentType || blob.type || 'application/octet-stream',
          content: await blobToBase64(blob),
          size: blob.size,
        };
      });
    }
  })();
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
    if (gen === generation) showResult(result);
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
