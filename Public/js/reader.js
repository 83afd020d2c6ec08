// The reading pane. Message content is never parsed into this page: text goes
// in as text nodes, HTML goes into a sandboxed iframe (no scripts, opaque
// origin) through srcdoc, behind a strict Content-Security-Policy.
import * as api from './api.js';
import { t, onLanguageChange } from './i18n.js';
import { showError } from './notify.js';
import {
  $, el, appendLinkified, blobToDataURL, formatAddressList, formatFullDate, formatSize, saveBlob,
} from './util.js';

let current = null;        // the open message (full JSON)
let loadSeq = 0;           // guards against late answers for a message no longer wanted
let view = 'text';         // 'html' or 'text'
let imagesAllowed = false;
let preparedHtml = null;   // {doctype, html} after cid: images were inlined
let callbacks = {};

const narrow = window.matchMedia('(max-width: 760px)');

export function initReader(cbs) {
  callbacks = cbs;
  $('reply-button').addEventListener('click', () => current && callbacks.onReply(current));
  $('reply-all-button').addEventListener('click', () => current && callbacks.onReplyAll(current));
  $('forward-button').addEventListener('click', () => current && callbacks.onForward(current));
  $('delete-button').addEventListener('click', () => current && callbacks.onDelete(current));
  $('reader-back').addEventListener('click', () => callbacks.onBack());
  $('view-source-button').addEventListener('click', viewSource);
  $('show-images').addEventListener('click', () => {
    imagesAllowed = true;
    renderBody();
  });
  $('toggle-format').addEventListener('click', () => {
    view = view === 'html' ? 'text' : 'html';
    renderBody();
  });
  $('attachment-list').addEventListener('click', (event) => {
    const preview = event.target.closest('.preview-button');
    if (preview) {
      showPreview(preview.dataset.partId);
      return;
    }
    const link = event.target.closest('.attachment-link');
    if (link) download(link.dataset.partId);
  });
  $('preview-close').addEventListener('click', closePreview);
  onLanguageChange(() => { if (current) renderMessage(); });
}

export const currentMessage = () => current;

/** Loads and shows message `id`; `summary` (if known) fills the header at once. */
export async function openMessage(id, summary = null) {
  const seq = ++loadSeq;
  delete $('reader').dataset.messageId;
  $('mail-view').classList.add('is-reading');
  if (summary) {
    showContent();
    $('reader-subject').textContent = summary.subject || t('list.noSubject');
  }
  let message;
  try {
    message = await api.getMessage(id);
  } catch (err) {
    if (seq === loadSeq) showError(err);
    return;
  }
  if (seq !== loadSeq) return;
  current = message;
  releaseObjectURLs();
  imagesAllowed = false;
  preparedHtml = null;
  view = message.html ? 'html' : 'text';
  if (message.html) {
    preparedHtml = await prepareHtml(message);
    if (seq !== loadSeq) return;
  }
  renderMessage();
  if (narrow.matches) $('reader-subject').focus();
}

export function closeReader() {
  loadSeq += 1;
  current = null;
  preparedHtml = null;
  releaseObjectURLs();
  delete $('reader').dataset.messageId;
  $('reader-content').hidden = true;
  $('reader-empty').hidden = false;
  showFrame(null);
  $('mail-view').classList.remove('is-reading');
}

function showContent() {
  $('reader-empty').hidden = true;
  $('reader-content').hidden = false;
}

function setRow(name, nodeId, value) {
  $(nodeId).textContent = value;
  for (const node of document.querySelectorAll(`#reader [data-row="${name}"]`)) node.hidden = !value;
}

function renderMessage() {
  const m = current;
  showContent();
  $('reader').dataset.messageId = m.id; // for tests: the full message is on screen
  $('reader-subject').textContent = m.subject || t('list.noSubject');
  $('reader-from').textContent = formatAddressList(m.from) || t('list.unknownSender');
  setRow('to', 'reader-to', formatAddressList(m.to));
  setRow('cc', 'reader-cc', formatAddressList(m.cc));
  setRow('replyTo', 'reader-reply-to', formatAddressList(m.replyTo));
  setRow('date', 'reader-date', formatFullDate(m.date));

  const warnings = m.warnings || [];
  $('reader-warnings').hidden = warnings.length === 0;
  $('reader-warning-list').replaceChildren(...warnings.map((w) => el('li', {
    text: typeof w === 'string' ? w : (w.message || w.detail || w.code || JSON.stringify(w)),
  })));

  const attachments = listedAttachments(m);
  $('reader-attachments').hidden = attachments.length === 0;
  const seq = loadSeq;
  $('attachment-list').replaceChildren(...attachments.map((a) => {
    const name = attachmentName(a);
    const kind = previewKind(a);
    const thumb = kind === 'image' ? el('img', { class: 'thumb', attrs: { alt: '', 'data-part-id': a.partId } }) : null;
    if (thumb) loadThumbnail(thumb, a, seq);
    return el('li', { class: 'attachment-item' },
      el('button', {
        type: 'button',
        class: 'attachment-link',
        dataset: { partId: a.partId, testid: 'attachment-link' },
        title: t('reader.download', { name }),
      },
      thumb,
      el('span', { class: 'attachment-name', text: name }),
      el('span', { class: 'attachment-meta', text: [a.contentType, formatSize(a.size)].filter(Boolean).join(' · ') })),
      kind ? el('button', {
        type: 'button',
        class: 'button small ghost preview-button',
        text: t('reader.preview'),
        dataset: { partId: a.partId, testid: 'preview-button' },
        attrs: { 'aria-label': t('reader.previewOf', { name }) },
      }) : null);
  }));
  closePreview();

  $('header-list').replaceChildren(...(m.headers || []).flatMap((h) => [
    el('dt', { text: h.name }), el('dd', { text: h.value }),
  ]));
  renderBody();
}

/**
 * The attachments to list: all but the parts the HTML body shows itself
 * (an inline image referenced as cid:...). Those are still in `attachments`
 * for the reader's cid: replacement and for forwarding.
 */
export function listedAttachments(m) {
  const all = m.attachments || [];
  if (!m.html) return all;
  const referenced = new Set();
  for (const match of m.html.matchAll(/cid:([^"'\s)>]+)/gi)) {
    let cid = match[1];
    try { cid = decodeURIComponent(cid); } catch { /* keep as is */ }
    referenced.add(cid.replace(/^<|>$/g, '').toLowerCase());
  }
  return all.filter((a) => !(a.contentId && referenced.has(a.contentId.replace(/^<|>$/g, '').toLowerCase())));
}

const PREVIEW_MAX_BYTES = 5 * 1024 * 1024;
const THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024;
let objectURLs = [];

/** 'image', 'text' or null: what can be previewed here without running anything. */
function previewKind(a) {
  const type = (a.contentType || '').toLowerCase();
  if (a.size > PREVIEW_MAX_BYTES) return null;
  if (/^image\/(png|jpeg|gif|webp|bmp|avif)$/.test(type)) return 'image';
  if (/^text\//.test(type) && type !== 'text/html') return 'text';
  return null;
}

function objectURL(blob) {
  const url = URL.createObjectURL(blob);
  objectURLs.push(url);
  return url;
}

function releaseObjectURLs() {
  for (const url of objectURLs) URL.revokeObjectURL(url);
  objectURLs = [];
}

async function loadThumbnail(img, part, seq) {
  if (part.size > THUMBNAIL_MAX_BYTES) return;
  try {
    const blob = await api.getAttachment(current.id, part.partId, { inline: true });
    if (seq !== loadSeq) return;
    img.src = objectURL(new Blob([blob], { type: part.contentType }));
  } catch { /* a thumbnail is optional; the chip still downloads */ }
}

/**
 * Shows an image or text attachment below the list. Images go into an <img>
 * (which never runs script, SVG included, and SVG is not offered anyway); text
 * becomes a text node in a <pre>, never parsed as markup.
 */
async function showPreview(partId) {
  const part = (current?.attachments || []).find((a) => a.partId === partId);
  const kind = part && previewKind(part);
  if (!kind) return;
  const seq = loadSeq;
  try {
    const blob = await api.getAttachment(current.id, partId, { inline: true });
    if (seq !== loadSeq) return;
    let body;
    if (kind === 'image') {
      body = el('img', { class: 'preview-image', attrs: { alt: attachmentName(part), src: objectURL(new Blob([blob], { type: part.contentType })) } });
    } else {
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let text;
      try { text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch { text = new TextDecoder('windows-1252').decode(bytes); }
      body = el('pre', { class: 'preview-text', text });
    }
    $('preview-name').textContent = attachmentName(part);
    $('preview-body').replaceChildren(body);
    $('attachment-preview').hidden = false;
    $('attachment-preview').dataset.partId = partId;
  } catch (err) {
    showError(err);
  }
}

function closePreview() {
  $('attachment-preview').hidden = true;
  delete $('attachment-preview').dataset.partId;
  $('preview-body').replaceChildren();
}

export function attachmentName(a) {
  return a.filename || `attachment-${a.partId}`;
}

function renderBody() {
  const m = current;
  if (!m) return;
  const textBox = $('reader-text');
  const hasHtml = Boolean(m.html);
  const toggle = $('toggle-format');
  toggle.hidden = !hasHtml;
  toggle.textContent = view === 'html' ? t('reader.showText') : t('reader.showHtml');

  if (view === 'html' && hasHtml) {
    textBox.hidden = true;
    $('reader-nobody').hidden = true;
    showFrame(buildSrcdoc(preparedHtml, imagesAllowed));
    const blocked = preparedHtml.hasRemote && !imagesAllowed;
    $('show-images').hidden = !blocked;
    $('images-blocked').hidden = !blocked;
  } else {
    showFrame(null);
    $('show-images').hidden = true;
    $('images-blocked').hidden = true;
    const text = m.text ?? (hasHtml ? htmlToText(m.html) : '');
    textBox.replaceChildren();
    appendLinkified(textBox, text || '');
    textBox.hidden = !text;
    $('reader-nobody').hidden = Boolean(text);
  }
}

/**
 * Shows `srcdoc` in a new message frame (or hides the frame when null). A frame
 * that is reused, hidden and shown again, or given a new srcdoc while it is
 * laid out, is not always painted by Chromium: the document is there but the
 * pane stays blank until something forces a repaint (issue 16). A fresh iframe,
 * a clone of the one in index.html (same sandbox, title, test id) with its
 * srcdoc set before it enters the document, paints every time.
 */
function showFrame(srcdoc) {
  const old = $('reader-html-frame');
  if (srcdoc === null && old.hidden && !old.hasAttribute('srcdoc')) return;
  const frame = old.cloneNode(false);
  frame.removeAttribute('srcdoc');
  frame.hidden = srcdoc === null;
  if (srcdoc !== null) frame.srcdoc = srcdoc;
  old.replaceWith(frame);
}

/** Plain text from an HTML body, parsed inertly (DOMParser runs and loads nothing). */
export function htmlToText(html) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  for (const node of doc.querySelectorAll('script, style, head')) node.remove();
  for (const br of doc.querySelectorAll('br')) br.replaceWith('\n');
  for (const cell of doc.querySelectorAll('td, th')) cell.append(' ');
  const blocks = 'p, div, tr, li, h1, h2, h3, h4, h5, h6, blockquote, pre, form, table, ul, ol, section, article, header, footer, hr';
  for (const block of doc.querySelectorAll(blocks)) block.append('\n');
  return (doc.body?.textContent || '').replace(/\n{3,}/g, '\n\n').trim();
}

const REMOTE_PATTERN = /(?:\b(?:src|srcset|background|poster)\s*=\s*["']?\s*(?:https?:)?\/\/)|(?:url\(\s*["']?\s*(?:https?:)?\/\/)/i;

/**
 * Parses the message HTML inertly, removes what has no business in a mail
 * view (scripts, <base>, <link>, http-equiv metas such as refresh), and
 * replaces cid: images with data: URLs fetched with the bearer token.
 */
async function prepareHtml(message) {
  const doctype = /^\s*<!doctype/i.test(message.html);
  const doc = new DOMParser().parseFromString(message.html, 'text/html');
  for (const node of doc.querySelectorAll('script, base, link, meta[http-equiv], object, embed, applet, iframe, frame, frameset')) {
    node.remove();
  }
  doc.documentElement.removeAttribute('manifest');
  // Belt and braces: the sandbox already stops scripts, but drop handlers
  // and javascript: URLs too, should the sandbox ever be loosened.
  for (const node of doc.querySelectorAll('*')) {
    for (const attr of [...node.attributes]) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on') || (/^(href|src|action|formaction|xlink:href)$/.test(name) && /^\s*javascript:/i.test(attr.value))) {
        node.removeAttribute(attr.name);
      }
    }
  }

  const byCid = new Map();
  for (const a of message.attachments || []) {
    if (a.contentId) byCid.set(a.contentId.replace(/^<|>$/g, '').toLowerCase(), a);
  }
  const cache = new Map();
  for (const img of doc.querySelectorAll('img[src]')) {
    const src = img.getAttribute('src').trim();
    if (!/^cid:/i.test(src)) continue;
    let cid = src.slice(4);
    try { cid = decodeURIComponent(cid); } catch { /* keep as is */ }
    const part = byCid.get(cid.replace(/^<|>$/g, '').toLowerCase());
    if (!part || !/^image\//i.test(part.contentType || '')) continue;
    try {
      if (!cache.has(part.partId)) {
        const blob = await api.getAttachment(message.id, part.partId, { inline: true });
        const typed = blob.type.startsWith('image/') ? blob : new Blob([blob], { type: part.contentType });
        cache.set(part.partId, await blobToDataURL(typed));
      }
      img.setAttribute('src', cache.get(part.partId));
    } catch (err) {
      showError(err);
    }
  }
  const html = doc.documentElement.outerHTML;
  return { doctype, html, hasRemote: REMOTE_PATTERN.test(html) };
}

/** The srcdoc: CSP meta first of all, then the message's own document. */
export function buildSrcdoc(prepared, allowRemoteImages) {
  const imgSrc = allowRemoteImages ? 'data: cid: https: http:' : 'data: cid:';
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src ${imgSrc}; form-action 'none'`;
  const preamble = `<meta http-equiv="Content-Security-Policy" content="${csp}">`
    + '<meta name="referrer" content="no-referrer">'
    + '<meta name="color-scheme" content="light">'
    + '<base target="_blank">'
    + '<style>html{background:#fff;color:#111}body{margin:0;padding:16px;font:15px/1.5 system-ui,sans-serif;overflow-wrap:anywhere}img{max-width:100%;height:auto}</style>';
  // The serialised document starts with "<html ...><head>": put the preamble
  // right after <head> so that nothing of the message comes before the CSP.
  const html = prepared.html.replace(/^(<html[^>]*>\s*<head[^>]*>)/i, `$1${preamble}`);
  const safe = html.startsWith('<html') && html.includes(preamble) ? html : preamble + prepared.html;
  return (prepared.doctype ? '<!DOCTYPE html>' : '') + safe;
}

async function download(partId) {
  if (!current) return;
  const part = (current.attachments || []).find((a) => a.partId === partId);
  try {
    const blob = await api.getAttachment(current.id, partId);
    saveBlob(blob, part ? attachmentName(part) : `attachment-${partId}`);
  } catch (err) {
    showError(err);
  }
}

async function viewSource() {
  if (!current) return;
  try {
    const raw = await api.getRawMessage(current.id);
    $('source-text').textContent = raw;
    $('source-dialog').showModal();
    $('source-text').focus();
  } catch (err) {
    showError(err);
  }
}
